"""Fetch from the local server into a new snapshot folder, then build a valid package from it."""

from __future__ import annotations

import csv
from datetime import date

import pandas as pd
import pytest
from click.testing import CliRunner

from ice_cbp_awards.build import build_package
from ice_cbp_awards.cli import main
from ice_cbp_awards.fetch.agencies import fiscal_year_range
from ice_cbp_awards.validate import gx_check

from .fakes import FakeFpdsFeed, FakeSearchApi, award_xml, make_transactions

SNAP = "2026-09-01"
START, END = fiscal_year_range(2026)


def _fpds_mirror(records: list[dict], extra: int) -> list[str]:
    """FPDS entries for the same actions as some API records, plus actions only FPDS has."""
    same = [
        award_xml(
            r["Award ID"],
            mod=r["Mod"],
            amount=f"{r['Transaction Amount']:.2f}",
            signed=f"{r['Action Date']} 00:00:00",
            ref_piid="GS35F0119Y",
            vendor=r["Recipient Name"],
            uei=r["Recipient UEI"] or "",
            description=r["Transaction Description"],
        )
        for r in records
    ]
    only = [
        award_xml(f"70CTD026P{i:08d}", ref_piid=None, signed="2025-12-01 00:00:00")
        for i in range(extra)
    ]
    return same + only


def _rows(path) -> list[dict[str, str]]:  # noqa: ANN001
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _bounds_for_this_snapshot() -> pd.DataFrame:
    """Row-count expectations of the synthetic snapshot (the committed ones describe the real
    snapshots, thousands of rows a year): the published counts must be exactly these."""
    rows = [
        ("usaspending-cbp-ice", "ICE", 160),
        ("usaspending-cbp-ice", "CBP", 60),
        ("fpds-atom-fetch", "ICE", 3),
    ]
    columns = list(pd.read_csv(gx_check.COUNTS_FILE, nrows=0).columns)
    frame = pd.DataFrame(
        [
            {"resource": "transactions", "source_family": fam, "agency_acronym": ag,
             "fiscal_year": 2026, "min_rows": n, "max_rows": n, "rationale": "test snapshot"}
            for fam, ag, n in rows
        ]
    )  # fmt: skip
    return frame[columns]


@pytest.mark.slow
def test_fetch_then_build_a_valid_package(upstream, tmp_path):
    counts = tmp_path / "expected_row_counts.csv"
    _bounds_for_this_snapshot().to_csv(counts, index=False)
    ice = make_transactions("ICE", 160, START, END)
    cbp = make_transactions("CBP", 60, START, END, seed=4000)
    FakeSearchApi(ice + cbp).install(upstream)
    december = [r for r in ice if r["Action Date"].startswith("2025-12")]
    FakeFpdsFeed(upstream, _fpds_mirror(december, extra=3)).install()

    raw = tmp_path / "raw"
    common = ["--out", str(raw), "--snapshot", SNAP, "--rate", "1000"]
    runner = CliRunner()
    usa = runner.invoke(
        main,
        ["fetch", "usaspending", "--agency", "ICE", "--agency", "CBP", "--fiscal-year", "2026",
         "--base-url", upstream.url, *common],
    )  # fmt: skip
    assert usa.exit_code == 0, usa.output
    fpds = runner.invoke(
        main,
        ["fetch", "fpds", "--agency", "ICE", "--from", "2025-12-01", "--to", "2025-12-31",
         "--base-url", upstream.url + "/ezsearch/FEEDS/ATOM", *common],
    )  # fmt: skip
    assert fpds.exit_code == 0, fpds.output

    data = tmp_path / "data"
    result = build_package(
        raw, data, SNAP, include_legacy=False, write_db=False, expected_counts=counts
    )
    assert all(r.ok for r in result.validation)

    tx = _rows(data / "transactions.csv")
    assert len(tx) == 160 + 60 + 3  # FPDS copies of API actions are not counted twice
    assert len({r["transaction_id"] for r in tx}) == len(tx)
    systems = {}
    for r in tx:
        systems[r["source_system"]] = systems.get(r["source_system"], 0) + 1
    assert systems == {"usaspending_api": 220, "fpds_atom": 3}
    assert {r["agency_acronym"] for r in tx} == {"ICE", "CBP"}
    by_piid = {r["award_id_piid"]: r for r in tx if r["source_system"] == "usaspending_api"}
    sample = ice[0]
    row = by_piid[sample["Award ID"]]
    assert row["award_type_code"] == sample["award_type_code"]
    assert row["product_or_service_code"] == "7A21" and row["naics_code"] == "541511"
    assert row["source_id"].startswith(f"usaspending-cbp-ice/{SNAP}/")
    assert date.fromisoformat(row["action_date"]) >= START

    sources = _rows(data / "sources.csv")
    families = sorted({s["source_family"] for s in sources})
    assert families == ["fpds-atom-fetch", "usaspending-cbp-ice"]
