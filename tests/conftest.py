"""Shared fixtures (the real default snapshot built once per session; a small real release) and
the tiers' guard (tiers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tiers import misplaced  # noqa: E402

from ice_cbp_awards.paths import default_raw_root  # noqa: E402

RAW_ROOT = default_raw_root()


@pytest.fixture(scope="session")
def raw_root() -> Path:
    if not (RAW_ROOT / "usaspending-cbp-ice" / "manifest.csv").exists():
        pytest.fail(f"raw snapshots not found at {RAW_ROOT}: set AWARDS_RAW_ROOT")
    return RAW_ROOT


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory: pytest.TempPathFactory, raw_root: Path) -> Path:
    """The default snapshot built (and validated) once, with its database."""
    from ice_cbp_awards.build import build_package

    data_dir = tmp_path_factory.mktemp("built") / "data"
    build_package(raw_root, data_dir)
    return data_dir


@pytest.fixture(scope="session")
def small_release(tmp_path_factory: pytest.TempPathFactory):
    """A small real release (real build and `awards release`, four transactions), made once
    per session for the export and release tests."""
    from smallrelease import make_small_release

    return make_small_release(tmp_path_factory.mktemp("small-release"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a collection where a test uses a heavier tier's fixture without its marker."""
    wrong = misplaced(items)
    if wrong:
        raise pytest.UsageError("tests in the wrong tier:\n" + "\n".join(wrong))
