"""CITATION.cff (validated by cffconvert), .zenodo.json, CHANGELOG.md and the citation text."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from ice_cbp_awards.citation import (
    DOI_PLACEHOLDER,
    CitationError,
    check_doi,
    check_release_digest,
    citation_cff,
    cite_as,
    how_to_cite_markdown,
    with_doi,
    zenodo_json,
)
from ice_cbp_awards.metadata import package_descriptor
from ice_cbp_awards.paths import REPO_ROOT
from ice_cbp_awards.release.changelog import CHANGELOG_PATH, entries, entry_for, released_versions

CFFCONVERT_ENV = "AWARDS_CFFCONVERT"


@pytest.fixture(scope="module")
def cffconvert() -> Path:
    """cffconvert 2.0.0 lives in its own venv (it pins jsonschema<4); .ci/run creates it."""
    path = Path(os.environ.get(CFFCONVERT_ENV, REPO_ROOT / ".venv-cff" / "bin" / "cffconvert"))
    if not path.is_file():
        pytest.fail(
            f"cffconvert not found at {path}: run `python3.11 -m venv .venv-cff && "
            f".venv-cff/bin/pip install cffconvert==2.0.0` or set {CFFCONVERT_ENV}"
        )
    return path


def _validate(cffconvert: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cffconvert), "--validate", "-i", str(path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def _descriptor(version: str) -> dict:
    return {**package_descriptor(), "version": version}


@pytest.mark.integration
def test_root_citation_cff_is_valid(cffconvert: Path) -> None:
    done = _validate(cffconvert, REPO_ROOT / "CITATION.cff")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in done.stdout


@pytest.mark.integration
def test_generated_citation_cff_is_valid_with_and_without_doi(
    cffconvert: Path, tmp_path: Path
) -> None:
    for doi in (None, "10.5281/zenodo.1234567"):
        path = tmp_path / "CITATION.cff"
        path.write_text(citation_cff(with_doi(_descriptor("2026.8.22.1"), doi)))
        done = _validate(cffconvert, path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert yaml.safe_load(path.read_text()).get("doi") == doi


@pytest.mark.integration
def test_a_cited_release_digest_keeps_citation_cff_valid(cffconvert: Path, tmp_path: Path) -> None:
    digest = "sha256:" + "ab" * 32
    path = tmp_path / "CITATION.cff"
    path.write_text(citation_cff(_descriptor("2026.8.22"), digest))
    done = _validate(cffconvert, path)
    assert done.returncode == 0, done.stdout + done.stderr
    ids = yaml.safe_load(path.read_text())["identifiers"]
    assert [i["value"] for i in ids if i["value"].startswith("sha256:")] == [digest]
    assert (
        f"Release digest: {digest}."
        in json.loads(zenodo_json(_descriptor("2026.8.22"), digest))["notes"]
    )
    with pytest.raises(CitationError, match="not a release digest"):
        citation_cff(_descriptor("2026.8.22"), "sha256:XYZ")


@pytest.mark.integration
def test_the_validator_rejects_a_broken_file(cffconvert: Path, tmp_path: Path) -> None:
    path = tmp_path / "CITATION.cff"
    cff = yaml.safe_load(citation_cff(_descriptor("2026.8.22")))
    cff["type"] = "paper"
    path.write_text(yaml.safe_dump(cff))
    assert _validate(cffconvert, path).returncode != 0


def test_root_citation_files_describe_the_latest_release() -> None:
    latest = released_versions(CHANGELOG_PATH.read_text())[0]
    _check_root_citation((REPO_ROOT / "CITATION.cff").read_text(), latest)
    zenodo = json.loads((REPO_ROOT / ".zenodo.json").read_text())
    expected_z = json.loads(zenodo_json(_descriptor(latest)))
    for key in ("title", "version", "publication_date", "creators", "license", "upload_type"):
        assert zenodo.get(key) == expected_z.get(key), key


def test_a_root_citation_copied_from_a_release_passes_the_same_check() -> None:
    latest = released_versions(CHANGELOG_PATH.read_text())[0]
    _check_root_citation(citation_cff(_descriptor(latest), "sha256:" + "0f" * 32), latest)


def _check_root_citation(text: str, latest: str) -> None:
    root = yaml.safe_load(text)
    expected = yaml.safe_load(citation_cff(_descriptor(latest)))
    for key in ("cff-version", "type", "title", "version", "date-released", "authors",
                "license"):  # fmt: skip
        assert root.get(key) == expected.get(key), key
    # `awards release --update-root-citation` also copies the release digest, which only the
    # release itself can know: the other identifiers must match.
    digests = [i for i in root["identifiers"] if i["value"].startswith("sha256:")]
    assert root["identifiers"] == expected["identifiers"] + digests
    assert all(check_release_digest(i["value"]) for i in digests)


def test_the_changelog_has_one_entry_per_snapshot_release() -> None:
    text = CHANGELOG_PATH.read_text()
    assert text.startswith("# Changelog") and "keepachangelog.com" in text
    assert "Unreleased" in entries(text)
    assert released_versions(text) == ["2026.8.22", "2026.5.5", "2026.3.2"]
    for version, snapshot in (("2026.3.2", "2026-03-02"), ("2026.5.5", "2026-05-05"),
                              ("2026.8.22", "2026-08-22")):  # fmt: skip
        entry = entry_for(version)
        assert entry.startswith(f"## [{version}] - {snapshot}")
        assert "### " in entry


def test_cite_as_names_both_versions_and_the_doi_or_its_placeholder() -> None:
    desc = _descriptor("2026.8.22")
    text = cite_as(desc)
    assert "(2026)" in text and "Version 2026.8.22; schema 2.0.0" in text
    assert DOI_PLACEHOLDER in text
    with_doi(desc, "doi:10.5281/zenodo.7654321")
    assert cite_as(desc).endswith("https://doi.org/10.5281/zenodo.7654321")
    md = how_to_cite_markdown(desc)
    assert md.startswith("## How to cite") and "doi = {10.5281/zenodo.7654321}" in md


@pytest.mark.parametrize("bad", ["10.5281", "zenodo.1234", "https://example.org/10.1/x", ""])
def test_bad_dois_are_refused(bad: str) -> None:
    with pytest.raises(CitationError):
        check_doi(bad)
