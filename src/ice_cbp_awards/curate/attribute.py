"""Attributions: which transactions count for which technology company, and how.

The rules are the brief's, made explicit:
- direct: a direct rule matches the recipient name (the recipient is the company).
- reseller: a description rule matches and the recipient is a company listed as a reseller.
- platform_services: a description rule matches and the recipient is anyone else.
A description rule never fires for the company's own transactions (they are direct already).
Rules apply only to action dates inside their effective dates. One row per transaction and
company: when several rules of the company match, the leftmost match wins, then the rule id.

A reseller order is often described once: its option exercises, funding and de-obligation
modifications say "EXERCISE OPTION PERIOD 2". Such a transaction, in the same award as a
reseller attribution and with a reseller recipient, inherits the attribution with
evidence_scope 'award' and the id of the earliest transaction that holds the words; a
transaction whose own words were excluded by a rule of that company does not inherit it.

A call under a parent vehicle (BPA, IDIQ) that reference/parent_agreements.csv reviews as one
platform's, and that neither it nor its award names, gets the row's relationship with
evidence_scope 'parent_agreement' and the earliest transaction under the vehicle whose own words
name the company. The vehicle is never inferred: without a reviewed row nothing happens, and a row
whose proving awards carry no per-record attribution in the records applies to nothing.

Every attribution says whether its evidence is dated after the record (is_evidence_after_record):
an inherited attribution can rest on a later modification that first named the product.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..transform.parse import award_page_urls
from .columns import codes_only, take
from .ids import stable_ids
from .recipients import RecipientLinks
from .reference import Reference, split_list
from .textmatch import Pattern, find_matches, word_offsets

RELATIONSHIP_ORDER = {"direct": 0, "reseller": 1, "platform_services": 2}
CANDIDATE_COLUMNS = [
    "row",
    "rule_id",
    "company_id",
    "relationship",
    "matched_field",
    "matched_text",
]


def company_groups(companies: pd.DataFrame) -> dict[str, set[str]]:
    """company_id -> the company and every company below it (subsidiaries, recursively)."""
    parent = dict(zip(companies["company_id"], companies["parent_company_id"], strict=True))
    groups: dict[str, set[str]] = {c: {c} for c in parent}
    for c in parent:
        cur, seen = parent[c], {c}
        while cur and cur not in seen:
            groups.setdefault(cur, {cur}).add(c)
            seen.add(cur)
            cur = parent.get(cur, "")
    return groups


def _leftmost_where_needed(tx: pd.DataFrame, cand: pd.DataFrame) -> np.ndarray:
    """Offset of each candidate's match in its field, computed only where a transaction has
    several candidates for one company (elsewhere 0: there is nothing to choose)."""
    start = np.zeros(len(cand), dtype=np.int64)
    dup = np.flatnonzero(cand.duplicated(["row", "company_id"], keep=False).to_numpy())
    if len(dup):
        sub = cand.iloc[dup]
        rows = sub["row"].to_numpy()
        names = take(tx["recipient_name"], rows)
        descriptions = take(tx["transaction_description"], rows)
        texts = np.where(sub["matched_field"].to_numpy() == "recipient_name", names, descriptions)
        start[dup] = word_offsets(list(texts), list(sub["matched_text"]))
    return start


def _in_group(
    recipient_company: np.ndarray, company: pd.Series, groups: dict[str, set[str]]
) -> np.ndarray:
    """Per row: is the recipient's company the company or one of its subsidiaries."""
    own = pd.DataFrame(
        [(m, c) for c, members in groups.items() for m in members], columns=["member", "company_id"]
    ).assign(_own=True)
    probe = pd.DataFrame({"member": recipient_company, "company_id": company.to_numpy()})
    hit = probe.merge(own, on=["member", "company_id"], how="left")["_own"]
    return hit.notna().to_numpy()


def _pairs_in(left: pd.DataFrame, right: pd.DataFrame) -> np.ndarray:
    """Per row of left: does its (row, company_id) pair occur in right."""
    marks = right.drop_duplicates().assign(_in=True)
    return left.merge(marks, on=["row", "company_id"], how="left")["_in"].notna().to_numpy()


def _in_effect(cand: pd.DataFrame, dates: np.ndarray, rules: pd.DataFrame) -> np.ndarray:
    """Per candidate: is its action date inside its rule's effective dates."""
    r = rules.set_index("rule_id")
    start = r["effective_start_date"].reindex(cand["rule_id"]).to_numpy()
    end = r["effective_end_date"].reindex(cand["rule_id"]).to_numpy()
    d = dates[cand["row"].to_numpy()]
    return np.asarray((pd.isna(start) | (d >= start)) & (pd.isna(end) | (d <= end)), dtype=bool)


