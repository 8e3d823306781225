"""`awards diff`: what changed between releases, record by record and field by field.

Records are matched by their primary key. Compared are the resources whose key identifies a
record across snapshots (transactions, awards, award_summaries, attributions, ...): not
`sources`, and not resources keyed by a source file (rejects, build_report), whose keys
change with every snapshot. Provenance fields (those referencing `sources`, raw_line_number,
retrieved_at and *_as_of_date) are not compared: a record re-read from a newer file with the
same values is unchanged (counted as "re-retrieved"). Values are compared as published.

Why not `csv-diff`: it compares two CSV files by a key and reports rows added, removed and
changed, which agrees with this module on the package's tables; but the package also needs
what it cannot carry: fields left out of the comparison (provenance), fields only in one
schema version, the change of an amount in USD, agency x company totals that moved with the
records behind them, a record's history over more than two releases, and the result as a
described data package. Those would be written around csv-diff's output anyway, so the
comparison stays here, on the loaded releases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..paths import SCHEMAS_DIR
from .loading import LoadedRelease

CHANGES_SCHEMA_PATH = SCHEMAS_DIR / "changes.schema.json"
RECORD_HISTORY_SCHEMA_PATH = SCHEMAS_DIR / "record_history.schema.json"
PROVENANCE_FIELDS = ("raw_line_number", "retrieved_at")
AS_OF_SUFFIX = "_as_of_date"  # when a value was observed, not what it is
SOURCES = "sources"
KEY_SEPARATOR = "|"


def changes_schema() -> dict[str, Any]:
    return json.loads(CHANGES_SCHEMA_PATH.read_text(encoding="utf-8"))


def changes_columns() -> list[str]:
    return [f["name"] for f in changes_schema()["fields"]]


@dataclass
class ResourceDiff:
    """Counts of one resource's changes between two releases."""

    resource: str
    rows_old: int
    rows_new: int
    added: int = 0
    removed: int = 0
    changed_records: int = 0
    changed_values: int = 0
    re_retrieved: int = 0
    by_field: dict[str, int] = field(default_factory=dict)
    fields_only_old: list[str] = field(default_factory=list)
    fields_only_new: list[str] = field(default_factory=list)
    changed_ids: set[str] = field(default_factory=set, repr=False)


def source_fields(schema: dict[str, Any]) -> set[str]:
    """Fields that point at a raw source file (foreign keys to `sources`)."""
    out: set[str] = set()
    for fk in schema.get("foreignKeys", []):
        if fk.get("reference", {}).get("resource") == SOURCES:
            fields = fk["fields"]
            out.update([fields] if isinstance(fields, str) else fields)
    return out


def provenance_fields(schema: dict[str, Any]) -> set[str]:
    """Fields that say where and when a value was read, not what it is: not compared."""
    names = {f["name"] for f in schema["fields"]}
    as_of = {n for n in names if n.endswith(AS_OF_SUFFIX)}
    return source_fields(schema) | (names & set(PROVENANCE_FIELDS)) | as_of


def compared_resources(old: LoadedRelease, new: LoadedRelease) -> list[str]:
    """Resources in both releases whose primary key identifies a record across snapshots."""
    out = []
    for name in new.resource_names:
        if name == SOURCES or name not in old.resource_names:
            continue
        pk = new.primary_key(name)
        if pk and pk == old.primary_key(name) and not set(pk) & source_fields(new.schema(name)):
            out.append(name)
    return out


def record_ids(frame: pd.DataFrame, pk: list[str]) -> pd.Series:
    ids = frame[pk[0]].astype(str)
    for col in pk[1:]:
        ids = ids + KEY_SEPARATOR + frame[col].astype(str)
    return ids


def indexed(release: LoadedRelease, name: str) -> pd.DataFrame:
    """The resource's table indexed by record id; duplicate ids are an error."""
    frame = release.table(name)
    ids = record_ids(frame, release.primary_key(name))
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise ValueError(f"release {release.version}, {name}: primary key {dup!r} repeats")
    return frame.set_index(ids.rename("record_id"))


