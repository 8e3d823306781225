"""Datasette for a database and metadata that never change while served: what Datasette
would look up again on every request is looked up once.

Profiling an uncached home page (150 ms of CPU at 57,350 transactions) found no slow query:
the time went to about 200 round trips to the SQL threads (columns, primary keys and search
table of each of some 65 tables) and to permission checks that each deep-copy the whole
metadata (70 KB of column descriptions). Table pages pay the same per table they touch. The
answers depend only on the schema, the metadata and the settings, all fixed at start.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from datasette.app import Datasette
from datasette.database import Database
from jinja2 import Environment, Template

from .canned_pages import CANNED_PAGE
from .limits import VISITOR_SQL
from .rendering import Suspended, SyncTemplate

# Bytes of the database file SQLite reads through a memory map rather than read() into its own
# page cache: counting a facet over an index of 57,350 entries took 9.0 ms read, 4.8 ms mapped.
# The mapped pages are the operating system's file cache, shared by every server process.
MMAP_BYTES = 256 * 1024 * 1024
REMEMBERED = 4096  # table names come from URLs: bounded, oldest out first
# The query Datasette's column facets run (datasette/facets.py, ColumnFacet.facet_results).
FACET_SQL = re.compile(r"\s*select \S+ as value, count\(\*\) as count from \(")


def copied(value: Any) -> Any:
    """A copy of a schema answer whose lists and dicts a caller may change without changing
    the stored one: the lists and dicts are copied, their immutable items (text, numbers,
    Datasette's column tuples) shared. A fifth of the cost of copy.deepcopy, which a table
    page paid some 800 times."""
    if isinstance(value, list):
        return [copied(v) for v in value]
    if isinstance(value, dict):
        return {k: copied(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    if isinstance(value, tuple) and all(
        isinstance(v, str | int | float | bool | type(None)) for v in value
    ):
        return value
    return copy.deepcopy(value)


def map_database_file(conn: Any) -> None:
    """Have SQLite read the database through a memory map (MMAP_BYTES), on every connection."""
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


def _remember(store: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    store[key] = value
    if len(store) > REMEMBERED:
        store.popitem(last=False)


class Site(Datasette):
    """Datasette, remembering its answers to anonymous permission checks, and reading the
    schemas into its catalogue once.

    Datasette 0.65.5 answers each "may this visitor see this table" by deep-copying the
    metadata and asking SQLite for the table's spelling. For an anonymous visitor the answer
    depends only on the metadata, the settings and the schema; a signed-in actor is still
    checked every time. It also asks every database for its schema version on every request,
    to refresh its catalogue of tables; the database here is immutable.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._anonymous_permissions: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._schemas_read = False
        self._sync_jinja_env: Environment | None = None

    def sync_jinja_env(self) -> Environment:
        """The site's template environment, compiled for synchronous rendering (SyncTemplate).
        Made at the first page, after startup, so that it shares the globals, filters and
        settings that Datasette, its plugins and the site's own startup gave the environment."""
        if self._sync_jinja_env is None:
            env = self.jinja_env.overlay(enable_async=False, cache_size=400)
            env.template_class = SyncTemplate
            self._sync_jinja_env = env
        return self._sync_jinja_env

    async def render_template(
        self,
        templates: Any,
        context: dict[str, Any] | None = None,
        request: Any = None,
        view_name: str | None = None,
    ) -> str:
        """Datasette's render_template, with the templates rendered synchronously
        (SyncTemplate); asynchronously, as Datasette does, when something they call has to
        wait, or for a template of another environment."""
        if not self._startup_invoked:
            return await super().render_template(templates, context, request, view_name)
        if isinstance(templates, Template):
            if templates.environment is not self.jinja_env or not templates.name:
                return await super().render_template(templates, context, request, view_name)
            template = self.sync_jinja_env().get_template(templates.name)
        else:
            names = [templates] if isinstance(templates, str) else templates
            template = self.sync_jinja_env().select_template(names)
        try:
            return await super().render_template(template, context, request, view_name)
        except Suspended:
            return await super().render_template(templates, context, request, view_name)

    async def execute(
        self,
        db_name: str,
        sql: str,
        params: Any = None,
        truncate: bool = False,
        custom_time_limit: int | None = None,
        page_size: int | None = None,
        log_sql_errors: bool = True,
    ) -> Any:
        """Datasette's execute; on a canned query's HTML page, the page's rows of the
        query's answer (canned_pages.CannedPage.cut): Datasette's QueryView runs a canned
        query through here, with the query's own SQL."""
        results = await super().execute(
            db_name,
            sql,
            params=params,
            truncate=truncate,
            custom_time_limit=custom_time_limit,
            page_size=page_size,
            log_sql_errors=log_sql_errors,
        )
        page = CANNED_PAGE.get()
        return page.cut(results) if page is not None and page.shows(db_name, sql) else results

    async def refresh_schemas(self) -> None:
        if not self._schemas_read:
            await super().refresh_schemas()
            self._schemas_read = self.internal_db_created

    async def permission_allowed(
        self, actor: Any, action: str, resource: Any = None, default: Any = False
    ) -> Any:
        if actor is not None:
            return await super().permission_allowed(actor, action, resource, default)
        key = (action, tuple(resource) if isinstance(resource, list) else resource, default)
        if key not in self._anonymous_permissions:
            result = await super().permission_allowed(actor, action, resource, default)
            _remember(self._anonymous_permissions, key, result)
        return self._anonymous_permissions[key]


class ImmutableDatabase(Database):
    """A Datasette database opened immutable, whose schema questions are answered once.

    Answers are copied on the way out, so that a caller changing a list it got cannot change
    what the next caller gets.
    """

    def __init__(self, ds: Datasette, path: str) -> None:
        super().__init__(ds, path, is_mutable=False)
        self._schema_answers: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._own_connection: Any = None
        self._facet_counts: dict[str, Any] = {}
        self._keeping_facet_counts = False
        self.facet_counts_reused = 0

    @contextlib.contextmanager
    def keeping_facet_counts(self) -> Iterator[None]:
        """Within the block, keep the answer of every facet count run without parameters:
        the counts of a table's default facets over the whole table. Asked again, such a
        count is answered from memory, as Datasette answers a table's row count from the
        inspect file: the database cannot change. Only what is counted within the block (at
        start, one pass over the tables) is kept, so memory stays bounded; counts under a
        filter or a search are counted on each request."""
        self._keeping_facet_counts = True
        try:
            yield
        finally:
            self._keeping_facet_counts = False

    async def execute(self, sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if not params and sql in self._facet_counts:
            self.facet_counts_reused += 1
            return self._facet_counts[sql]
        results = await super().execute(sql, params, *args, **kwargs)
        if self._keeping_facet_counts and not params and FACET_SQL.match(sql):
            self._facet_counts[sql] = results
        return results

    async def _once(self, name: str, *args: Any) -> Any:
        key = (name, *args)
        if key not in self._schema_answers:
            answer = await getattr(super(), name)(*args)
            _remember(self._schema_answers, key, answer)
        return copied(self._schema_answers[key])

    async def execute_fn(self, fn: Callable[[Any], Any]) -> Any:
        """Run a query in the event loop, on this process's own connection; a visitor's own
        SQL (limits.VISITOR_SQL) on Datasette's SQL threads, as Datasette runs every query.

        Handing each query to a thread and back costs a thread switch each way, and under
        load the event loop then waits for the GIL behind the SQL threads: at 10 clients
        the slowest pages waited most (p95 117 ms against 86 ms in the loop, docs). The
        site's own queries (table pages, facets, canned queries) are short and stopped by
        Datasette's time limits either way; a visitor's SQL can run for the whole limit, so
        it stays on a thread, where the pages of its process go on around it."""
        if VISITOR_SQL.get():
            return await super().execute_fn(fn)
        if self._own_connection is None:
            self._own_connection = self.connect()
            self.ds._prepare_connection(self._own_connection, self.name)
        return fn(self._own_connection)

    async def attached_databases(self) -> list[Any]:
        return await self._once("attached_databases")

    async def table_exists(self, table: str) -> bool:
        return await self._once("table_exists", table)

    async def table_names(self) -> list[str]:
        return await self._once("table_names")

    async def view_names(self) -> list[str]:
        return await self._once("view_names")

    async def hidden_table_names(self) -> list[str]:
        return await self._once("hidden_table_names")

    async def table_columns(self, table: str) -> list[str]:
        return await self._once("table_columns", table)

    async def table_column_details(self, table: str) -> list[Any]:
        return await self._once("table_column_details", table)

    async def primary_keys(self, table: str) -> list[str]:
        return await self._once("primary_keys", table)

    async def fts_table(self, table: str) -> str | None:
        return await self._once("fts_table", table)

    async def label_column_for_table(self, table: str) -> str | None:
        return await self._once("label_column_for_table", table)

    async def foreign_keys_for_table(self, table: str) -> list[dict[str, Any]]:
        return await self._once("foreign_keys_for_table", table)

    async def get_all_foreign_keys(self) -> dict[str, Any]:
        return await self._once("get_all_foreign_keys")

    async def get_table_definition(self, table: str, type_: str = "table") -> str | None:
        return await self._once("get_table_definition", table, type_)

    async def get_view_definition(self, view: str) -> str | None:
        return await self._once("get_view_definition", view)
