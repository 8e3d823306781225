"""The build's frictionless run (each distinct value once) against stock frictionless."""

from __future__ import annotations

from pathlib import Path

import pytest

from ice_cbp_awards.validate import frictionless_check as fc

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "pattern": "t-[0-9]+"}},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "day", "type": "date", "constraints": {"required": True}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["A", "B"]}},
        {"name": "amount", "type": "number"},
    ]
}
GOOD = ["t-1,1,2024-01-02,A,1.5", "t-2,2,2024-01-03,B,-2", "t-3,,2024-01-03,,0"]


def write(tmp_path: Path, lines: list[str], header: str = "id,n,day,kind,amount") -> Path:
    path = tmp_path / "r.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def run(path: Path) -> tuple[int, list[tuple[str, str, int | None]], str]:
    _, rows, errs, mode = fc.validate_resource_values(("r", str(path), SCHEMA))
    return rows, errs, mode


def stock(path: Path) -> list[tuple[str, str, int | None]]:
    return fc.stock_rows(path, SCHEMA)[1]


def test_valid_file_passes_in_distinct_value_mode(tmp_path: Path) -> None:
    rows, errs, mode = run(write(tmp_path, GOOD * 5))
    assert (rows, errs, mode) == (15, [], "distinct values")
    assert stock(write(tmp_path, GOOD * 5)) == []


def test_cell_errors_match_stock_frictionless_at_their_first_row(tmp_path: Path) -> None:
    lines = GOOD + [
        "x-4,4,2024-01-05,A,1",  # pattern
        "t-5,-1,2024-01-05,A,1",  # minimum
        "t-6,6,not a date,A,1",  # type
        "t-7,7,2024-01-05,C,1",  # enum
        "t-8,8,,A,1",  # required
        "t-9,9,2024-01-05,A,abc",  # type
        "t-10,-1,2024-01-05,C,abc",  # the same bad values again: reported once each
    ]
    path = write(tmp_path, lines)
    _, fast, mode = run(path)
    assert mode == "distinct values"
    full = stock(path)
    first = {}
    for etype, message, row in full:
        first.setdefault((etype, message.split(" at position")[-1]), (message, row))
    assert len(full) == 9 and len(fast) == 6
    for etype, message, row in fast:
        key = (etype, message.split(" (the same value")[0].split(" at position")[-1])
        stock_message, stock_row = first[key]
        assert row == stock_row
        assert message.startswith(stock_message)
    repeated = [m for _, m, _ in fast if "the same value in 1 more rows" in m]
    assert len(repeated) == 3  # -1, C and abc each appear twice


def test_blank_row_is_reported(tmp_path: Path) -> None:
    _, errs, _ = run(write(tmp_path, GOOD + [",,,,"]))
    assert ("blank-row", 'Row at position "5" is completely blank', 5) in errs


@pytest.mark.parametrize(
    ("lines", "header", "error"),
    [
        (GOOD + ["t-4,4,2024-01-05,A,1,extra"], "id,n,day,kind,amount", "extra-cell"),
        (GOOD + ["t-4,4"], "id,n,day,kind,amount", "missing-cell"),
        (GOOD, "id,n,date,kind,amount", "incorrect-label"),
    ],
)
def test_structure_off_falls_back_to_stock_rows(
    tmp_path: Path, lines: list[str], header: str, error: str
) -> None:
    _, errs, mode = run(write(tmp_path, lines, header))
    assert mode == "stock"
    assert error in {e[0] for e in errs}


def test_groups_keep_fields_of_similar_size_together() -> None:
    import pyarrow as pa

    def item(pos: int, n: int) -> fc.Distinct:
        return (pos, {"name": f"f{pos}"}, pa.array([str(i) for i in range(n)]))

    groups = fc.column_groups([item(1, 1000), item(2, 3), item(3, 600), item(4, 2), item(5, 400)])
    assert [[p for p, _, _ in g] for g in groups] == [[1, 3], [5], [2, 4]]


KEYED = {
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "parent_id", "type": "string"},
        {"name": "code", "type": "integer", "constraints": {"unique": True}},
    ],
    "primaryKey": ["id"],
    "foreignKeys": [{"fields": "parent_id", "reference": {"resource": "", "fields": "id"}}],
}


def keys_of(job_list: list[fc.Job]) -> dict[str, list[tuple[str, str, int | None]]]:
    """The findings of each resource of files whose values are all valid: its key findings."""
    return {name: errs for name, _, errs, _ in fc.validate_resources(job_list)}


