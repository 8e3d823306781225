"""Serve the built package with Datasette: read-only, immutable, with an inspect file.

`make_datasette` is the one place the site is configured; the `awards serve` command, the test
client tests and the load test all use it, so what is tested is what is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datasette.plugins import pm

from . import plugin
from .datasette_metadata import build_metadata, release_mounts
from .datasette_site import ImmutableDatabase, Site
from .plan import PublishError, read_built_descriptor
from .rendering import call_render_cell_directly, look_up_url_methods_once

TEMPLATES_DIR = Path(__file__).with_name("templates")

# Server processes: connections the kernel queues for them, how long a worker's start may
# take before its ending counts as a failed start, how long a worker may take to stop.
BACKLOG = 2048
STARTUP_SECONDS = 30.0
STOP_SECONDS = 6.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h

# Arbitrary SQL is allowed but stopped after sql_time_limit_ms; facets give up after
# facet_time_limit_ms rather than slow a page; no facet suggestions (each one is a query per
# column on every table page). The database is immutable, so pages can be cached by browsers.
# Table pages and canned queries' pages (canned_pages.py) show 25 rows: rendering a page
# costs Python time per cell (50 rows of the 34 columns of `transactions` took 45 ms of CPU,
# 25 rows 31 ms; docs/datasette.md).
# The SQL threads run only a visitor's own SQL (the site's queries run in the event loop:
# datasette_site.ImmutableDatabase.execute_fn), and limits.SqlGate lets one run at a time.
SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    "suggest_facets": False,
    "default_cache_ttl": 3600,
    "allow_download": True,
    "allow_csv_stream": True,
    "num_sql_threads": 4,
    "default_page_size": 25,
}


@dataclass(frozen=True)
class SiteFiles:
    data_dir: Path
    package_name: str
    db_path: Path
    inspect_path: Path
    metadata_path: Path


def site_files(data_dir: Path) -> SiteFiles:
    """Where the database and its companions are in a built data dir."""
    data_dir = Path(data_dir)
    name = read_built_descriptor(data_dir)["name"]
    return SiteFiles(
        data_dir=data_dir,
        package_name=name,
        db_path=data_dir / f"{name}.db",
        inspect_path=data_dir / f"{name}.inspect.json",
        metadata_path=data_dir / "metadata.json",
    )


def inspect_database(db_path: Path) -> dict[str, Any]:
    """Table counts and hash of the immutable database, as `datasette inspect` computes them."""
    from datasette.cli import inspect_

    return asyncio.run(inspect_([str(db_path)], []))


def ensure_inspect_file(files: SiteFiles) -> dict[str, Any]:
    """The inspect data, so Datasette need not count rows on start: read from the inspect file
    beside the database, or computed and written there when missing or older than the
    database (kept in memory only when the folder is read-only, e.g. an unpacked release)."""
    if not files.db_path.is_file():
        raise PublishError(f"{files.db_path}: not found; run `awards build` first")
    path = files.inspect_path
    if path.is_file() and path.stat().st_mtime >= files.db_path.stat().st_mtime:
        data = json.loads(path.read_text(encoding="utf-8"))
        entry = data.get(files.db_path.stem, {})
        if entry.get("size") == files.db_path.stat().st_size:
            return data
    data = inspect_database(files.db_path)
    with contextlib.suppress(OSError):  # a read-only folder: keep the data in memory only
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data


def register_plugin() -> None:
    """Register the site's plugin with Datasette's plugin manager (once per process).

    Also stops Datasette's default error handler from printing a rich traceback with all
    local variables for every 400 and 404: that floods the log under load, and for a 404 that
    no view raised it fails itself ("Value for 'trace' required"), turning the 404 into a 500.
    Real errors (500) are still printed, as plain tracebacks.
    """
    # Imported here, after datasette.app: importing it first registers it half-initialised.
    importlib.import_module("datasette.handle_exception").rich = None
    if not pm.is_registered(plugin):
        pm.register(plugin, name=plugin.PLUGIN_NAME)
    call_render_cell_directly(pm)
    look_up_url_methods_once()


def make_datasette(
    data_dir: Path,
    response_cache: bool = True,
    sql_slots_dir: Path | None = None,
    settings: dict[str, Any] | None = None,
) -> Site:
    """The configured, read-only Datasette for the built package in data_dir.

    `response_cache` keeps rendered pages in memory (see cache.py); tests that measure or
    inspect rendering turn it off. `sql_slots_dir` is the folder whose lock files bound
    arbitrary SQL over all the processes of one server (see limits.SqlGate). `settings`
    override SETTINGS (tests page the sample's short answers with a small page size).
    """
    files = site_files(data_dir)
    inspect_data = ensure_inspect_file(files)
    register_plugin()
    metadata = build_metadata(files.data_dir)
    metadata["plugins"][plugin.PLUGIN_NAME]["response_cache"] = response_cache
    ds = Site(
        [],
        immutables=[str(files.db_path)],
        inspect_data=inspect_data,
        metadata=metadata,
        template_dir=str(TEMPLATES_DIR),
        settings={**SETTINGS, **(settings or {})},
        static_mounts=release_mounts(files.data_dir),
    )
    name = files.db_path.stem
    ds.remove_database(name)
    ds.add_database(ImmutableDatabase(ds, str(files.db_path)), name=name)
    ds.awards_data_dir = files.data_dir
    ds.awards_response_cache = response_cache
    ds.awards_sql_slots_dir = sql_slots_dir
    return ds


async def prepare(ds: Site) -> None:
    """Start the site, then render its home, database and first table page once, so that a
    server process compiles its templates and reads the schema before anyone is waiting: with
    one process per core, a visitor (or a measurement) would otherwise pay that in whichever
    process first gets each kind of page, and pay it slowly while a long query runs there."""
    await ds.invoke_startup()
    name = (ds.plugin_config(plugin.PLUGIN_NAME) or {}).get("database", "")
    if name not in ds.databases:
        return
    db = ds.get_database(name)
    tables = await db.table_names()
    paths = ["/", f"/{name}", *([f"/{name}/{tables[0]}"] if tables else [])]
    for path in paths:
        await ds.client.get(path)
    if isinstance(db, ImmutableDatabase):
        await count_default_facets(ds, db, name)


async def count_default_facets(ds: Site, db: ImmutableDatabase, name: str) -> None:
    """Count each table's default facets over the whole table once, at start (see
    ImmutableDatabase.keeping_facet_counts): a table page without filters, the one most
    visitors land on, then counts nothing; on `transactions` that was three counts over
    57,350 rows, 15 to 20 ms of its 35 ms."""
    hidden = set(await db.hidden_table_names())
    with db.keeping_facet_counts():
        for table in await db.table_names():
            if table not in hidden:
                await ds.client.get(f"/{name}/{quote(table, safe='')}.json?_size=0")


def usable_cores() -> int:
    """The CPU cores this process may run on: the default number of server processes."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_server(ds: Site, host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted: in this process, or in `workers` processes sharing the port.

    One process renders one page at a time (Datasette's rendering is Python, bound to one
    core); with one process per core, pages render on every core.
    """
    if workers > 1:
        serve_workers(ds.awards_data_dir, ds.awards_response_cache, host, port, workers)
        return
    import uvicorn

    asyncio.run(prepare(ds))
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound here once and handed to every worker process."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family, backlog=BACKLOG)
    except OSError as exc:
        raise PublishError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


def worker_argv(
    fd: int, data_dir: Path, response_cache: bool, slots_dir: Path, parent: int
) -> list[str]:
    """Command line of one server process (see worker_main)."""
    return [
        sys.executable,
        "-c",
        "from ice_cbp_awards.publish.serve import worker_main; worker_main()",
        str(fd),
        str(data_dir),
        "cache" if response_cache else "no-cache",
        str(slots_dir),
        str(parent),
    ]


def serve_workers(data_dir: Path, response_cache: bool, host: str, port: int, workers: int) -> None:
    """Run `workers` server processes on one listening socket until SIGINT or SIGTERM, then
    stop them (see supervise). Workers are told to end when this process ends, however it
    ends (see worker_main)."""
    sock = listening_socket(host, port)
    stop: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        stop.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with tempfile.TemporaryDirectory(prefix="awards-serve-") as slots:
            argv = worker_argv(sock.fileno(), data_dir, response_cache, Path(slots), os.getpid())
            fds = (sock.fileno(),)
            supervise(lambda: subprocess.Popen(argv, pass_fds=fds), workers, lambda: bool(stop))
    finally:
        sock.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def supervise(
    start: Callable[[], subprocess.Popen[bytes]],
    workers: int,
    stopping: Callable[[], bool],
    startup_seconds: float = STARTUP_SECONDS,
) -> None:
    """Keep `workers` processes made by `start` running until `stopping()`, then stop them.

    A process that ends on its own is started again, unless it ended within startup_seconds
    of its start: a broken start would only repeat, so everything stops, with an error.
    """
    procs: list[tuple[subprocess.Popen[bytes], float]] = []
    try:
        procs = [(start(), time.monotonic()) for _ in range(workers)]
        while not stopping():
            time.sleep(0.2)
            for i, (proc, started) in enumerate(procs):
                if proc.poll() is None or stopping():
                    continue
                if time.monotonic() - started < startup_seconds:
                    raise PublishError(
                        f"a server process ended at start (exit code {proc.returncode})"
                    )
                print(
                    f"server process {proc.pid} ended (exit code {proc.returncode});"
                    " starting another",
                    file=sys.stderr,
                )
                procs[i] = (start(), time.monotonic())
    finally:
        _stop_workers([p for p, _ in procs])


def _stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (uvicorn finishes the requests under way), then SIGKILL after STOP_SECONDS."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def end_with_parent(parent: int) -> None:
    """Have the kernel send this process SIGTERM when its parent ends (Linux), and end now if
    the parent is already gone: a killed `awards serve` leaves no worker serving its port."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        sys.exit(0)


def worker_main(argv: list[str] | None = None) -> None:
    """One server process: the configured site on the socket inherited from the parent."""
    import uvicorn

    fd, data_dir, cache, slots_dir, parent = argv or sys.argv[1:]
    end_with_parent(int(parent))
    sock = socket.socket(fileno=int(fd))
    ds = make_datasette(Path(data_dir), cache == "cache", Path(slots_dir))
    asyncio.run(prepare(ds))
    config = uvicorn.Config(
        ds.app(),
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=STOP_SECONDS - 1,
    )
    uvicorn.Server(config).run(sockets=[sock])
