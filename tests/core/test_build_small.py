"""The build on small hand-made raw roots: quarantine, duplicates, collisions, failures that
keep the previous data dir, and foreign keys that point nowhere."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from rawfactory import make_cbp_ice_root, tx_row, write_counts

from ice_cbp_awards.build import BuildFailed, build_package
from ice_cbp_awards.readers.errors import ChecksumMismatch, HeaderMismatch, RawInputError
from ice_cbp_awards.validate import runner, workers

pytestmark = pytest.mark.integration  # each test builds a small package end to end

ROWS = [
    tx_row(),
    tx_row(mod="P00001", amount="-250.5", date="2022-10-03"),
    tx_row(
        agency="CBP",
        piid="70B04C22F00000001",
        recipient="FOUR POINTS TECHNOLOGY LLC",
        description="AWS GOVCLOUD",
    ),
]


def build_small(
    tmp_path: Path,
    rows: list[list[str]],
    data_dir: Path | None = None,
    counts: list[tuple[str, int, int, int]] | None = None,
):
    root = make_cbp_ice_root(tmp_path / "raw", {2022: rows})
    counts_file = write_counts(tmp_path / "counts.csv", counts or [("ICE", 2022, 1, 100)])
    return build_package(
        root,
        data_dir or tmp_path / "data",
        include_legacy=False,
        write_db=False,
        expected_counts=counts_file,
    )


def read(data_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False)


def test_small_build_publishes_traceable_rows(tmp_path: Path) -> None:
    result = build_small(tmp_path, ROWS)
    tx = read(result.data_dir, "transactions")
    assert len(tx) == 3
    row = tx[tx["modification_number"] == "P00001"].iloc[0]
    assert row["fiscal_year"] == "2023" and float(row["federal_action_obligation_usd"]) == -250.5
    assert row["source_id"] == "usaspending-cbp-ice/2026-08-22/fy2022"
    assert row["raw_line_number"] == "3"
    awards = read(result.data_dir, "awards")
    icm = awards[awards["award_id_piid"] == "70CTD022FR0000170"].iloc[0]
    assert float(icm["transactions_obligation_sum_usd"]) == 749.5
    assert icm["transaction_count"] == "2" and icm["has_base_action_in_package"] == "true"
    assert all(r.ok for r in result.validation)
    assert (result.data_dir / "validation" / "report.html").exists()


def test_exact_duplicates_removed_and_counted(tmp_path: Path) -> None:
    result = build_small(tmp_path, ROWS + [ROWS[0]])
    report = read(result.data_dir, "build_report")
    ice = report[report["agency_acronym"] == "ICE"]
    assert ice["duplicate_rows_removed"].astype(int).sum() == 1
    assert ice["rows_read"].astype(int).sum() == 3
    assert len(read(result.data_dir, "transactions")) == 3


def test_unparseable_date_and_bad_amount_are_quarantined(tmp_path: Path) -> None:
    rows = ROWS + [tx_row(mod="P00002", date="2022-13-45"), tx_row(mod="P00003", amount="12O.5")]
    result = build_small(tmp_path, rows)
    rej = read(result.data_dir, "rejects").set_index("raw_line_number")
    path = "usaspending-cbp-ice/2026-08-22/CBP_ICE_FY2022_Contract_Obligations.csv"
    assert rej.loc["5", "reason_code"] == "unparseable_date"
    assert rej.loc["5", "reason_detail"] == (
        f"{path} line 5: action_date '2022-13-45' is not a date in the expected format (%Y-%m-%d)"
    )
    assert rej.loc["6", "reason_code"] == "non_numeric_amount"
    assert rej.loc["6", "reason_detail"] == (
        f"{path} line 6: federal_action_obligation '12O.5' is not a number"
    )
    assert json.loads(rej.loc["6", "raw_values_json"])["Federal Action Obligation"] == "12O.5"
    report = read(result.data_dir, "build_report")
    ice = report[report["agency_acronym"] == "ICE"]
    assert ice["rows_quarantined"].astype(int).sum() == 2
    assert "non_numeric_amount:1" in ";".join(ice["quarantine_reasons"])
    assert len(read(result.data_dir, "transactions")) == 3


def test_duplicate_key_with_other_values_is_a_reported_collision(tmp_path: Path) -> None:
    rows = ROWS + [tx_row(amount="999.0")]  # same award and modification, other amount
    result = build_small(tmp_path, rows)
    rej = read(result.data_dir, "rejects")
    assert rej["reason_code"].tolist() == ["id_collision"]
    path = "usaspending-cbp-ice/2026-08-22/CBP_ICE_FY2022_Contract_Obligations.csv"
    assert (
        rej["reason_detail"]
        .iloc[0]
        .endswith(
            f"is already taken by {path} line 2 with different values; neither is overwritten,"
            " this row is quarantined"
        )
    )
    tx = read(result.data_dir, "transactions")
    icm = tx[(tx["modification_number"] == "0") & (tx["award_id_piid"] == "70CTD022FR0000170")]
    assert icm["federal_action_obligation_usd"].tolist() == ["1000"]


def _previous_build(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    data = tmp_path / "data"
    build_small(tmp_path / "first", ROWS, data)
    return data, {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}


def _unchanged(data: Path, before: dict[str, bytes]) -> bool:
    return {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before


def test_bad_checksum_fails_and_keeps_previous_data(tmp_path: Path) -> None:
    data, before = _previous_build(tmp_path)
    root = make_cbp_ice_root(tmp_path / "raw2", {2022: ROWS})
    f = next((root / "usaspending-cbp-ice/2026-08-22").glob("*.csv"))
    f.write_bytes(f.read_bytes().replace(b"1000.0", b"9000.0"))
    with pytest.raises(ChecksumMismatch, match="sha256 mismatch"):
        build_package(root, data, include_legacy=False, write_db=False)
    assert _unchanged(data, before)
    assert "ChecksumMismatch" in (tmp_path / ".data-failed" / "error.txt").read_text()


def test_changed_header_fails_and_keeps_previous_data(tmp_path: Path) -> None:
    data, before = _previous_build(tmp_path)
    from rawfactory import HEADER

    header = [c if c != "Modification" else "Mod" for c in HEADER]
    root = make_cbp_ice_root(tmp_path / "raw2", {2022: ROWS}, header=header)
    with pytest.raises(
        HeaderMismatch, match="missing columns 'Modification'; unexpected columns 'Mod'"
    ):
        build_package(root, data, include_legacy=False, write_db=False)
    assert _unchanged(data, before)


def test_rows_below_expected_minimum_fail_and_keep_previous_data(tmp_path: Path) -> None:
    data, before = _previous_build(tmp_path)
    bad = [tx_row(date="not a date"), tx_row(mod="P00001", date="2022-02-30")]
    with pytest.raises(BuildFailed) as err:
        build_small(
            tmp_path / "second", bad + [ROWS[0], ROWS[2]], data, counts=[("ICE", 2022, 3, 100)]
        )
    assert "great_expectations" in str(err.value)
    assert "transactions usaspending-cbp-ice ICE FY2022: 1 rows, min_rows 3" in str(err.value)
    assert _unchanged(data, before)


def test_slice_with_every_row_quarantined_fails_before_writing(tmp_path: Path) -> None:
    data, before = _previous_build(tmp_path)
    bad = [tx_row(date="not a date"), tx_row(mod="P00001", date="2022-02-30")]
    with pytest.raises(RawInputError) as err:
        build_small(tmp_path / "second", bad + [ROWS[2]], data, counts=[("ICE", 2022, 1, 100)])
    assert "expected slices with no rows published: usaspending-cbp-ice ICE FY2022 (2 read)" in (
        str(err.value)
    )
    assert _unchanged(data, before)


def test_foreign_key_pointing_nowhere_fails_validation(tmp_path: Path) -> None:
    result = build_small(tmp_path, ROWS)
    tx_path = result.data_dir / "transactions.csv"
    tx_path.write_text(
        tx_path.read_text().replace(
            "usaspending-cbp-ice/2026-08-22/fy2022", "usaspending-cbp-ice/nowhere/fy2022"
        )
    )
    stock, _, _ = runner.run_all(result.data_dir, full=True)
    assert any(f.check == "foreign-key" for f in stock.errors)
    fri, pan, _ = runner.run_all(result.data_dir)  # the build's run: once, by frictionless
    fk = [f for f in fri.errors if f.check == "foreign-key" and f.resource == "transactions"]
    assert len(fk) == 1 and fk[0].row == 2, fri.errors
    assert 'values "usaspending-cbp-ice/nowhere/fy2022" not found in the lookup table' in (
        fk[0].message
    )
    assert fk[0].message.endswith("(the same value in 2 more rows)")
    assert pan.ok  # pandera asks only what a Table Schema cannot


def test_a_build_failing_while_the_database_is_begun_keeps_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database worker loads the core tables while the build curates; a build that fails
    then leaves the previous data dir as it was, database included."""
    import ice_cbp_awards.build as build

    root = make_cbp_ice_root(tmp_path / "raw", {2022: ROWS})
    counts = write_counts(tmp_path / "counts.csv", [("ICE", 2022, 1, 100)])
    data = tmp_path / "data"
    build_package(root, data, include_legacy=False, expected_counts=counts)
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    assert "ice-cbp-tech-awards.db" in before

    def replacing(core: dict[str, pd.DataFrame], *_: object) -> dict[str, pd.DataFrame]:
        return {"transactions": core["transactions"].head(1)}

    monkeypatch.setattr(build, "curated_tables", replacing)
    with pytest.raises(RuntimeError, match=r"curation may not replace the core tables"):
        build_package(root, data, include_legacy=False, expected_counts=counts)
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before


