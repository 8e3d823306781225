"""The built descriptor: the root datapackage.json with schemas inlined and the data version.

The package is a Data Package v1 `tabular-data-package` (root datapackage.json's "profile"),
so every resource is declared a `tabular-data-resource`: a CSV with a Table Schema. The
descriptor says nothing about the machine that built it (no raw root path).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..metadata import package_descriptor, resources

RESOURCE_PROFILE = "tabular-data-resource"


def built_descriptor(
    data_version: str, extra: dict[str, Any] | None = None, names: list[str] | None = None
) -> dict[str, Any]:
    """Descriptor for a built data dir: paths relative to it, schemas inline."""
    pkg = json.loads(json.dumps(package_descriptor()))
    pkg["version"] = data_version
    pkg.update(extra or {})
    out = []
    for entry in pkg["resources"]:
        if names is not None and entry["name"] not in names:
            continue
        entry = {"profile": RESOURCE_PROFILE, **entry}
        entry["path"] = Path(entry["path"]).name
        entry["schema"] = resources()[entry["name"]].schema
        out.append(entry)
    pkg["resources"] = out
    return pkg


def write_json(obj: Any, path: Path) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