def _usd_fields(schema: dict[str, Any]) -> set[str]:
    return {f["name"] for f in schema["fields"] if f.get("unit") == "USD"}


def _rows(frame: pd.DataFrame, columns: list[str], **values: Any) -> pd.DataFrame:
    """A block of changes rows with the given values and "" elsewhere."""
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        value = values.get(col, "")
        out[col] = value if not isinstance(value, pd.Series) else value.reindex(frame.index)
    return out.reset_index(drop=True)


def _context(old: pd.DataFrame, new: pd.DataFrame, ids: pd.Index, cols: list[str]) -> dict:
    """Context columns (agency, award key, page) from the new record, else the old one."""
    out = {}
    for col in cols:
        if col in new.columns:
            value = new[col].reindex(ids)
            if col in old.columns:
                value = value.fillna(old[col].reindex(ids))
        elif col in old.columns:
            value = old[col].reindex(ids)
        else:
            continue
        out[col] = value.fillna("")
    return out


def diff_resource(
    old: LoadedRelease, new: LoadedRelease, name: str
) -> tuple[pd.DataFrame, ResourceDiff]:
    """The changes rows and counts of one resource between two releases."""
    columns = changes_columns()
    o, n = indexed(old, name), indexed(new, name)
    schema = new.schema(name)
    pk = new.primary_key(name)
    common_fields = [c for c in n.columns if c in o.columns]
    skip = set(pk) | provenance_fields(schema) | provenance_fields(old.schema(name))
    compare = [c for c in common_fields if c not in skip]
    prov = [c for c in common_fields if c in skip and c not in pk]
    context_cols = [c for c in columns if c in set(o.columns) | set(n.columns)]
    stats = ResourceDiff(name, len(o), len(n))
    stats.fields_only_old = [c for c in o.columns if c not in n.columns]
    stats.fields_only_new = [c for c in n.columns if c not in o.columns]
    base = {"old_version": old.version, "new_version": new.version, "resource_name": name}
    blocks = []
    added = n.index.difference(o.index)
    removed = o.index.difference(n.index)
    for ids, kind in ((added, "added"), (removed, "removed")):
        frame = pd.DataFrame(index=ids)
        ctx = _context(o, n, ids, context_cols)
        blocks.append(_rows(frame, columns, **base, record_id=pd.Series(ids, index=ids),
                            change_type=kind, **ctx))  # fmt: skip
    stats.added, stats.removed = len(added), len(removed)
    common = n.index.intersection(o.index)
    oc, nc = o.loc[common], n.loc[common]
    any_changed = pd.Series(False, index=common)
    usd = _usd_fields(schema)
    for col in compare:
        mask = oc[col] != nc[col]
        if not mask.any():
            continue
        any_changed |= mask
        ids = common[mask.to_numpy()]
        stats.by_field[col] = len(ids)
        extra: dict[str, Any] = {}
        if col in usd:
            old_num = pd.to_numeric(oc.loc[ids, col].replace("", None), errors="coerce")
            new_num = pd.to_numeric(nc.loc[ids, col].replace("", None), errors="coerce")
            delta = (new_num.fillna(0.0) - old_num.fillna(0.0)).round(2)
            extra["amount_change_usd"] = delta.map(lambda v: f"{v:.2f}")
        ctx = _context(o, n, ids, context_cols)
        frame = pd.DataFrame(index=ids)
        blocks.append(_rows(frame, columns, **base, record_id=pd.Series(ids, index=ids),
                            change_type="changed", field_name=col, old_value=oc.loc[ids, col],
                            new_value=nc.loc[ids, col], **extra, **ctx))  # fmt: skip
    stats.changed_records = int(any_changed.sum())
    stats.changed_values = int(sum(stats.by_field.values()))
    stats.changed_ids = set(common[any_changed.to_numpy()]) | set(added)
    if prov:
        prov_changed = (oc[prov] != nc[prov]).any(axis=1)
        stats.re_retrieved = int((prov_changed & ~any_changed).sum())
    changes = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=columns)
    return changes[columns], stats
