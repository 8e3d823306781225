"""Company and corporate family totals: agency x company (or family) x fiscal year.

Three figures side by side, each of direct plus reseller attributions (money for the company's
products), told apart by evidence_scope:
- per record (the headline, the reporters' method): the record itself names the company;
- including inherited: plus the records that inherit it from another transaction of their award;
- parent agreement: records that only a reviewed parent vehicle attributes, in neither above.
platform_services stays apart. Each row says the direction of its coverage bias.

A corporate family is the top of a company's ownership chain on each record's action date
(reference/ownership.csv); a record attributed to two companies of one family counts once, at
its strongest evidence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import metadata
from .columns import cents, usd
from .coverage import group_bias

KEYS = ["agency_acronym", "company_id", "fiscal_year"]
FAMILY_KEYS = ["agency_acronym", "corporate_family_id", "fiscal_year"]
PRODUCTS = ("direct", "reseller")
SCOPE_ORDER = {"transaction": 0, "award": 1, "parent_agreement": 2}


def _sum_parts(
    keys: pd.DataFrame, amount: np.ndarray, parts: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Per group of keys: for each named mask, the sum of amounts (cents) and the row count."""
    cols = {}
    for name, (usd_col, count_col) in _NAMES.items():
        if name in parts:
            mask = parts[name]
            cols[usd_col] = np.where(mask, amount, 0)
            cols[count_col] = mask.astype("int64")
    frame = pd.concat([keys.reset_index(drop=True), pd.DataFrame(cols)], axis=1)
    out = frame.groupby(list(keys.columns), as_index=False, sort=True).sum()
    for c in out.columns:
        if c.endswith("_usd"):
            out[c] = usd(out[c].to_numpy())
    return out


_NAMES = {
    "per_record": ("obligation_per_record_usd", "transaction_count_per_record"),
    "including_inherited": (
        "obligation_including_inherited_usd",
        "transaction_count_including_inherited",
    ),
    "inherited": ("inherited_obligation_usd", "inherited_transaction_count"),
    "parent_agreement": ("parent_agreement_obligation_usd", "parent_agreement_transaction_count"),
    "direct": ("direct_obligation_usd", "direct_transaction_count"),
    "reseller_per_record": (
        "reseller_per_record_obligation_usd",
        "reseller_per_record_transaction_count",
    ),
    "platform_services": (
        "platform_services_obligation_usd",
        "platform_services_transaction_count",
    ),
}


def _masks(att: pd.DataFrame) -> dict[str, np.ndarray]:
    rel = att["relationship"].to_numpy()
    scope = att["evidence_scope"].to_numpy()
    products = np.isin(rel, PRODUCTS)
    return {
        "per_record": products & (scope == "transaction"),
        "including_inherited": products & np.isin(scope, ["transaction", "award"]),
        "inherited": products & (scope == "award"),
        "parent_agreement": products & (scope == "parent_agreement"),
        "direct": rel == "direct",
        "reseller_per_record": (rel == "reseller") & (scope == "transaction"),
        "platform_services": rel == "platform_services",
    }


def company_totals(att: pd.DataFrame, slices: np.ndarray, version: str) -> pd.DataFrame:
    """Sums and counts per agency, company and fiscal year from the published attributions.
    `slices` gives, per attribution, its truncated slice label ('' when not truncated)."""
    res = metadata.resource("company_totals")
    if att.empty:
        return pd.DataFrame(columns=res.field_names)
    amount = cents(att["federal_action_obligation_usd"])
    out = _sum_parts(att[KEYS], amount, _masks(att))
    late = (att["evidence_scope"] == "award").to_numpy() & att["is_evidence_after_record"].to_numpy(
        dtype=bool
    )
    late_n = pd.concat([att[KEYS].reset_index(drop=True), pd.Series(late, name="n")], axis=1)
    late_n = late_n.groupby(KEYS, as_index=False, sort=True)["n"].sum()
    out["inherited_evidence_after_record_transaction_count"] = late_n["n"].to_numpy("int64")
    out = out.merge(group_bias(att[KEYS], slices), on=KEYS, how="left")
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    out["rule_set_version"] = version
    return out[res.field_names]


def family_of(att: pd.DataFrame, ownership: pd.DataFrame, parents: dict[str, str]) -> np.ndarray:
    """Per attribution: the top of its company's ownership chain on its action date. Dated rows of
    reference/ownership.csv decide where a company has any; elsewhere companies.csv's static
    parent holds for every date."""
    dates = att["action_date"].to_numpy()
    companies = att["company_id"].to_numpy(dtype=object)
    family = companies.copy()
    for _ in range(8):  # ownership chains are short; 8 levels is far more than any in the table
        step = owner_on(family, dates, ownership, parents)
        moved = step != ""
        if not moved.any():
            break
        family = np.where(moved, step, family)
    return family


def owner_on(
    companies: np.ndarray, dates: np.ndarray, ownership: pd.DataFrame, parents: dict[str, str]
) -> np.ndarray:
    """Per row: the owner of the company on the date ('' for none)."""
    static = np.array([parents.get(c, "") for c in companies], dtype=object)
    dated = set(ownership["subsidiary_company_id"])
    out = np.where(np.isin(companies, list(dated)), "", static).astype(object)
    days = pd.DatetimeIndex(dates)
    for r in ownership.to_dict("records"):
        hit = companies == r["subsidiary_company_id"]
        if pd.notna(r["from_date"]):
            hit &= np.asarray(days >= pd.Timestamp(r["from_date"]))
        if pd.notna(r["to_date"]):
            hit &= np.asarray(days <= pd.Timestamp(r["to_date"]))
        out[hit] = r["parent_company_id"]
    return out


def corporate_family_totals(
    att: pd.DataFrame,
    slices: np.ndarray,
    ownership: pd.DataFrame,
    parents: dict[str, str],
    version: str,
) -> pd.DataFrame:
    """Per agency, family and fiscal year: the three figures of company_totals, each transaction
    counted once per family at its strongest evidence (per record, then inherited, then parent
    agreement)."""
    res = metadata.resource("corporate_family_totals")
    products = att[att["relationship"].isin(PRODUCTS).to_numpy()]
    if products.empty:
        return pd.DataFrame(columns=res.field_names)
    labels = slices[att["relationship"].isin(PRODUCTS).to_numpy()]
    a = products.assign(
        corporate_family_id=family_of(products, ownership, parents),
        _order=products["evidence_scope"].map(SCOPE_ORDER).to_numpy(),
        _label=labels,
    )
    members = a.groupby(FAMILY_KEYS, sort=True)["company_id"].agg(
        lambda s: " ; ".join(sorted(set(s)))
    )
    a = a.sort_values(["transaction_id", "corporate_family_id", "_order", "company_id"])
    a = a.drop_duplicates(["transaction_id", "corporate_family_id"])
    masks = _masks(a)
    parts = {k: masks[k] for k in ("per_record", "including_inherited", "parent_agreement")}
    out = _sum_parts(a[FAMILY_KEYS], cents(a["federal_action_obligation_usd"]), parts)
    out = out.merge(members.rename("member_company_ids").reset_index(), on=FAMILY_KEYS)
    out = out.merge(group_bias(a[FAMILY_KEYS], a["_label"].to_numpy()), on=FAMILY_KEYS)
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    out["rule_set_version"] = version
    return out[res.field_names]
