"""A canned query's HTML page shows one page of its answer: `default_page_size` rows from
`_offset`, with which rows of how many, and links to the other pages and the whole answer.

Datasette 0.65 renders every row of a canned query's HTML page, each cell through the
`render_cell` hook and the `query.html` loop: 299 rows x 19 columns took 34 ms and 672 KB,
and the cost grows with the answer, up to `max_returned_rows` (1,000). Table pages are
paged; query pages were not.

How: for a GET of a canned query's HTML page (`/<database>/<query>`, no format), the ASGI
middleware `CannedQueryPages` takes `_offset` off the request (so every link Datasette
builds on the page, its JSON and CSV among them, is of the whole answer) and notes the page
asked for in the context variable CANNED_PAGE. Datasette's QueryView runs the query's own SQL
through `Datasette.execute` as for the JSON, unchanged; `datasette_site.Site.execute` hands
its answer to `CannedPage.cut`, which keeps that page's rows for the page and counts the
answer. The pages are therefore slices of exactly the rows, in exactly the order, that the
JSON and CSV give (even where an ORDER BY leaves ties), the count is exact up to
`max_returned_rows`, and the page shows the query's own SQL. The site's `query.html`
(Datasette's own, with the count of the whole answer and the pager) shows it. The cost of a
page: the query (as before) and its rows read from SQLite (about 1 ms for 300 rows), and
`default_page_size` rows rendered.

`_offset` is normalised by `cache.canonical_query` (a page start, below `max_returned_rows`),
so a set of values has at most max_returned_rows / page size pages in the response cache.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from datasette.database import Results

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
OFFSET = "_offset"


def page_start(raw: str, size: int, max_rows: int) -> int:
    """The first row (from 0) of the page that `_offset=raw` (as sent, URL-encoded) asks for:
    the start of the page it falls in, at most the last page start below max_rows (no page
    can show more of an answer than Datasette reads); 0 for anything not a whole number."""
    size = max(size, 1)
    last = max(max_rows - 1, 0) // size * size
    text = unquote_plus(raw)
    if not (text.isascii() and text.isdigit()):
        return 0
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(last)):
        return last
    return min(int(digits) // size * size, last)


def query_pairs(query_string: str) -> list[tuple[str, str]]:
    """(name, segment as sent) of each parameter of a query string, the name decoded: the one
    reading of a query string here and in cache.canonical_query."""
    return [(unquote_plus(s.split("=", 1)[0]), s) for s in query_string.split("&") if s]


def raw_value(segment: str) -> str:
    """The value of one `name=value` segment, as sent (URL-encoded)."""
    return segment.split("=", 1)[1] if "=" in segment else ""


def without_offset(query_string: str) -> str:
    """The query string without its `_offset` parameters."""
    return "&".join(s for k, s in query_pairs(query_string) if k != OFFSET)


def own_params(query_string: str) -> str:
    """The query's own parameters of a query string (not Datasette's `_` options)."""
    return "&".join(s for k, s in query_pairs(query_string) if not k.startswith("_"))


@dataclass
class CannedPage:
    """The page of a canned query's answer one request shows, and, once the query has run
    (cut), how long the answer is. The template reads the labels and links from here."""

    database: str
    sql: str
    offset: int
    size: int
    query_string: str  # the request's, without _offset
    paged_url: str  # every row as JSON, /-/paged/<query>.json with the query's values
    answer_rows: int = 0  # rows of the whole answer, at most max_returned_rows
    more_than: bool = False  # Datasette stopped reading at max_returned_rows
    shown: int = 0
    done: bool = False

    def shows(self, database: str, sql: str) -> bool:
        """Whether this query is the page's canned query (run once per page)."""
        return not self.done and database == self.database and sql == self.sql

    def cut(self, results: Results) -> Results:
        """The page's rows of the whole answer; notes the answer's length."""
        rows = list(results.rows)
        page = rows[self.offset : self.offset + self.size]
        self.answer_rows, self.more_than = len(rows), bool(results.truncated)
        self.shown, self.done = len(page), True
        return Results(page, results.truncated, results.description)

    @property
    def paged(self) -> bool:
        """Whether the page is not the whole answer (otherwise it shows no pager)."""
        return self.done and (self.offset > 0 or self.answer_rows > self.size)

    @property
    def rows_read(self) -> str:
        """The rows of the answer Datasette read, with thousands separators."""
        return f"{self.answer_rows:,}"

    @property
    def of_rows(self) -> str:
        """How many rows the whole answer has, as the page says it."""
        return f"more than {self.rows_read}" if self.more_than else self.rows_read

    @property
    def rows_text(self) -> str:
        """The whole answer's rows, for the page's heading ("returning 299 rows")."""
        one = self.answer_rows == 1 and not self.more_than
        return f"{self.of_rows} row{'' if one else 's'}"

    @property
    def label(self) -> str:
        """Which rows of the answer the page shows; never lets the page pass for the whole."""
        if not self.shown:
            rows = f"{self.answer_rows:,} row{'' if self.answer_rows == 1 else 's'}"
            return f"No rows from row {self.offset + 1:,} on: the answer has {rows}."
        first, last = self.offset + 1, self.offset + self.shown
        rows = f"Row {first:,} of {self.of_rows} is" if first == last else None
        rows = rows or f"Rows {first:,}–{last:,} of {self.of_rows} are"
        return f"{rows} shown: this page is part of the answer."

    def link(self, offset: int) -> str:
        """Relative link (query string only) to the page starting at offset."""
        args = [self.query_string] if self.query_string else []
        args += [f"{OFFSET}={offset}"] if offset else []
        return "?" + "&".join(args)

    @property
    def links(self) -> list[tuple[str, str, str]]:
        """(href, rel, text) of the next, previous and first pages, those there are. No
        page past max_returned_rows: Datasette reads no more of the answer."""
        out = []
        following = self.offset + self.size
        if self.shown and following < self.answer_rows:
            last = min(following + self.size, self.answer_rows)
            rows = f"row {last:,}" if last == following + 1 else f"rows {following + 1:,}–{last:,}"
            out.append((self.link(following), "next", f"next {rows}"))
        if self.shown and self.offset:
            out.append((self.link(max(self.offset - self.size, 0)), "prev", "previous rows"))
        if self.offset:
            out.append((self.link(0), "first", "first page"))
        return out


