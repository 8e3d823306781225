"""End to end: the real default snapshot, built once, then every validator and the figures
that the docs quote."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from ice_cbp_awards.validate import runner

pytestmark = pytest.mark.slow  # builds the real default snapshot


def read(data_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False)


def test_stock_frictionless_validate_reports_zero_errors(built_data_dir: Path) -> None:
    report = frictionless.validate(str(built_data_dir / "datapackage.json"))
    errors = [(t.name, e.message) for t in report.tasks for e in t.errors][:5]
    assert report.valid, errors
    assert {t.name for t in report.tasks} >= {"transactions", "awards", "sources"}


def test_all_three_validators_pass_on_the_built_package(built_data_dir: Path) -> None:
    results = json.loads((built_data_dir / "validation" / "results.json").read_text())
    assert results["ok"] is True
    assert [v["validator"] for v in results["validators"]] == [
        "frictionless",
        "pandera",
        "great_expectations",
    ]
    assert all(v["checks_run"] > 0 for v in results["validators"])
    html = (built_data_dir / "validation" / "report.html").read_text()
    assert "http" not in html.split("<body>")[0]  # loads nothing from the network


def test_counts_match_the_raw_readme(built_data_dir: Path) -> None:
    report = read(built_data_dir, "build_report")
    snap = report[report["source_id"].str.startswith("usaspending-cbp-ice/2026-08-22/")]
    assert snap["duplicate_rows_removed"].astype(int).sum() == 126
    assert snap["rows_read"].astype(int).sum() == 57_476
    tx = read(built_data_dir, "transactions")
    assert len(tx) == 57_476 - 126
    assert tx["transaction_id"].is_unique
    legacy = read(built_data_dir, "award_summaries")
    assert len(legacy) == 157 + 193 + 444 + 936 + 1739 + 2203


def test_truncated_years_are_flagged(built_data_dir: Path) -> None:
    report = read(built_data_dir, "build_report")
    flagged = report[report["coverage_flags"].str.contains("suspected_truncation")]
    got = {(r.agency_acronym, int(r.fiscal_year), int(r.rows_read)) for r in flagged.itertuples()}
    assert got == {("ICE", 2022, 3000), ("ICE", 2023, 3300), ("CBP", 2021, 5100)}


def test_every_row_traces_to_its_raw_line(built_data_dir: Path, raw_root: Path) -> None:
    tx = read(built_data_dir, "transactions")
    sources = read(built_data_dir, "sources").set_index("source_id")
    sample = tx.sample(25, random_state=1)
    for row in sample.itertuples():
        path = raw_root / sources.loc[row.source_id, "path"]
        line = path.read_text(encoding="utf-8").splitlines()[int(row.raw_line_number) - 1]
        assert row.award_id_usaspending in line and row.recipient_name in line


def test_icm_award_and_no_double_counting(built_data_dir: Path) -> None:
    tx = read(built_data_dir, "transactions")
    awards = read(built_data_dir, "awards")
    assert awards["award_id_usaspending"].is_unique
    icm = tx[tx["award_id_piid"] == "70CTD022FR0000170"]
    assert len(icm) and set(icm["recipient_name"]) == {"PALANTIR TECHNOLOGIES INC."}
    row = awards[awards["award_id_piid"] == "70CTD022FR0000170"].iloc[0]
    total = icm["federal_action_obligation_usd"].astype(float).sum()
    assert abs(float(row["transactions_obligation_sum_usd"]) - total) < 0.01
    assert row["has_base_action_in_package"] == "true" and row["award_summary_id"] == ""


def test_awards_say_what_they_total(built_data_dir: Path) -> None:
    """Measured on the 2026-08-22 snapshot: of 27,104 awards, 23,461 have transactions in the
    package and 6,433 of those (27.4%) lack their base action; 761 pair their transactions'
    sum with a FY2013-FY2018 summary's figures (none of them with the base action), kept in
    summary_* fields; 3,643 are known from a summary only."""
    awards = read(built_data_dir, "awards")
    with_tx = awards[awards["transaction_count"] != "0"]
    assert (len(awards), len(with_tx)) == (27_104, 23_461)
    assert (with_tx["has_base_action_in_package"] == "false").sum() == 6_433
    both = with_tx[with_tx["award_summary_id"] != ""]
    assert len(both) == 761
    assert (both["summary_current_total_value_of_award_usd"] != "").sum() == 761
    assert (both["has_base_action_in_package"] == "true").sum() == 0
    only_summary = awards[awards["transaction_count"] == "0"]
    assert len(only_summary) == 3_643
    assert set(only_summary["transactions_obligation_sum_usd"]) == {""}
    assert set(only_summary["has_base_action_in_package"]) == {"false"}


def test_real_rows_meet_the_value_bounds(built_data_dir: Path) -> None:
    """No real row breaks a value bound (dates, amounts, agency): nothing quarantined for it,
    no row outside its file's fiscal year."""
    rejects = read(built_data_dir, "rejects")
    assert len(rejects) == 0
    tx = read(built_data_dir, "transactions")
    assert (tx["is_fiscal_year_outside_file"] == "true").sum() == 0
    report = read(built_data_dir, "build_report")
    assert report["rows_fiscal_year_outside_file"].astype(int).sum() == 0


def test_fast_and_full_validation_agree_on_a_corrupted_copy(
    built_data_dir: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(built_data_dir, copy, ignore=shutil.ignore_patterns("*.db"))
    tx = copy / "transactions.csv"
    lines = tx.read_text(encoding="utf-8").split("\n")
    head, _ = lines[40_000].rsplit(",", 1)
    lines[40_000] = head + ',"not a time"'  # retrieved_at is the last field
    tx.write_text("\n".join(lines), encoding="utf-8")
    fast = runner.run_all(copy)[0]
    assert not fast.ok
    assert any(f.row == 40_001 and f.check == "type-error" for f in fast.errors)
