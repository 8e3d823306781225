"""Fixtures of the publish tests: a small built package, its database and a Datasette client."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasette.utils.testing import TestClient

from ice_cbp_awards.publish.datasette_metadata import write_datasette_metadata
from ice_cbp_awards.publish.serve import make_datasette, site_files
from ice_cbp_awards.publish.sqlite import write_database

from .sample_package import write_sample_package


@pytest.fixture(scope="session")
def sample_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built data dir with a few rows per resource, its database and Datasette metadata."""
    data_dir = write_sample_package(tmp_path_factory.mktemp("publish") / "data")
    write_database(data_dir, site_files(data_dir).db_path)
    write_datasette_metadata(data_dir, site_files(data_dir).metadata_path)
    return data_dir


@pytest.fixture(scope="session")
def sample_db(sample_data_dir: Path) -> Path:
    return site_files(sample_data_dir).db_path


@pytest.fixture(scope="session")
def client(sample_data_dir: Path) -> TestClient:
    """Datasette's test client on the site exactly as `awards serve` configures it, uncached."""
    return TestClient(make_datasette(sample_data_dir, response_cache=False))


@pytest.fixture(scope="session")
def db_name(sample_data_dir: Path) -> str:
    return site_files(sample_data_dir).package_name