CANNED_PAGE: contextvars.ContextVar[CannedPage | None] = contextvars.ContextVar(
    "canned_page", default=None
)


class CannedQueryPages:
    """ASGI middleware: a GET or HEAD of a canned query's HTML page asks for one page of its
    answer (CANNED_PAGE); `_offset` is taken off the request Datasette sees. Placed inside
    the response cache, whose key keeps `_offset` (cache.canonical_query normalises it)."""

    def __init__(
        self,
        app: ASGIApp,
        database: str,
        queries: Mapping[str, str],
        page_size: int,
        max_rows: int,
        paged_prefix: str,
    ) -> None:
        self.app = app
        self.database = database
        self.queries = queries  # name -> SQL
        self.page_size = max(page_size, 1)
        self.max_rows = max_rows
        self.paged_prefix = paged_prefix  # the site's /-/paged/

    def page(self, scope: Scope) -> CannedPage | None:
        """The page a request asks for, if it is a canned query's HTML page."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        parts = [p for p in scope["path"].split("/") if p]
        if len(parts) != 2 or parts[0] != self.database or parts[1] not in self.queries:
            return None
        raw = scope.get("query_string", b"").decode("latin-1")
        offset = next((raw_value(s) for k, s in query_pairs(raw) if k == OFFSET), "")
        rest = without_offset(raw)
        return CannedPage(
            database=self.database,
            sql=self.queries[parts[1]],
            offset=page_start(offset, self.page_size, self.max_rows),
            size=self.page_size,
            query_string=rest,
            paged_url=f"{self.paged_prefix}{parts[1]}.json?{own_params(rest)}".rstrip("?"),
        )

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        page = self.page(scope)
        if page is None:
            await self.app(scope, receive, send)
            return
        token = CANNED_PAGE.set(page)
        try:
            await self.app(
                dict(scope, query_string=page.query_string.encode("latin-1")), receive, send
            )
        finally:
            CANNED_PAGE.reset(token)
