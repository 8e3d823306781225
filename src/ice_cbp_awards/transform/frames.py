"""Small helpers on frames that the transforms and the curation share."""

from __future__ import annotations

import numpy as np
import pandas as pd


def among(values: pd.Series | pd.Index, many: pd.Series | pd.Index) -> np.ndarray:
    """`values.isin(many)` for a few values among many rows: pandas' `isin` turns its argument
    into Python objects one by one (6 s for a million text ids), while `many.isin(values)`
    only hashes the few; the few are then looked up among the members found."""
    many = many.to_series() if isinstance(many, pd.Index) else many
    found = many[many.isin(values)]
    return np.asarray(values.isin(found))
