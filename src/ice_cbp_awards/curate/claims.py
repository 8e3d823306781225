"""Claims from public reporting, checked against the records.

Each reviewed claim row says what to select (period, agency, company and relationships, system,
award, recipients), which records speak to it (the transactions of fiscal year 2021 on, or the
ICE award summaries of fiscal years 2013-2018) and how to compare (a sum of obligations, a count
of awards, or the share of a company's money that went through given recipients). Adding a
claim is adding a row to reference/claims.csv.

Two things are said beside every status: whether the records cover only part of the claim's
period (status partly_covered, the comparison made on the covered part), and whether the awards
the claim counts have transactions after the claim's own period (has_records_past_scope: e.g.
later modifications of the order a reported figure was about).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import metadata
from .attribute import company_groups
from .columns import TextColumn, cents, isin, usd
from .coverage import figure_bias
from .names import fold_name
from .reference import Reference, split_list
from .textmatch import match_each

# coverage_bias of a claim the package does not test (no records to be biased)
NOT_TESTED = ""
# coverage_bias of a claim tested on the FY2013-FY2018 summaries (latest action per award)
SUMMARY_BIAS = "not_transactions"

DEFAULT_RELATIONSHIPS = ["direct", "reseller"]
SUMMARIES = "award_summaries"
NO_SUMMARIES = "no award summaries in the build"
Span = tuple[pd.Timestamp, pd.Timestamp]


def _usd(x: float) -> str:
    return f"{x:,.2f} USD"


def _fmt(x: float, measure: str) -> str:
    if measure == "obligation_usd":
        return _usd(x)
    if measure == "award_count":
        return f"{x:,.0f} award{'' if x == 1 else 's'}"
    return f"{x:.3f}"


def _coverage(dates: np.ndarray, agencies: TextColumn, agency: str) -> Span | None:
    """First and last action date of the records (of one agency, or of all)."""
    if agency:
        dates = dates[agencies == agency]
    dates = dates[~pd.isna(dates)]
    return (pd.Timestamp(dates.min()), pd.Timestamp(dates.max())) if len(dates) else None


def covered_part(claim: pd.Series, cover: Span | None) -> tuple[Span | None, str]:
    """The part of the claim's period the records cover, and a reason when it is not all of it
    (the whole period when covered; None with the reason when nothing is covered)."""
    start, end = claim["period_start_date"], claim["period_end_date"]
    span = (
        "no records"
        if cover is None
        else f"records from {cover[0]:%Y-%m-%d} to {cover[1]:%Y-%m-%d}"
    )
    said = f"the claim covers {start:%Y-%m-%d} to {end:%Y-%m-%d}; the package has {span}"
    if cover is None or end < cover[0] or start > cover[1]:
        return None, said
    part = (max(start, cover[0]), min(end, cover[1]))
    if part == (start, end):
        return part, ""
    return part, f"{said}, so only {part[0]:%Y-%m-%d} to {part[1]:%Y-%m-%d} is tested"


Columns = dict[str, "np.ndarray | TextColumn"]


def claim_columns(tx: pd.DataFrame) -> Columns:
    """The transaction columns every claim reads, made once for all claims: the numbers and
    dates as NumPy arrays, the texts as TextColumns (compared whole, taken a few rows at a
    time), so that no text column becomes a Python object per row."""
    return {
        "date": tx["action_date"].to_numpy(),
        "agency": TextColumn(tx["agency_acronym"]),
        "piid": TextColumn(tx["award_id_piid"]),
        "award": TextColumn(tx["award_id_usaspending"]),
        "transaction": TextColumn(tx["transaction_id"]),
        "amount": tx["federal_action_obligation_usd"].to_numpy(),
    }


def select(
    claim: pd.Series,
    tx: pd.DataFrame,
    cols: Columns,
    att: pd.DataFrame,
    mentions: pd.DataFrame,
    recipient_company: np.ndarray,
    groups: dict[str, set[str]],
    period: Span | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(base row positions, counted row positions) of the transactions one claim selects,
    within `period` (default: the claim's own)."""
    start, end = period or (claim["period_start_date"], claim["period_end_date"])
    dates = cols["date"]
    mask = (dates >= start.to_datetime64()) & (dates <= end.to_datetime64())
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


def past_scope(
    claim: pd.Series,
    tx: pd.DataFrame,
    counted: np.ndarray,
    cols: Columns | None = None,
) -> np.ndarray:
    """Row positions of the transactions of the counted records' awards dated after the claim's
    period (of the claim's agency): the records continue past the scope the claim speaks of."""
    if not len(counted):
        return counted
    cols = cols if cols is not None else claim_columns(tx)
    # a hash lookup: numpy's isin sorts a million Python strings once per claim
    mask = isin(tx["award_id_usaspending"], pd.unique(cols["award"][counted]))
    mask &= cols["date"] > claim["period_end_date"].to_datetime64()
    if claim["agency_acronym"]:
        mask &= cols["agency"] == claim["agency_acronym"]
    return np.flatnonzero(mask)


