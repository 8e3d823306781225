"""A build on a folder without raw snapshots says where it looked and how to get a raw root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ice_cbp_awards.build import build_package
from ice_cbp_awards.paths import REPO_ROOT
from ice_cbp_awards.readers.errors import RawInputError


def test_an_empty_raw_root_names_itself_and_the_ways_to_get_one(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    with pytest.raises(RawInputError) as err:
        build_package(raw, tmp_path / "data", write_db=False)
    text = str(err.value)
    assert text.startswith(f"{raw}: no raw snapshots here")
    for hint in ("usaspending-cbp-ice/manifest.csv", "--raw-root", "$AWARDS_RAW_ROOT",
                 "awards fetch"):  # fmt: skip
        assert hint in text
    assert not (tmp_path / "data").exists()


@pytest.mark.integration
def test_the_cli_prints_it_for_the_environment_s_raw_root(tmp_path: Path) -> None:
    env = {**os.environ, "AWARDS_RAW_ROOT": str(tmp_path / "nowhere"),
           "PYTHONPATH": str(REPO_ROOT / "src"), "COLUMNS": "500"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "ice_cbp_awards.cli", "build", "--data-dir", str(tmp_path / "d")],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    out = " ".join((done.stdout + done.stderr).split())
    assert done.returncode != 0
    assert f"{tmp_path / 'nowhere'}: no raw snapshots here" in out
    assert "awards fetch" in out
