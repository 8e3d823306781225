"""The build report: what happened to every raw row, per source, agency and fiscal year.

rows_read = duplicate_rows_removed + rows_quarantined + rows_reconciled + rows_published, so
every number traces to rows that are published, quarantined or counted as duplicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..metadata import resource
from ..tables import TEXT_DTYPE
from . import amounts as amounts_t
from . import parse

PAGE = 100  # rows per page of the search API the usaspending-cbp-ice pulls came from
TRUNCATED = "upper_bound_truncated_slice"


def bias_of_flags(flags: str) -> str:
    """Direction of a slice's bias from its coverage flags. A truncated pull (sorted by amount
    descending, cut) keeps every positive obligation and loses the de-obligations: its sums are
    upper bounds. Award summaries are latest actions, not transactions. Anything else can only
    miss records: a minimum. A truncated pull of a year not yet over errs both ways: mixed."""
    codes = {f.strip() for f in flags.split(";")}
    if "suspected_truncation" in codes:
        return "mixed" if "partial_fiscal_year" in codes else TRUNCATED
    if "latest_action_only" in codes:
        return "not_transactions"
    return "minimum"


def _slice(
    frame: pd.DataFrame,
    outcome: str,
    fy: pd.Series,
    agency: pd.Series,
    amount: pd.Series | None = None,
    reason: pd.Series | None = None,
    outside: pd.Series | None = None,
) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "source_id": _text(frame["source_id"]),
            "agency_acronym": _text(agency),
            "fiscal_year": fy.to_numpy(),
        }
    )
    out["outcome"] = _repeated(outcome, len(out))
    out["amount"] = amount.to_numpy() if amount is not None else float("nan")
    out["reason_code"] = _text(reason) if reason is not None else _repeated("", len(out))
    out["outside"] = outside.to_numpy(dtype=bool) if outside is not None else False
    return out


# Events hold text in Arrow, as the published frames do: a row per raw row, a million rows of
# Python strings took 0.3 GB more memory to count (and pandas groups Arrow text unhashed).
def _text(values: pd.Series) -> pd.api.extensions.ExtensionArray:
    """The values as Arrow text, without their index (not copied when they are already)."""
    return values.astype(TEXT_DTYPE).array


def _repeated(text: str, rows: int) -> pd.api.extensions.ExtensionArray:
    return pd.array(pa.repeat(pa.scalar(text, pa.large_string()), rows), dtype=TEXT_DTYPE)


def _agency_of(raw: pd.Series) -> pd.Series:
    codes = parse.agency_codes(raw)
    return codes.map({c: v[1] for c, v in parse.AGENCIES.items()}).fillna("UNKNOWN")


def _fy_of(raw_dates: pd.Series, file_fy: pd.Series, formats: list[str]) -> pd.Series:
    fy = parse.fiscal_year(parse.parse_dates(raw_dates, formats))
    return (
        fy.fillna(pd.Series(file_fy, index=raw_dates.index).astype("Int64"))
        .fillna(0)
        .astype("int64")
    )


def events(
    published: pd.DataFrame,
    fy_col: str,
    amount_col: str,
    duplicates: pd.DataFrame,
    dup_date_col: str,
    rejects: pd.DataFrame,
    reconciled: pd.DataFrame,
    formats: list[str],
) -> pd.DataFrame:
    """One row per raw row with its outcome, for one kind of record."""
    parts = [
        _slice(
            published,
            "published",
            published[fy_col].astype("int64"),
            published["agency_acronym"],
            published[amount_col],
            outside=published["is_fiscal_year_outside_file"],
        )
    ]
    if len(duplicates):
        parts.append(
            _slice(
                duplicates,
                "duplicate",
                _fy_of(duplicates[dup_date_col], duplicates["file_fiscal_year"], formats),
                _agency_of(duplicates["agency_raw"]),
            )
        )
    if len(rejects):
        fy = pd.to_numeric(rejects["file_fiscal_year"], errors="coerce").fillna(0).astype("int64")
        parts.append(
            _slice(
                rejects,
                "quarantined",
                fy,
                _agency_of(rejects["agency_raw"].fillna("")),
                reason=rejects["reason_code"],
            )
        )
    if len(reconciled):
        parts.append(
            _slice(
                reconciled,
                "reconciled",
                reconciled[fy_col].astype("int64"),
                reconciled["agency_acronym"],
            )
        )
    return pd.concat(parts, ignore_index=True)


def summarise(
    ev: pd.DataFrame, retrieved: dict[str, str], families: dict[str, str]
) -> pd.DataFrame:
    """Counts, amounts and coverage flags per source, agency and fiscal year."""
    keys = ["source_id", "agency_acronym", "fiscal_year"]
    g = ev.groupby(keys, sort=True)
    out = g.size().rename("rows_read").to_frame()
    # every count and amount from each row's group number: a copy of the published events
    # per group (0.3 GB at a million rows) is not made
    numbered = g.ngroup()  # missing (NaN) for a row with a missing key: in no group, as in g.size()
    counted = numbered.notna().to_numpy()
    group = numbered.fillna(-1).to_numpy(dtype=np.int64)
    outcome = ev["outcome"]
    for name, kind in [
        ("duplicate_rows_removed", "duplicate"),
        ("rows_quarantined", "quarantined"),
        ("rows_reconciled", "reconciled"),
        ("rows_published", "published"),
    ]:
        out[name] = _per_group(group, counted & _is(outcome, kind), len(out))
    published = counted & _is(outcome, "published")
    pub_group = pd.Series(group[published])
    amount = pd.Series(ev["amount"].to_numpy()[published])
    out["rows_fiscal_year_outside_file"] = _per_group(
        group, published & ev["outside"].to_numpy(dtype=bool), len(out)
    )
    out["negative_amount_count"] = _per_group(pub_group.to_numpy(), amount.to_numpy() < 0, len(out))
    out["zero_amount_count"] = _per_group(pub_group.to_numpy(), amount.to_numpy() == 0, len(out))
    rows = pd.RangeIndex(len(out))
    by_group = amount.groupby(pub_group)
    out["min_amount_usd"] = by_group.min().reindex(rows).to_numpy()
    out["max_amount_usd"] = by_group.max().reindex(rows).to_numpy()
    out["total_obligation_usd"] = amounts_t.sum_usd_by(amount, pub_group).reindex(rows).to_numpy()
    q = ev[ev["outcome"] == "quarantined"].groupby(keys)["reason_code"]
    out["quarantine_reasons"] = q.apply(
        lambda s: "; ".join(f"{k}:{v}" for k, v in sorted(s.value_counts().items()))
    )
    out = out.reset_index()
    for col in (
        "negative_amount_count",
        "zero_amount_count",
        "rows_quarantined",
        "rows_fiscal_year_outside_file",
    ):
        out[col] = out[col].fillna(0).astype("int64")
    out["quarantine_reasons"] = out["quarantine_reasons"].fillna("")
    flags = out.apply(lambda r: coverage_flags(r, out, retrieved, families), axis=1)
    out["coverage_flags"] = [f[0] for f in flags]
    out["coverage_note"] = [f[1] for f in flags]
    out["coverage_bias"] = out["coverage_flags"].map(bias_of_flags)
    return out[resource("build_report").field_names]


def _is(values: pd.Series, value: str) -> np.ndarray:
    """Where a text column holds `value` (compared in Arrow: no Python string per row)."""
    return values.eq(value).to_numpy(dtype=bool, na_value=False)


def _per_group(group: np.ndarray, hit: np.ndarray, groups: int) -> np.ndarray:
    """How many rows of each group number (0 to groups - 1) `hit` marks."""
    return np.bincount(group[hit], minlength=groups).astype("int64")


def coverage_flags(
    row: pd.Series, table: pd.DataFrame, retrieved: dict[str, str], families: dict[str, str]
) -> tuple[str, str]:
    """Flags for measured coverage gaps (see docs/coverage.md)."""
    flags, notes = [], []
    family = families.get(row["source_id"], "")
    fy = int(row["fiscal_year"])
    got = str(retrieved.get(row["source_id"], ""))[:10]
    if fy and got and got < f"{fy}-09-30":
        flags.append("partial_fiscal_year")
        notes.append(f"retrieved {got}, before fiscal year {fy} ended on {fy}-09-30")
    if family == "usaspending-cbp-ice" and row["rows_published"] >= 10 * PAGE:
        same_agency = table[
            (table["agency_acronym"] == row["agency_acronym"])
            & (table["source_id"].map(families) == family)
        ]
        others_have_negatives = (same_agency["negative_amount_count"] > 0).any()
        read = int(row["rows_read"])
        if read % PAGE == 0 and row["negative_amount_count"] == 0 and others_have_negatives:
            flags.append("suspected_truncation")
            notes.append(
                f"exactly {read} rows ({read // PAGE} pages of {PAGE}) and no negative"
                " amounts although other years have some: the pull, sorted by amount"
                " descending, most likely stopped early, missing the smallest and"
                " negative transactions; its totals are upper bounds, not minimums"
            )
    if family == "usaspending-ice-awards-fy2013-2018":
        flags.append("latest_action_only")
        notes.append(
            "award summaries: one row per award at its latest modification in the"
            " year, not every transaction"
        )
    if row["agency_acronym"] == "UNKNOWN":
        flags.append("unknown_agency_rows")
        notes.append("rows whose agency could not be read, all quarantined")
    return "; ".join(flags), "; ".join(notes)
