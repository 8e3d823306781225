"""An in-process cache of whole responses, safe because the site never changes while it runs.

The database is immutable and the metadata is fixed at start, so a GET for the same URL always
gets the same bytes. Rendering a table page costs tens of milliseconds of Python, which on a
small machine caps throughput long before SQLite does; replaying a stored response costs well
under one. The cache is bounded in entries and bytes (least recently used out first), keeps
only complete 200 responses that set no cookie, and is bypassed by anyone signed in.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any

from .canned_pages import OFFSET, page_start, query_pairs, raw_value

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


# Parameters that links carry for their sender's statistics; no page of the site reads them
# (no table has a column of these names).
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid"}
    | {"mc_eid", "_ga", "_gl", "ref", "ref_src"}
)


def is_tracking(key: str) -> bool:
    return key in TRACKING_PARAMS or key.startswith("utm_")


def canonical_query(
    path: str,
    query_string: str,
    database: str,
    queries: Mapping[str, Sequence[str]],
    page_size: int,
    max_rows: int = 1000,
) -> str:
    """The query string of the page a request asks for, without what cannot change it:

    - tracking parameters (`utm_*`, `fbclid`, ...), everywhere;
    - on the home page and the database page without `sql=`: every parameter not starting
      with `_` (Datasette reads none);
    - on a canned query (`queries`: name -> its parameters): parameters it does not take;
      its own come first, in their declared order, each once, a missing one as empty (which
      is what Datasette runs it with), then the `_` options in their order; on its HTML
      page `_offset` (which page of the answer, canned_pages.py) once, as the page start it
      falls in below max_rows (`max_returned_rows`), dropped for the first page or for
      anything not a whole number: a set of values has at most max_rows / page_size pages;
    - on a table page: `_size` equal to the default page size. A table's other parameters are
      its filters (an unknown name filters on a column of that name) and stay as they are.

    Anything else is kept as sent, raw; a query string with nothing to change is returned
    as it came, so that pages echo their links exactly as asked for."""
    pairs = query_pairs(query_string)
    segments = [s for _, s in pairs]
    kept = [(k, s) for k, s in pairs if not is_tracking(k)]
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] == ".json" or (parts[0].split(".")[0] == database and len(parts) == 1):
        if not any(k == "sql" for k, _ in kept):
            kept = [(k, s) for k, s in kept if k.startswith("_")]
    elif parts[0] == database and len(parts) == 2:
        name = parts[1].rsplit(".", 1)[0] if parts[1] not in queries else parts[1]
        if name in queries:
            first = {}
            for k, s in kept:
                first.setdefault(k, s)
            own = [first.get(p, f"{p}=") for p in queries[name]]
            kept = [(p, s) for p, s in zip(queries[name], own, strict=True)]
            kept += [(k, s) for k, s in pairs if k.startswith("_") and not is_tracking(k)]
            if parts[1] in queries:
                kept = _one_page_start(kept, page_size, max_rows)
        else:
            kept = [(k, s) for k, s in kept if s != f"_size={page_size}"]
    if [s for _, s in kept] == segments:
        return query_string
    return "&".join(s for _, s in kept)


def _one_page_start(
    kept: list[tuple[str, str]], page_size: int, max_rows: int
) -> list[tuple[str, str]]:
    """kept with its first `_offset` as a page start (none for the first page), the others
    dropped."""
    offsets = [raw_value(s) for k, s in kept if k == OFFSET]
    start: int | None = page_start(offsets[0], page_size, max_rows) if offsets else 0
    out: list[tuple[str, str]] = []
    for k, s in kept:
        if k != OFFSET:
            out.append((k, s))
        elif start is not None:
            out += [(k, f"{OFFSET}={start}")] if start else []
            start = None
    return out


class CanonicalQuery:
    """ASGI middleware: a GET is answered as its canonical URL (see canonical_query), so that
    a link with a tracking parameter, or a canned query's parameters in another order, gets
    the page the response cache already holds, and the page's own links are the canonical
    ones. Applied with the cache off as well, so that both serve the same bytes."""

    def __init__(
        self,
        app: ASGIApp,
        database: str,
        queries: Mapping[str, Sequence[str]],
        page_size: int,
        max_rows: int = 1000,
    ) -> None:
        self.app = app
        self.database = database
        self.queries = queries
        self.page_size = page_size
        self.max_rows = max_rows

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            raw = scope["query_string"].decode("latin-1")
            canonical = canonical_query(
                scope["path"], raw, self.database, self.queries, self.page_size, self.max_rows
            )
            if canonical != raw:
                scope = dict(scope, query_string=canonical.encode("latin-1"))
        await self.app(scope, receive, send)


class ResponseCache:
    """ASGI middleware: replay stored responses to repeated anonymous GET requests."""

    def __init__(
        self,
        app: ASGIApp,
        max_entries: int = 2000,
        max_bytes: int = 64_000_000,
        max_entry_bytes: int = 2_000_000,
    ) -> None:
        self.app = app
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.entries: OrderedDict[tuple[str, bytes], tuple[Message, bytes]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _cacheable_request(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        for name, value in scope.get("headers", []):
            if name == b"authorization" or (name == b"cookie" and b"ds_actor" in value):
                return False
        return True

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if not self._cacheable_request(scope):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""))
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
            self.hits += 1
            start, body = hit
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        self.misses += 1
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def recording_send(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                start = dict(message)
                headers = message.get("headers", [])
                keep = message["status"] == 200 and not any(n == b"set-cookie" for n, _ in headers)
            elif message["type"] == "http.response.body" and keep:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_entry_bytes:
                    keep = False
                    chunks.clear()
                else:
                    chunks.append(chunk)
                    if not message.get("more_body", False) and start is not None:
                        self._store(key, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, recording_send)

    def _store(self, key: tuple[str, bytes], start: Message, body: bytes) -> None:
        if key in self.entries:  # two concurrent misses for one URL: keep one copy
            self.bytes -= len(self.entries.pop(key)[1])
        self.entries[key] = (start, body)
        self.bytes += len(body)
        while len(self.entries) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, old) = self.entries.popitem(last=False)
            self.bytes -= len(old)


class ReadOnly:
    """ASGI middleware: the site answers GET and HEAD only; anything else gets 405.

    Datasette already refuses SQL other than SELECT and the database is opened immutable; this
    refuses writes at the door, before any view runs, with a plain answer instead of an error
    page from deep inside a view.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            body = b"405 Method Not Allowed: this site is read-only\n"
            await send(
                {
                    "type": "http.response.start",
                    "status": 405,
                    "headers": [
                        (b"allow", b"GET, HEAD"),
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
