"""Write the exports into a release folder: what `awards release` adds under exports/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..metadata import table_resources
from ..tables import read_text_csv
from . import ftm, jsonld, ocds

EXPORTS_DIR = "exports"
TABLES = ("transactions", "awards", "companies", "attributions")
FILES = {
    "ocds_release_package": ("ocds-release-package.json", "application/json"),
    "ocds_record_package": ("ocds-record-package.json", "application/json"),
    "ftm_entities": ("followthemoney.ftm.json", "application/json+ftm"),
    "dataset_jsonld": ("dataset.jsonld", "application/ld+json"),
}


def read_tables(folder: Path, descriptor: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The published tables the exporters need, as the release's CSVs hold them (text)."""
    paths = {r["name"]: r["path"] for r in table_resources(descriptor)}
    return {name: read_text_csv(folder / paths[name]) for name in TABLES}


def write_exports(folder: Path, descriptor: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Write every export into folder/exports/; returns (kind, relative path, mediatype).

    A package without the tables the exports are made of (the small test packages shaped
    like this one) gets none; the package's schema guard keeps them in every real release.
    """
    written: list[tuple[str, str, str]] = []
    if not set(TABLES) <= {r["name"] for r in table_resources(descriptor)}:
        return written
    tables = read_tables(folder, descriptor)
    (folder / EXPORTS_DIR).mkdir(exist_ok=True)
    releases = ocds.ocds_releases(tables["transactions"])
    texts = {
        "ocds_release_package": ocds.dumps(ocds.release_package(releases, descriptor)),
        "ocds_record_package": ocds.dumps(ocds.record_package(releases, descriptor)),
        "ftm_entities": ftm.dumps(ftm.ftm_entities(tables)),
    }
    distributions = [{"path": r["path"], "mediatype": r.get("mediatype", "text/csv")}
                     for r in descriptor["resources"]]  # fmt: skip
    distributions += [{"path": f"{EXPORTS_DIR}/{FILES[k][0]}", "mediatype": FILES[k][1]}
                      for k in texts]  # fmt: skip
    texts["dataset_jsonld"] = jsonld.dumps(jsonld.dataset_jsonld(descriptor, distributions))
    for kind, text in texts.items():
        name, mediatype = FILES[kind]
        rel = f"{EXPORTS_DIR}/{name}"
        (folder / rel).write_text(text, encoding="utf-8")
        written.append((kind, rel, mediatype))
    return written
