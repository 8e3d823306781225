"""What changed since the previous release, on the site: `awards serve --previous-release`.

The previous release (zip or folder) is verified as `awards diff` verifies it (a release that
fails `awards verify` is refused, never compared), then compared with the served data dir by
the same code as `awards diff`. The served data dir and its database are never written: the
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
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..paths import SCHEMAS_DIR
from ..release.compare import check_verified, diff_releases
from ..release.diff import CHANGES_SCHEMA_PATH, KEY_SEPARATOR, record_ids
from ..release.loading import LoadedRelease, load_release
from ..release.totals import COMPANY_FIELD, TRANSACTIONS, attribution_resource
from .datasette_metadata import release_zip
from .plan import read_built_descriptor, table_plans
from .serve import site_files
from .sqlite import add_tables

CHANGES = "changes"
RELEASE_CHANGES_DIR = "changes"  # in a release made with `awards release --previous-release`
COMPARISON = "release_comparison"
COMPARISON_SCHEMA_PATH = SCHEMAS_DIR / "release_comparison.schema.json"
TX_KEY = "transaction_id"
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


def _company_map(release: LoadedRelease, name: str) -> dict[str, set[str]]:
    """record id -> companies, for one resource of one release."""
    if name not in release.resource_names:
        return {}
    table = release.table(name)
    pk = release.primary_key(name)
    if COMPANY_FIELD in table.columns and pk:
        ids = record_ids(table, pk)
        pairs = zip(ids, table[COMPANY_FIELD], strict=True)
    elif TX_KEY in table.columns and pk:
        attr = attribution_resource(release)
        if attr is None:
            return {}
        links = release.table(attr)[[TX_KEY, COMPANY_FIELD]]
        rows = table[list(dict.fromkeys([*pk, TX_KEY]))].merge(links, on=TX_KEY)
        pairs = zip(record_ids(rows, pk), rows[COMPANY_FIELD], strict=True)
    else:
        return {}
    out: dict[str, set[str]] = {}
    for record, company in pairs:
        if company:
            out.setdefault(record, set()).add(company)
    return out


def company_ids(changes: pd.DataFrame, old: LoadedRelease, new: LoadedRelease) -> pd.Series:
    """The company_ids column of the changes rows (see COMPANY_IDS)."""
    out = pd.Series("", index=changes.index, dtype=object)
    for name, part in changes.groupby("resource_name"):
        if name == "totals":
            # record_id is agency|company|relationship[|scope], or agency|recipient|recipient
            basis_is_company = not part["record_id"].str.endswith("|recipient").all()
            if basis_is_company:
                out[part.index] = part["record_id"].str.split(KEY_SEPARATOR).str[1]
            continue
        both: dict[str, set[str]] = {}
        for release in (old, new):
            for record, companies in _company_map(release, str(name)).items():
                both.setdefault(record, set()).update(companies)
        joined = {record: " ".join(sorted(companies)) for record, companies in both.items()}
        out[part.index] = part["record_id"].map(joined).fillna("")
    return out


def _count(changes: pd.DataFrame, kind: str, resource: str | None = None) -> int:
    rows = changes[changes["change_type"] == kind]
    if resource is not None:
        rows = rows[rows["resource_name"] == resource]
    return int(rows[["resource_name", "record_id"]].drop_duplicates().shape[0])


def comparison_row(result, previous: Path, verified: bool) -> dict[str, Any]:
    """The one row of release_comparison."""
    pair = result.pairs[0]
    changes = result.changes
    return {
        "previous_version": pair.old_version,
        "current_version": pair.new_version,
        "previous_release_name": previous.name,
        "is_previous_release_verified": "true" if verified else "false",
        "transactions_added_count": _count(changes, "added", TRANSACTIONS),
        "transactions_removed_count": _count(changes, "removed", TRANSACTIONS),
        "transactions_revised_count": _count(changes, "changed", TRANSACTIONS),
        "records_added_count": sum(r.added for r in pair.resources),
        "records_removed_count": sum(r.removed for r in pair.resources),
        "records_revised_count": sum(r.changed_records for r in pair.resources),
        "totals_moved_count": pair.totals.moved,
        "totals_basis": pair.totals.basis,
    }


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def compare_with_previous(
    data_dir: Path, previous: Path, verify: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the changes rows with company_ids, sorted; the one release_comparison row) between a
    previous release and the built data dir (or release folder) data_dir."""
    data_dir, previous = Path(data_dir), Path(previous)
    with ExitStack() as stack:
        old = load_release(previous, stack)
        if verify:
            check_verified(previous, old)
        result = diff_releases([previous, data_dir], verified=False)
        new = load_release(data_dir, stack)
        changes = result.changes.assign(company_ids=company_ids(result.changes, old, new))
    order = ["resource_name", "record_id", "change_type", "field_name"]
    changes = changes.sort_values(order, kind="stable")
    return changes, pd.DataFrame([comparison_row(result, previous, verify)])


def write_comparison(
    data_dir: Path, previous: Path, folder: Path, verify: bool = True
) -> list[str]:
    """Compare, then write changes.csv and release_comparison.csv into folder (created only
    once the previous release passed); returns their file names."""
    changes, comparison = compare_with_previous(data_dir, previous, verify)
    folder.mkdir(parents=True, exist_ok=True)
    _write_csv(changes, folder / f"{CHANGES}.csv")
    _write_csv(comparison, folder / f"{COMPARISON}.csv")
    return [f"{CHANGES}.csv", f"{COMPARISON}.csv"]


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


def site_with_changes(data_dir: Path, previous: Path, out_dir: Path, verify: bool = True) -> Path:
    """A site folder in out_dir serving data_dir plus what changed since `previous`.

    Returns the folder to give `make_datasette`. `verify=False` only for tests of bare
    folders; `awards serve` always verifies.
    """
    changes, comparison = compare_with_previous(data_dir, previous, verify)
    site = _new_site(out_dir)
    _write_csv(changes, site / f"{CHANGES}.csv")
    _write_csv(comparison, site / f"{COMPARISON}.csv")
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
    (site / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
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
