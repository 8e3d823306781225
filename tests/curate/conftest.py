"""Fixtures for the curation tests: the repository's reviewed tables and small hand-made
transaction frames in the core layer's in-memory shape."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ice_cbp_awards.curate.reference import Reference, load_reference
from ice_cbp_awards.paths import REFERENCE_DIR


def make_tx(rows: list[dict]) -> pd.DataFrame:
    """Transactions with the columns curation reads. Each row dict may give recipient,
    description, date, amount, award (a PIID), parent (the parent vehicle's PIID), mod, agency,
    psc, naics."""
    out = []
    for i, r in enumerate(rows):
        agency = r.get("agency", "ICE")
        piid = r.get("award", f"70CTD024F{i:08d}")
        code = "7012" if agency == "ICE" else "7014"
        key = f"CONT_AWD_{piid}_{code}_-NONE-_-NONE-"
        mod = r.get("mod", "0")
        date = pd.Timestamp(r.get("date", "2024-03-01"))
        out.append(
            {
                "transaction_id": "tx-" + hashlib.sha256(f"{key}|{mod}".encode()).hexdigest()[:20],
                "award_id_usaspending": key,
                "award_id_piid": piid,
                "parent_award_id_piid": r.get("parent", ""),
                "modification_number": mod,
                "action_date": date,
                "fiscal_year": date.year + (1 if date.month >= 10 else 0),
                "federal_action_obligation_usd": float(r.get("amount", 1000.0)),
                "recipient_name": r.get("recipient", "ACME SERVICES LLC"),
                "transaction_description": r.get("description", ""),
                "product_or_service_description": r.get("psc", ""),
                "naics_description": r.get("naics", ""),
                "agency_acronym": agency,
                "award_page_url": f"https://www.usaspending.gov/award/{key}/",
            }
        )
    frame = pd.DataFrame(out)
    frame["action_date"] = frame["action_date"].astype("datetime64[ns]")
    return frame


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference(REFERENCE_DIR)


@pytest.fixture
def reference_copy(tmp_path: Path) -> Callable[[], Path]:
    """A fresh copy of reference/ to break on purpose."""

    def copy() -> Path:
        dst = tmp_path / "reference"
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(REFERENCE_DIR, dst)
        return dst

    return copy
