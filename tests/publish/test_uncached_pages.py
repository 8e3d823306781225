"""An uncached page does only its own work: the schema, the permissions and the catalogue of
an immutable database are looked up once, not on every request (profiling found the home
page making some 200 round trips to the SQL threads and deep-copying the metadata for each
table, 150 ms of CPU at 57,350 transactions)."""

from __future__ import annotations

import asyncio
import copy
import functools
import re
import threading

import pytest
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils.testing import TestClient as DatasetteClient

from ice_cbp_awards.publish.rendering import (
    DirectHookCaller,
    Suspended,
    SyncTemplate,
    run_now,
)
from ice_cbp_awards.publish.serve import make_datasette, prepare

from .sample_package import PALANTIR_PIID, ROWS


@pytest.fixture()
def counted(sample_data_dir):
    """(client, calls): the uncached site, and a list of every SQL round trip and metadata
    deep copy it makes."""
    ds = make_datasette(sample_data_dir, response_cache=False)
    calls: list[str] = []
    for db in ds.databases.values():
        original = db.execute_fn

        async def execute_fn(fn, _original=original, _name=db.name):
            calls.append(f"sql {_name}")
            return await _original(fn)

        db.execute_fn = execute_fn
    real_deepcopy = copy.deepcopy

    def deepcopy(obj, memo=None, _nil=[]):  # noqa: B006 - copy.deepcopy's own signature
        if memo is None and isinstance(obj, dict) and "databases" in obj:
            calls.append("metadata deepcopy")
        return real_deepcopy(obj, memo, _nil)

    copy.deepcopy = deepcopy
    try:
        yield DatasetteClient(ds), calls
    finally:
        copy.deepcopy = real_deepcopy


def test_the_home_page_asks_the_database_nothing_the_second_time(counted, db_name):
    client, calls = counted
    for path in ("/", f"/{db_name}"):
        assert client.get(path).status == 200
        calls.clear()
        assert client.get(path).status == 200
        assert calls == [], path


def test_a_table_page_runs_only_its_own_queries(counted, db_name):
    client, calls = counted
    path = f"/{db_name}/transactions?agency_acronym=ICE"
    assert client.get(path).status == 200
    calls.clear()
    assert client.get(path).status == 200
    # rows, count, three facets, labels of two foreign keys
    assert "metadata deepcopy" not in calls
    assert len(calls) <= 7, calls


def test_templates_are_not_checked_on_disk_for_every_page(counted, db_name, monkeypatch):
    import os.path

    client, _ = counted
    path = f"/{db_name}/transactions"
    assert client.get(path).status == 200
    checked: list[str] = []
    real_getmtime = os.path.getmtime

    def getmtime(name):
        checked.append(str(name))
        return real_getmtime(name)

    monkeypatch.setattr(os.path, "getmtime", getmtime)
    assert client.get(path).status == 200
    assert [c for c in checked if c.endswith(".html")] == []


def without_query_times(text: str) -> str:
    return re.sub(r"took [0-9.]+ms", "", text)


HTML_PAGES = (
    "/",
    "/{db}",
    "/{db}/transactions",
    "/{db}/transactions?agency_acronym=ICE&_facet=recipient_name",
    "/{db}/transactions?_search=palantir",
    "/{db}/transactions/{tx}",
    "/{db}/award_everything?award={piid}",
    "/{db}/no_such_table",
)


def test_pages_are_rendered_synchronously_with_the_same_text(sample_data_dir, db_name):
    """Datasette renders with Jinja's asynchronous mode (an asynchronous generator per level
    of template inheritance for every piece of output) and calls render_cell through pluggy;
    the site compiles the same templates for synchronous rendering and calls the hook
    directly, which must give the same pages."""
    ds = make_datasette(sample_data_dir, response_cache=False)
    client = DatasetteClient(ds)
    rendered: list[str] = []
    real = SyncTemplate.render_async

    async def counting(self, *args, **kwargs):
        rendered.append(self.name)
        return await real(self, *args, **kwargs)

    tx = ROWS["transactions"][0]["transaction_id"]
    paths = [p.format(db=db_name, tx=tx, piid=PALANTIR_PIID) for p in HTML_PAGES]
    SyncTemplate.render_async = counting
    try:
        sync = {p: client.get(p) for p in paths}
    finally:
        SyncTemplate.render_async = real
    # every page but the 404, whose error page Datasette renders without render_template
    assert rendered == [
        *["index.html", "database.html"],
        *["table.html"] * 3,
        "row.html",
        "query.html",
    ]
    # Datasette's own rendering, with pluggy calling render_cell
    ds.render_template = functools.partial(Datasette.render_template, ds)
    direct = pm.hook.render_cell
    assert isinstance(direct, DirectHookCaller)
    pm.hook.render_cell = direct.caller
    try:
        plain = {p: client.get(p) for p in paths}
    finally:
        pm.hook.render_cell = direct
    for path in paths:
        assert sync[path].status == plain[path].status, path
        assert without_query_times(sync[path].text) == without_query_times(plain[path].text), path
    assert '<span class="usd">' in sync[f"/{db_name}/transactions"].text  # the site's render_cell


