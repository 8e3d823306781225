"""The site links to a release download only when it serves the zip, and the link works."""

from __future__ import annotations

import shutil
from pathlib import Path

from datasette.utils.testing import TestClient as Client

from ice_cbp_awards.publish.datasette_metadata import (
    RAW_ARCHIVE,
    build_metadata,
    links,
    release_zip,
)
from ice_cbp_awards.publish.plan import read_built_descriptor
from ice_cbp_awards.publish.plugin import PLUGIN_NAME
from ice_cbp_awards.publish.serve import make_datasette
from ice_cbp_awards.versioning import release_name


def unpacked_release(sample_data_dir: Path, tmp_path: Path, with_zip: bool) -> Path:
    """The sample package laid out as dist/<release name>/, with or without its zip beside."""
    desc = read_built_descriptor(sample_data_dir)
    name = release_name(desc["name"], desc["version"], desc["schema_version"])
    folder = tmp_path / "dist" / name
    shutil.copytree(sample_data_dir, folder)
    if with_zip:
        (folder.parent / f"{name}.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return folder


def test_no_zip_no_download_link(sample_data_dir: Path, tmp_path: Path) -> None:
    folder = unpacked_release(sample_data_dir, tmp_path, with_zip=False)
    meta = build_metadata(folder)
    text = str(meta)
    assert "releases/download" not in text and ".zip" not in text
    assert meta["plugins"][PLUGIN_NAME]["release_url"] == ""


def test_the_served_zip_is_linked_and_downloads(sample_data_dir: Path, tmp_path: Path) -> None:
    folder = unpacked_release(sample_data_dir, tmp_path, with_zip=True)
    zip_path = release_zip(folder, read_built_descriptor(folder))
    assert zip_path == folder.parent / f"{folder.name}.zip"
    client = Client(make_datasette(folder, response_cache=False))
    home = client.get("/")
    link = f"/-/release/{folder.name}.zip"
    assert link in home.text and "releases/download" not in home.text
    table = client.get(f"/{read_built_descriptor(folder)['name']}/transactions")
    assert link in table.text
    got = client.get(link)
    assert got.status == 200 and got.body == zip_path.read_bytes()


def test_the_raw_archive_beside_the_zip_is_linked_and_downloads(
    sample_data_dir: Path, tmp_path: Path
) -> None:
    folder = unpacked_release(sample_data_dir, tmp_path, with_zip=True)
    archive = folder.parent / RAW_ARCHIVE
    archive.write_bytes(b"raw archive bytes")
    assert "raw_archive" not in links(read_built_descriptor(folder), folder)  # no .sha256 yet
    archive.with_name(f"{RAW_ARCHIVE}.sha256").write_text(f"abc  {RAW_ARCHIVE}\n")
    client = Client(make_datasette(folder, response_cache=False))
    link = f"/-/release/{RAW_ARCHIVE}"
    assert link in client.get("/").text
    assert client.get(link).body == archive.read_bytes()
    assert client.get(f"{link}.sha256").text == f"abc  {RAW_ARCHIVE}\n"


def test_without_a_zip_the_raw_archive_is_not_linked(sample_data_dir: Path, tmp_path: Path):
    folder = unpacked_release(sample_data_dir, tmp_path, with_zip=False)
    (folder.parent / RAW_ARCHIVE).write_bytes(b"raw")
    (folder.parent / f"{RAW_ARCHIVE}.sha256").write_text("abc  raw.tar.gz\n")
    assert links(read_built_descriptor(folder), folder) == {}
    assert RAW_ARCHIVE not in str(build_metadata(folder))


def test_the_home_page_carries_dataset_json_ld(client) -> None:
    import json
    import re

    html = client.get("/").text
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert len(found) == 1
    data = json.loads(found[0])
    assert data["@type"] == "Dataset" and data["@context"] == "https://schema.org/"
    assert data["version"] and data["name"] and len(data["description"]) >= 50
    assert any(d["contentUrl"].endswith(".db") for d in data["distribution"])
    assert "ld+json" not in client.get("/-/chart").text  # the home page only
