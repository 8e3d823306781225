"""What changed since the previous release, on the site: `awards serve --previous-release`.

The previous release (zip or folder) is verified as `awards diff` verifies it (a release that
fails `awards verify` is refused, never compared), then compared with the served data dir by
the same code as `awards diff` (`release.changes_tables`; the command that serves, on top of
both layers, puts the two together). The served data dir and its database are never written: the
site is served from a folder of its own holding a copy of the database with two more tables,

    changes              every record added, removed or revised and every agency x company
                         total that moved (schemas/changes.schema.json, plus company_ids)
    release_comparison   one row: which release was compared with which, and the counts
                         (schemas/release_comparison.schema.json)

and the built descriptor with those two resources added, so the site describes them like
every other table. The canned queries and Atom feeds of queries.yml read them; without a
previous release they answer one row saying that no previous release was given.

`awards release --previous-release` writes the same two tables into the release
(changes/changes.csv, changes/release_comparison.csv, checksummed); `awards serve` of such a
release folder loads them from there, with no need for the older zip.

A copy of the database rather than a table in the build: the build's database is part of the
release and verified byte for byte, and which release counts as "previous" is the publisher's
choice when serving, not a property of the data.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..jsonfiles import write_json
from ..paths import SCHEMAS_DIR
from ..tables import write_text_csv
from .datasette_metadata import release_zip
from .plan import read_built_descriptor, table_plans
from .serve import site_files
from .sqlite import add_tables

CHANGES = "changes"
RELEASE_CHANGES_DIR = "changes"  # in a release made with `awards release --previous-release`
COMPARISON = "release_comparison"
COMPARISON_SCHEMA_PATH = SCHEMAS_DIR / "release_comparison.schema.json"
CHANGES_SCHEMA_PATH = SCHEMAS_DIR / "changes.schema.json"
COMPANY_IDS = {
    "name": "company_ids",
    "type": "string",
    "description": "Companies the changed record is attributed to, in the previous or the "
    "served release (space-separated company_id values, sorted): for a transaction its "
    "attributions, for a record with a company_id its own, for a moved total its company. "
    "Empty when the record is attributed to no company. Lets a removed record be found by "
    "company although it is no longer in the served tables.",
}


def _changes_schema() -> dict[str, Any]:
    """The diff's schema plus company_ids; no primary key in SQLite, where field_name (part of
    the key) is empty for added and removed records and would be refused as NULL."""
    schema = json.loads(CHANGES_SCHEMA_PATH.read_text(encoding="utf-8"))
    schema.pop("primaryKey", None)
    schema["fields"].append(COMPANY_IDS)
    return schema


def _resource_entries() -> list[dict[str, Any]]:
    return [
        {
            "name": CHANGES,
            "title": "What changed since the previous release",
            "description": "Every record added, removed or revised (one row per changed "
            "value) and every agency x company total that moved, between the previous release "
            "and the one served, as `awards diff` writes them. Values are as each release's "
            "CSV writes them. Provenance (source_id, raw_line_number, retrieved_at) is not "
            "compared.",
            "path": f"{CHANGES}.csv",
            "schema": _changes_schema(),
        },
        {
            "name": COMPARISON,
            "title": "Which releases were compared",
            "description": "One row: the previous release the served one was compared with, "
            "whether it was verified, and how many records were added, removed and revised.",
            "path": f"{COMPARISON}.csv",
            "schema": json.loads(COMPARISON_SCHEMA_PATH.read_text(encoding="utf-8")),
        },
    ]


def release_changes_dir(data_dir: Path) -> Path | None:
    """The comparison a release made with `awards release --previous-release` carries, if any."""
    folder = Path(data_dir) / RELEASE_CHANGES_DIR
    return folder if (folder / f"{COMPARISON}.csv").is_file() else None


def _new_site(out_dir: Path) -> Path:
    site = Path(out_dir) / "site"
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    return site


def site_with_tables(
    data_dir: Path, changes: pd.DataFrame, comparison: pd.DataFrame, out_dir: Path
) -> Path:
    """A site folder in out_dir serving data_dir plus the comparison with a previous release
    (the changes rows and the one release_comparison row, made by
    `release.changes_tables.compare_with_previous`). Returns the folder for `make_datasette`."""
    site = _new_site(out_dir)
    write_text_csv(changes, site / f"{CHANGES}.csv")
    write_text_csv(comparison, site / f"{COMPARISON}.csv")
    return _finish_site(Path(data_dir), site)


def site_with_release_changes(data_dir: Path, out_dir: Path) -> Path:
    """A site folder in out_dir serving a release folder with the comparison it carries."""
    found = release_changes_dir(data_dir)
    if found is None:
        raise FileNotFoundError(f"{data_dir}: holds no {RELEASE_CHANGES_DIR}/{COMPARISON}.csv")
    site = _new_site(out_dir)
    for name in (CHANGES, COMPARISON):
        shutil.copyfile(found / f"{name}.csv", site / f"{name}.csv")
    return _finish_site(Path(data_dir), site)


def _finish_site(data_dir: Path, site: Path) -> Path:
    """Descriptor with the two resources added, and a copy of the database with the tables."""
    descriptor = read_built_descriptor(data_dir)
    descriptor["resources"] += _resource_entries()
    write_json(site / "datapackage.json", descriptor)
    files = site_files(data_dir)
    shutil.copyfile(files.db_path, site / files.db_path.name)
    plans = {p.name: p for p in table_plans(site, descriptor)}
    changes_plan = plans[CHANGES]
    changes_plan = replace(changes_plan, indexes=(*changes_plan.indexes, "record_id"))
    add_tables(site / files.db_path.name, [changes_plan, plans[COMPARISON]])
    found = release_zip(data_dir, read_built_descriptor(data_dir))
    if found is not None:  # the download link keeps pointing at the served release's zip
        os.symlink(found.resolve(), site / found.name)
    return site
