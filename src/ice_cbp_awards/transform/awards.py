"""One row per award, from the package's transactions and the upstream award summaries.

An award's figures say where they come from. transactions_obligation_sum_usd is the sum of
the award's transactions in this package (FY2021 onward for the main pulls), never the
award's lifetime value; has_base_action_in_package says whether its base action (modification
0) is among them. The upstream summary's own figures (a FY2013-FY2018 summary's latest action,
current value, or a bulk summary's total) stay in summary_* fields beside them, as of their
own date. Nothing is summed across the two, so no dollar is counted twice, and no partial sum
sits in a field a reader could take for the award's value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metadata import resource
from . import amounts
from .frames import among
from .parse import award_page_urls

_SORT_TX = ["award_id_usaspending", "action_date", "modification_number", "raw_line_number"]
_SORT_SUM = ["award_id_usaspending", "latest_action_date", "retrieved_at", "raw_line_number"]
BASE_MODIFICATION = "0"  # USAspending's modification number of an award's base action

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
    "source_id",
    "raw_line_number",
    "retrieved_at",
]
# the summary's own figures, under names that say they are the summary's
SUMMARY_FIELDS = {
    "latest_action_date": "summary_latest_action_date",
    "latest_action_obligation_usd": "summary_latest_action_obligation_usd",
    "total_obligation_usd": "summary_total_obligation_usd",
    "current_total_value_of_award_usd": "summary_current_total_value_of_award_usd",
    "summary_as_of_date": "summary_as_of_date",
    "award_summary_id": "award_summary_id",
}


def _day(retrieved_at: pd.Series) -> pd.Series:
    return pd.to_datetime(retrieved_at.str[:10], format="%Y-%m-%d")


# every transaction column build_awards reads: the build lets go of the others once the
# transactions are written
TX_READ = tuple(
    dict.fromkeys(
        [
            *_SORT_TX,
            *_FROM_LATEST,
            "transaction_description",
            "federal_action_obligation_usd",
        ]
    )
)


def _from_transactions(tx: pd.DataFrame) -> pd.DataFrame:
    if tx["award_id_usaspending"].isna().any():  # as a groupby would: no award, no row of one
        tx = tx[tx["award_id_usaspending"].notna()]
    order, award = _award_order(tx)
    last = np.flatnonzero(np.append(np.diff(award[order]) != 0, True))  # each award's last row
    taken = ["award_id_usaspending", *_FROM_LATEST, "transaction_description"]
    out = tx[taken].iloc[order[last]].set_index("award_id_usaspending")
    out = out.rename(columns={"transaction_description": "latest_description"})
    # grouped by each row's award as a number, in award order: no text is hashed again
    by = pd.Series(award, index=tx.index)
    g = tx.groupby(by)
    out["first_action_date"] = g["action_date"].min().to_numpy()
    out["last_action_date"] = g["action_date"].max().to_numpy()
    out["transaction_count"] = g.size().to_numpy().astype("int64")
    sums = amounts.sum_usd_by(tx["federal_action_obligation_usd"], by)
    out["transactions_obligation_sum_usd"] = sums.sort_index().to_numpy()
    is_base = tx["modification_number"].str.strip() == BASE_MODIFICATION
    out["has_base_action_in_package"] = is_base.groupby(by).any().to_numpy()
    # the latest retrieval is the highest of the texts' ranks (-1, missing, only if all are)
    retrieved, texts = pd.factorize(tx["retrieved_at"], sort=True)
    latest = pd.Series(retrieved, index=tx.index).groupby(by).max().to_numpy()
    as_of = pd.Series(texts.take(np.maximum(latest, 0)), dtype=object).where(latest >= 0)
    out["transactions_as_of_date"] = _day(as_of).to_numpy()
    return out


def _award_order(tx: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rows' positions in the order of award, action date, modification number and raw
    line (a stable sort, missing values last), and each row's award as its rank among the
    awards. Only the keys' ranks are sorted: a sorted copy of the columns an award takes was
    the largest allocation of a million transactions' build, and the figures summed, counted
    and dated do not depend on the rows' order."""
    ranks = [_ranks(tx[c])[0] for c in _SORT_TX]
    order = np.lexsort(ranks[::-1])  # numpy's lexsort: stable, its last key first
    return order, ranks[0]


def _ranks(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each value's rank among the distinct values in ascending order, missing values after
    all others (as pandas sorts them), and the distinct values."""
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes), uniques


def _from_summaries(sm: pd.DataFrame) -> pd.DataFrame:
    ordered = sm.sort_values(_SORT_SUM, kind="stable")
    g = ordered.groupby("award_id_usaspending", sort=False)
    latest = g.tail(1).set_index("award_id_usaspending")
    out = latest[[*_FROM_LATEST, *[c for c in SUMMARY_FIELDS if c in latest]]].copy()
    out["summary_as_of_date"] = _day(out["retrieved_at"])
    out = out.rename(columns=SUMMARY_FIELDS)
    out["latest_description"] = latest["award_description"]
    out["first_action_date"] = g["latest_action_date"].min()
    out["last_action_date"] = g["latest_action_date"].max()
    out["transaction_count"] = 0
    out["has_base_action_in_package"] = False
    return out


def build_awards(tx: pd.DataFrame, sm: pd.DataFrame) -> pd.DataFrame:
    """Awards from transactions first, with their summary's figures beside them where the
    award has one; summaries alone make the awards the transactions lack."""
    columns = resource("awards").field_names
    from_tx = _from_transactions(tx) if len(tx) else pd.DataFrame()
    from_sm = _from_summaries(sm) if len(sm) else pd.DataFrame()
    summary_cols = list(SUMMARY_FIELDS.values())
    if len(from_tx) and len(from_sm):
        link = from_sm.reindex(from_tx.index)
        for col in summary_cols:
            from_tx[col] = link[col]
        from_sm = from_sm[~among(from_sm.index, from_tx.index)]
    frames = [f for f in (from_tx, from_sm) if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames).rename_axis("award_id_usaspending").reset_index()
    del frames, from_tx, from_sm  # each copy of the awards goes before the next is made
    # the award's page from its id, as normalisation made every row's: the transactions' own
    # column is let go once they are written (0.1 GB of a million)
    out["award_page_url"] = award_page_urls(out["award_id_usaspending"])
    out = out.reindex(columns=list(dict.fromkeys(["award_id_usaspending", *out.columns, *columns])))
    # all missing (no summary linked) the column is float NaN: text first, then ""
    out["award_summary_id"] = out["award_summary_id"].astype(object).fillna("")
    out["transaction_count"] = out["transaction_count"].astype("int64")
    out["has_base_action_in_package"] = out["has_base_action_in_package"].astype("bool")
    out = out[columns]
    return sorted_by(out, "award_id_usaspending")


def sorted_by(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """frame.sort_values(key, kind="stable").reset_index(drop=True), taken a column at a time,
    each column of `frame` let go (popped) once taken: the awards were held three times over
    at once (0.4 GB of a million transactions' build), now about once."""
    order = np.asarray(frame[key].reset_index(drop=True).sort_values(kind="stable").index)
    taken = {name: frame.pop(name).take(order).reset_index(drop=True) for name in list(frame)}
    return pd.DataFrame(taken)
