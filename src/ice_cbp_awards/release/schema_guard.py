"""The schema-version guard: a column cannot disappear without a major version bump.

reference/schema_versions.csv is a committed lock of every resource's field names and types
for each schema version ever released. The guard compares the current schemas with the lock:

- the current schema_version must be locked, with exactly the current fields (so any field
  change forces a new version and a new lock, visible as a diff in review);
- against the previous locked version, the bump must be at least what the change requires:
  major for a removed, renamed or retyped field or a removed resource, minor for an added
  field or resource, patch otherwise.

`awards schema-lock` appends the current version to the lock after the guard allows it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..metadata import table_resources
from ..paths import REFERENCE_DIR
from ..tables import read_text_csv
from ..versioning import SchemaVersion, parse_schema_version

LOCK_PATH = REFERENCE_DIR / "schema_versions.csv"
LOCK_COLUMNS = ["schema_version", "resource_name", "field_position", "field_name", "field_type"]
LEVELS = {"none": 0, "patch": 1, "minor": 2, "major": 3}

# One resource's fields, in order, as (name, type).
Fields = list[tuple[str, str]]


class SchemaGuardError(RuntimeError):
    """The schema changed in a way its schema_version does not announce."""


@dataclass(frozen=True)
class Change:
    """One difference between two schema versions and the bump it requires."""

    level: str
    text: str


def current_fields(resources: Mapping[str, object] | None = None) -> dict[str, Fields]:
    """Field (name, type) lists of every resource, from the package metadata."""
    if resources is None:
        from ..metadata import resources as load

        resources = load()
    return {
        name: [(f["name"], f.get("type", "any")) for f in res.fields]  # type: ignore[attr-defined]
        for name, res in resources.items()
    }


def read_lock(path: Path = LOCK_PATH) -> dict[str, dict[str, Fields]]:
    """The lock as {schema_version: {resource: [(field, type), ...]}}."""
    if not path.exists():
        return {}
    locked: dict[str, dict[str, list[tuple[int, str, str]]]] = {}
    try:
        frame = read_text_csv(path)
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame()
    if list(frame.columns) != LOCK_COLUMNS:
        raise SchemaGuardError(f"{path}: header must be {','.join(LOCK_COLUMNS)}")
    for line, row in enumerate(frame.to_dict("records"), start=2):
        try:
            parse_schema_version(row["schema_version"])
            position = int(row["field_position"])
        except ValueError as exc:
            raise SchemaGuardError(f"{path}, row {line}: {exc}") from None
        by_res = locked.setdefault(row["schema_version"], {})
        by_res.setdefault(row["resource_name"], []).append(
            (position, row["field_name"], row["field_type"])
        )
    return {
        version: {res: [(n, t) for _, n, t in sorted(rows)] for res, rows in by_res.items()}
        for version, by_res in locked.items()
    }


def lock_text(lock: Mapping[str, Mapping[str, Fields]]) -> str:
    """The lock file's content: versions in numeric order, resources and fields in order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LOCK_COLUMNS)
    for version in sorted(lock, key=parse_schema_version):
        for res, fields in lock[version].items():
            for pos, (name, ftype) in enumerate(fields, start=1):
                writer.writerow([version, res, pos, name, ftype])
    return out.getvalue()


def changes_between(old: Mapping[str, Fields], new: Mapping[str, Fields]) -> list[Change]:
    """Every difference between two field sets, each with the version bump it requires."""
    changes: list[Change] = []
    for res in old:
        if res not in new:
            changes.append(Change("major", f"resource {res} removed"))
    for res, fields in new.items():
        if res not in old:
            changes.append(Change("minor", f"resource {res} added"))
            continue
        old_types = dict(old[res])
        new_types = dict(fields)
        for name, ftype in old[res]:
            if name not in new_types:
                changes.append(Change("major", f"{res}.{name} removed or renamed"))
            elif new_types[name] != ftype:
                changes.append(
                    Change("major", f"{res}.{name} type changed {ftype} -> {new_types[name]}")
                )
        for name, _ in fields:
            if name not in old_types:
                changes.append(Change("minor", f"{res}.{name} added"))
        common_old = [n for n, _ in old[res] if n in new_types]
        common_new = [n for n, _ in fields if n in old_types]
        if common_old != common_new:
            changes.append(Change("minor", f"{res}: field order changed"))
    return changes


