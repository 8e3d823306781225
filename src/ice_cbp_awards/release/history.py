"""Per record: when it was first seen, last seen and last changed, over a release history.

In the spirit of OpenSanctions' first_seen / last_seen / last_change: for every record of
every compared resource in any of the releases, oldest first. A record changes in a release
when it appears there (first time, or back after a gap) or when a compared value differs
from the release just before.
"""

from __future__ import annotations

import json

import pandas as pd

from .diff import RECORD_HISTORY_SCHEMA_PATH, indexed


def record_history(
    versions: list[str],
    present: dict[str, list[pd.Index]],
    changed: dict[str, list[set[str]]],
) -> pd.DataFrame:
    """The record_history table.

    versions: data versions, oldest first. present[resource][i]: record ids in release i.
    changed[resource][i - 1]: ids added or changed in release i against release i - 1.
    """
    frames = []
    latest = len(versions) - 1
    for resource, per_release in present.items():
        seen: dict[str, list[int]] = {}
        for i, ids in enumerate(per_release):
            for rid in ids:
                seen.setdefault(rid, []).append(i)
        last_changed: dict[str, int] = {}
        for rid, idx in seen.items():
            last_changed[rid] = idx[0]
        for i, ids in enumerate(changed.get(resource, []), start=1):
            for rid in ids:
                last_changed[rid] = max(last_changed.get(rid, i), i)
        # A record back after a gap appears anew in the release it returns to.
        for rid, idx in seen.items():
            for a, b in zip(idx, idx[1:], strict=False):
                if b != a + 1:
                    last_changed[rid] = max(last_changed[rid], b)
        rids = sorted(seen)
        frames.append(
            pd.DataFrame(
                {
                    "resource_name": resource,
                    "record_id": rids,
                    "first_seen_version": [versions[seen[r][0]] for r in rids],
                    "last_seen_version": [versions[seen[r][-1]] for r in rids],
                    "last_changed_version": [versions[last_changed[r]] for r in rids],
                    "seen_in_versions": [" ".join(versions[i] for i in seen[r]) for r in rids],
                    "is_in_latest": ["true" if seen[r][-1] == latest else "false" for r in rids],
                }
            )
        )
    columns = history_columns()
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def history_columns() -> list[str]:
    schema = json.loads(RECORD_HISTORY_SCHEMA_PATH.read_text(encoding="utf-8"))
    return [f["name"] for f in schema["fields"]]


def present_ids(releases: list, resource: str) -> list[pd.Index]:
    """Record ids of `resource` in each release (empty where the release lacks it)."""
    out = []
    for rel in releases:
        if resource in rel.resource_names:
            out.append(indexed(rel, resource).index)
        else:
            out.append(pd.Index([]))
    return out
