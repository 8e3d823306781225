"""One anonymous query cannot take the site's memory or its SQL threads: what SQLite may build
is capped, so is what a query may return, and arbitrary SQL runs a few requests at a time
while pages keep their answer times. The memory and concurrency tests run the real
`awards serve` on a free loopback port."""

from __future__ import annotations

import asyncio
import functools
import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from serving import started_server

from ice_cbp_awards.publish import limits
from ice_cbp_awards.publish.local import free_port, serve_argv

# about 1 GB of JSON if answered: 1,000 rows of a 1 MB blob less one byte
TOO_LONG = (
    "with recursive n(i) as (select 1 union all select i + 1 from n limit 1000) "
    "select i, zeroblob(999999) as b from n"
)
# runs until the time limit stops it
ENDLESS = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"


def sql_url(db: str, sql: str) -> str:
    return f"/{db}.json?sql={quote(sql)}&_shape=array"


@pytest.fixture(scope="module")
def site(sample_data_dir: Path) -> Iterator[tuple[int, int]]:
    """(pid, port) of `awards serve --no-build --no-cache` on the sample package."""
    port = free_port()
    cmd = serve_argv(sample_data_dir, port, cache=False)
    with started_server(cmd, f"http://127.0.0.1:{port}") as proc:
        yield proc.pid, port


def get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body, time.perf_counter() - start


def peak_rss_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_huge_value_is_refused_at_once(client, db_name):
    start = time.perf_counter()
    r = client.get(sql_url(db_name, "select zeroblob(500000000)"))
    assert r.status == 400
    assert "string or blob too big" in r.json["error"]
    assert time.perf_counter() - start < 2
    r = client.get(sql_url(db_name, "select length(hex(zeroblob(600000)))"))
    assert r.status == 400 and "too big" in r.json["error"]


def test_a_too_long_result_is_refused_naming_the_cap(client, db_name):
    start = time.perf_counter()
    r = client.get(sql_url(db_name, TOO_LONG))
    assert r.status == 400
    assert r.json["error"] == limits.result_too_large_message()
    assert time.perf_counter() - start < 5
    # a large but reasonable result is answered
    ok = client.get(sql_url(db_name, TOO_LONG.replace("999999", "1000")))
    assert ok.status == 200 and len(ok.json) == 1000


def test_the_pages_are_not_held_by_the_caps(client, db_name):
    r = client.get(f"/{db_name}/transactions.json?_size=max&_shape=array")
    assert r.status == 200 and len(r.json) > 0
    r = client.get(f"/{db_name}/transactions.csv?_stream=on&_size=max")
    assert r.status == 200


def server_processes(pid: int) -> list[int]:
    """The server's processes: its workers when it runs several, else itself."""
    workers = [
        int(c)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for c in (task / "children").read_text().split()
    ]
    return workers or [pid]


@pytest.mark.integration
def test_huge_queries_leave_the_server_small(site, db_name):
    pid, port = site
    for _ in range(4):  # every worker has started and served a page
        get(port, f"/{db_name}")
    before = {p: peak_rss_mb(p) for p in server_processes(pid)}
    status, body, seconds = get(port, sql_url(db_name, "select zeroblob(500000000)"))
    assert status == 400 and b"too big" in body and seconds < 2
    status, body, seconds = get(port, sql_url(db_name, TOO_LONG))
    assert status == 400 and b"result too large" in body and seconds < 5
    assert max(peak_rss_mb(p) - mb for p, mb in before.items()) < 150


@pytest.mark.integration
def test_concurrent_heavy_queries_do_not_starve_the_pages(site, db_name):
    """Eight endless queries at once: a few run (each until the time limit), the others wait
    their turn or are turned away with 503, and a page asked meanwhile answers quickly."""
    _, port = site
    pages = (f"/{db_name}/transactions", f"/{db_name}/awards.json", "/")
    for path in pages:  # templates compiled, schema read: what is measured is waiting
        assert get(port, path)[0] == 200
    answers: list[tuple[int, float]] = []

    def heavy() -> None:
        status, _, seconds = get(port, sql_url(db_name, ENDLESS), timeout=60)
        answers.append((status, seconds))

    threads = [threading.Thread(target=heavy) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # the heavy queries are running or queued
    page_seconds = []
    for path in pages:
        status, _, seconds = get(port, path)
        assert status == 200
        page_seconds.append(seconds)
    for t in threads:
        t.join(60)
    assert max(page_seconds) < 1.0, page_seconds
    # one at a time over all the server's processes: each query the time limit stopped (3 s)
    # ended at least 2 s after the one before
    stopped = sorted(s for status, s in answers if status == 400)
    assert all(b - a > 2.0 for a, b in zip(stopped, stopped[1:], strict=False)), stopped
    statuses = sorted(s for s, _ in answers)
    assert len(statuses) == 8 and set(statuses) <= {400, 503}
    assert statuses.count(400) >= limits.MAX_RUNNING_SQL  # stopped by the time limit
    assert 503 in statuses
    assert max(s for _, s in answers) < 15
    status, body, _ = get(port, sql_url(db_name, "select 1 as one"))
    assert status == 200 and json.loads(body) == [{"one": 1}]


async def _hold(scope, receive, send, release: asyncio.Event) -> None:
    await release.wait()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _sql_scope() -> dict:
    return {"type": "http", "method": "GET", "path": "/db.json", "query_string": b"sql=select+1"}


async def _call(gate: limits.SqlGate) -> int:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    await gate(_sql_scope(), None, send)
    return sent[0]["status"]


@pytest.mark.integration
def test_the_sql_limits_hold_over_every_process_of_the_server(tmp_path):
    """Two gates on one slots folder, as in two worker processes: one query runs, one waits
    for a turn, the next is turned away; the waiting one is turned away after its wait."""
    release = asyncio.Event()

    def gate() -> limits.SqlGate:
        app = functools.partial(_hold, release=release)
        return limits.SqlGate(app, running=1, waiting=1, wait_seconds=0.5, slots_dir=tmp_path)

    first, second = gate(), gate()

    async def scenario() -> list[int]:
        running = asyncio.create_task(_call(first))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(_call(second))
        await asyncio.sleep(0.05)
        refused_at_once = await asyncio.wait_for(_call(first), 0.2)
        refused_after_wait = await waiting
        release.set()
        return [await running, refused_at_once, refused_after_wait, await _call(second)]

    assert asyncio.run(scenario()) == [200, 503, 503, 200]
    assert first.refused == 1 and second.refused == 1


@pytest.mark.integration
def test_a_process_that_dies_holding_a_turn_gives_it_back(tmp_path):
    slots = limits.SlotFiles(tmp_path, "running", 1)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
            " fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
            str(slots.paths[0]),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    assert slots.take() is None
    holder.kill()
    holder.wait(10)
    fd = slots.take()
    assert fd is not None
    slots.give_back(fd)
