"""What changed between a previous release and the built data dir (or a release folder), as
the two tables the site and a release carry: `changes` (every record added, removed or revised
and every total that moved, with the companies each concerns) and `release_comparison` (one
row: which releases, verified or not, and the counts). Made by the same code as `awards diff`;
the tables' names and schemas are the publish layer's (`publish.changes_site`).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pandas as pd

from ..publish.changes_site import CHANGES, COMPARISON
from ..tables import write_text_csv
from .compare import check_verified, diff_releases
from .diff import KEY_SEPARATOR, record_ids
from .loading import LoadedRelease, load_release
from .totals import COMPANY_FIELD, TRANSACTIONS, attribution_resource

TX_KEY = "transaction_id"


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
        out[part.index] = part["record_id"].map(joined).astype(object).fillna("")
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
    write_text_csv(changes, folder / f"{CHANGES}.csv")
    write_text_csv(comparison, folder / f"{COMPARISON}.csv")
    return [f"{CHANGES}.csv", f"{COMPARISON}.csv"]
