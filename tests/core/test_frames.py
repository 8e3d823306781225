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


def test_rows_where_equals_a_boolean_index_on_every_kind_of_column() -> None:
    import pyarrow as pa

    from ice_cbp_awards.transform.frames import rows_where

    chunked = pa.chunked_array([["a", "b"], ["", "é"], ["x"]])
    frame = pd.DataFrame(
        {
            "text": pd.Series(pd.array(chunked, dtype="str")),
            "missing": pd.Series(["a", None, "c", None, "e"], dtype="str"),
            "n": [1, 2, 3, 4, 5],
            "flag": [True, False, True, False, True],
            "day": pd.to_datetime(["2024-01-01", None, "2024-01-03", "2024-01-04", None]),
            "obj": ["p", "q", "r", "s", "t"],
        },
        index=pd.Index([10, 11, 12, 13, 14]),
    )
    mask = pd.Series([True, False, True, True, False], index=frame.index)
    got = rows_where(frame, mask)
    assert got.equals(frame[mask])
    assert list(got.dtypes) == list(frame[mask].dtypes)
    assert got.index.tolist() == [10, 12, 13]
    assert rows_where(frame["text"], mask).equals(frame["text"][mask])
    assert rows_where(frame, np.zeros(5, dtype=bool)).equals(frame.iloc[0:0])
