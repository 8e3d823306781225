"""OCDS release and record packages, validated by libcoveocds against the standard kept
offline in ../shared/standards/ (no network)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from functools import partial
from pathlib import Path

import jsonref
import pandas as pd
import pytest

from ice_cbp_awards.export import ocds

pytestmark = pytest.mark.integration  # exports a small release built end to end

LIBCOVEOCDS = Path(sys.executable).with_name("libcoveocds")


def cove_cli(path: Path, standard_zip: Path) -> dict:
    """libcoveocds as documented: `libcoveocds --schema-version 1.1 --standard-zip ZIP FILE`."""
    done = subprocess.run(
        [str(LIBCOVEOCDS), "--schema-version", "1.1", "--standard-zip", str(standard_zip),
         str(path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def cove_api(package: dict, standard_zip: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """libcoveocds in process. For a record package it dereferences the versioned-release
    schema by its URL; the loader below reads that file from the same standard zip."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    def from_zip(uri: str) -> dict:
        name = uri.rsplit("/", 1)[-1]
        with zipfile.ZipFile(standard_zip) as z:
            return json.loads(z.read(f"standard-1__1__5/schema/{name}"))

    monkeypatch.setattr(jsonref, "replace_refs", partial(jsonref.replace_refs, loader=from_zip))
    config = LibCoveOCDSConfig()
    config.config["standard_zip"] = f"file://{standard_zip}"
    config.config["context"] = "api"
    return ocds_json_output("", json_data=package, schema_version="1.1",
                            lib_cove_ocds_config=config)  # fmt: skip


def exported(small_release, name: str) -> Path:
    return small_release.folder / "exports" / name


def test_the_release_package_has_zero_errors(small_release, standard_zip, tables) -> None:
    path = exported(small_release, "ocds-release-package.json")
    result = cove_cli(path, standard_zip)
    assert result["validation_errors"] == []
    assert result["version_used"] == "1.1"
    assert result["count"] == len(tables["transactions"]) == 4
    assert result["unique_ocids_count"] == len(tables["awards"]) == 3


def test_the_record_package_has_zero_errors(small_release, standard_zip, monkeypatch) -> None:
    package = json.loads(exported(small_release, "ocds-record-package.json").read_text())
    result = cove_api(package, standard_zip, monkeypatch)
    assert result["validation_errors"] == []
    assert len(package["records"]) == 3
    icm = next(r for r in package["records"] if "70CTD022FR0000170" in r["ocid"])
    assert len(icm["releases"]) == 2  # the base award and its modification
    release_ids = {
        r["id"]
        for r in json.loads(exported(small_release, "ocds-release-package.json").read_text())[
            "releases"
        ]
    }
    assert {
        link["url"].split("#")[1] for r in package["records"] for link in r["releases"]
    } == release_ids
    amounts = [
        t["value"]["amount"]
        for t in icm["compiledRelease"]["contracts"][0]["implementation"]["transactions"]
    ]
    assert sorted(amounts) == [-250.5, 1000.0]


def test_the_validator_finds_errors_in_a_broken_package(small_release, standard_zip,
                                                        tmp_path) -> None:  # fmt: skip
    package = json.loads(exported(small_release, "ocds-release-package.json").read_text())
    del package["releases"][0]["ocid"]
    package["releases"][1]["date"] = "yesterday"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(package))
    errors = cove_cli(path, standard_zip)["validation_errors"]
    assert len(errors) == 2


def test_releases_follow_modifications_vehicles_and_parties(tables) -> None:
    releases = ocds.ocds_releases(tables["transactions"], prefix="ocds-test01")
    assert all(r["ocid"].startswith("ocds-test01-CONT_AWD_") for r in releases)
    tags = sorted(tuple(r["tag"]) for r in releases)
    assert tags == [("award", "contract")] * 3 + [("contractAmendment",)]
    gsa = next(r for r in releases if "GS35F0119Y" in r["ocid"])
    assert gsa["relatedProcesses"][0]["relationship"] == ["framework"]
    assert gsa["relatedProcesses"][0]["identifier"] == "ocds-test01-CONT_IDV_GS35F0119Y_4732"
    assert {p["name"] for p in gsa["parties"]} == {
        "U.S. Customs and Border Protection", "FOUR POINTS TECHNOLOGY LLC"}  # fmt: skip
    assert gsa["buyer"]["id"] == "X-US-FPDS-AGENCY-7014"


def test_a_party_with_a_uei_is_identified_by_it(tables) -> None:
    tx = tables["transactions"].copy()
    tx.loc[0, "recipient_uei"] = "ABCDEFGH1234"
    supplier = ocds.ocds_releases(tx.iloc[[0]])[0]["parties"][1]
    assert supplier["identifier"] == {"scheme": "X-US-SAM-UEI", "id": "ABCDEFGH1234",
                                      "legalName": tx.loc[0, "recipient_name"]}  # fmt: skip


def test_ids_are_stable_and_a_revision_is_a_new_release(tables) -> None:
    tx = tables["transactions"]
    first = {r["id"] for r in ocds.ocds_releases(tx)}
    later = tx.copy()
    later["retrieved_at"] = "2026-12-01T10:00:00Z"  # a later snapshot of the same records
    later["source_id"] = "usaspending-cbp-ice/2026-12-01/fy2022"
    assert {r["id"] for r in ocds.ocds_releases(later)} == first
    revised = later.copy()
    revised.loc[0, "federal_action_obligation_usd"] = "999.99"
    ids = {r["id"] for r in ocds.ocds_releases(revised)}
    assert len(ids - first) == 1 and len(first - ids) == 1
    assert (ids - first).pop().startswith(tx.loc[0, "transaction_id"] + "-")


def test_the_ocid_prefix_comes_from_the_environment(tables, monkeypatch) -> None:
    assert ocds.ocid_prefix() == ocds.DEFAULT_OCID_PREFIX == "ocds-pending"
    monkeypatch.setenv(ocds.OCID_PREFIX_ENV, "ocds-abc123")
    assert ocds.ocds_releases(tables["transactions"])[0]["ocid"].startswith("ocds-abc123-")


def test_every_release_of_the_package_holds_one_transaction(small_release) -> None:
    package = json.loads(exported(small_release, "ocds-release-package.json").read_text())
    tx = pd.read_csv(small_release.folder / "data" / "transactions.csv", dtype=str)
    got = sorted(r["contracts"][0]["implementation"]["transactions"][0]["id"]
                 for r in package["releases"])  # fmt: skip
    assert got == sorted(tx["transaction_id"])
