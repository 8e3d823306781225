"""Open a release (folder, zip, or built data dir) and read its resources as published text.

Values are read as the strings the CSVs hold ("" for missing), so comparisons between
releases see exactly what a reader of each release sees, with no float or date re-parsing.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..metadata import table_resources
from ..tables import read_text_csv
from ..versioning import parse_data_version
from .archive import extract_release


class ReleaseLoadError(ValueError):
    """A path that is not a release, or a release that lacks what is asked of it."""


@dataclass
class LoadedRelease:
    """A release's descriptor and lazily read tables."""

    root: Path
    descriptor: dict[str, Any]
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def version(self) -> str:
        return self.descriptor["version"]

    @property
    def schema_version(self) -> str:
        return self.descriptor.get("schema_version", "")

    @property
    def resource_names(self) -> list[str]:
        return [r["name"] for r in table_resources(self.descriptor)]

    def entry(self, name: str) -> dict[str, Any]:
        for res in table_resources(self.descriptor):
            if res["name"] == name:
                return res
        raise ReleaseLoadError(f"release {self.version} has no resource {name!r}")

    def schema(self, name: str) -> dict[str, Any]:
        schema = self.entry(name)["schema"]
        if not isinstance(schema, dict):
            schema = json.loads((self.root / schema).read_text(encoding="utf-8"))
        return schema

    def primary_key(self, name: str) -> list[str]:
        pk = self.schema(name).get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            path = self.root / self.entry(name)["path"]
            if not path.is_file():
                raise ReleaseLoadError(f"{path}: resource {name} of {self.version} is missing")
            self._tables[name] = read_text_csv(path)
        return self._tables[name]


def load_release(path: Path, stack: ExitStack) -> LoadedRelease:
    """Open a release folder or zip (extracted into a temporary folder kept by `stack`)."""
    path = Path(path)
    if path.is_file() and zipfile.is_zipfile(path):
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="release-")))
        path = extract_release(path, tmp)
    desc_path = path / "datapackage.json"
    if not desc_path.is_file():
        raise ReleaseLoadError(f"{path}: no datapackage.json; not a release folder or zip")
    descriptor = json.loads(desc_path.read_text(encoding="utf-8"))
    try:
        parse_data_version(descriptor.get("version", ""))
    except ValueError as exc:
        raise ReleaseLoadError(f"{desc_path}: {exc}") from None
    return LoadedRelease(path, descriptor)
