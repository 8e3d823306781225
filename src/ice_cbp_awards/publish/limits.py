"""What one anonymous query may cost the site: caps on what SQLite may build and on what a
query may return, and a gate that runs arbitrary SQL a few requests at a time.

Datasette stops a query after `sql_time_limit_ms`, but within that time a single
`select zeroblob(500000000)` builds half a gigabyte in SQLite, then gigabytes more as Python
objects and JSON; and eight slow queries at once hold every SQL thread, so the pages wait
behind them. The caps here are far above anything the published tables hold (the longest row
of the database is about 4 KB, the widest table 34 columns).
"""

from __future__ import annotations

import asyncio
import contextvars
import fcntl
import os
import sqlite3
import tempfile
import time
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

# Longest string, blob or row SQLite may build (zeroblob, printf, group_concat, ...).
MAX_VALUE_BYTES = 1_000_000
# Most columns in a table, a result or an ORDER BY / GROUP BY.
MAX_COLUMNS = 200
# Longest SQL text.
MAX_SQL_BYTES = 100_000
# Memory SQLite may allocate in each server process (caches, sorters, hash tables).
SQLITE_HEAP_BYTES = 512_000_000
# Bytes of values one query may return to Python (a page of 1,000 transactions is ~0.7 MB).
MAX_RESULT_BYTES = 16_000_000
# Requests with arbitrary SQL (`sql=` or `_where=`) running at once in the whole server, over
# all its processes (one: a slow query keeps one core of a small server busy, not both) and
# waiting for a turn;
# a request waits at most MAX_WAIT_SECONDS, beyond either limit it gets 503.
MAX_RUNNING_SQL = 1
MAX_WAITING_SQL = 3
MAX_WAIT_SECONDS = 5.0
# How often a waiting request looks for a free turn.
POLL_SECONDS = 0.02
ARBITRARY_SQL_PARAMS = frozenset({"sql", "_where"})
# True while a request with arbitrary SQL is served: its queries run on Datasette's SQL threads,
# every other query in the event loop (see datasette_site.ImmutableDatabase.execute_fn).
VISITOR_SQL: contextvars.ContextVar[bool] = contextvars.ContextVar("visitor_sql", default=False)


def result_too_large_message() -> str:
    return (
        f"result too large: more than {MAX_RESULT_BYTES:,} bytes;"
        " ask for fewer rows or columns, or download the release"
    )


class ResultBudget:
    """A row factory that counts the bytes each cursor has returned and refuses the query
    (as a SQLite error, which Datasette shows as a 400) once they pass MAX_RESULT_BYTES."""

    def __init__(self, max_bytes: int = MAX_RESULT_BYTES) -> None:
        self.max_bytes = max_bytes
        self.used: weakref.WeakKeyDictionary[sqlite3.Cursor, int] = weakref.WeakKeyDictionary()

    def __call__(self, cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> sqlite3.Row:
        size = sum(len(v) if isinstance(v, str | bytes) else 8 for v in row)
        total = self.used.get(cursor, 0) + size
        if total > self.max_bytes:
            raise sqlite3.DataError(result_too_large_message())
        self.used[cursor] = total
        return sqlite3.Row(cursor, row)


def limit_connection(conn: sqlite3.Connection) -> None:
    """Apply the caps to a connection Datasette has just opened."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)
    conn.execute(f"PRAGMA hard_heap_limit = {SQLITE_HEAP_BYTES}")
    conn.row_factory = ResultBudget()


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


def is_arbitrary_sql(scope: Scope) -> bool:
    """A request whose SQL the visitor wrote: `?sql=` on a database, `?_where=` on a table."""
    if scope["type"] != "http":
        return False
    query = scope.get("query_string", b"").decode("latin-1")
    return any(k in ARBITRARY_SQL_PARAMS for k, _ in parse_qsl(query, keep_blank_values=True))


class SlotFiles:
    """`count` numbered lock files in a folder that every process of the server shares: a slot
    is held by holding an exclusive `flock` on its file, which the kernel releases when the
    holder closes it or dies, so a crashed worker cannot keep a slot."""

    def __init__(self, folder: Path, name: str, count: int) -> None:
        self.paths = [folder / f"{name}-{i}.lock" for i in range(count)]

    def take(self) -> int | None:
        """The descriptor of a free slot, now held, or None when every slot is taken."""
        for path in self.paths:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    @staticmethod
    def give_back(fd: int) -> None:
        os.close(fd)  # closing the only descriptor of the open file releases its lock


class SqlGate:
    """ASGI middleware: at most MAX_RUNNING_SQL arbitrary-SQL requests run at once, so the
    other SQL threads stay free for pages; MAX_WAITING_SQL more wait for a turn, the rest are
    told at once to come back later (503 with Retry-After).

    The slots are lock files in `slots_dir` (see SlotFiles), so that the limits hold for the
    whole server when it runs as several processes on one port: each process is given the
    same folder. Without one the gate makes its own, for a server of one process.
    """

    def __init__(
        self,
        app: ASGIApp,
        running: int = MAX_RUNNING_SQL,
        waiting: int = MAX_WAITING_SQL,
        wait_seconds: float = MAX_WAIT_SECONDS,
        slots_dir: Path | None = None,
    ) -> None:
        self.app = app
        self.wait_seconds = wait_seconds
        if slots_dir is None:
            self._own_dir = tempfile.TemporaryDirectory(prefix="awards-sql-slots-")
            slots_dir = Path(self._own_dir.name)
        self.running = SlotFiles(slots_dir, "running", running)
        self.waiting = SlotFiles(slots_dir, "waiting", waiting)
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if not is_arbitrary_sql(scope):
            await self.app(scope, receive, send)
            return
        slot = self.running.take()
        if slot is None:
            slot = await self._wait_for_turn()
        if slot is None:
            await self._busy(send)
            return
        token = VISITOR_SQL.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            VISITOR_SQL.reset(token)
            self.running.give_back(slot)

    async def _wait_for_turn(self) -> int | None:
        """A running slot, taken within wait_seconds while holding a waiting slot; None when
        every waiting slot is taken too, or the time is up."""
        place = self.waiting.take()
        if place is None:
            return None
        try:
            deadline = time.monotonic() + self.wait_seconds
            while time.monotonic() < deadline:
                await asyncio.sleep(POLL_SECONDS)
                slot = self.running.take()
                if slot is not None:
                    return slot
            return None
        finally:
            self.waiting.give_back(place)

    async def _busy(self, send: Any) -> None:
        self.refused += 1
        body = (
            b"503 Service Unavailable: the server is running as many SQL queries as it takes"
            b" at once; try again in a few seconds\n"
        )
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"retry-after", b"5"),
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
