"""System mentions: which transactions name which ICE or CBP system or programme."""

from __future__ import annotations

import pandas as pd

from .columns import take
from .ids import stable_ids
from .reference import Reference
from .textmatch import Pattern, find_matches


def system_mentions(tx: pd.DataFrame, ref: Reference, version: str) -> pd.DataFrame:
    """One row per transaction and system whose pattern matches its description (the leftmost
    match is reported), exclusions applied."""
    pats = [Pattern(s.system_id, s.pattern, s.exclude_pattern) for s in ref.systems.itertuples()]
    found = find_matches(tx["transaction_description"], pats)
    found = found[~found["is_excluded"]].drop_duplicates(["row", "key"])
    rows = found["row"].to_numpy()
    out = pd.DataFrame(
        {
            "transaction_id": take(tx["transaction_id"], rows),
            "award_id_usaspending": take(tx["award_id_usaspending"], rows),
            "system_id": found["key"].to_numpy(),
            "matched_field": "transaction_description",
            "matched_text": found["matched_text"].to_numpy(),
            "agency_acronym": take(tx["agency_acronym"], rows),
            "action_date": take(tx["action_date"], rows),
            "fiscal_year": take(tx["fiscal_year"], rows),
            "federal_action_obligation_usd": take(tx["federal_action_obligation_usd"], rows),
        }
    )
    out.insert(0, "mention_id", stable_ids("sm", out["transaction_id"], out["system_id"]))
    out["rule_set_version"] = version
    return out