def bump_level(old: SchemaVersion, new: SchemaVersion) -> str:
    """Which part of the version moved: major, minor, patch, or none (equal or lower)."""
    if new <= old:
        return "none"
    if new.major > old.major:
        return "major"
    if new.minor > old.minor:
        return "minor"
    return "patch"


def check(
    schema_version: str,
    fields: Mapping[str, Fields],
    lock: Mapping[str, Mapping[str, Fields]],
) -> list[str]:
    """Problems that make the current schema_version a lie; empty when the guard passes."""
    problems: list[str] = []
    current = parse_schema_version(schema_version)
    locked_versions = sorted((parse_schema_version(v) for v in lock), reverse=True)
    earlier = [v for v in locked_versions if v < current]
    if earlier:
        prev = str(earlier[0])
        changes = changes_between(lock[prev], fields)
        needed = max((LEVELS[c.level] for c in changes), default=0)
        got = LEVELS[bump_level(earlier[0], current)]
        if got < needed:
            level = next(k for k, v in LEVELS.items() if v == needed)
            worst = [c.text for c in changes if LEVELS[c.level] == needed]
            problems.append(
                f"schema_version {current} after {prev} is not a {level} bump, but "
                f"{'; '.join(worst)} requires one"
            )
    if schema_version in lock:
        changes = changes_between(lock[schema_version], fields)
        if changes:
            problems.append(
                f"schema_version {current} is locked in reference/schema_versions.csv with other "
                f"fields ({'; '.join(c.text for c in changes)}): bump schema_version in "
                "datapackage.json, then run `awards schema-lock`"
            )
    elif locked_versions and current < locked_versions[0]:
        problems.append(
            f"schema_version {current} is older than the locked {locked_versions[0]}: "
            "schema versions only move forward"
        )
    else:
        problems.append(
            f"schema_version {current} is not in reference/schema_versions.csv: "
            "run `awards schema-lock` and commit the lock"
        )
    return problems


def check_repository(lock_path: Path = LOCK_PATH) -> list[str]:
    """The guard applied to the repository's datapackage.json, schemas and committed lock."""
    from ..metadata import package_descriptor

    return check(package_descriptor()["schema_version"], current_fields(), read_lock(lock_path))


def add_to_lock(
    schema_version: str,
    fields: Mapping[str, Fields],
    lock_path: Path = LOCK_PATH,
    replace: bool = False,
) -> bool:
    """Record the current fields under schema_version; False when already locked as they are.

    Refuses when the bump is too small for the change, so the lock never records a lie.
    `replace` first forgets what schema_version was locked with: only for a version that was
    never released.
    """
    lock = {k: dict(v) for k, v in read_lock(lock_path).items()}
    if replace:
        lock.pop(schema_version, None)
    problems = [p for p in check(schema_version, fields, lock) if "is not in" not in p]
    if problems:
        raise SchemaGuardError("; ".join(problems))
    if schema_version in lock:
        return False
    lock[schema_version] = {res: list(fs) for res, fs in fields.items()}
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path.write_text(lock_text(lock), encoding="utf-8")
    return True


def resources_of(descriptor: Mapping[str, object]) -> dict[str, Fields]:
    """Field lists from a descriptor with inlined schemas (a built or released datapackage)."""
    out: dict[str, Fields] = {}
    for res in table_resources(descriptor):  # type: ignore[arg-type]
        schema = res["schema"]
        if not isinstance(schema, dict):
            raise SchemaGuardError(f"resource {res['name']}: schema is not inlined")
        out[res["name"]] = [(f["name"], f.get("type", "any")) for f in schema["fields"]]
    return out
