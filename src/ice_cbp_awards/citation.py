"""How to cite a release: the citation line, CITATION.cff and .zenodo.json, from the descriptor.

Everything is derived from a descriptor whose "version" is a data version (the built or
released datapackage.json), so the README, the Datasette pages, CITATION.cff and .zenodo.json
cannot disagree. A DOI is shown when the descriptor carries one in "id" (https://doi.org/...);
until then the citation says the DOI is pending, and `awards release --doi` fills it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from .jsonfiles import json_text
from .versioning import parse_data_version

DOI_URL = "https://doi.org/"
DOI_PLACEHOLDER = "DOI pending: assigned when the release is deposited"
CFF_VERSION = "1.2.0"
_DOI = re.compile(r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-.()\[\]\\]+$")
CFF_MESSAGE = (
    "If you use this dataset, please cite the version you used, as below. Each version is "
    "immutable; check what you downloaded with `awards verify`."
)
RELEASE_DIGEST_DESCRIPTION = (
    "Release digest: sha256 of SHA256SUMS without the lines of CITATION.cff, .zenodo.json and "
    "README.md. Cite it with the version; `awards verify --expect-digest` checks a download."
)
_RELEASE_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class CitationError(ValueError):
    """A DOI or descriptor that cannot make a valid citation."""


def check_doi(doi: str) -> str:
    """A bare DOI (10.xxxx/...); a doi.org URL is accepted and reduced to the DOI."""
    bare = doi.removeprefix(DOI_URL).removeprefix("doi:").strip()
    if not _DOI.match(bare):
        raise CitationError(f"{doi!r} is not a DOI such as 10.5281/zenodo.1234567")
    return bare


def doi_of(descriptor: Mapping[str, Any]) -> str | None:
    """The DOI a descriptor carries in its "id", if any."""
    ident = str(descriptor.get("id", ""))
    return ident.removeprefix(DOI_URL) if ident.startswith(DOI_URL) else None


def with_doi(descriptor: dict[str, Any], doi: str | None) -> dict[str, Any]:
    """The descriptor with "id" set to the DOI's URL (unchanged when doi is None)."""
    if doi:
        descriptor["id"] = DOI_URL + check_doi(doi)
    return descriptor


def authors(descriptor: Mapping[str, Any]) -> list[str]:
    """Names of the contributors with the role author (all contributors if none has it)."""
    people = descriptor.get("contributors", [])
    named = [c for c in people if c.get("role") == "author"] or list(people)
    return [c["title"] for c in named] or [descriptor.get("title", descriptor["name"])]


def release_date(descriptor: Mapping[str, Any]) -> str:
    """The release date: the upstream snapshot date of its data version (fixed, reproducible)."""
    return parse_data_version(descriptor["version"]).snapshot


def cite_as(descriptor: Mapping[str, Any]) -> str:
    """One citation line for a version, for README, Datasette pages and release notes."""
    version = descriptor["version"]
    year = parse_data_version(version).year
    who = "; ".join(authors(descriptor))
    doi = doi_of(descriptor)
    where = f"{DOI_URL}{doi}" if doi else f"{DOI_PLACEHOLDER}. {descriptor.get('homepage', '')}"
    return (
        f"{who} ({year}). {descriptor['title']} (Version {version}; schema "
        f"{descriptor['schema_version']}) [Data set]. {where.strip()}"
    )


# Characters LaTeX reads as commands; in BibTeX text fields they must be escaped.
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))


def latex_escape(text: str) -> str:
    """Text as LaTeX prints it literally: `ICE & CBP` would stop LaTeX ("Misplaced
    alignment tab character &")."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX_SPECIALS[m.group(0)], text)


def bibtex(descriptor: Mapping[str, Any]) -> str:
    """A BibTeX @misc entry for the version; text fields LaTeX-escaped (URLs and DOIs are
    verbatim fields, which BibTeX styles hand to `\\url`)."""
    version = descriptor["version"]
    key = f"{descriptor['name'].replace('-', '_')}_{version.replace('.', '_')}"
    who = " and ".join(f"{{{latex_escape(name)}}}" for name in authors(descriptor))
    lines = [
        f"@misc{{{key},",
        f"  author = {{{who}}},",
        f"  title = {{{{{latex_escape(descriptor['title'])}}}}},",
        f"  year = {{{parse_data_version(version).year}}},",
        f"  version = {{{latex_escape(version)}}},",
        f"  note = {{Data set, schema {latex_escape(descriptor['schema_version'])}}},",
    ]
    doi = doi_of(descriptor)
    if doi:
        lines.append(f"  doi = {{{doi}}},")
    if descriptor.get("homepage"):
        lines.append(f"  url = {{{descriptor['homepage']}}},")
    lines.append("}")
    return "\n".join(lines)


def check_release_digest(digest: str) -> str:
    """A release digest as written everywhere: `sha256:` and 64 lowercase hex digits."""
    if not _RELEASE_DIGEST.match(digest):
        raise CitationError(f"{digest!r} is not a release digest sha256:<64 hex digits>")
    return digest


def release_digest_lines(digest: str | None) -> list[str]:
    """Markdown lines that publish a release's digest beside its citation (none without one)."""
    if not digest:
        return []
    return [
        f"Release digest: `{digest}`. Quote it with the citation: it identifies exactly these "
        "files, and `awards verify --expect-digest "
        f"{digest} <release folder or zip>` checks a download against it.",
        "",
    ]


