"""Stable ids of curated rows (the package's one formula, `ice_cbp_awards.ids`, over the
stable inputs that make the row, e.g. transaction_id and company_id) and the version of the rule
set."""

from __future__ import annotations

import hashlib

import pandas as pd

from ..ids import stable_id, stable_ids

__all__ = ["content_version", "stable_id", "stable_ids"]


def content_version(prefix: str, frames: list[pd.DataFrame]) -> str:
    """Version of reviewed tables: a hash of their canonical CSV text (sorted rows, fixed columns),
    so that any change to a rule, alias or pattern changes the version and nothing else does."""
    h = hashlib.sha256()
    for f in frames:
        h.update(f.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        h.update(b"\x00")
    return f"{prefix}-{h.hexdigest()[:12]}"
