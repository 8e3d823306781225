"""The built wheel works outside the checkout: schemas, reference tables, the descriptor and the
site configuration ship inside it, so `awards build`, `awards validate` and `awards serve` run
from any directory.

The wheel is installed (without dependencies, which the test environment already has) into a
folder of its own and put first on the path; the command runs from an empty directory, so
nothing of the checkout can be found by accident.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from rawfactory import make_cbp_ice_root, tx_row, write_counts
from serving import started_server

from ice_cbp_awards.paths import REPO_ROOT
from ice_cbp_awards.publish.local import free_port

pytestmark = pytest.mark.integration  # builds a wheel and a small package in subprocesses


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(wheels), str(REPO_ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next(wheels.glob("*.whl"))
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(target), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return target


def _awards(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("AWARDS_RAW_ROOT", None)
    code = "import sys; from ice_cbp_awards.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def _served_home(target: Path, cwd: Path, data_dir: Path) -> str:
    """`awards serve --no-build` from the wheel: the home page's HTML."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = "import sys; from ice_cbp_awards.cli import main; sys.exit(main())"
    args = ["serve", "--no-build", "--data-dir", str(data_dir), "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with started_server([sys.executable, "-c", code, *args], base, cwd=str(cwd), env=env):
        return requests.get(base + "/", timeout=10).text


def test_the_wheel_carries_the_metadata(installed: Path) -> None:
    pkg = installed / "ice_cbp_awards" / "package_files"
    assert (pkg / "datapackage.json").is_file()
    assert (pkg / "schemas" / "transactions.schema.json").is_file()
    assert (pkg / "reference" / "companies.csv").is_file()
    assert not (pkg / "schemas").is_symlink()


def test_the_installed_package_builds_and_validates_elsewhere(
    installed: Path, tmp_path: Path
) -> None:
    raw = make_cbp_ice_root(tmp_path / "raw", {2022: [tx_row(), tx_row(mod="P00001")]})
    counts = write_counts(tmp_path / "counts.csv", [("ICE", 2022, 1, 100)])
    work = tmp_path / "elsewhere"
    work.mkdir()
    out = tmp_path / "out"
    built = _awards(installed, work, "build", "--raw-root", str(raw), "--data-dir", str(out),
                    "--no-legacy", "--expected-counts", str(counts))  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert (out / "transactions.csv").read_text().count("\n") == 3
    valid = _awards(
        installed, work, "validate", "--data-dir", str(out), "--expected-counts", str(counts)
    )
    assert valid.returncode == 0, valid.stdout[-2000:] + valid.stderr[-2000:]
    assert _served_home(installed, work, out).count("ICE &amp; CBP technology award records")


def test_the_installed_package_imports_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    code = "import ice_cbp_awards.paths as p; print(p.__file__); print(p.METADATA_ROOT)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert out[0].startswith(str(installed))
    assert out[1] == str(installed / "ice_cbp_awards" / "package_files")


def test_the_checkout_bundles_links_not_copies() -> None:
    """The bundled folder is made of links to the checkout's own files, not copies."""
    bundled = REPO_ROOT / "src" / "ice_cbp_awards" / "package_files"
    for name in ("schemas", "reference", "datapackage.json"):
        assert (bundled / name).is_symlink()
        assert (bundled / name).resolve() == (REPO_ROOT / name).resolve()
