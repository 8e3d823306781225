"""Whole-file and whole-year losses, short records and unreadable bytes, each reproduced on a
small hand-made raw root whose manifest is re-hashed after the change (issue 11, points 1, 2
and 8): checksums match, so only the content checks stand between the change and a release."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from rawfactory import (
    drop_manifest_rows,
    make_cbp_ice_root,
    rehash,
    set_manifest_column,
    tx_row,
    write_counts,
)

from ice_cbp_awards.build import build_package
from ice_cbp_awards.cli import main
from ice_cbp_awards.readers import cbp_ice
from ice_cbp_awards.readers.errors import RawInputError

FAM = "usaspending-cbp-ice/2026-08-22"
FY22 = f"{FAM}/CBP_ICE_FY2022_Contract_Obligations.csv"
FY23 = f"{FAM}/CBP_ICE_FY2023_Contract_Obligations.csv"
CBP = {"agency": "CBP", "piid": "70B04C22F00000001", "recipient": "FOUR POINTS TECHNOLOGY LLC"}
FILES = {
    2022: [tx_row(), tx_row(mod="P00001", amount="-250.5", date="2022-06-03"), tx_row(**CBP)],
    2023: [
        tx_row(piid="70CTD023FR0000001", date="2023-05-01"),
        tx_row(**{**CBP, "piid": "70B04C23F00000002"}, date="2023-02-01"),
    ],
}
SLICES = [("ICE", 2022, 1, 100), ("CBP", 2022, 1, 100), ("ICE", 2023, 1, 100)]
SLICES += [("CBP", 2023, 1, 100)]


def root_of(tmp_path: Path, files: dict[int, list[list[str]]] | None = None) -> Path:
    return make_cbp_ice_root(tmp_path / "raw", files or FILES)


def build(tmp_path: Path, root: Path, allow: list[str] | None = None, slices=None):
    counts = write_counts(tmp_path / "counts.csv", SLICES if slices is None else slices)
    return build_package(
        root,
        tmp_path / "data",
        include_legacy=False,
        write_db=False,
        expected_counts=counts,
        allow=allow or [],
    )


def read(data_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False)


def header_only(root: Path, rel: str) -> None:
    f = root / rel
    f.write_text(f.read_text().splitlines()[0] + "\n")


# --- point 1: a fiscal year cannot vanish -------------------------------------------------


@pytest.mark.integration
def test_full_root_builds(tmp_path: Path) -> None:
    result = build(tmp_path, root_of(tmp_path))
    assert len(read(result.data_dir, "transactions")) == 5


def test_header_only_year_fails_naming_the_file(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    header_only(root, FY23)
    rehash(root, recount=True)
    with pytest.raises(RawInputError) as err:
        build(tmp_path, root)
    assert str(err.value).startswith(f"{FY23}: no data rows (header only)")
    assert not (tmp_path / "data").exists()


def test_header_only_year_without_recount_names_the_manifest_count(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    header_only(root, FY23)
    rehash(root)
    with pytest.raises(RawInputError, match="the manifest lists 2 rows, the file holds 0"):
        build(tmp_path, root)


def test_dropped_manifest_row_leaves_an_unlisted_file(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    drop_manifest_rows(root, 2023)
    with pytest.raises(RawInputError) as err:
        build(tmp_path, root)
    assert str(err.value).startswith(f"{FY23}: in the snapshot folder but not in the manifest")


def test_dropped_manifest_row_and_file_fail_naming_the_slices(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    drop_manifest_rows(root, 2023)
    (root / FY23).unlink()
    with pytest.raises(RawInputError) as err:
        build(tmp_path, root)
    msg = str(err.value)
    assert msg.startswith(
        f"{tmp_path / 'counts.csv'}: expected slices with no rows published:"
        " usaspending-cbp-ice CBP FY2023 (0 read), usaspending-cbp-ice ICE FY2023 (0 read);"
    )
    assert not (tmp_path / "data").exists()


def test_vanished_agency_slice_fails(tmp_path: Path) -> None:
    files = {**FILES, 2023: [FILES[2023][1]]}  # ICE rows of FY2023 gone, CBP kept
    with pytest.raises(RawInputError, match=r"usaspending-cbp-ice ICE FY2023\b"):
        build(tmp_path, root_of(tmp_path, files))


def test_incomplete_fetch_fails(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    set_manifest_column(root, "api_reported_rows", "5000")
    set_manifest_column(root, "completeness", "short")
    with pytest.raises(RawInputError) as err:
        build(tmp_path, root)
    assert str(err.value).startswith(
        f"{FY22}: incomplete fetch: the manifest says 'short' (3 rows fetched, the API reported"
        " 5000)"
    )


@pytest.mark.integration
def test_empty_year_built_only_under_reviewed_allowances(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    header_only(root, FY23)
    rehash(root, recount=True)
    reason = "FY2023 re-pull pending (ticket 42)"
    allow = [
        f"empty-file:{FY23}={reason}",
        f"missing-slice:usaspending-cbp-ice/ICE/2023={reason}",
        f"missing-slice:usaspending-cbp-ice/CBP/2023={reason}",
    ]
    result = build(tmp_path, root, allow)
    report = read(result.data_dir, "build_report")
    fy23 = report[report["source_id"] == "usaspending-cbp-ice/2026-08-22/fy2023"]
    assert sorted(fy23["agency_acronym"]) == ["CBP", "ICE"]
    assert fy23["rows_read"].tolist() == ["0", "0"]
    assert set(fy23["coverage_flags"]) == {"empty_slice"}
    assert all(reason in n for n in fy23["coverage_note"])
    summary = json.loads((result.data_dir / "build_report.json").read_text())
    assert [a["kind"] for a in summary["allowances"]] == [
        "empty-file",
        "missing-slice",
        "missing-slice",
    ]


def test_allowance_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RawInputError, match="matched nothing"):
        build(tmp_path, root_of(tmp_path), [f"empty-file:{FY22}=not empty at all"])


def test_allowance_needs_a_reason(tmp_path: Path) -> None:
    with pytest.raises(RawInputError, match="KIND:TARGET=REASON"):
        build(tmp_path, root_of(tmp_path), [f"empty-file:{FY22}"])


def test_build_with_zero_rows_fails_clearly(tmp_path: Path) -> None:
    root = root_of(tmp_path, {2022: []})
    with pytest.raises(RawInputError, match="no data rows"):
        build(tmp_path, root, [f"empty-file:{FY22}=test"], slices=[])


# --- point 2: short records ---------------------------------------------------------------


@pytest.mark.integration
def test_cut_last_cell_is_quarantined_not_a_phantom_award(tmp_path: Path) -> None:
    files = {
        **FILES,
        2022: FILES[2022]
        + [
            tx_row(
                **CBP, mod="P00001", key="CONT_AWD_70B04C22F00000001_7014_70B04C21D00000002_7001"
            )
        ],
    }
    root = root_of(tmp_path, files)
    f = root / FY22
    f.write_bytes(f.read_bytes()[:-3])  # "01\n" (4 bytes in a CRLF file): the key ends "_70"
    rehash(root)
    result = build(tmp_path, root)
    tx = read(result.data_dir, "transactions")
    assert not tx["award_id_usaspending"].str.endswith("_70").any()
    rej = read(result.data_dir, "rejects")
    (row,) = rej.itertuples()
    assert row.reason_code == "malformed_award_key" and row.raw_line_number == "5"
    assert row.reason_detail.startswith(f"{FY22} line 5: award key ")
    assert "parent agency code '70' is not a 4-character agency code" in row.reason_detail


@pytest.mark.integration
def test_missing_cell_is_quarantined_with_the_cells_read(tmp_path: Path) -> None:
    files = {**FILES, 2022: FILES[2022] + [tx_row(mod="P00002")[:-1]]}
    result = build(tmp_path, root_of(tmp_path, files))
    rej = read(result.data_dir, "rejects")
    (row,) = rej.itertuples()
    assert row.reason_code == "wrong_field_count" and row.raw_line_number == "5"
    assert row.reason_detail == f"{FY22} line 5: 9 fields where the header has 10"
    values = json.loads(row.raw_values_json)
    assert values["Modification"] == "P00002" and "Generated Award ID" not in values
    report = read(result.data_dir, "build_report")
    assert report["rows_quarantined"].astype(int).sum() == 1


@pytest.mark.integration
def test_extra_cell_keeps_every_cell(tmp_path: Path) -> None:
    files = {**FILES, 2022: FILES[2022] + [tx_row(mod="P00002") + ["stray"]]}
    result = build(tmp_path, root_of(tmp_path, files))
    (row,) = read(result.data_dir, "rejects").itertuples()
    values = json.loads(row.raw_values_json)
    assert values["Modification"] == "P00002" and values["__extra_cells"] == ["stray"]


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("CONT_AWD_70CTD022FR0000170_701_-NONE-_-NONE-", "agency code '701'"),
        ("CONT_AWD_70CTD022FR0000170_7012_-NONE-_-NO", "parent agency code '-NO'"),
        ("CONT_AWD_70CTD022FR0000170_7012_-NONE-_7001", "parent agency code '7001' without"),
        ("CONT_AWD_70CTD022FR0000170_7012_GS35F0001X_-NONE-", "parent PIID 'GS35F0001X' with"),
    ],
)
def test_award_key_parts_are_checked(tmp_path: Path, key: str, problem: str) -> None:
    root = root_of(tmp_path, {2022: [tx_row(key=key)]})
    batch = cbp_ice.read(root)
    (bad,) = batch.bad_rows
    assert bad["reason_code"] == "malformed_award_key" and problem in bad["reason_detail"]


# --- point 8: unreadable bytes, one line naming file and line -----------------------------


def test_latin1_byte_names_file_and_line(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    f = root / FY22
    f.write_bytes(f.read_bytes().replace(b"PALANTIR USG INC", b"PALANTIR USG \xc9NC", 1))
    rehash(root)
    with pytest.raises(RawInputError) as err:
        cbp_ice.read(root)
    assert str(err.value) == (
        f"{root / FY22}: line 2: byte 0xc9 is not UTF-8 (the file must be UTF-8 text)"
    )


def test_stray_carriage_return_names_file_and_line(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    f = root / FY22
    f.write_bytes(f.read_bytes().replace(b"SOFTWARE PUBLISHERS", b"SOFTWARE\rPUBLISHERS", 2))
    rehash(root)
    with pytest.raises(RawInputError) as err:
        cbp_ice.read(root)
    assert str(err.value) == (
        f"{root / FY22}: line 2: carriage return inside an unquoted field (a record broken in two?)"
    )


def test_empty_manifest_is_named(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    (root / "usaspending-cbp-ice/manifest.csv").write_bytes(b"")
    with pytest.raises(RawInputError, match=r"manifest\.csv: manifest is empty"):
        cbp_ice.read(root)


def test_cli_error_is_one_line_and_traceback_only_verbose(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    f = root / FY22
    f.write_bytes(f.read_bytes().replace(b"PALANTIR", b"PAL\xc9NTIR", 1))
    rehash(root)
    args = ["build", "--raw-root", str(root), "--no-legacy", "--no-db"]
    args += ["--data-dir", str(tmp_path / "data")]
    plain = CliRunner().invoke(main, args)
    assert plain.exit_code == 1
    lines = [ln for ln in plain.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "CBP_ICE_FY2022_Contract_Obligations.csv: line 2:" in lines[0]
    assert "Traceback" not in plain.output
    verbose = CliRunner().invoke(main, ["--verbose", *args])
    assert verbose.exit_code == 1 and "Traceback" in verbose.output


def test_cli_bad_allowance_is_one_line(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["build", "--raw-root", str(tmp_path), "--allow", "empty-file"])
    assert out.exit_code == 1
    assert out.output.strip().splitlines()[-1] == (
        "error: --allow: 'empty-file' is not KIND:TARGET=REASON with KIND one of empty-file,"
        " unlisted-file, incomplete-fetch, missing-slice and a reason"
    )


def test_cli_unexpected_error_of_any_command_is_one_line(monkeypatch) -> None:
    import ice_cbp_awards.docs as docs

    def broken() -> list[Path]:
        raise ValueError("dictionary template unreadable\nsecond line of detail")

    monkeypatch.setattr(docs, "write_docs", broken)
    plain = CliRunner().invoke(main, ["docs"])
    assert plain.exit_code == 1
    assert plain.output.strip() == ("error: dictionary template unreadable (more with --verbose)")
    verbose = CliRunner().invoke(main, ["--verbose", "docs"])
    assert "Traceback" in verbose.output and "second line of detail" in verbose.output


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("fiscal_year", "FY24", "fiscal_year 'FY24' is not a year"),
        ("retrieved_at", "yesterday", "retrieved_at 'yesterday' is not a timestamp"),
    ],
)
def test_bad_manifest_values_are_named(
    tmp_path: Path, column: str, value: str, problem: str
) -> None:
    root = make_cbp_ice_root(tmp_path / "raw", {2022: FILES[2022]})
    set_manifest_column(root, column, value)
    with pytest.raises(RawInputError) as err:
        cbp_ice.read(root)
    assert "usaspending-cbp-ice/manifest.csv" in str(err.value) and problem in str(err.value)


def test_failure_messages_name_the_kept_folder_not_the_removed_one(tmp_path: Path) -> None:
    from ice_cbp_awards.build import BuildFailed, retarget_failure
    from ice_cbp_awards.validate.result import Finding, ValidationResult

    tmp, failed = tmp_path / ".data.building-7", tmp_path / ".data-failed"
    result = ValidationResult("frictionless")
    result.findings.append(Finding("transactions", "type-error", f"{tmp}/transactions.csv row 3"))
    exc = BuildFailed(f"validation failed; first: {tmp}/transactions.csv row 3", [result])
    retarget_failure(exc, tmp, failed)
    assert str(exc) == f"validation failed; first: {failed}/transactions.csv row 3"
    assert result.findings[0].message == f"{failed}/transactions.csv row 3"


def test_line_numbers_survive_quoted_newlines_and_short_records(tmp_path: Path) -> None:
    from ice_cbp_awards.readers.rawfile import read_raw_csv

    f = tmp_path / "x.csv"
    f.write_bytes(b'a,b,c\r\n1,"two\r\nlines",3\r\n4,5\r\n6,7,8\r\n')
    table = read_raw_csv(f)
    assert table.line_numbers.tolist() == [2, 5]
    assert table.frame["b"].tolist() == ["two\r\nlines", "7"]
    (bad,) = table.bad_rows
    assert (bad.line, bad.cells) == (4, ["4", "5"])
    named = read_raw_csv(f, names=["x", "y", "z"], skip_header=True)
    assert named.line_numbers.tolist() == [2, 5] and named.bad_rows[0].line == 4


def test_build_whose_every_row_is_quarantined_fails_clearly(tmp_path: Path) -> None:
    root = root_of(tmp_path, {2022: [tx_row(date="nope"), tx_row(mod="P1", date="2022-13-01")]})
    with pytest.raises(RawInputError) as err:
        build(tmp_path, root, slices=[])
    assert str(err.value) == (
        "usaspending-cbp-ice/2026-08-22/fy2022: no row is publishable: 2 rows read, 0 published"
        " (quarantined: unparseable_date 2); nothing to publish"
    )
    assert not (tmp_path / "data").exists()


def test_snapshot_dropped_from_the_manifest_is_not_skipped_silently(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    newer = root / "usaspending-cbp-ice/2026-09-30/CBP_ICE_FY2022_Contract_Obligations.csv"
    newer.parent.mkdir()
    newer.write_bytes((root / FY22).read_bytes())
    problems = cbp_ice.read(root).problems
    assert [p.line() for p in problems] == [
        "usaspending-cbp-ice/2026-09-30/CBP_ICE_FY2022_Contract_Obligations.csv: in the snapshot"
        " folder but not in the manifest (no checksum: not read)"
    ]


def test_fetch_of_zero_rows_against_a_count_of_5000_fails_on_both_counts(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    header_only(root, FY23)
    rehash(root, recount=True)
    set_manifest_column(root, "api_reported_rows", "5000")
    set_manifest_column(root, "completeness", "complete")
    manifest = root / "usaspending-cbp-ice/manifest.csv"
    text = manifest.read_text().splitlines()
    text = [ln.replace(",complete", ",short") if "FY2023" in ln else ln for ln in text]
    manifest.write_text("\n".join(text) + "\n")
    with pytest.raises(RawInputError) as err:
        build(tmp_path, root)
    assert str(err.value).startswith(
        f"{FY23}: no data rows (header only) (and 1 more: {FY23}: incomplete fetch: the manifest"
        " says 'short' (0 rows fetched, the API reported 5000))"
    )


@pytest.mark.integration
def test_unlisted_file_built_only_under_reviewed_allowances(tmp_path: Path) -> None:
    root = root_of(tmp_path)
    drop_manifest_rows(root, 2023)
    reason = "FY2023 file kept for comparison, not part of this snapshot"
    allow = [f"unlisted-file:{FY23}={reason}"]
    allow += [f"missing-slice:usaspending-cbp-ice/{a}/2023={reason}" for a in ("ICE", "CBP")]
    result = build(tmp_path, root, allow)
    summary = json.loads((result.data_dir / "build_report.json").read_text())
    assert {(a["kind"], a["target"]) for a in summary["allowances"]} == {
        ("unlisted-file", FY23),
        ("missing-slice", "usaspending-cbp-ice/ICE/2023"),
        ("missing-slice", "usaspending-cbp-ice/CBP/2023"),
    }
    tx = read(result.data_dir, "transactions")
    assert sorted(tx["fiscal_year"].unique()) == ["2022"]
