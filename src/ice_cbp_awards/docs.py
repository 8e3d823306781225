"""Docs generated from the metadata: the data dictionary, written from schemas/ alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .metadata import Resource, package_descriptor, resources
from .paths import REPO_ROOT

DICTIONARY_PATH = REPO_ROOT / "docs" / "data-dictionary.md"
README_PATH = REPO_ROOT / "README.md"
CHANGELOG_PATH = REPO_ROOT / "CHANGELOG.md"
CITE_START, CITE_END = "<!-- how-to-cite:start -->", "<!-- how-to-cite:end -->"


def _constraints(field: dict) -> str:
    c = field.get("constraints", {})
    parts = []
    if c.get("unique"):
        parts.append("unique")
    if "enum" in c:
        parts.append("one of " + ", ".join(f"`{v}`" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"pattern `{c['pattern']}`")
    if "minimum" in c:
        parts.append(f"≥ {c['minimum']}")
    if "maximum" in c:
        parts.append(f"≤ {c['maximum']}")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def resource_section(res: Resource) -> str:
    d = res.descriptor
    lines = [f'<a id="{res.name}"></a>', "", f"## `{res.name}`: {d.get('title', res.name)}", ""]
    lines += [d.get("description", ""), ""]
    lines.append(f"- File: `{d['path']}` (layer: {d.get('layer', '')})")
    if res.primary_key:
        lines.append(f"- Primary key: {', '.join(f'`{k}`' for k in res.primary_key)}")
    for fk in res.foreign_keys:
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref = fk["reference"]
        ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
        lines.append(
            f"- Foreign key: {', '.join(fields)} → `{ref['resource'] or res.name}`."
            f"{', '.join(ref_fields)}"
        )
    lines += ["", "| field | type | unit | required | description | constraints |"]
    lines.append("|---|---|---|---|---|---|")
    for f in res.fields:
        req = "yes" if f.get("constraints", {}).get("required") else ""
        lines.append(
            f"| `{f['name']}` | {f['type']} | {f.get('unit', '')} | {req} | "
            f"{_cell(f.get('description', ''))} | {_cell(_constraints(f))} |"
        )
    return "\n".join(lines) + "\n"


def data_dictionary() -> str:
    pkg = package_descriptor()
    head = [
        f"# Data dictionary: {pkg['title']}",
        "",
        "Generated from `schemas/` and `datapackage.json` by `awards docs`; do not edit by hand.",
        f"Schema version {pkg.get('schema_version', '')}.",
        "",
        "| resource | title | fields |",
        "|---|---|---|",
    ]
    for res in resources().values():
        head.append(
            f"| [`{res.name}`](#{res.name}) | {res.descriptor.get('title', '')} | "
            f"{len(res.fields)} |"
        )
    body = [resource_section(r) for r in resources().values()]
    return "\n".join(head) + "\n\n" + "\n".join(body)


def newest_release() -> str:
    """The newest released data version, from CHANGELOG.md's first '## [x.y.z]' heading."""
    for line in CHANGELOG_PATH.read_text(encoding="utf-8").splitlines():
        m = re.match(r"## \[(\d{4}\.\d+\.\d+(?:\.\d+)?)\]", line)
        if m:
            return m.group(1)
    raise ValueError("CHANGELOG.md names no release")


def how_to_cite() -> str:
    """README's "How to cite" section, for the newest release."""
    from .citation import how_to_cite_markdown

    desc = json.loads(json.dumps(package_descriptor()))
    desc["version"] = newest_release()
    return how_to_cite_markdown(desc).strip()


def readme_with_citation(text: str) -> str:
    start, end = text.index(CITE_START) + len(CITE_START), text.index(CITE_END)
    return text[:start] + "\n" + how_to_cite() + "\n" + text[end:]


def write_docs(path: Path = DICTIONARY_PATH) -> list[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data_dictionary(), encoding="utf-8")
    README_PATH.write_text(
        readme_with_citation(README_PATH.read_text(encoding="utf-8")), encoding="utf-8"
    )
    return [path, README_PATH]
