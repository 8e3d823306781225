"""One row per award, from the package's transactions and the upstream award summaries.

An award present in both is one row: its total is the sum of its transactions, and the
latest summary only adds what transactions do not carry (current value). Nothing is summed
across the two, so no dollar is counted twice.
"""

from __future__ import annotations

import pandas as pd

from ..metadata import resource

_SORT_TX = ["award_id_usaspending", "action_date", "modification_number", "raw_line_number"]
_SORT_SUM = ["award_id_usaspending", "latest_action_date", "retrieved_at", "raw_line_number"]

# award fields taken from the award's latest row, whether a transaction or a summary
_FROM_LATEST = [
    "award_id_piid",
    "award_agency_code",
    "parent_award_id_piid",
    "parent_award_agency_code",
    "awarding_sub_agency_code",
    "agency_acronym",
    "recipient_name",
    "piid_office_code",
    "piid_instrument_code",
    "award_page_url",
    "source_id",
    "raw_line_number",
    "retrieved_at",
]


def _from_transactions(tx: pd.DataFrame) -> pd.DataFrame:
    # sort only the columns an award takes: a sorted copy of all of them is the build's
    # largest allocation at a million transactions
    needed = [
        *_SORT_TX,
        *_FROM_LATEST,
        "transaction_description",
        "federal_action_obligation_usd",
    ]
    ordered = tx[list(dict.fromkeys(needed))].sort_values(_SORT_TX, kind="stable")
    g = ordered.groupby("award_id_usaspending", sort=False)
    latest = g.tail(1).set_index("award_id_usaspending")
    out = latest[_FROM_LATEST].copy()
    out["latest_description"] = latest["transaction_description"]
    out["first_action_date"] = g["action_date"].min()
    out["last_action_date"] = g["action_date"].max()
    out["transaction_count"] = g.size().astype("int64")
    out["total_obligation_usd"] = g["federal_action_obligation_usd"].sum().round(2)
    out["total_obligation_method"] = "summed_transactions"
    out["total_obligation_as_of_date"] = pd.to_datetime(
        g["retrieved_at"].max().str[:10], format="%Y-%m-%d"
    )
    return out


def _from_summaries(sm: pd.DataFrame) -> pd.DataFrame:
    ordered = sm.sort_values(_SORT_SUM, kind="stable")
    g = ordered.groupby("award_id_usaspending", sort=False)
    latest = g.tail(1).set_index("award_id_usaspending")
    out = latest[
        [
            *_FROM_LATEST,
            "award_summary_id",
            "current_total_value_of_award_usd",
            "total_obligation_usd",
        ]
    ].copy()
    out["latest_description"] = latest["award_description"]
    out["first_action_date"] = g["latest_action_date"].min()
    out["last_action_date"] = g["latest_action_date"].max()
    out["transaction_count"] = 0
    has_total = out["total_obligation_usd"].notna()
    out["total_obligation_method"] = has_total.map(
        {True: "upstream_summary", False: "not_reported"}
    )
    out["total_obligation_as_of_date"] = pd.to_datetime(
        out["retrieved_at"].str[:10], format="%Y-%m-%d"
    ).where(has_total)
    return out


def build_awards(tx: pd.DataFrame, sm: pd.DataFrame) -> pd.DataFrame:
    """Awards from transactions first; summaries fill in awards the transactions lack."""
    columns = resource("awards").field_names
    from_tx = _from_transactions(tx) if len(tx) else pd.DataFrame()
    from_sm = _from_summaries(sm) if len(sm) else pd.DataFrame()
    if len(from_tx) and len(from_sm):
        link = from_sm.reindex(from_tx.index)
        from_tx["award_summary_id"] = link["award_summary_id"].fillna("")
        from_tx["current_total_value_of_award_usd"] = link["current_total_value_of_award_usd"]
        from_sm = from_sm[~from_sm.index.isin(from_tx.index)]
    elif len(from_tx):
        from_tx["award_summary_id"] = ""
        from_tx["current_total_value_of_award_usd"] = float("nan")
    frames = [f for f in (from_tx, from_sm) if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames).rename_axis("award_id_usaspending").reset_index()
    out["transaction_count"] = out["transaction_count"].astype("int64")
    return out[columns].sort_values("award_id_usaspending", kind="stable").reset_index(drop=True)
