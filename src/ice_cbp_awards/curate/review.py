"""Review aid: transactions that look like a technology purchase but that no rule attributed.

A curator reads these, largest first, to find products and resellers the rules miss. A
transaction is a candidate when it has no attribution at all and shows at least one signal:
its description names cloud, licences, software or subscriptions or a well-known product; its
product or industry category is a product (licensed software, software as a service, cloud);
or its recipient is a listed reseller.

Candidates are ranked by expected value, not by amount: expected_value_usd = obligation x the
probability that the record is a technology company's purchase the rules missed. The
probability of a candidate is the largest of its signals' (signals overlap, so they are not
combined as if independent). A signal's probability is measured on the unattributed records of
the gold set (reference/gold_set.csv, 2026-08-22 build): of the n records with the signal, k
were labelled with a company (mapped or not) rather than none, smoothed as (k + 1) / (n + 2) so
that a rare signal is neither certain nor impossible. A bare "cloud" (half of them are firms or
services with CLOUD in the name) thus ranks below a named product on the same amount; a
de-obligation has a negative expected value and ranks last. The unattributed gold records were
drawn by keyword, not at random, so these shares are a reviewed first calibration, not rates of
the whole package; tests/curate/test_real_quality.py re-measures them on every change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import metadata
from ..transform.parse import award_page_urls
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


# label -> (records with the signal labelled with a company, records with the signal), measured on
# the 111 unattributed gold records; see the module docstring.
SIGNAL_EVIDENCE: dict[str, tuple[int, int]] = {
    "cloud": (3, 6),
    "licence": (17, 20),
    "software": (20, 27),
    "subscription": (1, 1),
    "named product": (16, 16),
    "product category": (23, 25),
    "industry": (7, 8),
    "reseller recipient": (36, 43),
}


def signal_probability(label: str) -> float:
    """(k + 1) / (n + 2): the smoothed share of gold records with this signal that were a
    company's purchase."""
    k, n = SIGNAL_EVIDENCE[label]
    return (k + 1) / (n + 2)


# the signals of a licence or subscription purchase, which an integrator may pass through
LICENCE_SIGNALS = ("licence", "subscription")


def probability(tx: pd.DataFrame, recipient_role: np.ndarray) -> np.ndarray:
    """Per transaction: the largest probability among its signals (0 without a signal)."""
    out = np.zeros(len(tx), dtype="float64")
    for label, field, pattern in SIGNALS:
        if field == "transaction_description":
            hit = any_match_each(tx[field], pattern)
        else:
            codes, uniq = encode(tx[field])
            hit = any_match_each(uniq, pattern)[codes] if len(uniq) else np.zeros(len(tx), bool)
        out = np.where(hit, np.maximum(out, signal_probability(label)), out)
    reseller = np.asarray(recipient_role) == "reseller"
    return np.where(reseller, np.maximum(out, signal_probability("reseller recipient")), out)


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
        elif role == "integrator":
            found_by_row[i].append(f"integrator recipient: {company}")
    return [" ; ".join(found_by_row[i]) for i in range(len(tx))]


def integrator_licence_lines(
    tx: pd.DataFrame, att: pd.DataFrame, recipient_role: np.ndarray
) -> np.ndarray:
    """Per transaction: an integrator's record that names a platform (so it is attributed only
    as platform_services) and buys licences or subscriptions. Integrators pass product licences
    through now and then; such a line may be product money, which only a curator can tell, so
    review lists it instead of letting it count as services without a look."""
    integrator = np.asarray(recipient_role) == "integrator"
    if not integrator.any():
        return integrator
    services = att.loc[att["relationship"] == "platform_services", "transaction_id"]
    product = att.loc[att["relationship"].isin(["direct", "reseller"]), "transaction_id"]
    words = "|".join(f"(?:{p})" for label, _, p in SIGNALS if label in LICENCE_SIGNALS)
    return (
        integrator
        & isin(tx["transaction_id"], services)
        & ~isin(tx["transaction_id"], product)
        & any_match_each(tx["transaction_description"], words)
    )


def review_candidates(
    tx: pd.DataFrame,
    att: pd.DataFrame,
    recipient_role: np.ndarray,
    recipient_company: np.ndarray,
    version: str,
    top_n: int = TOP_N,
) -> pd.DataFrame:
    """The top_n unattributed transactions with a signal, by expected value (largest first)."""
    res = metadata.resource("review_candidates")
    free = ~isin(tx["transaction_id"], att["transaction_id"])
    passed = integrator_licence_lines(tx, att, recipient_role)
    pick = np.flatnonzero((free & (has_signal(tx) | (recipient_role == "reseller"))) | passed)
    amount = tx["federal_action_obligation_usd"].to_numpy()[pick]
    # only the columns the signals read: a copy of every column of the picked rows cost
    # most of this function's time at a million transactions
    fields = list(dict.fromkeys(f for _, f, _ in SIGNALS))
    p = probability(tx[fields].iloc[pick].reset_index(drop=True), recipient_role[pick])
    order = pd.DataFrame(
        {"row": pick, "p": p, "ev": amount * p, "tid": take(tx["transaction_id"], pick)}
    )
    top = order.sort_values(["ev", "tid"], ascending=[False, True]).head(top_n)
    rows = top["row"].to_numpy()
    cand = tx.iloc[rows].assign(
        recipient_company_id=recipient_company[rows], _role=recipient_role[rows]
    )
    cand["signals"] = signals(cand, cand["_role"], cand["recipient_company_id"])
    cand["technology_probability_ratio"] = top["p"].to_numpy()
    cand["expected_value_usd"] = top["ev"].to_numpy()
    cand["candidate_rank"] = np.arange(1, len(cand) + 1, dtype="int64")
    cand["rule_set_version"] = version
    cand["award_page_url"] = award_page_urls(cand["award_id_usaspending"])  # as attribute.py
    return cand[res.field_names].reset_index(drop=True)
