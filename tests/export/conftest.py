"""Fixtures of the export tests: the tables of the small real release (`small_release`, in the
root conftest) and the OCDS standard kept offline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ice_cbp_awards.paths import REPO_ROOT

# The OCDS standard repository at tag 1__1__5, shipped beside the repository (never fetched).
STANDARD_ZIP = REPO_ROOT.parent / "shared" / "standards" / "ocds-standard-1__1__5.zip"


@pytest.fixture(scope="session")
def standard_zip() -> Path:
    if not STANDARD_ZIP.is_file():
        pytest.fail(f"{STANDARD_ZIP}: the OCDS standard zip is missing (see ../shared/standards)")
    return STANDARD_ZIP


@pytest.fixture(scope="session")
def tables(small_release) -> dict[str, pd.DataFrame]:
    from ice_cbp_awards.export.release_files import TABLES

    data = small_release.folder / "data"
    return {
        name: pd.read_csv(data / f"{name}.csv", dtype=str, keep_default_na=False) for name in TABLES
    }
