"""Frame helpers held to what pandas gives: membership, filtered rows, kernels in slices; and
the published order of rows."""

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


def test_published_rows_are_in_the_stable_order_of_their_key() -> None:
    """A key of two columns, a repeated key (kept in the frame's order) and a missing value:
    the rows come out as a stable sort of the whole frame puts them."""
    from ice_cbp_awards.metadata import Resource
    from ice_cbp_awards.write.csv import to_published

    class Keyed:
        name, field_names, primary_key = "k", ["a", "b", "v"], ["a", "b"]

    frame = pd.DataFrame(
        {
            "v": ["1", "2", "3", "4", "5", "6"],
            "b": pd.array([2, 1, 2, None, 1, 1], dtype="Int64"),
            "a": pd.array(["y", "x", "x", "x", "y", "x"], dtype="str"),
        },
        index=[5, 4, 3, 2, 1, 0],
    )
    res: Resource = Keyed()  # type: ignore[assignment]
    got = to_published(frame, res)
    expected = frame[["a", "b", "v"]].sort_values(["a", "b"], kind="stable")
    assert got.equals(expected.reset_index(drop=True))
    assert got["v"].tolist() == ["2", "6", "3", "4", "5", "1"]


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_a_kernel_run_in_slices_gives_what_it_gives_on_the_whole(n: int) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from ice_cbp_awards.transform.frames import in_slices

    texts = [f"CONT_AWD_{i}_7012_-NONE-_-NONE-" if i % 3 else f"bad {i}" for i in range(n)]
    pattern = r"^CONT_AWD_(?P<piid>.+)_(?P<agency>[0-9]{4})_"

    def kernel(v):
        return pc.extract_regex(v, pattern)

    whole = pa.array(texts, pa.string())
    for values in (whole, pa.chunked_array([texts[:1], texts[1:]], pa.string())):
        got = in_slices(kernel, values)
        assert got.to_pylist() == kernel(values).to_pylist()
        assert got.type == kernel(values).type


def test_text_columns_of_many_chunks_are_joined_into_one() -> None:
    import pyarrow as pa

    from ice_cbp_awards.transform.frames import in_one_chunk

    dtype = pd.StringDtype("pyarrow", na_value=float("nan"))
    chunks = pa.chunked_array([["a", None], ["b"], ["c", "d"]])
    frame = pd.DataFrame(
        {"text": pd.array(chunks, dtype=dtype), "number": [1, 2, 3, 4, 5]}, index=[9, 7, 5, 3, 1]
    )
    before = frame.copy()

    def chunks(column: pd.Series) -> int:
        return getattr(pa.array(column.array), "num_chunks", 1)

    assert chunks(frame["text"]) == 3
    out = in_one_chunk(frame)
    assert out is frame
    assert chunks(frame["text"]) == 1
    pd.testing.assert_frame_equal(frame, before)
