"""CHANGELOG.md (Keep a Changelog): one `## [version] - date` entry per release.

A release carries its own entry, and refuses to be made without one: what changed in a
version is written down before the version exists.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..paths import REPO_ROOT
from ..versioning import parse_data_version

CHANGELOG_PATH = REPO_ROOT / "CHANGELOG.md"
_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$", re.M)


class ChangelogError(ValueError):
    """A changelog without an entry for the version being released, or a malformed one."""


def entries(text: str) -> dict[str, str]:
    """{version: entry text (heading included)} in file order; "Unreleased" included."""
    heads = list(_HEADING.finditer(text))
    out: dict[str, str] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.start() : end]
        # Link reference definitions at the end of the file belong to no entry.
        body = re.split(r"^\[[^\]]+\]: ", body, maxsplit=1, flags=re.M)[0]
        out[head["version"]] = body.rstrip() + "\n"
    return out


def released_versions(text: str) -> list[str]:
    """Data versions that have an entry, newest first (by version, not by file order)."""
    found = [v for v in entries(text) if v.lower() != "unreleased"]
    return sorted(found, key=parse_data_version, reverse=True)


def entry_for(version: str, path: Path = CHANGELOG_PATH) -> str:
    """The entry of `version`, checked: its date must be the version's snapshot date."""
    if not path.exists():
        raise ChangelogError(f"{path}: missing; a release needs its changelog entry")
    text = path.read_text(encoding="utf-8")
    for head in _HEADING.finditer(text):
        if head["version"] == version:
            expected = parse_data_version(version).snapshot
            if head["date"] != expected:
                raise ChangelogError(
                    f"{path}: entry [{version}] is dated {head['date']}, expected {expected}"
                )
            return entries(text)[version]
    raise ChangelogError(
        f"{path}: no entry '## [{version}] - {parse_data_version(version).snapshot}'; "
        "write what changed in this version before releasing it"
    )
