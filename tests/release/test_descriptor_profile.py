"""The descriptor is a Data Package v2: CSV tables declared `type: table` with their Table
Schemas, the SQLite database and (in a release) each table's Parquet file as resources;
frictionless validates the descriptor and the whole package, and the descriptor says nothing
about the machine that built it."""

from __future__ import annotations

import copy
import importlib.resources
import json
import shutil

import pytest
from frictionless import Package
from jsonschema import Draft7Validator

from ice_cbp_awards.metadata import table_resources
from ice_cbp_awards.paths import REPO_ROOT, default_raw_root
from ice_cbp_awards.write.descriptor import PACKAGE_SCHEMA, as_v2, built_descriptor

V2 = "https://datapackage.org/profiles/2.0/datapackage.json"


def profile_errors(descriptor: dict) -> list[str]:
    return [e.message for e in Package.metadata_validate(descriptor)]


def official_profile_errors(descriptor: dict) -> list[str]:
    """What the official Data Package v2 JSON Schemas (the copies dplib-py ships) say about a
    descriptor: the package profile, then the resource profile on every resource."""
    folder = importlib.resources.files("dplib") / "profiles" / "2.0"
    package, resource = (
        Draft7Validator(json.loads((folder / name).read_text(encoding="utf-8")))
        for name in ("datapackage.json", "dataresource.json")
    )
    errors = [f"package: {e.message}" for e in package.iter_errors(descriptor)]
    for r in descriptor.get("resources", []):
        errors += [f"{r.get('name')}: {e.message}" for e in resource.iter_errors(r)]
    return errors


def no_machine_paths(descriptor: dict) -> bool:
    """No raw root setting and no absolute path of this machine's checkout or raw root."""
    text = json.dumps(descriptor)
    return (
        "raw_root_default" not in text
        and str(REPO_ROOT) not in text
        and str(default_raw_root().resolve()) not in text
    )


def test_the_built_descriptor_is_v2_with_tables_and_the_database() -> None:
    desc = built_descriptor("2026.8.22", {"snapshot": "2026-08-22"}, database="pkg.db")
    assert desc["$schema"] == PACKAGE_SCHEMA == V2 and "profile" not in desc
    tables = table_resources(desc)
    assert len(tables) == len(desc["resources"]) - 1
    assert {r["type"] for r in tables} == {"table"}
    assert all(isinstance(r["schema"], dict) and "profile" not in r for r in tables)
    db = desc["resources"][-1]
    assert (db["name"], db["path"], db["format"]) == ("database", "pkg.db", "sqlite")
    assert "type" not in db and "schema" not in db
    assert profile_errors(desc) == []
    assert no_machine_paths(desc)


def test_without_a_database_the_built_descriptor_lists_only_tables() -> None:
    desc = built_descriptor("2026.8.22")
    assert table_resources(desc) == desc["resources"]


def test_a_v1_descriptor_reads_the_same_and_is_declared_v2() -> None:
    """Releases made before v2 still verify and compare: their tables are found alike."""
    v2 = built_descriptor("2026.8.22", database="pkg.db")
    v1 = copy.deepcopy(v2)
    del v1["$schema"]
    v1["profile"] = "tabular-data-package"
    for r in table_resources(v1):
        del r["type"]
        r["profile"] = "tabular-data-resource"
    assert [r["name"] for r in table_resources(v1)] == [r["name"] for r in table_resources(v2)]
    assert as_v2(v1) == v2


@pytest.mark.integration
def test_the_release_descriptor_lists_every_file_and_frictionless_validates_it(
    small_release,
) -> None:
    folder = small_release.folder
    desc = json.loads((folder / "datapackage.json").read_text())
    assert desc["$schema"] == V2 and "profile" not in desc
    tables = table_resources(desc)
    names = [r["name"] for r in tables]
    assert {r["type"] for r in tables} == {"table"}
    assert all(r["bytes"] and r["hash"].startswith("sha256:") for r in tables)
    others = {r["name"]: r for r in desc["resources"] if r not in tables}
    assert set(others) == {"database"} | {f"{n}-parquet" for n in names}
    db = others["database"]
    assert db["path"] == "ice-cbp-tech-awards.db" and db["format"] == "sqlite"
    assert db["bytes"] == (folder / db["path"]).stat().st_size
    listed = {f["path"]: f for f in desc["release"]["files"]}
    assert db["hash"] == listed[db["path"]]["hash"]
    for name in names:
        pq = others[f"{name}-parquet"]
        assert (pq["path"], pq["format"], pq["table_resource"]) == (
            f"parquet/{name}.parquet", "vnd.apache.parquet", name)  # fmt: skip
        assert pq["mediatype"] == "application/vnd.apache.parquet"
        assert "type" not in pq and "schema" not in pq
        assert pq["bytes"] == (folder / pq["path"]).stat().st_size
        assert pq["hash"] == listed[pq["path"]]["hash"]
    assert not (folder / "parquet" / "datapackage.json").exists()
    assert profile_errors(desc) == []
    assert no_machine_paths(desc)
    report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])[:5]
    tasks = {t.name: t.type for t in report.tasks}
    assert tasks == {r["name"]: "table" if r in tables else "file" for r in desc["resources"]}


@pytest.mark.integration
def test_frictionless_checks_the_database_and_parquet_hashes(small_release, tmp_path) -> None:
    folder = small_release.folder
    desc = json.loads((folder / "datapackage.json").read_text())
    files = [r for r in desc["resources"] if r["name"] in ("database", "awards-parquet")]
    (tmp_path / "parquet").mkdir()
    for res in files:
        res["hash"] = "sha256:" + "0" * 64
        shutil.copyfile(folder / res["path"], tmp_path / res["path"])
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps({**desc, "resources": files}))
    report = Package(str(path)).validate()
    assert not report.valid
    errors = {(t.name, e.type) for t in report.tasks for e in t.errors}
    assert errors == {("database", "hash-count"), ("awards-parquet", "hash-count")}


def test_the_built_descriptor_holds_to_the_official_v2_profiles() -> None:
    desc = built_descriptor("2026.8.22", {"snapshot": "2026-08-22"}, database="pkg.db")
    assert official_profile_errors(desc) == []
    # the check can fail: a resource without a path or data, a package without resources
    broken = copy.deepcopy(desc)
    del broken["resources"][0]["path"]
    assert official_profile_errors(broken) != []
    assert official_profile_errors({**desc, "resources": []}) != []


@pytest.mark.integration
def test_the_release_descriptor_holds_to_the_official_v2_profiles(small_release) -> None:
    desc = json.loads((small_release.folder / "datapackage.json").read_text())
    assert len(desc["resources"]) > len(table_resources(desc))  # the database and Parquet too
    assert official_profile_errors(desc) == []