def test_a_large_build_starts_its_workers_once_the_transactions_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large build starts its workers' server, without Great Expectations, once it has
    normalised its input and written the transactions, then begins the database: the package
    is the one a small build gives, byte for byte. A small build starts the server once it has
    read its input."""
    import ice_cbp_awards.build as build

    root = make_cbp_ice_root(tmp_path / "raw", {2022: ROWS})
    counts = write_counts(tmp_path / "counts.csv", [("ICE", 2022, 1, 100)])
    here, apart = tmp_path / "here", tmp_path / "apart"
    steps: list[str] = []
    started = build.runner.start_workers_early
    normalised = build.reconciled_tables
    monkeypatch.setattr(
        build.runner,
        "start_workers_early",
        lambda **kw: steps.append(f"server {kw}") or started(**kw),
    )
    written = build.write_csvs
    monkeypatch.setattr(
        build, "reconciled_tables", lambda b: steps.append("normalise") or normalised(b)
    )
    monkeypatch.setattr(
        build, "write_csvs", lambda t, d: steps.append(f"csv {sorted(t)}") or written(t, d)
    )
    build_package(root, here, include_legacy=False, write_db=False, expected_counts=counts)
    assert steps[:3] == ["server {}", "normalise", "csv ['sources', 'transactions']"]
    steps.clear()
    monkeypatch.setattr(workers, "LARGE_INPUT_BYTES", 0)
    build_package(root, apart, include_legacy=False, expected_counts=counts)
    assert steps[:3] == [
        "normalise",
        "csv ['sources', 'transactions']",
        "server {'expectations': False}",
    ]
    assert (apart / "ice-cbp-tech-awards.db").exists()
    for path in here.glob("*.csv"):
        assert (apart / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_reviewed_table_error_fails_a_large_build_with_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import ice_cbp_awards.build as build
    from ice_cbp_awards.curate.reference import ReferenceError as ReviewedTableError

    reference = tmp_path / "reference"
    shutil.copytree(build.REFERENCE_DIR, reference)
    companies = reference / "companies.csv"
    lines = companies.read_text(encoding="utf-8").splitlines(keepends=True)
    companies.write_text(lines[0] + lines[1] + lines[1] + "".join(lines[2:]), encoding="utf-8")
    monkeypatch.setattr(build, "REFERENCE_DIR", reference)
    monkeypatch.setattr(workers, "LARGE_INPUT_BYTES", 0)
    root = make_cbp_ice_root(tmp_path / "raw", {2022: ROWS})
    counts = write_counts(tmp_path / "counts.csv", [("ICE", 2022, 1, 100)])
    data = tmp_path / "data"
    with pytest.raises(ReviewedTableError, match=r"companies\.csv"):
        build_package(root, data, include_legacy=False, write_db=False, expected_counts=counts)
    assert not data.exists() or not any(data.iterdir())


@pytest.mark.parametrize(("in_parts", "block_bytes"), [(False, 2048), (True, 2048), (True, 1024)])
def test_validating_table_by_table_finds_what_all_tables_at_once_find(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_parts: bool, block_bytes: int
) -> None:
    """pandera and Great Expectations read and check one table at a time in the build's
    worker, a large table in parts (here every table but the sources, in parts of 2 KB, read
    a block of 2 KB or 1 KB at a time); their findings, counts and details are those of
    every table held at once."""
    from ice_cbp_awards import tables
    from ice_cbp_awards.validate import gx_check, pandera_check

    monkeypatch.setattr(tables, "READ_BLOCK_BYTES", block_bytes)

    rows = [tx_row(mod=f"P{i:05d}", amount=f"{i}.50") for i in range(1, 12)]
    data = build_small(tmp_path, ROWS + rows).data_dir
    tx = read(data, "transactions")
    tx.loc[[0, len(tx) - 1], "fiscal_year"] = "2030"  # contradicts its action date, twice
    tx.to_csv(data / "transactions.csv", index=False)
    awards = read(data, "awards")
    awards["transaction_count"] = "7"  # not what the transactions give (pandera)
    awards.to_csv(data / "awards.csv", index=False)
    counts = write_counts(tmp_path / "more.csv", [("ICE", 2022, 50, 100)])  # too few rows (GX)
    parts_read: list[str] = []

    def counted_parts(data_dir, res, part_bytes):  # noqa: ANN001, ANN202 - a test double
        for part in tables.read_frame_parts(data_dir, res, part_bytes):
            parts_read.append(res.name)
            yield part

    monkeypatch.setattr(runner, "read_frame_parts", counted_parts)
    pan, gxr = runner.pandera_and_gx(
        data, counts, parts_from=0 if in_parts else 10**12, part_bytes=2048
    )

    res_list = runner.built_resources(data)
    frames = {r.name: tables.read_frame(data, r) for r in res_list}
    whole_pan = pandera_check.validate_data_dir(data, res_list, frames)
    whole_gx = gx_check.validate_data_dir(data, res_list, frames, counts)
    assert (parts_read.count("transactions") > 2) == in_parts
    assert "sources" not in parts_read
    assert {(f.resource, f.check) for f in pan.errors} == {
        ("transactions", "fiscal_year must be the federal fiscal year of action_date"),
        ("awards", "transaction_count_equals_transactions"),
    }, pan.findings
    assert "2 failing rows" in pan.errors[0].message
    assert [f.check for f in gxr.errors] == ["expect_column_pair_values_a_to_be_greater_than_b"]
    for streamed, whole in [(pan, whole_pan), (gxr, whole_gx)]:
        assert streamed.findings == whole.findings
        assert streamed.checks_run == whole.checks_run
        assert streamed.details == whole.details


def test_columns_kept_for_the_expectations_are_the_whole_columns_as_categories(
    tmp_path: Path,
) -> None:
    """pandera, reading a table in parts, keeps the text columns only the expectations read as
    categories: the values, and the categories, of the whole column read at once; its own
    columns stay text."""
    from ice_cbp_awards import metadata, tables
    from ice_cbp_awards.validate import pandera_check

    agencies = ["ICE", "CBP", "ICE", "CBP", "ICE", "CBP"]
    rows = [
        tx_row(agency=a, mod=f"P{i:05d}", piid=f"70B04C22F0000000{i}")
        for i, a in enumerate(agencies)
    ]
    data = build_small(tmp_path, ROWS + rows).data_dir
    res = metadata.resource("transactions")
    whole = tables.read_frame(data, res)
    also = ["agency_acronym", "naics_description", "fiscal_year"]
    parts = list(tables.read_frame_parts(data, res, 1024))
    assert len(parts) > 2
    kept = pandera_check.TableChecks().check_parts(res, parts, also=also)
    assert kept is not None and len(kept) == len(whole) >= 6
    for name in ("agency_acronym", "naics_description"):
        pd.testing.assert_series_equal(kept[name], whole[name].astype("category"))
    assert kept["agency_acronym"].cat.categories.tolist() == ["CBP", "ICE"]
    assert isinstance(kept["source_id"].dtype, pd.StringDtype)
    pd.testing.assert_series_equal(kept["fiscal_year"], whole["fiscal_year"])


def test_every_award_page_is_the_page_of_its_award_id(tmp_path: Path) -> None:
    """The awards, attributions and review candidates give each row the page of its award id,
    the one its transactions carry (they are derived from the id, not copied from the
    transactions, which the build lets go of once written)."""
    unattributed = tx_row(
        piid="70CDCR22P00000009",
        recipient="ACME DATA SERVICES LLC",
        description="CLOUD HOSTING SOFTWARE SUBSCRIPTION",
    )
    data = build_small(tmp_path, [*ROWS, unattributed]).data_dir
    tx = read(data, "transactions")
    page_of = dict(zip(tx["transaction_id"], tx["award_page_url"], strict=True))
    assert all(
        page == f"https://www.usaspending.gov/award/{award}/"
        for award, page in zip(tx["award_id_usaspending"], tx["award_page_url"], strict=True)
    )
    awards = read(data, "awards")
    pages = zip(awards["award_id_usaspending"], awards["award_page_url"], strict=True)
    assert set(pages) == set(zip(tx["award_id_usaspending"], tx["award_page_url"], strict=True))
    for name in ("attributions", "review_candidates"):
        rows = read(data, name)
        assert len(rows), name
        assert [page_of[t] for t in rows["transaction_id"]] == rows["award_page_url"].tolist()
