"""The one id formula of the package: 'prefix-' and the first 20 hex digits of sha256 over the
'|'-joined unmodified upstream values (or stable curated inputs) that make a row.

Transactions, attributions, mentions and every other published id come from here, so that an id
computed while parsing and one recomputed by curation can never disagree. Once published an id is
a contract: changing this formula changes every id.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

SEPARATOR = "|"
HEX_DIGITS = 20


def stable_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256(SEPARATOR.join(parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:HEX_DIGITS]}"


# From this many rows on, the digests are computed by DuckDB's sha256 (vectorised, in C) instead
# of hashlib row by row: the same function of the same UTF-8 bytes, a second less per million.
DUCKDB_FROM = 20_000


def stable_ids(prefix: str, *columns: pd.Series) -> pd.Series:
    """stable_id row by row over aligned columns (values taken as their string form)."""
    if not columns:
        return pd.Series([], dtype=str)
    if len(columns[0]) == 0:
        return pd.Series([], dtype=str, index=columns[0].index)
    joined = columns[0].astype(str)
    for col in columns[1:]:
        joined = joined + SEPARATOR + col.astype(str)
    if len(joined) >= DUCKDB_FROM and not joined.isna().any():
        return pd.Series(_duckdb_ids(prefix, joined), index=joined.index)
    digests = [
        hashlib.sha256(v.encode("utf-8")).hexdigest()[:HEX_DIGITS] for v in joined.to_numpy()
    ]
    values = np.char.add(f"{prefix}-", np.asarray(digests, dtype=str))
    return pd.Series(values, index=joined.index, dtype=str)


def _duckdb_ids(prefix: str, joined: pd.Series) -> pd.arrays.ArrowStringArray:
    import duckdb
    import pyarrow as pa

    if not prefix.isalnum():
        raise ValueError(f"an id prefix is letters and digits, not {prefix!r}")
    texts = pa.table({"v": pa.array(joined.array, type=pa.large_string())})
    with duckdb.connect() as con:
        con.register("joined", texts)
        query = f"SELECT '{prefix}-' || left(sha256(v), {HEX_DIGITS}) AS id FROM joined"
        ids = con.sql(query).to_arrow_table()
    return pd.array(ids.column("id"), dtype="str")
