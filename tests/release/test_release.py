"""`awards release` on a small fake package: layout, determinism, immutability, refusals."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import yaml

from ice_cbp_awards.metadata import table_resources
from ice_cbp_awards.release.checksums import read_sums, sha256_file
from ice_cbp_awards.release.digest import release_digest, table_digest
from ice_cbp_awards.release.release import ReleaseError
from ice_cbp_awards.tables import read_csv_table
from ice_cbp_awards.versioning import parse_release_name

from .conftest import FAKE_SCHEMAS, SNAPSHOTS, write_fake_build

NAME = "fake-awards-2026.8.22-schema-1.0.0"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_release_layout_and_frozen_descriptor(fake_release, tmp_path: Path) -> None:
    result = fake_release()
    folder = result.folder
    assert result.written and result.name == NAME and folder.name == NAME
    assert result.zip_path == folder.parent / f"{NAME}.zip"
    assert parse_release_name(result.zip_path.name) == ("fake-awards", "2026.8.22", "1.0.0")
    expected = {
        ".zenodo.json", "CHANGELOG.md", "CITATION.cff", "README.md", "SHA256SUMS",
        "build_report.json", "datapackage.json", "fake-awards.db",
        "validation/frictionless.json", "validation/report.html",
        "data/sources.csv", "data/transactions.csv", "data/build_report.csv",
        "parquet/sources.parquet", "parquet/transactions.parquet", "parquet/build_report.parquet",
    }  # fmt: skip
    assert set(_files(folder)) == expected
    desc = json.loads((folder / "datapackage.json").read_text())
    assert desc["version"] == "2026.8.22" and desc["schema_version"] == "1.0.0"
    assert desc["created"] == "2026-08-22T00:00:00Z"
    assert "id" not in desc
    assert [r["name"] for r in desc["resources"]] == [*FAKE_SCHEMAS, "database"] + [
        f"{name}-parquet" for name in FAKE_SCHEMAS]  # fmt: skip
    for res in table_resources(desc):
        path = folder / res["path"]
        assert res["path"] == f"data/{res['name']}.csv"
        assert res["bytes"] == path.stat().st_size
        assert res["hash"] == f"sha256:{sha256_file(path)}"
    files = {f["path"]: f for f in desc["release"]["files"]}
    assert set(files) == {"fake-awards.db"} | {p for p in expected if p.startswith("parquet/")}
    assert files["fake-awards.db"]["format"] == "sqlite"
    assert all(f["hash"] == f"sha256:{sha256_file(folder / p)}" for p, f in files.items())
    assert desc["release"]["name"] == NAME and desc["release"]["snapshot"] == "2026-08-22"
    sums = read_sums(folder / "SHA256SUMS")
    assert set(sums) == expected - {"SHA256SUMS"}
    # The CSVs are the build's, byte for byte.
    build = tmp_path / "direct-build"
    write_fake_build(build, "2026-08-22")
    for name in FAKE_SCHEMAS:
        assert (folder / "data" / f"{name}.csv").read_bytes() == (
            build / f"{name}.csv"
        ).read_bytes()
    # Timings are not results: they are dropped from the released JSON.
    assert "seconds" not in (folder / "validation/frictionless.json").read_text()
    assert "timings_seconds" not in (folder / "build_report.json").read_text()
    assert json.loads((folder / "validation/frictionless.json").read_text())["ok"] is True
    html = (folder / "validation/report.html").read_text()
    assert "<p>frictionless: passed, 3 checks, 0 errors</p>" in html
    assert (folder / "CHANGELOG.md").read_text().count("## [2026.8.22] - 2026-08-22") == 1
    assert "## [2026.5.5]" not in (folder / "CHANGELOG.md").read_text()
    cff = yaml.safe_load((folder / "CITATION.cff").read_text())
    assert cff["version"] == "2026.8.22" and cff["date-released"] == "2026-08-22"
    assert json.loads((folder / ".zenodo.json").read_text())["version"] == "2026.8.22"
    readme = (folder / "README.md").read_text()
    assert "## How to cite" in readme and "DOI pending" in readme and "schema 1.0.0" in readme
    # Every table's content digest, from its CSV; the release digest beside the citation.
    for res in table_resources(desc):
        table = read_csv_table(folder / res["path"], res["schema"])
        assert res["content_digest"] == table_digest(table, res["schema"])
    assert result.release_digest == release_digest(folder)
    assert result.release_digest.startswith("sha256:") and len(result.release_digest) == 71
    for name in ("CITATION.cff", ".zenodo.json", "README.md"):
        assert result.release_digest in (folder / name).read_text(), name


def test_same_inputs_give_byte_identical_releases(fake_release, tmp_path: Path) -> None:
    a = fake_release(dist=tmp_path / "a")
    b = fake_release(dist=tmp_path / "b")
    assert _files(a.folder) == _files(b.folder)
    assert a.zip_path.read_bytes() == b.zip_path.read_bytes()
    with zipfile.ZipFile(a.zip_path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names) and all(n.startswith(f"{NAME}/") for n in names)
    assert {i.date_time for i in infos} == {(2026, 8, 22, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert {n.removeprefix(f"{NAME}/") for n in names} == set(_files(a.folder))


def test_a_release_is_immutable(fake_release) -> None:
    first = fake_release()
    again = fake_release()
    assert first.written and not again.written
    with (first.folder / "data" / "transactions.csv").open("a") as fh:
        fh.write("tx-z,,ICE,,1.0,,,,,\n")
    with pytest.raises(ReleaseError, match=r"immutable.*--patch 1"):
        fake_release()
    patched = fake_release(patch=1)
    assert patched.written and patched.name == "fake-awards-2026.8.22.1-schema-1.0.0"
    desc = json.loads((patched.folder / "datapackage.json").read_text())
    assert desc["version"] == "2026.8.22.1" and desc["release"]["patch"] == 1
    assert yaml.safe_load((patched.folder / "CITATION.cff").read_text())["version"] == "2026.8.22.1"


def test_a_doi_fills_every_citation(fake_release) -> None:
    folder = fake_release(doi="https://doi.org/10.5281/zenodo.1234567").folder
    desc = json.loads((folder / "datapackage.json").read_text())
    assert desc["id"] == "https://doi.org/10.5281/zenodo.1234567"
    assert desc["release"]["cite_as"].endswith("https://doi.org/10.5281/zenodo.1234567")
    assert yaml.safe_load((folder / "CITATION.cff").read_text())["doi"] == "10.5281/zenodo.1234567"
    assert json.loads((folder / ".zenodo.json").read_text())["doi"] == "10.5281/zenodo.1234567"
    readme = (folder / "README.md").read_text()
    assert "doi = {10.5281/zenodo.1234567}" in readme and "DOI pending" not in readme


def _no_release(dist: Path) -> None:
    assert not dist.exists() or [p.name for p in dist.iterdir()] == []


def test_a_bad_doi_writes_nothing(fake_release, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a DOI"):
        fake_release(doi="zenodo-1234")
    _no_release(tmp_path / "dist")


def test_a_failed_build_writes_nothing(fake_release, fake_env, tmp_path: Path) -> None:
    def failing(raw_root, data_dir, snapshot=None, patch=0):
        raise RuntimeError("validation failed (frictionless: 3 errors)")

    fake_env.build = failing
    with pytest.raises(RuntimeError, match="validation failed"):
        fake_release()
    _no_release(tmp_path / "dist")


def test_invalid_data_writes_nothing(fake_release, fake_env, tmp_path: Path) -> None:
    def bad_agency(raw_root, data_dir, snapshot=None, patch=0):
        write_fake_build(data_dir, snapshot, patch)
        path = data_dir / "transactions.csv"
        path.write_text(path.read_text().replace(",CBP,", ",FBI,", 1))

    fake_env.build = bad_agency
    with pytest.raises(
        ReleaseError,
        match=r'transactions, row \d+: constraint-error: The cell "FBI" .* field "agency_acronym"',
    ):
        fake_release()
    _no_release(tmp_path / "dist")


def test_a_removed_column_without_a_major_bump_blocks_the_release(
    fake_release, fake_env, tmp_path: Path
) -> None:
    schemas = json.loads(json.dumps(FAKE_SCHEMAS))
    schemas["transactions"]["fields"] = [
        f for f in schemas["transactions"]["fields"] if f["name"] != "recipient_name"
    ]

    def renamed(raw_root, data_dir, snapshot=None, patch=0):
        write_fake_build(data_dir, snapshot, patch, schemas=schemas)

    fake_env.build = renamed
    with pytest.raises(ReleaseError, match="transactions.recipient_name removed or renamed"):
        fake_release()
    _no_release(tmp_path / "dist")


def test_a_release_needs_its_changelog_entry(fake_release, fake_env, tmp_path: Path) -> None:
    fake_env.changelog.write_text("# Changelog\n\n## [2026.5.5] - 2026-05-05\n\n- x\n")
    with pytest.raises(ValueError, match=r"no entry '## \[2026.8.22\] - 2026-08-22'"):
        fake_release()
    _no_release(tmp_path / "dist")
    fake_env.changelog.write_text("# Changelog\n\n## [2026.8.22] - 2026-08-23\n\n- x\n")
    with pytest.raises(ValueError, match="expected 2026-08-22"):
        fake_release()


def test_every_snapshot_releases_under_its_own_version(fake_release) -> None:
    names = [fake_release(snapshot=s).name for s in SNAPSHOTS]
    assert names == [f"fake-awards-{v}-schema-1.0.0" for v in ("2026.3.2", "2026.5.5", "2026.8.22")]


def test_a_resource_the_build_did_not_write_blocks_the_release(
    fake_release, fake_env, tmp_path: Path
) -> None:
    from ice_cbp_awards.release import schema_guard

    lock = schema_guard.read_lock(fake_env.lock)
    lock["1.0.0"]["awards"] = [("award_id_usaspending", "string")]
    fake_env.lock.write_text(schema_guard.lock_text(lock))
    with pytest.raises(ReleaseError, match="resources the build did not write: awards"):
        fake_release()
    _no_release(tmp_path / "dist")