def past_scope_note(claim: pd.Series, count: int, obligation: float) -> str:
    """The sentence said beside the status when the records continue past the claim's scope."""
    return (
        f"records continue past the claim's scope: {count} later transactions of the same "
        f"awards after {claim['period_end_date']:%Y-%m-%d} ({_usd(obligation)}), not in the "
        "figure; see claim_records (past_scope)"
    )


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


def judge(value: float | None, c: pd.Series, partial: str) -> tuple[str, str]:
    """Status and reason from the package's value; a partly covered claim keeps the comparison
    on its covered part in the reason and is partly_covered, never plainly consistent."""
    if value is None:
        return "not_covered", "the selection has no positive obligations"
    status, reason = compare(value, c)
    if partial:
        return "partly_covered", f"{partial}; over that part, {status}: {reason}"
    return status, reason


def _transaction_claim(
    c: pd.Series,
    tx: pd.DataFrame,
    att: pd.DataFrame,
    mentions: pd.DataFrame,
    recipient_company: np.ndarray,
    groups: dict[str, set[str]],
    slices: np.ndarray,
    cols: Columns,
    amount_cents: np.ndarray,
) -> tuple[dict, pd.DataFrame | None]:
    """Computed fields and claim_records of a claim tested on the transactions.

    `slices` gives, per transaction, its truncated slice (coverage.truncated_slices) or '';
    `cols` the columns of claim_columns, `amount_cents` the obligations in cents."""
    cover = _coverage(cols["date"], cols["agency"], c["agency_acronym"])
    part, partial = covered_part(c, cover)
    if part is None:
        return {"status": "not_covered", "status_reason": partial}, None
    base, counted = select(c, tx, cols, att, mentions, recipient_company, groups, part)
    amounts = cols["amount"]
    obligation = float(usd(amount_cents[counted].sum()))
    if c["measure"] == "obligation_usd":
        value: float | None = obligation
    elif c["measure"] == "award_count":
        value = float(len(np.unique(cols["award"][counted])))
    else:
        total = float(usd(amount_cents[base].sum()))
        value = round(obligation / total, 4) if total > 0 else None
    status, reason = judge(value, c, partial)
    later = past_scope(c, tx, counted, cols)
    later_usd = float(usd(amount_cents[later].sum()))
    if len(later):
        reason = f"{reason}; {past_scope_note(c, len(later), later_usd)}"
    tids = cols["transaction"]
    rows = np.concatenate([base, later])
    role = np.where(np.isin(base, counted), "counted", "base_only")
    records = pd.DataFrame(
        {
            "claim_id": c["claim_id"],
            "transaction_id": tids[rows],
            "record_role": np.concatenate([role, np.full(len(later), "past_scope")]),
            "federal_action_obligation_usd": amounts[rows],
        }
    )
    fields = {
        "package_value": value,
        "package_obligation_usd": obligation,
        "package_transaction_count": len(counted),
        "status": status,
        "status_reason": reason,
        "has_records_past_scope": bool(len(later)),
        "past_scope_transaction_count": len(later),
        "past_scope_obligation_usd": later_usd if len(later) else None,
    }
    fields["coverage_bias"], fields["truncated_slice_ids"] = figure_bias(slices[counted])
    return fields, records


def summary_recipients_of(
    claim: pd.Series, names: pd.Series, dates: pd.Series, ref: Reference
) -> np.ndarray:
    """Per award summary: does its recipient belong to the claim's company (the company's and its
    subsidiaries' direct rules, in effect on the latest action date) and, when the claim names
    recipient_company_ids, to one of those (by folded alias)? Summaries are not attributed by
    description, so only the recipient can name a company."""
    groups = company_groups(ref.companies)
    keep = np.ones(len(names), dtype=bool)
    if claim["company_id"]:
        rules = ref.attribution_rules
        own = rules[
            rules["company_id"].isin(groups.get(claim["company_id"], {claim["company_id"]}))
            & (rules["relationship"] == "direct")
        ]
        hit = np.zeros(len(names), dtype=bool)
        for _, r in own.iterrows():
            found = np.array(
                [m is not None for m in match_each(names, r["pattern"], r["exclude_pattern"])]
            )
            if pd.notna(r["effective_start_date"]):
                found &= np.array(dates >= r["effective_start_date"], dtype=bool)
            if pd.notna(r["effective_end_date"]):
                found &= np.array(dates <= r["effective_end_date"], dtype=bool)
            hit |= found
        keep &= hit
    via = split_list(claim["recipient_company_ids"])
    if via:
        members = set().union(*(groups.get(c, {c}) for c in via))
        aliases = ref.companies[ref.companies["company_id"].isin(members)]["recipient_aliases"]
        folded = {fold_name(a) for cell in aliases for a in split_list(cell)}
        keep &= np.array([fold_name(n) in folded for n in names], dtype=bool)
    return keep


