"""Recipients: spellings folded into one recipient, linked to the company it is.

A recipient is linked to a company by alias first (its folded name is one of the company's
reviewed recipient_aliases) and otherwise by a direct attribution rule matching one of its
spellings. The link decides whether a recipient is a reseller, which decides whether a
description naming a product yields `reseller` or `platform_services`.

Spellings of one legal entity that folding cannot join (an upstream rename, a split word) are
joined by the reviewed reference/recipient_name_variants.csv: the variant takes its canonical
name's folded form. A recipient's parent is its company's owner on its last action date.

Work is done once per distinct spelling (tens of thousands), not per transaction (a million):
each transaction carries the integer code of its spelling and of its recipient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..transform.amounts import sum_usd_by
from .columns import encode
from .ids import stable_ids
from .names import fold_name
from .reference import Reference, split_list
from .textmatch import Pattern, find_matches


@dataclass(frozen=True)
class RecipientLinks:
    """Recipients and their companies, with per-transaction codes into them."""

    spelling_code: np.ndarray  # per transaction: row of `spellings`
    recipient_code: np.ndarray  # per transaction: row of `recipients`
    spellings: pd.DataFrame  # recipient_name, folded, recipient_code (one row per spelling)
    recipients: pd.DataFrame  # recipient_id, recipient_name_folded, company_id, basis, rule, role
    direct_matches: pd.DataFrame  # spelling, rule_id, company_id, matched_text

    def column(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """A recipients column per transaction (all transactions, or the given rows)."""
        codes = (
            self.recipient_code
            if rows is None
            else self.recipient_code[np.asarray(rows, dtype=np.int64)]
        )
        return self.recipients[name].to_numpy(dtype=object)[np.asarray(codes, dtype=np.int64)]


def direct_rule_matches(names: pd.Series, ref: Reference) -> pd.DataFrame:
    """Direct rules matched on distinct recipient names (exclusions applied); `spelling` is the
    position of the name in `names`."""
    rules = ref.attribution_rules[ref.attribution_rules["relationship"] == "direct"]
    pats = [Pattern(r.rule_id, r.pattern, r.exclude_pattern) for r in rules.itertuples()]
    found = find_matches(names.reset_index(drop=True), pats)
    found = found[~found["is_excluded"]]
    company = dict(zip(rules["rule_id"], rules["company_id"], strict=True))
    out = pd.DataFrame(
        {
            "spelling": found["row"].to_numpy(),
            "rule_id": found["key"].to_numpy(),
            "company_id": found["key"].map(company).to_numpy(),
            "matched_text": found["matched_text"].to_numpy(),
        }
    )
    return out.sort_values(["spelling", "rule_id"], ignore_index=True)


def alias_map(companies: pd.DataFrame) -> dict[str, str]:
    """Folded alias -> company_id (uniqueness is checked when the reference is loaded)."""
    return {
        fold_name(a): cid
        for cid, aliases in zip(
            companies["company_id"], companies["recipient_aliases"], strict=True
        )
        for a in split_list(aliases)
    }


def variant_map(variants: pd.DataFrame) -> dict[str, str]:
    """Folded variant -> folded canonical name (reviewed in recipient_name_variants.csv)."""
    return {
        fold_name(v): fold_name(c)
        for v, c in zip(variants["variant_name"], variants["canonical_name"], strict=True)
    }


def link_recipients(tx: pd.DataFrame, ref: Reference) -> RecipientLinks:
    """Fold recipient names and link each folded name to a company."""
    codes, names = encode(tx["recipient_name"])
    spellings = pd.DataFrame({"recipient_name": names})
    variants = variant_map(ref.recipient_name_variants)
    spellings["folded"] = [(lambda f: variants.get(f, f))(fold_name(n)) for n in names.tolist()]
    matches = direct_rule_matches(names, ref)
    by_rule = matches.assign(
        folded=spellings["folded"].to_numpy()[matches["spelling"]],
        name=names.to_numpy()[matches["spelling"]],
    )
    by_rule = by_rule.sort_values(["folded", "rule_id", "name"])
    by_rule = by_rule.drop_duplicates("folded").set_index("folded")
    rec = pd.DataFrame({"recipient_name_folded": sorted(set(spellings["folded"]))})
    folded = rec["recipient_name_folded"]
    alias_company = folded.map(alias_map(ref.companies)).astype(object)
    rule_company = folded.map(by_rule["company_id"]).astype(object)
    has_alias = alias_company.notna().to_numpy()
    has_rule = rule_company.notna().to_numpy()
    rec["company_id"] = alias_company.fillna(rule_company).fillna("").astype(str)
    rec["company_link_basis"] = np.where(has_alias, "alias", np.where(has_rule, "rule", ""))
    rule_id = folded.map(by_rule["rule_id"]).astype(object).fillna("").to_numpy()
    rec["company_link_rule_id"] = np.where(~has_alias & has_rule, rule_id, "")
    role = dict(zip(ref.companies["company_id"], ref.companies["role"], strict=True))
    rec["recipient_role"] = rec["company_id"].map(role).fillna("").astype(str)
    rec.insert(0, "recipient_id", stable_ids("rc", folded))
    position = pd.Series(np.arange(len(rec)), index=folded)
    spellings["recipient_code"] = spellings["folded"].map(position).to_numpy(dtype=np.int64)
    recipient_code = spellings["recipient_code"].to_numpy(dtype=np.int64)[codes]
    return RecipientLinks(codes, recipient_code, spellings, rec, matches)


def recipients_frame(tx: pd.DataFrame, links: RecipientLinks) -> pd.DataFrame:
    """The published recipients: spellings, link, counts, amounts and dates per recipient."""
    n_rec = len(links.recipients)
    sp = links.spellings.assign(n=np.bincount(links.spelling_code, minlength=len(links.spellings)))
    sp = sp[sp["n"] > 0]
    main = sp.sort_values(["recipient_code", "n", "recipient_name"], ascending=[True, False, True])
    main = main.drop_duplicates("recipient_code").set_index("recipient_code")["recipient_name"]
    variants: dict[int, list[str]] = {}
    for code, name in sorted(
        zip(sp["recipient_code"].tolist(), sp["recipient_name"].tolist(), strict=True)
    ):
        variants.setdefault(int(code), []).append(name)
    code = links.recipient_code
    dates = pd.DataFrame({"code": code, "d": tx["action_date"].to_numpy()})
    span = dates.groupby("code")["d"].agg(["min", "max"]).reindex(range(n_rec))
    out = links.recipients.drop(columns="recipient_role").copy()
    out["recipient_name"] = main.reindex(range(n_rec)).to_numpy()
    out["recipient_name_variants"] = [" ; ".join(variants.get(i, [])) for i in range(n_rec)]
    out["transaction_count"] = np.bincount(code, minlength=n_rec)
    # exact cents, free of overflow (float weights of bincount lose cents past 2**53)
    sums = sum_usd_by(pd.Series(tx["federal_action_obligation_usd"].to_numpy()), pd.Series(code))
    out["total_obligation_usd"] = sums.reindex(range(n_rec), fill_value=0.0).to_numpy()
    out["first_action_date"] = span["min"].to_numpy()
    out["last_action_date"] = span["max"].to_numpy()
    return out


def with_parents(
    recipients: pd.DataFrame, ownership: pd.DataFrame, parents: dict[str, str]
) -> pd.DataFrame:
    """Recipients with the owner and the corporate family of their company on their last action
    date (dated by reference/ownership.csv; companies.csv's parent where it has no row)."""
    from .totals import family_of, owner_on

    company = recipients["company_id"].to_numpy(dtype=object)
    dates = pd.to_datetime(recipients["last_action_date"]).to_numpy()
    has = company != ""
    frame = pd.DataFrame({"company_id": company[has], "action_date": dates[has]})
    parent = np.full(len(recipients), "", dtype=object)
    family = np.full(len(recipients), "", dtype=object)
    parent[has] = owner_on(company[has], dates[has], ownership, parents)
    family[has] = family_of(frame, ownership, parents)
    return recipients.assign(parent_company_id=parent, corporate_family_id=family)
