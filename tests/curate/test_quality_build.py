"""The build stops below the precision floor and keeps the previous data dir."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from rawfactory import make_cbp_ice_root, tx_row, write_counts

import ice_cbp_awards.build as build_module
from ice_cbp_awards import metadata
from ice_cbp_awards.build import build_package
from ice_cbp_awards.curate.quality import QualityError
from ice_cbp_awards.paths import REFERENCE_DIR

pytestmark = pytest.mark.integration  # builds a small package end to end

ROWS = [
    tx_row(),
    tx_row(
        agency="CBP",
        piid="70B04C22F00000001",
        recipient="FOUR POINTS TECHNOLOGY LLC",
        description="AWS GOVCLOUD",
    ),
]


def _build(tmp_path: Path, data: Path) -> None:
    root = make_cbp_ice_root(tmp_path / "raw", {2022: ROWS})
    counts = write_counts(tmp_path / "counts.csv", [("ICE", 2022, 1, 100)])
    build_package(root, data, include_legacy=False, write_db=False, expected_counts=counts)


def _gold_saying_none(tx: pd.DataFrame, dst: Path) -> Path:
    """reference/ with a gold set that says the AWS GovCloud order attributes to nobody."""
    shutil.copytree(REFERENCE_DIR, dst)
    row = tx[tx["recipient_name"] == "FOUR POINTS TECHNOLOGY LLC"].iloc[0]
    with (dst / "gold_set.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(metadata.resource("gold_set").field_names)
        w.writerow(
            [row["transaction_id"], row["award_id_usaspending"], row["modification_number"],
             "test", "", "", "none", "hand-made label that contradicts the rules"]
        )  # fmt: skip
    return dst


def test_precision_below_floor_fails_the_build_and_keeps_previous_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    _build(tmp_path, data)
    quality = pd.read_csv(data / "attribution_quality.csv", dtype=str, keep_default_na=False)
    assert set(quality["evaluable_record_count"]) == {"0"}  # the real gold set is not here
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    tx = pd.read_csv(data / "transactions.csv", dtype=str, keep_default_na=False)
    monkeypatch.setattr(build_module, "REFERENCE_DIR", _gold_saying_none(tx, tmp_path / "ref"))
    with pytest.raises(QualityError, match=r"precision 0\.0% \(0 of 1 .* below the 98% floor"):
        _build(tmp_path / "again", data)
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before
