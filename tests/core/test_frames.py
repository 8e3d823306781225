"""Membership of a few values among many rows, as pandas' isin gives it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ice_cbp_awards.transform.frames import among


@pytest.mark.parametrize(
    ("values", "many"),
    [
        (["a", "b", "z"], ["b", "c", "a", "a"]),
        (["a", "a", "q"], ["a"]),
        ([], ["a"]),
        (["a"], []),
        (["x"], ["y", "z"]),
    ],
)
def test_among_is_isin(values: list[str], many: list[str]) -> None:
    for kind in (pd.Series, pd.Index):
        v, m = kind(values, dtype="str"), kind(many, dtype="str")
        assert np.array_equal(among(v, m), np.asarray(v.isin(m)))
