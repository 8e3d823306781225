"""The input checks on the real snapshots: clean as published, and the issue's reproductions
(a header-only fiscal year, a dropped manifest row, a cut last cell) caught with the figures
measured on the default snapshot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rawfactory import drop_manifest_rows, rehash

from ice_cbp_awards.readers import cbp_ice, ice_2018

pytestmark = pytest.mark.slow  # reads the real raw snapshots

SNAP = "2026-08-22"
FY24 = f"usaspending-cbp-ice/{SNAP}/CBP_ICE_FY2024_Contract_Obligations.csv"


def test_real_snapshots_have_no_file_problems(raw_root: Path) -> None:
    for snap in cbp_ice.snapshots(raw_root):
        batch = cbp_ice.read(raw_root, snap)
        assert batch.problems == [] and batch.bad_rows == []
    legacy = ice_2018.read(raw_root)
    assert legacy.problems == [] and legacy.bad_rows == []


@pytest.fixture
def copy_root(raw_root: Path, tmp_path: Path) -> Path:
    """The default snapshot's folder and the family manifest, copied to change them."""
    fam = tmp_path / "usaspending-cbp-ice"
    shutil.copytree(raw_root / "usaspending-cbp-ice" / SNAP, fam / SNAP)
    shutil.copy(raw_root / "usaspending-cbp-ice" / "manifest.csv", fam / "manifest.csv")
    return tmp_path


def test_real_cut_last_cell_is_kept_aside(copy_root: Path) -> None:
    f = copy_root / FY24
    f.write_bytes(f.read_bytes()[:-4])
    rehash(copy_root)
    batch = cbp_ice.read(copy_root, SNAP)
    (bad,) = batch.bad_rows
    assert bad["raw_line_number"] == 10227 and bad["reason_code"] == "malformed_award_key"
    assert bad["reason_detail"] == (
        f"{FY24} line 10227: award key 'CONT_AWD_70CDCR22FR0000013_7012_70RDAD21D00000002_70':"
        " parent agency code '70' is not a 4-character agency code or -NONE-"
    )
    (fy24,) = [s for s in batch.sources if s.path == FY24]
    assert fy24.rows == 10_226
    assert (batch.frame()["source_id"] == fy24.source_id).sum() == 10_225


def test_real_header_only_year_and_dropped_row(copy_root: Path) -> None:
    f = copy_root / FY24
    f.write_text(f.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    rehash(copy_root, recount=True)
    batch = cbp_ice.read(copy_root, SNAP)
    assert [p.line() for p in batch.problems] == [f"{FY24}: no data rows (header only)"]
    drop_manifest_rows(copy_root, 2024)
    batch = cbp_ice.read(copy_root, SNAP)
    assert [p.kind for p in batch.problems] == ["unlisted-file"]
