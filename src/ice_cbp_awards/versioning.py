"""The two version numbers of the package and the names they give to release files.

The data version follows the upstream snapshot a release was built from, as a calendar version
without leading zeros: snapshot 2026-08-22 gives ``2026.8.22``. A re-release of the same
snapshot (a fix in the build, the same upstream data) appends a patch number: ``2026.8.22.1``,
``2026.8.22.2``. Patch 0 is never written, so each release has exactly one spelling.

The schema version is semantic (MAJOR.MINOR.PATCH) and moves independently: a removed, renamed
or retyped column, or a removed resource, is a major change; an added column or resource is a
minor change; descriptions and constraints are patch changes. ``schema_guard`` enforces this.

Both versions are part of every release file name, so that a file on a reader's disk says
what it is: ``ice-cbp-tech-awards-2026.8.22-schema-1.0.0.zip``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_SNAPSHOT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATA_VERSION = re.compile(r"^(\d{4})\.([1-9]\d?)\.([1-9]\d?)(?:\.([1-9]\d*))?$")
_SCHEMA_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_RELEASE_NAME = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9._-]*?)-(?P<data>\d{4}\.\d{1,2}\.\d{1,2}(?:\.\d+)?)"
    r"-schema-(?P<schema>\d+\.\d+\.\d+)$"
)


class VersionError(ValueError):
    """A version string or snapshot name that does not follow the written scheme."""


@dataclass(frozen=True, order=True)
class DataVersion:
    """A calendar data version: the upstream snapshot date plus a re-release number."""

    year: int
    month: int
    day: int
    patch: int = 0

    def __str__(self) -> str:
        base = f"{self.year}.{self.month}.{self.day}"
        return f"{base}.{self.patch}" if self.patch else base

    @property
    def snapshot(self) -> str:
        """The upstream snapshot this version was built from, as YYYY-MM-DD."""
        return self.date.isoformat()

    @property
    def date(self) -> dt.date:
        return dt.date(self.year, self.month, self.day)


@dataclass(frozen=True, order=True)
class SchemaVersion:
    """A semantic schema version; compares numerically (1.10.0 > 1.9.0)."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def data_version_for_snapshot(snapshot: str, patch: int = 0) -> str:
    """The data version of a release of `snapshot` (YYYY-MM-DD): 2026-08-22 -> 2026.8.22.

    `patch` > 0 numbers a re-release of the same snapshot: 2026.8.22.1.
    """
    m = _SNAPSHOT.match(snapshot)
    if not m:
        raise VersionError(f"snapshot {snapshot!r} is not a date YYYY-MM-DD")
    if patch < 0:
        raise VersionError(f"patch number {patch} is negative")
    try:
        date = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise VersionError(f"snapshot {snapshot!r} is not a calendar date: {exc}") from None
    return str(DataVersion(date.year, date.month, date.day, patch))


def parse_data_version(version: str) -> DataVersion:
    """Parse a data version in its one canonical spelling (no leading zeros, no `.0` patch)."""
    m = _DATA_VERSION.match(version)
    if not m:
        raise VersionError(
            f"data version {version!r} is not YYYY.M.D or YYYY.M.D.N (e.g. 2026.8.22, 2026.8.22.1)"
        )
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    try:
        dt.date(year, month, day)
    except ValueError as exc:
        raise VersionError(f"data version {version!r} is not a calendar date: {exc}") from None
    return DataVersion(year, month, day, int(m[4] or 0))


def parse_schema_version(version: str) -> SchemaVersion:
    m = _SCHEMA_VERSION.match(version)
    if not m:
        raise VersionError(f"schema version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    return SchemaVersion(int(m[1]), int(m[2]), int(m[3]))


def release_name(package_name: str, data_version: str, schema_version: str) -> str:
    """The base name of a release folder and zip: <package>-<data version>-schema-<schema>."""
    parse_data_version(data_version)
    parse_schema_version(schema_version)
    return f"{package_name}-{data_version}-schema-{schema_version}"


def parse_release_name(name: str) -> tuple[str, str, str]:
    """(package name, data version, schema version) from a release folder or zip name."""
    stem = name[:-4] if name.endswith(".zip") else name
    m = _RELEASE_NAME.match(stem)
    if not m:
        raise VersionError(
            f"{name!r} is not a release name <package>-<YYYY.M.D[.N]>-schema-<MAJOR.MINOR.PATCH>"
        )
    parse_data_version(m["data"])
    parse_schema_version(m["schema"])
    return m["name"], m["data"], m["schema"]


def release_timestamp(data_version: str) -> dt.datetime:
    """The fixed timestamp of every file in a release: midnight UTC of the snapshot date.

    Using the snapshot date, not the wall clock, is what makes re-runs byte-identical.
    """
    v = parse_data_version(data_version)
    return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)
