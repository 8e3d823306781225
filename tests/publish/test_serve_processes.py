"""`awards serve` in several processes sharing one port: they serve, they are started again
when one ends, a broken start stops everything with an error, and none outlives the parent,
whether it is stopped (SIGTERM, SIGINT) or killed."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from ice_cbp_awards.cli import main
from ice_cbp_awards.publish.local import free_port, serve_argv
from ice_cbp_awards.publish.plan import PublishError
from ice_cbp_awards.publish.serve import SETTINGS, supervise

pytestmark = pytest.mark.integration  # starts and kills server processes


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def ended(pid: int) -> bool:
    """No such process, or only its exit status left (a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_supervise_starts_again_a_process_that_ends(capsys):
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        started.append(subprocess.Popen(["sleep", "60"]))
        return started[-1]

    stop = threading.Event()
    thread = threading.Thread(target=supervise, args=(start, 2, stop.is_set, 0.0))
    thread.start()
    try:
        assert wait_until(lambda: len(started) == 2, 10)
        started[0].kill()
        assert wait_until(lambda: len(started) == 3, 10)
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()
    assert all(p.poll() is not None for p in started)
    assert f"server process {started[0].pid} ended (exit code -9); starting another" in (
        capsys.readouterr().err
    )


def test_supervise_stops_everything_when_a_process_ends_at_start():
    started: list[subprocess.Popen[bytes]] = []
    failing = [sys.executable, "-c", "raise SystemExit(3)"]

    def start() -> subprocess.Popen[bytes]:
        started.append(subprocess.Popen(["sleep", "60"] if not started else failing))
        return started[-1]

    with pytest.raises(PublishError, match=r"ended at start \(exit code 3\)"):
        supervise(start, 2, lambda: False, startup_seconds=30)
    assert len(started) == 2 and all(p.poll() is not None for p in started)


@pytest.fixture()
def server(sample_data_dir: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`awards serve --no-build --no-cache --workers 2` on the sample package, answering."""
    port = free_port()
    proc = subprocess.Popen(
        serve_argv(sample_data_dir, port, cache=False, workers=2),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(base + "/", timeout=5).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            return False  # not listening yet, or listening while its processes start

    try:
        assert wait_until(lambda: proc.poll() is None and answers(), 60), "no answer"
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_the_server_runs_in_several_processes(server, db_name):
    proc, base = server
    workers = children(proc.pid)
    assert len(workers) == 2
    for path in ("/", f"/{db_name}/transactions", f"/{db_name}.json?sql=select+1"):
        assert all(requests.get(base + path, timeout=10).status_code == 200 for _ in range(4))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_server_stops_every_process(server, signum):
    proc, base = server
    workers = children(proc.pid)
    proc.send_signal(signum)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert " ".join(out.split()).count("(2 processes; Ctrl+C stops)") == 1, out
    assert all(ended(pid) for pid in workers)
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/", timeout=5)


def test_no_process_outlives_a_killed_server(server):
    proc, base = server
    workers = children(proc.pid)
    proc.kill()
    proc.wait(10)
    assert wait_until(lambda: all(ended(pid) for pid in workers), 20), workers
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/", timeout=5)


def test_a_port_in_use_is_one_clear_line(sample_data_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        argv = ["serve", "--no-build", "--data-dir", str(data_dir), "--port", str(port)]
        result = CliRunner().invoke(main, [*argv, "--workers", "2"])
    assert result.exit_code == 1
    assert f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in " ".join(
        result.output.split()
    )


def test_table_pages_show_25_rows_by_default():
    """Half of Datasette's HTML rendering time is spent per cell: 25 rows of up to 34 columns
    instead of 50 (docs/datasette.md, "Load test")."""
    assert SETTINGS["default_page_size"] == 25


def test_a_server_process_renders_its_pages_once_before_serving(sample_data_dir: Path) -> None:
    """Each server process compiles the home, database and table templates at start, so the
    first visitor of each page kind in each process does not pay for it."""
    import asyncio

    from ice_cbp_awards.publish.serve import make_datasette, prepare

    ds = make_datasette(sample_data_dir, response_cache=False)

    def compiled() -> set[str]:
        return {key[1] for key in (ds.jinja_env.cache or {})}

    assert "table.html" not in compiled()
    asyncio.run(prepare(ds))
    assert {"index.html", "database.html", "table.html"} <= compiled()
