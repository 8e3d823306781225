"""`awards serve`: builds when needed, serves read-only on loopback, fails with one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ice_cbp_awards import build as build_module
from ice_cbp_awards.cli import main
from ice_cbp_awards.publish import serve as serve_module
from ice_cbp_awards.publish.serve import site_files
from ice_cbp_awards.publish.sqlite import write_database

from .sample_package import VERSION, write_sample_package


@pytest.fixture
def calls(monkeypatch):
    """Record builds and server starts instead of building the real snapshot or blocking."""
    seen: dict[str, list] = {"build": [], "serve": []}

    def fake_build(data_dir=None, console=None, **_):
        seen["build"].append(Path(data_dir))
        write_sample_package(Path(data_dir))
        write_database(Path(data_dir), site_files(Path(data_dir)).db_path)

    def fake_run(ds, host, port, workers):
        seen["serve"].append((ds, host, port, workers))

    monkeypatch.setattr(build_module, "build_package", fake_build)
    monkeypatch.setattr(serve_module, "run_server", fake_run)
    return seen


def test_serve_builds_when_the_database_is_missing(tmp_path, calls):
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(data_dir), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert calls["build"] == [data_dir]
    [(ds, host, port, workers)] = calls["serve"]
    assert (host, port, workers) == ("127.0.0.1", 8123, serve_module.usable_cores())
    assert f"({workers} process" in " ".join(result.output.split())
    assert [db.is_mutable for db in ds.databases.values() if db.name != "_internal"] == [False]
    inspect = json.loads(site_files(data_dir).inspect_path.read_text())
    assert inspect["ice-cbp-tech-awards"]["tables"]["transactions"]["count"] == 6
    assert ds.plugin_config("ice-cbp-awards")["version"] == VERSION


def test_serve_uses_an_existing_database_and_rebuilds_on_request(sample_data_dir, tmp_path, calls):
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert calls["build"] == [] and calls["serve"][0][2] == 8001
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(data_dir), "--build"])
    assert result.exit_code == 0, result.output
    assert calls["build"] == [data_dir]


def test_serve_takes_a_number_of_processes(sample_data_dir, tmp_path, calls):
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(data_dir), "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert calls["serve"][0][3] == 3 and "(3 processes; Ctrl+C stops)" in result.output
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(data_dir), "--workers", "0"])
    assert result.exit_code != 0 and len(calls["serve"]) == 1


def test_no_build_without_a_database_is_one_clear_line(tmp_path, calls):
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path), "--no-build"])
    assert result.exit_code != 0
    assert f"{tmp_path}: no built database; run `awards build` or drop --no-build" in result.output
    assert calls["build"] == [] and calls["serve"] == []


def test_a_stale_inspect_file_is_rewritten(sample_data_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    files = site_files(data_dir)
    files.inspect_path.write_text(json.dumps({files.package_name: {"size": 1}}))
    data = serve_module.ensure_inspect_file(files)
    assert data[files.package_name]["size"] == files.db_path.stat().st_size