def summary_claim(c: pd.Series, summaries: pd.DataFrame, ref: Reference) -> dict:
    """Computed fields of a claim tested on the FY2013-FY2018 award summaries: they carry one row
    per award and fiscal year with its latest action, so the figures are a count of awards or
    the sum of those latest actions' obligations (a partial sum, said so)."""
    dates = pd.to_datetime(summaries["latest_action_date"], errors="coerce")
    agency = summaries["agency_acronym"].to_numpy()
    cover = _coverage(dates.to_numpy(), agency, c["agency_acronym"])
    part, partial = covered_part(c, cover)
    if part is None:
        return {"status": "not_covered", "status_reason": partial}
    mask = np.array((dates >= part[0]) & (dates <= part[1]), dtype=bool)
    if c["agency_acronym"]:
        mask &= agency == c["agency_acronym"]
    if c["award_id_piid"]:
        mask &= summaries["award_id_piid"].to_numpy() == c["award_id_piid"]
    if c["system_id"]:
        sysrow = ref.systems[ref.systems["system_id"] == c["system_id"]].iloc[0]
        found = match_each(
            summaries["award_description"].fillna(""), sysrow["pattern"], sysrow["exclude_pattern"]
        )
        mask &= np.array([m is not None for m in found], dtype=bool)
    names = summaries["recipient_name"].fillna("").astype(str)
    mask &= summary_recipients_of(c, names, dates, ref)
    chosen = summaries[mask]
    latest = pd.to_numeric(chosen["latest_action_obligation_usd"], errors="coerce").fillna(0)
    obligation = float(usd(cents(latest).sum()))
    awards = chosen["award_id_usaspending"].nunique()
    value = float(awards) if c["measure"] == "award_count" else obligation
    if c["measure"] == "via_recipients_share_ratio":
        return {
            "status": "not_covered",
            "status_reason": "a share cannot be measured on award summaries",
        }
    status, reason = judge(value, c, partial)
    what = (
        f"FY2013-FY2018 award summaries: {_fmt(awards, 'award_count')}, "
        f"{len(chosen)} summary rows, "
        f"latest actions {_usd(obligation)} (a partial sum: each row carries only its "
        "award's latest action of the year)"
    )
    return {
        "package_value": value,
        "package_obligation_usd": obligation,
        "package_transaction_count": 0,
        "status": status,
        "status_reason": f"{what}; {reason}",
        "package_award_summary_ids": " ; ".join(sorted(chosen["award_summary_id"].astype(str))),
    }


def check_claims(
    tx: pd.DataFrame,
    att: pd.DataFrame,
    mentions: pd.DataFrame,
    recipient_company: np.ndarray,
    ref: Reference,
    version: str,
    summaries: pd.DataFrame | None = None,
    slices: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(claims with the package's figure and status, claim_records).

    `slices`: per transaction, the truncated slice it comes from or '' (from
    coverage.truncated_slices); without it no slice counts as truncated."""
    groups = company_groups(ref.companies)
    if slices is None:
        slices = np.full(len(tx), "", dtype=object)
    summaries = summaries if summaries is not None else pd.DataFrame()
    rows, records = [], []
    cols = claim_columns(tx)
    amount_cents = cents(cols["amount"])
    for _, c in ref.claims.iterrows():
        out = {k: c[k] for k in ref.claims.columns if k != "_line"}
        fields: dict = {}
        if c["not_covered_reason"]:
            fields = {"status": "not_covered", "status_reason": c["not_covered_reason"]}
        elif c["evidence_source"] == SUMMARIES:
            if summaries.empty:
                fields = {
                    "status": "not_covered",
                    "status_reason": "no award summaries in the build",
                }
            else:
                fields = summary_claim(c, summaries, ref)
                if fields.get("status") != "not_covered":
                    fields["coverage_bias"] = SUMMARY_BIAS
        else:
            fields, rec = _transaction_claim(
                c, tx, att, mentions, recipient_company, groups, slices, cols, amount_cents
            )
            if rec is not None:
                records.append(rec)
        out.update(
            {
                "package_value": None,
                "package_obligation_usd": None,
                "package_transaction_count": 0,
                "has_records_past_scope": False,
                "past_scope_transaction_count": 0,
                "past_scope_obligation_usd": None,
                "package_award_summary_ids": "",
                "coverage_bias": NOT_TESTED,
                "truncated_slice_ids": "",
            }
        )
        out.update(fields, rule_set_version=version)
        rows.append(out)
    return _claims_frame(rows), _records_frame(records)


def _claims_frame(rows: list[dict]) -> pd.DataFrame:
    res = metadata.resource("claims")
    claims = pd.DataFrame(rows, columns=res.field_names)
    for col in ("package_value", "package_obligation_usd", "past_scope_obligation_usd"):
        claims[col] = claims[col].astype("float64")
    for col in ("package_transaction_count", "past_scope_transaction_count"):
        claims[col] = claims[col].astype("int64")
    claims["has_records_past_scope"] = claims["has_records_past_scope"].astype(bool)
    return claims


def _records_frame(records: list[pd.DataFrame]) -> pd.DataFrame:
    rec_res = metadata.resource("claim_records")
    if records:
        rec = pd.concat(records, ignore_index=True)
    else:
        rec = pd.DataFrame(columns=rec_res.field_names)
    return rec[rec_res.field_names]
