"""schema.org `Dataset` JSON-LD for dataset search engines, from the release descriptor."""

from __future__ import annotations

from typing import Any

from ..citation import authors, cite_as, doi_of
from ..jsonfiles import json_text


def dataset_jsonld(descriptor: dict[str, Any], distributions: list[dict[str, str]]) -> dict:
    """The release as a schema.org Dataset; distributions are {path, mediatype} of its files."""
    homepage = descriptor.get("homepage", "")
    doi = doi_of(descriptor)
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": descriptor["title"],
        "description": descriptor.get("description", ""),
        "version": descriptor["version"],
        "keywords": list(descriptor.get("keywords", [])),
        "license": [lic["path"] for lic in descriptor.get("licenses", []) if lic.get("path")],
        "creator": [{"@type": "Organization", "name": name} for name in authors(descriptor)],
        "citation": cite_as(descriptor),
        "isAccessibleForFree": True,
        "spatialCoverage": {"@type": "Country", "name": "United States"},
        "isBasedOn": [s["path"] for s in descriptor.get("sources", []) if s.get("path")],
        "distribution": [
            {"@type": "DataDownload", "contentUrl": d["path"], "encodingFormat": d["mediatype"]}
            for d in distributions
        ],
    }
    if descriptor.get("created"):
        data["datePublished"] = descriptor["created"][:10]
    if homepage:
        data["url"] = homepage
    if doi:
        data["identifier"] = f"https://doi.org/{doi}"
    return data


def dumps(data: dict[str, Any]) -> str:
    return json_text(data)