def how_to_cite_markdown(descriptor: Mapping[str, Any], release_digest: str | None = None) -> str:
    """The "How to cite" section used by the README, the docs and the Datasette pages.

    A release's own README also gives its release digest (see release.digest).
    """
    return "\n".join(
        [
            "## How to cite",
            "",
            f"Cite the version you used. This is data version **{descriptor['version']}** "
            f"(upstream snapshot {release_date(descriptor)}), schema version "
            f"**{descriptor['schema_version']}**.",
            "",
            f"> {cite_as(descriptor)}",
            "",
            *release_digest_lines(release_digest),
            "```bibtex",
            bibtex(descriptor),
            "```",
            "",
            "Every release is immutable and carries `CITATION.cff`, `.zenodo.json` and "
            "`SHA256SUMS`; `awards verify <release folder or zip>` checks that a download is "
            "exactly what was published.",
            "",
            *[f"- {text}" for text in license_lines(descriptor)],
            "",
        ]
    )


def license_lines(descriptor: Mapping[str, Any]) -> list[str]:
    """One line per licence of the descriptor: its title (or name) and where to read it."""
    return [
        f"{lic.get('title') or lic['name']}" + (f" ({lic['path']})" if lic.get("path") else "")
        for lic in descriptor.get("licenses", [])
    ]


def _spdx_licenses(descriptor: Mapping[str, Any]) -> list[str]:
    """Licence names that are SPDX ids (the descriptor's "other-*" names are not)."""
    return [lic["name"] for lic in descriptor.get("licenses", []) if "-" in lic.get("name", "")
            and not lic["name"].startswith("other-")]  # fmt: skip


def cff_title(title: str) -> str:
    """The title as CITATION.cff gives it: "&" spelled "and". cffconvert copies CFF text into
    BibTeX unescaped, and a bare "&" stops LaTeX."""
    return title.replace(" & ", " and ").replace("&", " and ")


def cff_entity(name: str) -> str:
    """An author entity's name as CITATION.cff gives it: "&" becomes "/". Not "and", which
    BibTeX would read as a separator between two authors."""
    return name.replace(" & ", "/").replace("&", "/")


def citation_cff(descriptor: Mapping[str, Any], release_digest: str | None = None) -> str:
    """CITATION.cff (CFF 1.2.0, type dataset) for the descriptor's version.

    A release's file also lists its release digest among the identifiers.

    Title and author names carry no LaTeX special character (see `cff_title`), so what
    cffconvert makes of the file compiles.
    """
    cff: dict[str, Any] = {
        "cff-version": CFF_VERSION,
        "message": CFF_MESSAGE,
        "type": "dataset",
        "title": cff_title(descriptor["title"]),
        "version": descriptor["version"],
        "date-released": release_date(descriptor),
        "abstract": descriptor.get("description", ""),
        "authors": [{"name": cff_entity(name)} for name in authors(descriptor)],
    }
    doi = doi_of(descriptor)
    if doi:
        cff["doi"] = doi
    if descriptor.get("homepage"):
        cff["url"] = descriptor["homepage"]
        cff["repository-code"] = descriptor["homepage"]
    if descriptor.get("keywords"):
        cff["keywords"] = list(descriptor["keywords"])
    licenses = _spdx_licenses(descriptor)
    if licenses:
        cff["license"] = licenses[0] if len(licenses) == 1 else licenses
    cff["identifiers"] = [
        {
            "type": "other",
            "value": f"{descriptor['name']} {descriptor['version']} schema "
            f"{descriptor['schema_version']}",
            "description": "Package name, data version and schema version",
        }
    ]
    if release_digest:
        cff["identifiers"].append(
            {
                "type": "other",
                "value": check_release_digest(release_digest),
                "description": RELEASE_DIGEST_DESCRIPTION,
            }
        )
    return yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=100)


def zenodo_json(descriptor: Mapping[str, Any], release_digest: str | None = None) -> str:
    """.zenodo.json (Zenodo deposit metadata) for the descriptor's version, as stable JSON.

    A release's file also gives its release digest in the notes, which Zenodo shows.
    """
    licenses = _spdx_licenses(descriptor)
    meta: dict[str, Any] = {
        "title": f"{descriptor['title']} {descriptor['version']}",
        "upload_type": "dataset",
        "version": descriptor["version"],
        "publication_date": release_date(descriptor),
        "description": descriptor.get("description", ""),
        "creators": [{"name": name} for name in authors(descriptor)],
        "access_right": "open",
        "keywords": list(descriptor.get("keywords", [])),
        "notes": f"Schema version {descriptor['schema_version']}. Licences: "
        + "; ".join(license_lines(descriptor))
        + "."
        + (f" Release digest: {check_release_digest(release_digest)}." if release_digest else ""),
    }
    if licenses:
        meta["license"] = licenses[0].lower()
    doi = doi_of(descriptor)
    if doi:
        meta["doi"] = doi
    related = [
        {"identifier": src["path"], "relation": "isDerivedFrom", "scheme": "url"}
        for src in descriptor.get("sources", [])
        if str(src.get("path", "")).startswith("https://")
    ]
    if descriptor.get("homepage"):
        related.append(
            {"identifier": descriptor["homepage"], "relation": "isCompiledBy", "scheme": "url"}
        )
    if related:
        meta["related_identifiers"] = related
    return json_text(meta)


def cited_release_digests(text: str) -> list[str]:
    """Every release digest written in a citation file (CITATION.cff, .zenodo.json, README)."""
    return re.findall(r"sha256:[0-9a-f]{64}", text)
