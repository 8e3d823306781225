"""An uncached page does only its own work: the schema, the permissions and the catalogue of
an immutable database are looked up once, not on every request (profiling found the home
page making some 200 round trips to the SQL threads and deep-copying the metadata for each
table, 150 ms of CPU at 57,350 transactions)."""

from __future__ import annotations

import copy

import pytest
from datasette.utils.testing import TestClient as DatasetteClient

from ice_cbp_awards.publish.serve import make_datasette


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
