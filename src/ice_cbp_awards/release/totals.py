"""Agency x company totals of a release, and which of them moved between two releases.

A company is the attributed company (company_id) when both releases carry an attribution
resource (a resource with a company_id field and a foreign key to transactions); the total is
then kept apart per relationship (direct, reseller, platform_services), which are never
summed together, and, when both releases' attributions have an evidence_scope field, per
evidence scope (transaction: the record names the company itself; award: inherited from the
award; parent_agreement), so that inherited money never passes for per-record money. Without
attributions in both, the company is the recipient as named in the transaction, relationship
"recipient". A total moved when it differs by at least one cent;
the transactions behind the move are those whose contribution was added, removed or changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .diff import KEY_SEPARATOR, changes_columns
from .loading import LoadedRelease

TRANSACTIONS = "transactions"
COMPANY_FIELD = "company_id"
AGENCY_FIELD = "agency_acronym"
RECIPIENT_FIELD = "recipient_name"
RECIPIENT_RELATIONSHIP = "recipient"
SCOPE_FIELD = "evidence_scope"
CENT = 0.005


@dataclass
class TotalsDiff:
    basis: str  # "attributions:<resource>[:scoped]" or "recipient"
    groups_old: int
    groups_new: int
    moved: int
    moved_usd: float  # sum of absolute moves


def attribution_resource(release: LoadedRelease) -> str | None:
    """The resource that attributes transactions to companies, if the release has one.

    It has a company_id field and a foreign key to transactions; one with a relationship
    field (an enum holding "direct") is preferred.
    """
    found = []
    for name in release.resource_names:
        schema = release.schema(name)
        names = {f["name"] for f in schema["fields"]}
        refs = {fk.get("reference", {}).get("resource") for fk in schema.get("foreignKeys", [])}
        if COMPANY_FIELD in names and TRANSACTIONS in refs:
            found.append((_relationship_field(schema) is None, name))
    return min(found)[1] if found else None


def _relationship_field(schema: dict[str, Any]) -> str | None:
    """The attribution field whose enum holds "direct" (the kind of attribution)."""
    for f in schema["fields"]:
        if "direct" in f.get("constraints", {}).get("enum", []):
            return f["name"]
    return None


def _amount_field(schema: dict[str, Any]) -> str:
    usd = [f["name"] for f in schema["fields"] if f.get("unit") == "USD"]
    if len(usd) != 1:
        raise ValueError(f"transactions must have exactly one USD field, found {usd}")
    return usd[0]


def has_scopes(release: LoadedRelease, attributions: str) -> bool:
    """Whether the attribution resource says each attribution's evidence scope."""
    return any(f["name"] == SCOPE_FIELD for f in release.schema(attributions)["fields"])


def contributions(
    release: LoadedRelease, attributions: str | None, scoped: bool = False
) -> pd.DataFrame:
    """One row per (agency, company, relationship, scope, transaction) with the transaction's
    amount; scope is "" unless `scoped`."""
    tx = release.table(TRANSACTIONS)
    tx_key = release.primary_key(TRANSACTIONS)[0]
    amount = _amount_field(release.schema(TRANSACTIONS))
    base = pd.DataFrame(
        {
            "transaction_id": tx[tx_key],
            "agency": tx[AGENCY_FIELD],
            "amount": pd.to_numeric(tx[amount].replace("", None), errors="coerce").fillna(0.0),
        }
    )
    if attributions is None:
        return base.assign(
            company=tx[RECIPIENT_FIELD], relationship=RECIPIENT_RELATIONSHIP, scope=""
        )
    attr = release.table(attributions)
    rel_field = _relationship_field(release.schema(attributions))
    links = pd.DataFrame(
        {
            "transaction_id": attr[tx_key],
            "company": attr[COMPANY_FIELD],
            "relationship": attr[rel_field] if rel_field else "",
            "scope": attr[SCOPE_FIELD] if scoped else "",
        }
    ).drop_duplicates()
    return links.merge(base, on="transaction_id", how="inner")


GROUP = ["agency", "company", "relationship", "scope"]


def diff_totals(
    old: LoadedRelease, new: LoadedRelease, basis: str = "auto"
) -> tuple[pd.DataFrame, TotalsDiff]:
    """total_moved changes rows (one per moved total, with its transactions) and counts.

    basis "auto" uses attributions when both releases have them, "recipient" never does.
    """
    o_attr, n_attr = attribution_resource(old), attribution_resource(new)
    use_attr = basis == "auto" and o_attr is not None and n_attr is not None
    scoped = use_attr and has_scopes(old, o_attr) and has_scopes(new, n_attr)
    o = contributions(old, o_attr if use_attr else None, scoped)
    n = contributions(new, n_attr if use_attr else None, scoped)
    both = o.merge(n, on=[*GROUP, "transaction_id"], how="outer", suffixes=("_old", "_new"))
    moved_tx = both[
        both["amount_old"].isna()
        | both["amount_new"].isna()
        | ((both["amount_old"] - both["amount_new"]).abs() >= CENT)
    ]
    t_old = o.groupby(GROUP)["amount"].sum().round(2)
    t_new = n.groupby(GROUP)["amount"].sum().round(2)
    totals = pd.concat([t_old.rename("old"), t_new.rename("new")], axis=1)
    delta = totals["new"].fillna(0.0) - totals["old"].fillna(0.0)
    moved = totals[delta.abs() >= CENT].copy()
    moved["delta"] = delta[moved.index].round(2)
    related = (
        moved_tx.groupby(GROUP)["transaction_id"].agg(lambda s: " ".join(sorted(s)))
        if len(moved_tx)
        else pd.Series(dtype=str)
    )
    columns = changes_columns()
    rows = []
    for key, row in moved.iterrows():
        ids = related.get(key, "")
        rows.append(
            {
                **dict.fromkeys(columns, ""),
                "old_version": old.version,
                "new_version": new.version,
                "resource_name": "totals",
                "record_id": KEY_SEPARATOR.join(k for k in key if k),
                "change_type": "total_moved",
                "field_name": "total_obligation_usd",
                "old_value": "" if pd.isna(row["old"]) else f"{row['old']:.2f}",
                "new_value": "" if pd.isna(row["new"]) else f"{row['new']:.2f}",
                "amount_change_usd": f"{row['delta']:.2f}",
                "agency_acronym": key[0],
                "related_record_ids": ids,
                "related_record_count": str(len(ids.split())) if ids else "0",
            }
        )
    basis = f"attributions:{n_attr}" if use_attr else "recipient"
    basis += ":scoped" if scoped else ""
    moved_usd = round(float(moved["delta"].abs().sum()), 2)
    stats = TotalsDiff(basis, len(t_old), len(t_new), len(moved), moved_usd)
    return pd.DataFrame(rows, columns=columns), stats
