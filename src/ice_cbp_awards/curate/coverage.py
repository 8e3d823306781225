"""The direction of each figure's coverage bias, from the build report's flags.

A slice of raw rows is a minimum when records can only be missing from it. A slice flagged
suspected_truncation was pulled sorted by amount descending and cut: every positive obligation is
in it and its de-obligations are not, so its sums are upper bounds. A figure drawing on such a
slice says so; a figure drawing on both kinds is neither bound ('mixed').
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..transform.report import TRUNCATED

SLICE_KEYS = ["source_id", "agency_acronym", "fiscal_year"]
SLICE_SEP = " ; "


def is_truncated(flags: pd.Series) -> np.ndarray:
    """Per build_report row: is the slice flagged suspected_truncation."""
    codes = flags.fillna("").str.split(";").map(lambda fs: {f.strip() for f in fs})
    return codes.map(lambda c: "suspected_truncation" in c).to_numpy(dtype=bool)


def truncated_slices(tx: pd.DataFrame, build_report: pd.DataFrame | None) -> np.ndarray:
    """Per transaction: 'source_id agency' of its slice when that slice is flagged
    suspected_truncation, '' otherwise (and everywhere without a report or source ids)."""
    out = np.full(len(tx), "", dtype=object)
    if build_report is None or build_report.empty or "source_id" not in tx:
        return out
    cut = build_report.loc[is_truncated(build_report["coverage_flags"]), SLICE_KEYS]
    if cut.empty:
        return out
    # a few flagged slices, each matched by comparing columns: a join of every transaction
    # on the slice's keys held two columns of a million Python strings (0.25 GB)
    for source_id, agency, fiscal_year in cut.itertuples(index=False):
        hit = (
            tx["source_id"].eq(source_id)
            & tx["agency_acronym"].eq(agency)
            & tx["fiscal_year"].eq(int(fiscal_year))
        )
        out[hit.fillna(False).to_numpy(dtype=bool)] = f"{source_id} {agency}"
    return out


def figure_bias(labels: Iterable[str]) -> tuple[str, str]:
    """(coverage_bias, truncated slice ids) of a figure summing records whose slices are given
    by their truncated_slices labels."""
    labels = list(labels)
    cut = sorted({x for x in labels if x})
    if not cut:
        return "minimum", ""
    bias = TRUNCATED if len(cut) and all(labels) else "mixed"
    return bias, SLICE_SEP.join(cut)


def group_bias(keys: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """figure_bias per group of rows: keys' columns, coverage_bias, truncated_slice_ids."""
    cols = list(keys.columns)
    frame = keys.reset_index(drop=True).assign(_label=labels)
    rows = [
        (*(k if isinstance(k, tuple) else (k,)), *figure_bias(g["_label"]))
        for k, g in frame.groupby(cols, sort=True)
    ]
    return pd.DataFrame(rows, columns=[*cols, "coverage_bias", "truncated_slice_ids"])
