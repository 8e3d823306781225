"""A million transactions through the curation in well under a minute."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from ice_cbp_awards.curate import build_curated
from ice_cbp_awards.paths import REFERENCE_DIR

pytestmark = pytest.mark.slow

N = 1_000_000
TEMPLATES = [
    ("DELL FEDERAL SYSTEMS L.P", "MICROSOFT ENTERPRISE LICENSE AGREEMENT FOR ICE/OCIO {i}"),
    ("FOUR POINTS TECHNOLOGY, L.L.C.", "EXERCISE OPTION PERIOD {i}"),
    ("BOOZ ALLEN HAMILTON INC", "AWS ARCHITECTURE AND PROFESSIONAL SERVICES {i}"),
    ("ACME CONSTRUCTION {k} LLC", "BORDER BARRIER CONSTRUCTION LOT {i} WITH LAWS COMPLIANCE"),
    ("ACME IT {k} INC", "HELP DESK AND SOFTWARE SUPPORT SERVICES {i}"),
    ("PALANTIR TECHNOLOGIES INC.", "INVESTIGATIVE CASE MANAGEMENT (ICM) O&M {i}"),
    ("ACME SUPPLY {k} CO", "JANITORIAL SUPPLIES FOR THE PROCESSING CENTER, ORDER {i}"),
    ("ACME DATA {k} LLC", "DATA ANALYTICS SUPPORT TO THE RAVEN PROGRAM {i}"),
]


def million() -> pd.DataFrame:
    i = np.arange(N)
    kind = i % len(TEMPLATES)
    award = i // 4  # four transactions per award
    recipients = [TEMPLATES[k][0].format(k=j % 5000) for j, k in zip(i, kind, strict=True)]
    descriptions = [TEMPLATES[k][1].format(i=j) for j, k in zip(i, kind, strict=True)]
    keys = [f"CONT_AWD_70CTD0{a:011d}_7012_-NONE-_-NONE-" for a in award]
    dates = pd.Timestamp("2021-01-01") + pd.to_timedelta(i % 1800, unit="D")
    return pd.DataFrame({
        "transaction_id": [f"tx-{j:020x}" for j in i],
        "award_id_usaspending": pd.Series(keys, dtype=str),
        "award_id_piid": pd.Series([k[9:26] for k in keys], dtype=str),
        "action_date": dates.astype("datetime64[ns]"),
        "fiscal_year": (dates.year + (dates.month >= 10)).astype("int64"),
        "federal_action_obligation_usd": np.round((i % 997) * 10.01, 2),
        "recipient_name": pd.Series(recipients, dtype=str),
        "transaction_description": pd.Series(descriptions, dtype=str),
        "product_or_service_description": pd.Series([""] * N, dtype=str),
        "naics_description": pd.Series([""] * N, dtype=str),
        "agency_acronym": pd.Series(np.where(i % 2 == 0, "ICE", "CBP"), dtype=str),
        "award_page_url": pd.Series(["https://www.usaspending.gov/award/x/"] * N, dtype=str),
    })  # fmt: skip


def test_a_million_transactions_in_well_under_a_minute() -> None:
    tx = million()
    start = time.perf_counter()
    out = build_curated(tx, pd.DataFrame(), REFERENCE_DIR)
    elapsed = time.perf_counter() - start
    assert elapsed < 45, f"{elapsed:.1f} s"
    att = out["attributions"]
    per = att.groupby(["company_id", "relationship"]).size().to_dict()
    n = N // len(TEMPLATES)
    # the Four Points rows share their awards with Dell's Microsoft orders: they inherit them
    assert per == {("microsoft", "reseller"): 2 * n, ("aws", "platform_services"): n,
                   ("palantir", "direct"): n}  # fmt: skip
    assert (att["evidence_scope"] == "award").sum() == n
    assert (out["system_mentions"].groupby("system_id").size() == n).all()
