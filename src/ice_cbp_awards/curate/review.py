"""Review aid: transactions that look like a technology purchase but that no rule attributed.

A curator reads these, largest first, to find products and resellers the rules miss. A
transaction is a candidate when it has no attribution at all and shows at least one signal:
its description names cloud, licences, software or subscriptions or a well-known product; its
product or industry category is a product (licensed software, software as a service, cloud);
or its recipient is a listed reseller.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import metadata
from .columns import encode, isin, take
from .textmatch import Pattern, any_match_each, find_matches

TOP_N = 200

# (label, transactions field, pattern): the signals, in the order they are reported.
SIGNALS: tuple[tuple[str, str, str], ...] = (
    ("cloud", "transaction_description", "CLOUD|SAAS|PAAS|IAAS|AS A SERVICE|HOSTING"),
    (
        "licence",
        "transaction_description",
        "LICEN[CS]E[SD]?|LICEN[CS]ING|ELA|ENTERPRISE LICENSE AGREEMENT",
    ),
    ("software", "transaction_description", "SOFTWARE"),
    ("subscription", "transaction_description", "SUBSCRIPTIONS?"),
    (
        "named product",
        "transaction_description",
        "CISCO|VMWARE|RED ?HAT|SERVICENOW|SPLUNK|CELLEBRITE|GRAYKEY|GRAYSHIFT|COBWEBS|TANGLES|"
        "BABEL STREET|ZIGNAL|DATAMINR|ELASTIC|MONGO ?DB|ATLASSIAN|JIRA|ESRI|ARCGIS|UIPATH|"
        "PALO ALTO|CROWDSTRIKE|ZSCALER|OKTA|SNOWFLAKE|DATABRICKS|NVIDIA|NETAPP|TWISTLOCK|"
        "SAILPOINT|COLLIBRA|INFORMATICA|TERADATA|QLIK|ALTERYX|I2|ANALYST'S NOTEBOOK|MALTEGO|"
        "LEARN|LPR|LICENSE PLATE READER|FACIAL RECOGNITION",
    ),
    (
        "product category",
        "product_or_service_description",
        "SOFTWARE AS A SERVICE|BUSINESS APPLICATION SOFTWARE|APPLICATION DEVELOPMENT SOFTWARE|"
        "CLOUD COMPUTING|WEB-BASED SUBSCRIPTION|ANNUAL SOFTWARE MAINTENANCE|"
        "INFORMATION TECHNOLOGY SOFTWARE|PLATFORM AS A SERVICE",
    ),
    (
        "industry",
        "naics_description",
        "SOFTWARE PUBLISHERS|COMPUTING INFRASTRUCTURE PROVIDERS|DATA PROCESSING, HOSTING",
    ),
)


def has_signal(tx: pd.DataFrame) -> np.ndarray:
    """Per transaction: does any description, product or industry signal match (one RE2 pass
    per field over the whole column)."""
    out = np.zeros(len(tx), dtype=bool)
    for field in dict.fromkeys(f for _, f, _ in SIGNALS):
        combined = "|".join(f"(?:{p})" for _, f, p in SIGNALS if f == field)
        if field == "transaction_description":  # nearly one value per row: match directly
            out |= any_match_each(tx[field], combined)
            continue
        codes, uniq = encode(tx[field])
        hit = any_match_each(uniq, combined)
        out |= hit[codes] if len(hit) else out
    return out


def signals(tx: pd.DataFrame, recipient_role: pd.Series, recipient_company: pd.Series) -> list[str]:
    """Per transaction (aligned with tx, meant for a few hundred rows): its signals with the
    words that matched, joined with ' ; '."""
    tx = tx.reset_index(drop=True)
    found_by_row: dict[int, list[str]] = {i: [] for i in range(len(tx))}
    for field in dict.fromkeys(f for _, f, _ in SIGNALS):
        pats = [Pattern(label, p) for label, f, p in SIGNALS if f == field]
        found = find_matches(tx[field], pats)
        found = found[~found["is_excluded"]]
        words = found.groupby(["row", "key"], sort=False)["matched_text"].agg(
            lambda s: ", ".join(dict.fromkeys(w.upper() for w in s))
        )
        order = {label: i for i, (label, _, _) in enumerate(SIGNALS)}
        for (row, key), w in sorted(words.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])):
            found_by_row[int(row)].append(f"{key}: {w}")
    for i, (role, company) in enumerate(zip(recipient_role, recipient_company, strict=True)):
        if role == "reseller":
            found_by_row[i].append(f"reseller recipient: {company}")
    return [" ; ".join(found_by_row[i]) for i in range(len(tx))]


def review_candidates(
    tx: pd.DataFrame,
    att: pd.DataFrame,
    recipient_role: np.ndarray,
    recipient_company: np.ndarray,
    version: str,
    top_n: int = TOP_N,
) -> pd.DataFrame:
    """The top_n unattributed transactions with a signal, by obligation (largest first)."""
    res = metadata.resource("review_candidates")
    free = ~isin(tx["transaction_id"], att["transaction_id"])
    pick = np.flatnonzero(free & (has_signal(tx) | (recipient_role == "reseller")))
    order = pd.DataFrame(
        {
            "row": pick,
            "amount": tx["federal_action_obligation_usd"].to_numpy()[pick],
            "tid": take(tx["transaction_id"], pick),
        }
    )
    top = order.sort_values(["amount", "tid"], ascending=[False, True]).head(top_n)["row"]
    top = top.to_numpy()
    cand = tx.iloc[top].assign(
        recipient_company_id=recipient_company[top], _role=recipient_role[top]
    )
    cand["signals"] = signals(cand, cand["_role"], cand["recipient_company_id"])
    cand["candidate_rank"] = np.arange(1, len(cand) + 1, dtype="int64")
    cand["rule_set_version"] = version
    return cand[res.field_names].reset_index(drop=True)