def direct_candidates(links: RecipientLinks, ref: Reference) -> pd.DataFrame:
    """Every transaction whose recipient name a direct rule matched."""
    m = links.direct_matches
    rows = np.flatnonzero(np.isin(links.spelling_code, m["spelling"].unique()))
    cand = pd.DataFrame({"row": rows, "spelling": links.spelling_code[rows]}).merge(
        m, on="spelling"
    )
    return cand.assign(relationship="direct", matched_field="recipient_name")[CANDIDATE_COLUMNS]


def description_candidates(tx: pd.DataFrame, ref: Reference) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(matches of description rules, (row, company_id) pairs where a rule was excluded).
    Twin rules share a pattern, so each distinct pattern is matched once."""
    rules = ref.attribution_rules[ref.attribution_rules["field"] == "transaction_description"]
    keys = rules[["pattern", "exclude_pattern"]].drop_duplicates().reset_index(drop=True)
    keys["key"] = keys.index.astype(str)
    pats = [Pattern(k.key, k.pattern, k.exclude_pattern) for k in keys.itertuples()]
    found = find_matches(tx["transaction_description"], pats)
    found = found.merge(keys, on="key").merge(rules, on=["pattern", "exclude_pattern"])
    excluded = found.loc[found["is_excluded"], ["row", "company_id"]].drop_duplicates()
    cand = found[~found["is_excluded"]].assign(matched_field="transaction_description")
    return cand[CANDIDATE_COLUMNS], excluded


def attribute(tx: pd.DataFrame, links: RecipientLinks, ref: Reference) -> pd.DataFrame:
    """All attributions (one per transaction and company): row, company, relationship, rule,
    matched field and text, evidence row and scope."""
    dates = tx["action_date"].to_numpy()
    rules = ref.attribution_rules
    direct = direct_candidates(links, ref)
    direct = direct[_in_effect(direct, dates, rules)]
    described, excluded = description_candidates(tx, ref)
    described = described[_in_effect(described, dates, rules)]
    groups = company_groups(ref.companies)
    rows = described["row"].to_numpy()
    role = links.column("recipient_role", rows)
    is_own = _in_group(links.column("company_id", rows), described["company_id"], groups)
    is_own = is_own | _pairs_in(described[["row", "company_id"]], direct[["row", "company_id"]])
    wanted = np.where(role == "reseller", "reseller", "platform_services")
    described = described[~is_own & (described["relationship"].to_numpy() == wanted)]
    cand = pd.concat([direct, described], ignore_index=True)
    cand["match_start"] = _leftmost_where_needed(tx, cand)
    cand["order"] = cand["relationship"].map(RELATIONSHIP_ORDER)
    cand = cand.sort_values(["row", "company_id", "order", "match_start", "rule_id"])
    best = cand.drop_duplicates(["row", "company_id"]).drop(columns=["order", "match_start"])
    best = best.assign(evidence_row=best["row"], evidence_scope="transaction")
    inherited = inherit_reseller(tx, links, best, excluded, groups)
    found = pd.concat([best, inherited], ignore_index=True)
    vehicle = inherit_parent_agreement(tx, links, found, excluded, groups, ref)
    out = pd.concat([found, vehicle], ignore_index=True)
    out["is_evidence_after_record"] = dates[out["evidence_row"].to_numpy()] > dates[out["row"]]
    return out.sort_values(["row", "company_id"], ignore_index=True)


def inherit_parent_agreement(
    tx: pd.DataFrame,
    links: RecipientLinks,
    found: pd.DataFrame,
    excluded: pd.DataFrame,
    groups: dict[str, set[str]],
    ref: Reference,
) -> pd.DataFrame:
    """Attributions through reviewed parent vehicles, for calls that nothing else attributes to
    the vehicle's company. Evidence: the earliest per-record attribution of that company among the
    calls of the proving awards (none: the row applies to nothing)."""
    pa = ref.parent_agreements
    empty = found.iloc[0:0]
    if pa.empty or "parent_award_id_piid" not in tx:
        return empty
    parent = tx["parent_award_id_piid"].to_numpy(dtype=object)
    rows = np.flatnonzero(np.isin(parent, pa["parent_award_id_piid"].to_numpy()))
    if not len(rows):
        return empty
    proofs = pa.assign(proof=pa["proving_award_piids"].map(split_list)).explode("proof")
    ev = found[found["evidence_scope"] == "transaction"]
    ev = ev.assign(
        parent=parent[ev["row"].to_numpy()],
        proof=take(tx["award_id_piid"], ev["row"].to_numpy()),
        date=tx["action_date"].to_numpy()[ev["row"].to_numpy()],
        tid=take(tx["transaction_id"], ev["row"].to_numpy()),
    ).merge(
        proofs[["parent_award_id_piid", "company_id", "proof"]].rename(
            columns={"parent_award_id_piid": "parent"}
        ),
        on=["parent", "company_id", "proof"],
    )
    ev = ev.sort_values(["parent", "date", "tid"]).drop_duplicates("parent")
    ev = ev.merge(pa[["parent_award_id_piid", "relationship"]], left_on="parent",
                  right_on="parent_award_id_piid", suffixes=("_evidence", ""))  # fmt: skip
    calls = pd.DataFrame(
        {
            "row": rows,
            "parent": parent[rows],
            "role": links.column("recipient_role", rows),
            "recipient_company": links.column("company_id", rows),
        }
    ).merge(
        ev[["parent", "company_id", "relationship", "rule_id", "matched_field", "matched_text",
            "row"]].rename(columns={"row": "evidence_row"}),
        on="parent",
    )  # fmt: skip
    wanted = np.where(calls["role"].to_numpy() == "reseller", "reseller", "platform_services")
    calls = calls[calls["relationship"].to_numpy() == wanted]
    done = pd.concat([found[["row", "company_id"]], excluded], ignore_index=True)
    calls = calls[~_pairs_in(calls[["row", "company_id"]], done)]
    own = _in_group(calls["recipient_company"].to_numpy(), calls["company_id"], groups)
    calls = calls[~own]
    return calls.drop(columns=["parent", "role", "recipient_company"]).assign(
        evidence_scope="parent_agreement"
    )[list(found.columns)]


def inherit_reseller(
    tx: pd.DataFrame,
    links: RecipientLinks,
    best: pd.DataFrame,
    excluded: pd.DataFrame,
    groups: dict[str, set[str]],
) -> pd.DataFrame:
    """Reseller attributions extended to the silent transactions of the same award."""
    ev = best[best["relationship"] == "reseller"]
    if ev.empty:
        return best.iloc[0:0]
    award = codes_only(tx["award_id_usaspending"])
    ev_rows = ev["row"].to_numpy()
    ev = ev.assign(
        award=award[ev_rows],
        date=tx["action_date"].to_numpy()[ev_rows],
        tid=take(tx["transaction_id"], ev_rows),
    )
    ev = ev.sort_values(["award", "company_id", "date", "tid"]).drop_duplicates(
        ["award", "company_id"]
    )
    in_awards = np.flatnonzero(np.isin(award, ev["award"].unique()))
    sib = pd.DataFrame(
        {
            "row": in_awards,
            "award": award[in_awards],
            "role": links.column("recipient_role", in_awards),
            "recipient_company": links.column("company_id", in_awards),
        }
    )
    sib = sib[sib["role"] == "reseller"].merge(
        ev[
            [
                "award",
                "company_id",
                "rule_id",
                "relationship",
                "matched_field",
                "matched_text",
                "row",
            ]
        ].rename(columns={"row": "evidence_row"}),
        on="award",
    )
    done = pd.concat([best[["row", "company_id"]], excluded], ignore_index=True).assign(_x=True)
    sib = sib.merge(
        done.drop_duplicates(["row", "company_id"]), on=["row", "company_id"], how="left"
    )
    own = _in_group(sib["recipient_company"].to_numpy(), sib["company_id"], groups)
    sib = sib[sib["_x"].isna().to_numpy() & ~own]
    return sib.drop(columns=["award", "role", "recipient_company", "_x"]).assign(
        evidence_scope="award"
    )


def attributions_frame(
    tx: pd.DataFrame, att: pd.DataFrame, links: RecipientLinks, version: str
) -> pd.DataFrame:
    """The published attributions: ids, evidence and copied transaction columns."""
    rows = att["row"].to_numpy()
    out = pd.DataFrame(
        {
            "transaction_id": take(tx["transaction_id"], rows),
            "award_id_usaspending": take(tx["award_id_usaspending"], rows),
            "company_id": att["company_id"].to_numpy(),
            "relationship": att["relationship"].to_numpy(),
            "rule_id": att["rule_id"].to_numpy(),
            "matched_field": att["matched_field"].to_numpy(),
            "matched_text": att["matched_text"].to_numpy(),
            "evidence_scope": att["evidence_scope"].to_numpy(),
            "evidence_transaction_id": take(tx["transaction_id"], att["evidence_row"].to_numpy()),
            "is_evidence_after_record": att["is_evidence_after_record"].to_numpy(dtype=bool),
            "recipient_id": links.column("recipient_id", rows),
            "agency_acronym": take(tx["agency_acronym"], rows),
            "action_date": take(tx["action_date"], rows),
            "fiscal_year": take(tx["fiscal_year"], rows),
            "federal_action_obligation_usd": take(tx["federal_action_obligation_usd"], rows),
            # the award's page, as normalisation made every transaction's from its award id
            # (the build lets go of the transactions' own column before curation: 0.1 GB)
            "award_page_url": award_page_urls(
                pd.Series(take(tx["award_id_usaspending"], rows))
            ).to_numpy(),
        }
    )
    out.insert(0, "attribution_id", stable_ids("at", out["transaction_id"], out["company_id"]))
    out["rule_set_version"] = version
    return out
