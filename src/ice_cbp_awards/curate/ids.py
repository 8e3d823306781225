"""Stable ids of curated rows and the version of the rule set.

An id is 'prefix-' followed by the first 20 hex digits of sha256 over the '|'-joined stable
inputs that make the row (e.g. transaction_id and company_id): rebuilding from the same inputs
gives the same id, and the id does not depend on row order or on anything else in the build.
"""

from __future__ import annotations

import hashlib

import pandas as pd


def stable_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:20]}"


def stable_ids(prefix: str, *columns: pd.Series) -> pd.Series:
    """stable_id row by row over aligned columns."""
    if not columns or len(columns[0]) == 0:
        return pd.Series([], dtype=str, index=columns[0].index if columns else None)
    joined = columns[0].astype(str)
    for c in columns[1:]:
        joined = joined + "|" + c.astype(str)
    values = [stable_id(prefix, j) for j in joined.tolist()]
    return pd.Series(values, index=columns[0].index, dtype=str)


def content_version(prefix: str, frames: list[pd.DataFrame]) -> str:
    """Version of reviewed tables: a hash of their canonical CSV text (sorted rows, fixed columns),
    so that any change to a rule, alias or pattern changes the version and nothing else does."""
    h = hashlib.sha256()
    for f in frames:
        h.update(f.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        h.update(b"\x00")
    return f"{prefix}-{h.hexdigest()[:12]}"
