"""parquet/datapackage.json: the release's Parquet files as tabular-data-resources."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from frictionless import Package

pytestmark = pytest.mark.integration  # exports a small release built end to end


def test_the_parquet_files_are_described_and_readable(small_release) -> None:
    folder = small_release.folder
    path = folder / "parquet" / "datapackage.json"
    desc = json.loads(path.read_text())
    main = json.loads((folder / "datapackage.json").read_text())
    assert desc["profile"] == "tabular-data-package"
    assert [r["name"] for r in desc["resources"]] == [r["name"] for r in main["resources"]]
    assert {(r["profile"], r["format"]) for r in desc["resources"]} == {
        ("tabular-data-resource", "parquet")}  # fmt: skip
    assert [e.message for e in Package.metadata_validate(desc)] == []
    listed = {f["path"] for f in main["release"]["files"]}
    assert "parquet/datapackage.json" in listed
    package = Package(str(path))
    for res in main["resources"]:
        csv = pd.read_csv(folder / res["path"], dtype=str, keep_default_na=False)
        rows = package.get_resource(res["name"]).read_rows()
        assert len(rows) == len(csv), res["name"]
    tx = package.get_resource("transactions").read_rows()
    assert {r["awarding_agency_code"] for r in tx} == {"070"}
