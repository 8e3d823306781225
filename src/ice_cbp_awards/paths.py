"""Where things live: the repository, the raw snapshots, the reviewed tables and the outputs.

Every path can be overridden (CLI option or environment variable) so that tests and users
can point the build at other raw roots and output folders.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = REPO_ROOT / "schemas"
REFERENCE_DIR = REPO_ROOT / "reference"
DESCRIPTOR_PATH = REPO_ROOT / "datapackage.json"
DEFAULT_DATA_DIR = REPO_ROOT / "data"
DEFAULT_DIST_DIR = REPO_ROOT / "dist"


def default_raw_root() -> Path:
    """Raw snapshots folder: $AWARDS_RAW_ROOT, else ../shared/raw beside the repository."""
    env = os.environ.get("AWARDS_RAW_ROOT")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "raw")


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
