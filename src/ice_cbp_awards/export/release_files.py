"""Write the exports into a release folder: what `awards release` adds under exports/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..tables import read_text_csv
from . import ftm, jsonld, ocds
from .parquet_package import parquet_package

EXPORTS_DIR = "exports"
PARQUET_DIR = "parquet"
TABLES = ("transactions", "awards", "companies", "attributions")
FILES = {
    "ocds_release_package": ("ocds-release-package.json", "application/json"),
    "ocds_record_package": ("ocds-record-package.json", "application/json"),
    "ftm_entities": ("followthemoney.ftm.json", "application/json+ftm"),
    "dataset_jsonld": ("dataset.jsonld", "application/ld+json"),
}


def read_tables(folder: Path, descriptor: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The published tables the exporters need, as the release's CSVs hold them (text)."""
    paths = {r["name"]: r["path"] for r in descriptor["resources"]}
    return {name: read_text_csv(folder / paths[name]) for name in TABLES}


def write_parquet_package(folder: Path, descriptor: dict[str, Any]) -> tuple[str, str, str]:
    """parquet/datapackage.json, describing the release's Parquet files as resources."""
    rel = f"{PARQUET_DIR}/datapackage.json"
    text = json.dumps(parquet_package(descriptor, folder / PARQUET_DIR), indent=2,
                      ensure_ascii=False)  # fmt: skip
    (folder / rel).write_text(text + "\n", encoding="utf-8")
    return ("parquet_package", rel, "application/json")


def write_exports(folder: Path, descriptor: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Write every export into folder/exports/ and the Parquet descriptor into parquet/;
    returns (kind, relative path, mediatype).

    A package without the tables the exports are made of (the small test packages shaped
    like this one) gets none; the package's schema guard keeps them in every real release.
    """
    written = [write_parquet_package(folder, descriptor)]
    if not set(TABLES) <= {r["name"] for r in descriptor["resources"]}:
        return written
    tables = read_tables(folder, descriptor)
    (folder / EXPORTS_DIR).mkdir(exist_ok=True)
    releases = ocds.ocds_releases(tables["transactions"])
    texts = {
        "ocds_release_package": ocds.dumps(ocds.release_package(releases, descriptor)),
        "ocds_record_package": ocds.dumps(ocds.record_package(releases, descriptor)),
        "ftm_entities": ftm.dumps(ftm.ftm_entities(tables)),
    }
    distributions = [{"path": r["path"], "mediatype": "text/csv"} for r in descriptor["resources"]]
    distributions += [{"path": f"{EXPORTS_DIR}/{FILES[k][0]}", "mediatype": FILES[k][1]}
                      for k in texts]  # fmt: skip
    texts["dataset_jsonld"] = jsonld.dumps(jsonld.dataset_jsonld(descriptor, distributions))
    for kind, text in texts.items():
        name, mediatype = FILES[kind]
        rel = f"{EXPORTS_DIR}/{name}"
        (folder / rel).write_text(text, encoding="utf-8")
        written.append((kind, rel, mediatype))
    return written
