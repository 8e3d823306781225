"""Small helpers on frames that the transforms and the curation share."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa


def among(values: pd.Series | pd.Index, many: pd.Series | pd.Index) -> np.ndarray:
    """`values.isin(many)` for a few values among many rows: pandas' `isin` turns its argument
    into Python objects one by one (6 s for a million text ids), while `many.isin(values)`
    only hashes the few; the few are then looked up among the members found."""
    many = many.to_series() if isinstance(many, pd.Index) else many
    found = many[many.isin(values)]
    return np.asarray(values.isin(found))


# Arrow's kernels (a filter, a regular expression, a take) run outside Python's lock: this many
# threads run them at once, while the build's main process has the other core to itself.
COLUMN_THREADS = 2


def row_slices(rows: int, slices_from: int = 0) -> list[tuple[int, int]]:
    """(start, end) of the slices of `rows` rows worked on at once: COLUMN_THREADS of them from
    `slices_from` rows on, else one (threads cost more than they give on a few rows)."""
    step = (-(-rows // COLUMN_THREADS) if rows >= slices_from else rows) or 1
    return [(i, min(i + step, rows)) for i in range(0, rows, step)] or [(0, 0)]


def in_slices(kernel: Any, values: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """kernel(values) for an Arrow kernel that works value by value, run on COLUMN_THREADS
    slices of the values at once (a regular expression over a million award keys took 1.4 s
    in one thread); the results are chained in order."""
    slices = [values.slice(start, end - start) for start, end in row_slices(len(values))]
    with ThreadPoolExecutor(COLUMN_THREADS) as pool:
        results = list(pool.map(kernel, slices))
    chunks = [c for r in results for c in (r.chunks if isinstance(r, pa.ChunkedArray) else [r])]
    return pa.chunked_array(chunks, type=results[0].type)


def rows_where(values: pd.DataFrame | pd.Series, mask: pd.Series | np.ndarray) -> Any:
    """`values[mask]` for a boolean mask aligned with the rows: each column held in Arrow is
    filtered by Arrow, the others by NumPy. pandas takes Arrow text by row positions, four times
    slower than Arrow's own filter (a second and a half for the raw columns of a million rows)."""
    keep = np.asarray(mask, dtype=bool)
    if isinstance(values, pd.Series):
        return _filtered(values, keep, values.index[keep])
    index = values.index[keep]
    return _by_column(values, lambda column: _filtered(column, keep, index), index)


def _by_column(frame: pd.DataFrame, each: Any, index: pd.Index) -> pd.DataFrame:
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    with ThreadPoolExecutor(COLUMN_THREADS) as pool:
        out = list(pool.map(each, columns))
    return pd.DataFrame(dict(zip(frame.columns, out, strict=True)), index=index)


def _filtered(column: pd.Series, keep: np.ndarray, index: pd.Index) -> pd.Series:
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        kept = pa.array(column.array).filter(pa.array(keep))
        return pd.Series(pd.array(kept, dtype=dtype), index=index, name=column.name)
    return column[keep].set_axis(index)


def in_one_chunk(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each Arrow text column of several chunks joined into one, in place, a
    column at a time. A frame typed in slices holds its columns in a chunk per slice, and
    Arrow's take from a column of many chunks joins them anew for every block of rows taken:
    the million transactions' CSV took 0.4 GB more memory and a fifth more time so. Arrow's
    pool gets back each column's chunks as they are replaced."""
    pool = pa.default_memory_pool()
    for name in frame.columns:
        column = frame[name]
        dtype = column.dtype
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
            values = pa.array(column.array)
            if isinstance(values, pa.ChunkedArray) and values.num_chunks > 1:
                joined = pd.array(values.combine_chunks(), dtype=dtype)
                frame[name] = pd.Series(joined, index=frame.index, name=name)
                del values
                pool.release_unused()
    return frame
