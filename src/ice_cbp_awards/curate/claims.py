"""Claims from public reporting, checked against the records.

Each reviewed claim row says what to select (period, agency, company and relationships, system,
award, recipients) and how to compare (a sum of obligations, or the share of a company's money
that went through given recipients). Adding a claim is adding a row to reference/claims.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import metadata
from .attribute import company_groups
from .columns import cents, isin, usd
from .reference import Reference, split_list

DEFAULT_RELATIONSHIPS = ["direct", "reseller"]


def _usd(x: float) -> str:
    return f"{x:,.2f} USD"


def _fmt(x: float, measure: str) -> str:
    return _usd(x) if measure == "obligation_usd" else f"{x:.3f}"


def _coverage(
    dates: np.ndarray, agencies: np.ndarray, agency: str
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last action date of the records (of one agency, or of all)."""
    if agency:
        dates = dates[agencies == agency]
    return (pd.Timestamp(dates.min()), pd.Timestamp(dates.max())) if len(dates) else None


def select(
    claim: pd.Series,
    tx: pd.DataFrame,
    cols: dict[str, np.ndarray],
    att: pd.DataFrame,
    mentions: pd.DataFrame,
    recipient_company: np.ndarray,
    groups: dict[str, set[str]],
) -> tuple[np.ndarray, np.ndarray]:
    """(base row positions, counted row positions) of the transactions one claim selects."""
    dates = tx["action_date"].to_numpy()
    mask = (dates >= claim["period_start_date"].to_datetime64()) & (
        dates <= claim["period_end_date"].to_datetime64()
    )
    if claim["agency_acronym"]:
        mask &= cols["agency"] == claim["agency_acronym"]
    if claim["award_id_piid"]:
        mask &= cols["piid"] == claim["award_id_piid"]
    if claim["system_id"]:
        ids = mentions.loc[mentions["system_id"] == claim["system_id"], "transaction_id"]
        mask &= isin(tx["transaction_id"], ids)
    if claim["company_id"]:
        rels = split_list(claim["relationships"]) or DEFAULT_RELATIONSHIPS
        # reviewed parent-agreement attributions are a separate figure, never part of a claim's
        ids = att.loc[
            (att["company_id"] == claim["company_id"])
            & att["relationship"].isin(rels)
            & (att["evidence_scope"] != "parent_agreement"),
            "transaction_id",
        ]
        mask &= isin(tx["transaction_id"], ids)
    base = np.flatnonzero(mask)
    via = split_list(claim["recipient_company_ids"])
    if not via:
        return base, base
    wanted = list(set().union(*(groups.get(c, {c}) for c in via)))
    counted = base[np.isin(recipient_company[base], wanted)]
    return base, counted


def check_claims(
    tx: pd.DataFrame,
    att: pd.DataFrame,
    mentions: pd.DataFrame,
    recipient_company: np.ndarray,
    ref: Reference,
    version: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(claims with the package's figure and status, claim_records)."""
    groups = company_groups(ref.companies)
    amounts = tx["federal_action_obligation_usd"].to_numpy()
    amount_cents = cents(amounts)
    tids = tx["transaction_id"].to_numpy()
    rc = recipient_company
    agency = tx["agency_acronym"].to_numpy()
    piid = tx["award_id_piid"].to_numpy()
    rows, records = [], []
    for _, c in ref.claims.iterrows():
        out = {k: c[k] for k in ref.claims.columns if k != "_line"}
        measure = c["measure"]
        value = obligation = None
        count = 0
        cover = _coverage(tx["action_date"].to_numpy(), agency, c["agency_acronym"])
        if c["not_covered_reason"]:
            status, reason = "not_covered", c["not_covered_reason"]
        elif cover is None or c["period_start_date"] < cover[0] or c["period_end_date"] > cover[1]:
            span = (
                "no records"
                if cover is None
                else f"records from {cover[0]:%Y-%m-%d} to {cover[1]:%Y-%m-%d}"
            )
            status = "not_covered"
            reason = (
                f"the claim covers {c['period_start_date']:%Y-%m-%d} to "
                f"{c['period_end_date']:%Y-%m-%d}; the package has {span}"
            )
        else:
            base, counted = select(
                c, tx, {"agency": agency, "piid": piid}, att, mentions, rc, groups
            )
            obligation = float(usd(amount_cents[counted].sum()))
            count = len(counted)
            records.append(
                pd.DataFrame(
                    {
                        "claim_id": c["claim_id"],
                        "transaction_id": tids[base],
                        "record_role": np.where(np.isin(base, counted), "counted", "base_only"),
                        "federal_action_obligation_usd": amounts[base],
                    }
                )
            )
            if measure == "obligation_usd":
                value = obligation
            else:
                total = float(usd(amount_cents[base].sum()))
                value = round(obligation / total, 4) if total > 0 else None
            if value is None:
                status, reason = "not_covered", "the selection has no positive obligations"
            else:
                status, reason = compare(value, c)
        out.update(
            package_value=value,
            package_obligation_usd=obligation,
            package_transaction_count=count,
            status=status,
            status_reason=reason,
            rule_set_version=version,
        )
        rows.append(out)
    res = metadata.resource("claims")
    claims = pd.DataFrame(rows, columns=res.field_names)
    for col in ("package_value", "package_obligation_usd"):
        claims[col] = claims[col].astype("float64")
    claims["package_transaction_count"] = claims["package_transaction_count"].astype("int64")
    rec_res = metadata.resource("claim_records")
    if records:
        rec = pd.concat(records, ignore_index=True)
    else:
        rec = pd.DataFrame(columns=rec_res.field_names)
    return claims, rec[rec_res.field_names]


def compare(value: float, c: pd.Series) -> tuple[str, str]:
    """Status and reason of one measurable claim."""
    measure, claimed = c["measure"], float(c["claimed_value"])
    v, cl = _fmt(value, measure), _fmt(claimed, measure)
    if c["comparison"] == "approximately":
        tol = float(c["tolerance_value"])
        diff = value - claimed
        ok = abs(diff) <= tol
        rel = f" ({diff / claimed:+.1%})" if claimed else ""
        how = "within" if ok else "outside"
        return (
            "consistent" if ok else "differs",
            f"package {v} vs claimed {cl}: difference {_fmt(diff, measure)}{rel}, {how} the "
            f"tolerance of {_fmt(tol, measure)}",
        )
    if c["comparison"] == "at_least":
        ok = value >= claimed
        return (
            "consistent" if ok else "differs",
            f"package {v} is {'at least' if ok else 'below'} the claimed {cl}",
        )
    ok = value <= claimed
    return (
        "consistent" if ok else "differs",
        f"package {v} is {'at most' if ok else 'above'} the claimed {cl}",
    )
