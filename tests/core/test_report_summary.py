"""The build report's counts and amounts per source, agency and fiscal year, from one row per
raw row and its outcome (transform.report.summarise)."""

from __future__ import annotations

import math

import pandas as pd

from ice_cbp_awards.tables import TEXT_DTYPE
from ice_cbp_awards.transform.report import summarise


def _events(rows: list[tuple]) -> pd.DataFrame:
    cols = ["source_id", "agency_acronym", "fiscal_year", "outcome", "amount", "reason_code"]
    frame = pd.DataFrame([r[:6] for r in rows], columns=cols)
    for c in ("source_id", "agency_acronym", "outcome", "reason_code"):
        frame[c] = frame[c].astype(TEXT_DTYPE)
    frame["outside"] = [r[6] for r in rows]
    return frame


def test_counts_and_amounts_per_slice() -> None:
    """Each slice counts its rows by outcome and sums only its published amounts; a slice
    without a published row has no minimum, maximum or total; a row without an agency is in
    no slice."""
    ev = _events(
        [
            ("b", "ICE", 2022, "published", 10.10, "", False),
            ("b", "ICE", 2022, "published", -2.00, "", True),
            ("b", "ICE", 2022, "published", 0.0, "", False),
            ("b", "ICE", 2022, "duplicate", float("nan"), "", False),
            ("a", "CBP", 2021, "published", 5.25, "", True),
            ("a", "CBP", 2021, "reconciled", float("nan"), "", False),
            ("a", "CBP", 2021, "quarantined", float("nan"), "bad_date", False),
            ("c", "ICE", 2023, "quarantined", float("nan"), "bad_date", False),
            ("c", "ICE", 2023, "quarantined", float("nan"), "no_agency", False),
            ("c", "ICE", 2023, "duplicate", float("nan"), "", False),
            ("c", None, 2023, "published", 99.0, "", True),
        ]
    )
    out = summarise(ev, {s: "2026-11-01T00:00:00Z" for s in "abc"}, {s: "f" for s in "abc"})
    assert out[["source_id", "agency_acronym", "fiscal_year"]].values.tolist() == [
        ["a", "CBP", 2021],
        ["b", "ICE", 2022],
        ["c", "ICE", 2023],
    ]
    counts = [
        "rows_read",
        "duplicate_rows_removed",
        "rows_quarantined",
        "rows_reconciled",
        "rows_published",
        "rows_fiscal_year_outside_file",
        "negative_amount_count",
        "zero_amount_count",
    ]
    assert out[counts].values.tolist() == [
        [3, 0, 1, 1, 1, 1, 0, 0],
        [4, 1, 0, 0, 3, 1, 1, 1],
        [3, 1, 2, 0, 0, 0, 0, 0],
    ]
    assert all(out[c].dtype == "int64" for c in counts)
    assert out["min_amount_usd"].tolist()[:2] == [5.25, -2.0]
    assert out["max_amount_usd"].tolist()[:2] == [5.25, 10.1]
    assert out["total_obligation_usd"].tolist()[:2] == [5.25, 8.1]
    last = out.iloc[2]
    assert all(math.isnan(last[c]) for c in ("min_amount_usd", "max_amount_usd"))
    assert math.isnan(last["total_obligation_usd"])
    assert out["quarantine_reasons"].tolist() == ["bad_date:1", "", "bad_date:1; no_agency:1"]
