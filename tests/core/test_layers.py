"""Imports only point down the layers (readers -> transform -> curate -> validate/write/export
-> publish -> release, with the build and the commands on top), so no module needs one above
it and there is no import cycle between the package's parts."""

from __future__ import annotations

import ast
from pathlib import Path

import ice_cbp_awards

ROOT = Path(ice_cbp_awards.__file__).parent

# rank of each top-level part: a module may import only its own part or lower-ranked ones
RANKS = {
    # the foundation every layer uses: paths, contracts and the metadata
    "__init__": 0, "__version__": 0, "paths": 0, "ids": 0, "hashing": 0, "versioning": 0,
    "terminal": 0, "options": 0, "jsonfiles": 0,
    "memory": 0, "tables": 1, "metadata": 1, "fields": 1, "citation": 1,
    "readers": 2, "fetch": 3, "rawarchive": 3, "transform": 3,
    "curate": 4, "validate": 5, "write": 5, "export": 5, "docs": 5,
    "publish": 6, "release": 7, "build": 8, "pipeline": 9, "commands": 10, "cli": 11,
}  # fmt: skip


def _part(path: Path) -> str:
    return path.relative_to(ROOT).with_suffix("").parts[0]


def imports_between_parts() -> list[tuple[str, str, str]]:
    """(importing module, its part, imported part) for every relative import across parts."""
    found = []
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = parts[:-1][: len(parts) - node.level] if node.level > 1 else parts[:-1]
            target = [*base, *(node.module.split(".") if node.module else [])]
            names = [target[0]] if target else [a.name for a in node.names]
            for name in names:
                if name != parts[0]:
                    found.append(("/".join(parts), parts[0], name))
    return found


def test_every_part_has_a_rank() -> None:
    parts = {_part(p) for p in ROOT.rglob("*.py")}
    assert sorted(parts - set(RANKS)) == []


def test_imports_only_point_down() -> None:
    upward = [
        f"{module} ({part}) imports {target}"
        for module, part, target in imports_between_parts()
        if RANKS.get(target, 99) > RANKS[part]
    ]
    assert upward == []