CHILD = {
    "fields": [{"name": "cid", "type": "string"}, {"name": "id", "type": "string"}],
    "primaryKey": ["cid"],
    "foreignKeys": [{"fields": "id", "reference": {"resource": "k", "fields": "id"}}],
}


def _opened(monkeypatch: pytest.MonkeyPatch, reader: str) -> list[str]:
    """The names of the files Arrow's CSV `reader` (read_csv, open_csv) is called on."""
    names: list[str] = []
    real = getattr(fc.pacsv, reader)

    def counted(path, *args, **kwargs):  # noqa: ANN001, ANN202 - pyarrow's own signature
        names.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(fc.pacsv, reader, counted)
    return names


def test_each_file_is_parsed_once_for_its_values_and_its_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The value pass and the key checks share one reading of each CSV, a broken foreign key
    included."""
    parent, child = tmp_path / "k.csv", tmp_path / "c.csv"
    parent.write_text("id,parent_id,code\na,,1\nb,a,2\n", encoding="utf-8")
    child.write_text("cid,id\nc1,a\nc2,zz\n", encoding="utf-8")
    reads = _opened(monkeypatch, "read_csv")
    found = keys_of([("c", str(child), CHILD), ("k", str(parent), KEYED)])
    assert sorted(reads) == ["c.csv", "k.csv"]
    assert found["k"] == []
    [(etype, message, row)] = found["c"]
    assert (etype, row) == ("foreign-key", 3)
    assert 'values "zz" not found in the lookup table "k"' in message


def test_keys_and_foreign_keys_are_frictionless_errors_at_published_rows(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    lines = ["id,parent_id,code", "a,,1", "b,a,2", "a,b,3", "c,zz,2", ",a,4", "d,zz,5"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errs = keys_of([("k", str(path), KEYED)])["k"]
    assert [(t, row) for t, _, row in errs] == [
        ("primary-key", 4),
        ("primary-key", 6),
        ("unique-error", 5),
        ("foreign-key", 5),
    ]
    messages = [m for _, m, _ in errs]
    assert messages[0].endswith("the same as in the row at position 2")
    assert 'field "code" at position "3": the same as in the row at position 3' in messages[2]
    assert 'values "zz" not found in the lookup table "k"' in messages[3]
    assert messages[3].endswith("(the same value in 1 more rows)")


def test_keys_of_a_valid_file_pass(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("id,parent_id,code\na,,1\nb,a,2\nc,b,\n", encoding="utf-8")
    assert keys_of([("k", str(path), KEYED)]) == {"k": []}


# The constraints `awards verify` once checked with a reader of its own (release/table_checks.py):
# each is now caught by the package's frictionless run, which verify reuses.
BOUNDED = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "unique": True,
                                                         "pattern": "tx-[0-9]+"}},
        {"name": "year", "type": "integer", "constraints": {"minimum": 2000, "maximum": 2100}},
        {"name": "amount_usd", "type": "number", "unit": "USD", "constraints": {"minimum": 0}},
        {"name": "day", "type": "date", "constraints": {"minimum": "2020-01-01"}},
        {"name": "code", "type": "string", "constraints": {"maxLength": 4}},
    ],
    "primaryKey": ["id"],
}  # fmt: skip
BOUNDED_GOOD = [["tx-1", "2024", "1.50", "2024-01-02", "A"], ["tx-2", "", "", "", ""]]


@pytest.mark.parametrize(
    ("col", "value", "etype", "constraint"),
    [
        (0, "", "constraint-error", "required"),
        (0, "tx-1", "primary-key", None),
        (0, "tx-1", "unique-error", None),
        (0, "TX-2", "constraint-error", "pattern"),
        (1, "1999", "constraint-error", "minimum"),
        (1, "2101", "constraint-error", "maximum"),
        (2, "-0.01", "constraint-error", "minimum"),
        (3, "2019-12-31", "constraint-error", "minimum"),
        (4, "ABCDE", "constraint-error", "maxLength"),
    ],
)
def test_each_constraint_is_caught_at_its_row(
    tmp_path: Path, col: int, value: str, etype: str, constraint: str | None
) -> None:
    rows = [list(r) for r in BOUNDED_GOOD]
    rows[1][col] = value
    path = tmp_path / "b.csv"
    lines = [",".join(f["name"] for f in BOUNDED["fields"]), *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    job = ("b", str(path), BOUNDED)
    [(_, _, errs, _)] = fc.validate_resources([job])
    hits = [(t, m) for t, m, row in errs if t == etype and row == 3]
    assert hits, errs
    if constraint:
        assert any(f'constraint "{constraint}"' in m for _, m in hits), hits


FREE = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "pattern": "t-[0-9]+"}},
        {"name": "note", "type": "string", "constraints": {"required": True}},
        {"name": "text", "type": "string"},
    ]
}
ODD = ['t-1,"a ""quoted"" note",é ✓ 中文', "t-2, ,NaN", "t-3,null,   ", f"t-4,{'x' * 5000},-1"]


def test_text_that_frictionless_accepts_whatever_it_is_is_not_sent_to_it(tmp_path: Path) -> None:
    """A string of the default format with no constraint but `required` accepts any text:
    stock frictionless finds nothing in such columns, so the value pass does not send their
    values (about a third of the real snapshot's distinct values: descriptions, names); their
    missing values are still checked."""
    path = tmp_path / "f.csv"
    path.write_text("\n".join(["id,note,text", *ODD, "t-5,,x"]) + "\n", encoding="utf-8")
    stock_errs = fc.stock_rows(path, FREE)[1]
    assert [(t, row) for t, _, row in stock_errs] == [("constraint-error", 6)]
    assert [fc.accepts_any_text(f) for f in FREE["fields"]] == [False, True, True]
    assert not fc.accepts_any_text({"name": "u", "type": "string", "format": "uri"})
    assert not fc.accepts_any_text({"name": "n", "type": "integer"})
    assert not fc.accepts_any_text({"name": "m", "type": "string", "constraints": {"maxLength": 3}})
    _, _, errs, mode = fc.validate_resource_values(("f", str(path), FREE))
    assert mode == "distinct values"
    assert [(t, row) for t, _, row in errs] == [("constraint-error", 6)]
    assert 'field "note"' in errs[0][1] and '"required"' in errs[0][1]


CERTAIN = {
    "fields": [
        {"name": "tid", "type": "string", "constraints": {"pattern": "tx-[0-9a-f]{4}"}},
        {"name": "either", "type": "string", "constraints": {"pattern": "A|B"}},
        {"name": "amount", "type": "number"},
        {"name": "count", "type": "integer", "constraints": {"minimum": 0, "maximum": 100}},
        {"name": "bounded", "type": "number", "constraints": {"minimum": 0}},
        {"name": "grouped", "type": "integer", "groupChar": ","},
        {"name": "day", "type": "date"},
        {"name": "page", "type": "string", "format": "uri"},
        {"name": "since", "type": "date", "constraints": {"minimum": "2020-01-01"}},
    ]
}
# per field, values frictionless accepts and values it rejects, odd forms on both sides
CERTAIN_VALUES = {
    "tid": ["tx-00ab", "tx-00AB", "TX-00ab", "tx-00ab ", "tx-0", "tx-00ab\n", "x tx-00ab"],
    "either": ["A", "B", "Axyz", "xyzB", "C", " A", "AB"],
    "amount": ["1.5", "-0", "007.50", "1e5", " 7", "NaN", "Infinity", "+5", "1,000", "1.", ".5",
               "1_000", "0x10", "--1", "\u0661\u0662", "abc"],
    "count": ["0", "100", "007", "-1", "101", " 5", "5.0", "1e2", "\u0661\u0662",
              "99999999999999999999", "-0"],
    "bounded": ["1", "-1", "0.0", "-0.01", "1e3", "x"],
    "grouped": ["1,000", "1000", "1.000", "x"],
    "day": ["2024-02-29", "2023-02-29", "0001-01-01", "0000-01-01", "2024-13-01", "2024-01-32",
            "2024-2-5", "20240101", " 2024-01-01", "2024-01-01T00:00", "2024-01-01\n",
            "\u0662\u0660\u0662\u0664-01-01", "2024/01/01"],
    "page": ["https://www.usaspending.gov/award/CONT_AWD_X_7012_-NONE-_-NONE-/", "http://x",
             "mailto:a@b.c", "1https://x", "https://a b", "https://\u00e9.example/",
             "https://user:pw@host/", "www.usaspending.gov/award/1", "/award/1", ":x",
             "https://x/\n", "HTTPS://X.ORG/"],
    "since": ["2020-01-01", "2024-06-30", "2019-12-31", "x"],
}  # fmt: skip


def test_values_frictionless_certainly_accepts_are_not_sent_and_findings_are_stock(
    tmp_path: Path,
) -> None:
    """Only values frictionless's own checks accept are held back: a string its pattern check
    accepts, a plain decimal or plain integer within bounds; every odd form goes to it. Each
    value sits on its own row, so the findings must equal stock frictionless's one for one."""
    import csv

    names = [f["name"] for f in CERTAIN["fields"]]
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        for i, name in enumerate(names):
            for value in CERTAIN_VALUES[name]:
                cells = ["tx-0000", "A", "1", "1", "1", "1", "2024-01-01", "http://x", "2020-01-01"]
                cells[i] = value
                writer.writerow(cells)
    _, _, fast, mode = fc.validate_resource_values(("c", str(path), CERTAIN))
    assert mode == "distinct values"
    stock_errs = fc.stock_rows(path, CERTAIN)[1]
    assert sorted((t, row) for t, _, row in fast) == sorted((t, row) for t, _, row in stock_errs)
    # 5 tid, 3 either, 4 amount, 5 count, 3 bounded, 3 grouped, 9 day, 4 page, 2 since
    assert len(stock_errs) == 38

    import pyarrow as pa

    def sent(name: str, values: list[str]) -> list[str]:
        field = next(f for f in CERTAIN["fields"] if f["name"] == name)
        return fc.could_reject(field, pa.array(values)).to_pylist()

    assert sent("tid", ["tx-00ab", "tx-00ab\n", "TX-00ab"]) == ["TX-00ab"]
    assert sent("either", ["A", "Axyz", "C"]) == ["C"]
    assert sent("amount", ["1.5", "-0", "1e5", " 7", "NaN"]) == ["1e5", " 7", "NaN"]
    assert sent("count", ["0", "100", "101", "-1", "5.0"]) == ["101", "-1", "5.0"]
    assert sent("bounded", ["1", "2"]) == ["1", "2"]  # number bounds: all sent
    assert sent("grouped", ["1000"]) == ["1000"]  # a number property: all sent
    days = ["2024-02-29", "2023-02-29", "0000-01-01", "2024-2-5", "2024-01-01\n", "20240101"]
    assert sent("day", days) == days[1:]
    pages = ["https://www.usaspending.gov/award/A_1-B/", "HTTPS://X.ORG/", "mailto:a@b.c",
             "https://user:pw@host/", "https://x/\n", "https://a b"]  # fmt: skip
    assert sent("page", pages) == pages[2:]
    assert sent("since", ["2024-06-30"]) == ["2024-06-30"]  # date bounds: all sent


@pytest.mark.parametrize("block_bytes", [64, 32])
@pytest.mark.parametrize("broken", [False, True])
def test_a_large_file_read_in_parts_gives_the_findings_of_one_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: bool, block_bytes: int
) -> None:
    """A CSV of PARTS_FROM_BYTES or more is read in parts (here every file, in parts of 64
    bytes, read a block of 64 or 32 bytes at a time: one block a part, or two joined); its
    values, keys and foreign keys give the same findings, placed at the same rows with the
    same cells, as the file read whole."""
    from ice_cbp_awards import tables

    monkeypatch.setattr(tables, "READ_BLOCK_BYTES", block_bytes)
    parent, child = tmp_path / "k.csv", tmp_path / "c.csv"
    keyed = ["id,parent_id,code", *(f"k{i},,{i}" for i in range(30))]
    children = ["cid,id", *(f"c{i},k{i % 30}" for i in range(60))]
    if broken:
        keyed += ["k3,k1,300", "k31,zz,7", "k32,,x", "k33,zz,33"]  # key, unique, fk, type
        keyed.insert(1, "k40,,y")  # a wrong type in the first part too: found first
        children += ["c7,k1", "c99,nope", "", "c100,"]  # key, fk, blank row, missing value
    parent.write_text("\n".join(keyed) + "\n", encoding="utf-8")
    child.write_text("\n".join(children) + "\n", encoding="utf-8")
    job_list = [("c", str(child), CHILD), ("k", str(parent), KEYED)]
    opened = _opened(monkeypatch, "open_csv")
    whole = fc.validate_resources(job_list, parts_from=10**12)
    assert opened == []
    in_parts = fc.validate_resources(job_list, parts_from=0, part_bytes=64)
    assert sorted(opened) == ["c.csv", "k.csv"]
    assert in_parts == whole
    errors = [e for _, _, errs, _ in whole for e in errs]
    assert bool(errors) == broken
    if broken:
        kinds = {t for t, _, _ in errors}
        assert kinds >= {"primary-key", "unique-error", "foreign-key", "type-error", "blank-row"}
