"""Builds and their processes: one build at a time per data dir, no temporary folder left
behind by a killed build, no validator worker outliving the build that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rawfactory import make_cbp_ice_root, tx_row, write_counts

from ice_cbp_awards.build import BuildFailed, build_package, data_dir_lock

pytestmark = pytest.mark.integration  # small builds in subprocesses, killed and locked

ROWS = [tx_row(), tx_row(mod="P00001", amount="-250.5", date="2022-10-03")]
SRC = Path(__file__).resolve().parents[2] / "src"


def build_small(tmp_path: Path, data_dir: Path):
    root = make_cbp_ice_root(tmp_path / "raw", {2022: ROWS})
    counts = write_counts(tmp_path / "counts.csv", [("ICE", 2022, 1, 100)])
    return build_package(
        root, data_dir, include_legacy=False, write_db=False, expected_counts=counts
    )


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped, counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def wait_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def child(code: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    )


def test_a_second_build_into_a_locked_data_dir_is_refused_naming_the_holder(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    holder = child(
        "import sys, time\n"
        "from pathlib import Path\n"
        "from ice_cbp_awards.build import data_dir_lock\n"
        f"with data_dir_lock(Path({str(data_dir)!r})):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(60)\n"
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(BuildFailed) as err:
            build_small(tmp_path, data_dir)
        message = str(err.value)
        assert "\n" not in message
        assert f"pid {holder.pid}" in message and str(data_dir) in message
        assert not data_dir.exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder is gone, so is its lock: the next build proceeds
    assert build_small(tmp_path, data_dir).rows["transactions"] == 2


def test_the_lock_is_held_for_the_whole_build_and_released_after(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with data_dir_lock(data_dir), pytest.raises(BuildFailed, match=f"pid {os.getpid()}"):
        build_small(tmp_path, data_dir)
    build_small(tmp_path, data_dir)
    with data_dir_lock(data_dir):  # released when the build ended
        pass


def test_stale_temporary_folders_of_dead_builds_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    data_dir = tmp_path / "data"
    stale = [
        tmp_path / f".data.building-{dead.pid}",
        tmp_path / f".data.previous-{dead.pid}",
    ]
    for folder in stale:
        (folder / "validation").mkdir(parents=True)
        (folder / "transactions.csv").write_text("x\n")
    running = tmp_path / f".data.building-{os.getppid()}"  # a live process: not ours to remove
    running.mkdir()
    other = tmp_path / f".other.building-{dead.pid}"  # another data dir's: not ours either
    other.mkdir()
    build_small(tmp_path, data_dir)
    assert [f for f in stale if f.exists()] == []
    assert running.exists() and other.exists()
    left = {p.name for p in tmp_path.iterdir() if p.name.startswith(".data.")}
    assert left == {".data.lock", running.name}


def descendants(pid: int) -> list[int]:
    """Every running process below pid, from /proc."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p and alive(c)]
        found += kids
        todo += kids
    return found


def test_validator_workers_end_when_the_build_is_killed() -> None:
    build = child(
        "import time\n"
        "from ice_cbp_awards.validate import runner\n"
        "with runner.worker_pool() as side, runner.worker_pool(max_tasks_per_child=1) as pool:\n"
        "    side.submit(time.sleep, 120)\n"
        "    pool.submit(time.sleep, 120)\n"
        "    time.sleep(1)\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(120)\n"
    )
    assert build.stdout is not None and build.stdout.readline().strip() == "ready"
    workers = descendants(build.pid)
    assert len(workers) >= 3  # the fork server and one worker per pool
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    assert wait_gone(workers, 10) == []


def test_the_early_worker_server_ends_when_the_build_is_killed_before_validation() -> None:
    """The build starts the workers' server first thing, so that its imports run while the
    build reads; killed then, the server ends too, once its imports are done."""
    build = child(
        "import time\n"
        "from ice_cbp_awards.validate import runner\n"
        "runner.start_workers_early()\n"
        "print('ready', flush=True)\n"
        "time.sleep(120)\n"
    )
    assert build.stdout is not None and build.stdout.readline().strip() == "ready"
    server = descendants(build.pid)
    assert server  # the fork server, still importing the validators (and its resource tracker)
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    assert wait_gone(server, 30) == []


def test_the_worker_server_ends_with_the_build_and_lets_go_of_its_output() -> None:
    """When the build exits, the workers' server ends at once instead of tearing down the
    modules it imported (1.2 s), during which it held the build's output open: a caller
    reading that output to its end (`awards build | tee build.log`) waited for it."""
    build = child(
        "from ice_cbp_awards.validate import runner\n"
        "with runner.worker_pool() as pool:\n"
        "    pool.submit(int).result()  # the server has imported every module\n"
        "print('done', flush=True)\n"
    )
    assert build.stdout is not None
    assert build.stdout.readline().strip() == "done"
    build.wait()
    exited = time.monotonic()
    assert build.stdout.read() == ""  # the end of the output: every holder has let go
    assert time.monotonic() - exited < 0.6


def test_only_the_fork_server_ends_itself_early() -> None:
    from ice_cbp_awards.validate import server_exit

    assert not server_exit.in_fork_server()
