"""schema.org Dataset JSON-LD of a release: what dataset search engines read."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration  # exports a small release built end to end


def test_the_release_describes_itself_as_a_dataset(small_release) -> None:
    folder = small_release.folder
    data = json.loads((folder / "exports" / "dataset.jsonld").read_text())
    desc = json.loads((folder / "datapackage.json").read_text())
    assert data["@context"] == "https://schema.org/" and data["@type"] == "Dataset"
    assert data["name"] == desc["title"] and data["version"] == desc["version"]
    assert len(data["description"]) >= 50  # Google's Dataset guidelines: 50 to 5000 chars
    assert data["datePublished"] == desc["created"][:10]
    assert data["license"] and all(u.startswith("https://") for u in data["license"])
    paths = [d["contentUrl"] for d in data["distribution"]]
    assert "data/transactions.csv" in paths and "exports/ocds-release-package.json" in paths
    assert "parquet/transactions.parquet" in paths and "ice-cbp-tech-awards.db" in paths
    for path in paths:
        assert (folder / path).is_file(), path
    listed = {f["path"] for f in desc["release"]["files"] if f.get("export")}
    assert listed == {
        "exports/ocds-release-package.json", "exports/ocds-record-package.json",
        "exports/followthemoney.ftm.json", "exports/dataset.jsonld",
    }  # fmt: skip
