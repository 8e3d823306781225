"""Where things live: the repository, the raw snapshots, the reviewed tables and the outputs.

The package's own metadata (datapackage.json, schemas/, reference/) is read from the checkout
when the code runs from one, and otherwise from `package_files/`, the copy an installed wheel
carries (in the checkout that folder only links to the same files). Outputs and the raw root
default to the checkout's `data/`, `dist/` and `../shared/raw`, or, for an installed package,
to `data/`, `dist/` and `raw/` under the working directory. Every path can be overridden (CLI
option or environment variable).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_ROOT = Path(__file__).resolve().parent / "package_files"
IS_CHECKOUT = (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "schemas").is_dir()
METADATA_ROOT = REPO_ROOT if IS_CHECKOUT else BUNDLED_ROOT
SCHEMAS_DIR = METADATA_ROOT / "schemas"
REFERENCE_DIR = METADATA_ROOT / "reference"
DESCRIPTOR_PATH = METADATA_ROOT / "datapackage.json"
WORK_ROOT = REPO_ROOT if IS_CHECKOUT else Path.cwd()
DEFAULT_DATA_DIR = WORK_ROOT / "data"
DEFAULT_DIST_DIR = WORK_ROOT / "dist"


def default_raw_root() -> Path:
    """Raw snapshots folder: $AWARDS_RAW_ROOT, else ../shared/raw beside the checkout (an
    installed package: raw/ under the working directory)."""
    env = os.environ.get("AWARDS_RAW_ROOT")
    if env:
        return Path(env)
    return REPO_ROOT.parent / "shared" / "raw" if IS_CHECKOUT else WORK_ROOT / "raw"


RAW_MANIFEST = Path("usaspending-cbp-ice") / "manifest.csv"


def raw_root_problem(raw_root: Path) -> str | None:
    """Why a raw root cannot be built from, with where it was looked for and how to get one;
    None when it holds the usaspending-cbp-ice manifest. A clone elsewhere than beside
    ../shared/raw has no raw root yet, and "manifest not found" alone does not say that."""
    if (Path(raw_root) / RAW_MANIFEST).is_file():
        return None
    return (
        f"no raw snapshots here ({RAW_MANIFEST} not found). "
        "Point the build at a raw root with --raw-root PATH or $AWARDS_RAW_ROOT, or fetch one "
        "with `awards fetch usaspending --agency ICE --fiscal-year 2026 --out PATH` "
        "(docs/fetch.md)"
    )


def raw_input_bytes(raw_root: Path, snapshot: str | None, bulk_files: list[Path]) -> int:
    """The bytes of the raw CSVs a build reads most of, counted before reading them: the
    usaspending-cbp-ice snapshot's folder (the one named, else the last by name, the newest)
    and the bulk files. An estimate, for deciding before the build's imports how it starts
    its workers (`awards build`); the build itself decides from the rows it has read."""
    family = Path(raw_root) / RAW_MANIFEST.parent
    folders = sorted(p for p in family.iterdir() if p.is_dir()) if family.is_dir() else []
    chosen = family / snapshot if snapshot else (folders[-1] if folders else None)
    total = sum(p.stat().st_size for p in bulk_files if p.is_file())
    if chosen is not None and chosen.is_dir():
        total += sum(p.stat().st_size for p in chosen.glob("*.csv"))
    return total
