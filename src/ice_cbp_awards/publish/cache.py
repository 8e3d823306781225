"""An in-process cache of whole responses, safe because the site never changes while it runs.

The database is immutable and the metadata is fixed at start, so a GET for the same URL always
gets the same bytes. Rendering a table page costs tens of milliseconds of Python, which on a
small machine caps throughput long before SQLite does; replaying a stored response costs well
under one. The cache is bounded in entries and bytes (least recently used out first), keeps
only complete 200 responses that set no cookie, and is bypassed by anyone signed in.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


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