def test_a_template_function_that_has_to_wait_renders_asynchronously(sample_data_dir, db_name):
    ds = make_datasette(sample_data_dir, response_cache=False)
    client = DatasetteClient(ds)
    path = f"/{db_name}/transactions"
    expected = client.get(path).text
    real = ds._crumb_items

    async def waiting_crumbs(*args, **kwargs):
        await asyncio.sleep(0)
        return await real(*args, **kwargs)

    ds._crumb_items = waiting_crumbs
    again = client.get(path)
    assert again.status == 200
    assert without_query_times(again.text) == without_query_times(expected)
    assert f'href="/{db_name}"' in again.text  # the breadcrumbs the waiting function gave


def test_run_now_refuses_an_awaitable_that_waits():
    async def waits():
        await asyncio.sleep(0)

    async def does_not_wait():
        return 3

    assert run_now(does_not_wait()) == 3
    coro = waits()
    with pytest.raises(Suspended):
        run_now(coro)


def test_default_facets_of_a_whole_table_are_counted_once_at_start(counted, db_name):
    """A table page without filters counts no facet once the site has started: the counts
    were taken at start (the database cannot change). With a filter it counts them."""
    client, calls = counted
    ds = client.ds
    fresh = DatasetteClient(make_datasette(ds.awards_data_dir, response_cache=False))
    path = f"/{db_name}/transactions.json"
    expected = fresh.get(path).json["facet_results"]
    asyncio.run(prepare(ds))
    db = ds.get_database(db_name)
    calls.clear()
    got = client.get(path).json["facet_results"]
    assert got == expected and set(got) == {"agency_acronym", "fiscal_year", "source_system"}
    assert len(calls) <= 1, calls  # the rows only
    assert db.facet_counts_reused == 3
    calls.clear()
    filtered = client.get(f"{path}?agency_acronym=ICE").json["facet_results"]
    assert db.facet_counts_reused == 3 and len(calls) >= 4, calls
    ice = {v["value"]: v["count"] for v in filtered["agency_acronym"]["results"]}
    assert ice == {"ICE": sum(t["agency_acronym"] == "ICE" for t in ROWS["transactions"])}


def test_page_queries_run_in_the_event_loop_and_visitor_sql_on_a_thread(sample_data_dir, db_name):
    """A page's queries skip the hand-over to a SQL thread and back (and, under load, the wait
    for the GIL behind those threads); SQL a visitor wrote, which may run for the whole time
    limit, still runs on Datasette's SQL threads, so that its process serves pages meanwhile."""
    ds = make_datasette(sample_data_dir, response_cache=False)
    db = ds.get_database(db_name)
    ran: list[tuple[str, str]] = []
    real_connect = db.connect

    def connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(lambda sql: ran.append((threading.current_thread().name, sql)))
        return conn

    db.connect = connect
    client = DatasetteClient(ds)
    assert client.get(f"/{db_name}/transactions?agency_acronym=ICE").status == 200
    assert client.get(f"/{db_name}/award_everything?award={PALANTIR_PIID}").status == 200
    sql_threads = ds.executor._thread_name_prefix
    assert ran and not [sql for thread, sql in ran if thread.startswith(sql_threads)]
    ran.clear()
    assert client.get(f"/{db_name}.json?sql=select+'visitor'+as+x").status == 200
    assert client.get(f"/{db_name}/transactions.json?_where=fiscal_year>2000").status == 200
    visitor = [thread for thread, sql in ran if "visitor" in sql or "fiscal_year>2000" in sql]
    assert len(visitor) >= 2 and all(thread.startswith(sql_threads) for thread in visitor)


def test_a_schema_answer_changed_by_its_caller_stays_as_stored(sample_data_dir, db_name):
    ds = make_datasette(sample_data_dir, response_cache=False)
    db = ds.get_database(db_name)

    async def twice():
        first = await db.foreign_keys_for_table("transactions")
        first[0]["column"] = "changed"
        first.append({"column": "added"})
        return first, await db.foreign_keys_for_table("transactions")

    changed, again = asyncio.run(twice())
    assert again and again != changed
    assert all(fk["column"] not in ("changed", "added") for fk in again)


@pytest.mark.parametrize(
    "call",
    [
        lambda u: u.strip(),
        lambda u: u.split("/"),
        lambda u: u.partition("?"),
        lambda u: u.startswith("/db"),
        lambda u: u.replace("db", "x"),
        lambda u: u + "?a=1",
        lambda u: str(u),
    ],
)
def test_url_strings_answer_as_datasette_writes_them(call):
    from datasette.utils import PrefixedUrlString

    from ice_cbp_awards.publish.rendering import (
        DATASETTE_URL_ATTRIBUTE,
        prefixed_url_attribute,
    )

    url = PrefixedUrlString(" /db/table?x=1 ")
    ours = call(url)
    PrefixedUrlString.__getattribute__ = DATASETTE_URL_ATTRIBUTE
    try:
        theirs = call(url)
    finally:
        PrefixedUrlString.__getattribute__ = prefixed_url_attribute
    assert ours == theirs
    assert type(ours) is type(theirs)
    if isinstance(ours, list | tuple):
        assert [type(v) for v in ours] == [type(v) for v in theirs]


def test_the_database_is_read_through_a_memory_map(sample_data_dir, db_name):
    from ice_cbp_awards.publish.datasette_site import MMAP_BYTES

    ds = make_datasette(sample_data_dir, response_cache=False)
    assert DatasetteClient(ds).get("/").status == 200
    result = asyncio.run(ds.get_database(db_name).execute("pragma mmap_size"))
    assert result.first()[0] == MMAP_BYTES
