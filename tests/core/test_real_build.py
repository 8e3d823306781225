"""End to end: the real default snapshot, built once, then every validator and the figures
that the docs quote."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pandas as pd

from ice_cbp_awards.validate import runner


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
    assert row["total_obligation_method"] == "summed_transactions"
    total = icm["federal_action_obligation_usd"].astype(float).sum()
    assert abs(float(row["total_obligation_usd"]) - total) < 0.01
    # awards seen both in FY2013-18 summaries and FY2021+ transactions: summed, linked, once
    both = awards[(awards["award_summary_id"] != "") & (awards["transaction_count"] != "0")]
    assert len(both) > 0
    assert set(both["total_obligation_method"]) == {"summed_transactions"}


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
