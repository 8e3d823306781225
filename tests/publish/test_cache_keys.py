"""A parameter that cannot change a page does not make it a new page: tracking parameters
(`utm_source`, ...), parameters a canned query does not take, a canned query's parameters in
another order or left out (an empty value is what Datasette runs it with), and a table's
default page size asked for explicitly. Such a request is answered as its canonical URL, from
the response cache when that page is there; parameters that change the answer (a filter, a
query's value, a sort) still make a different page."""

from __future__ import annotations

import re

import pytest
from datasette.utils.testing import TestClient as DatasetteClient

from ice_cbp_awards.publish.serve import SETTINGS, make_datasette

from .sample_package import PALANTIR_PIID


def body(response) -> str:
    """The page without the query time it reports, which differs between two renderings."""
    return re.sub(r"took [0-9.]+ms", "", response.text)


@pytest.fixture()
def cached(sample_data_dir):
    """(client, cache): the site as served, with its response cache."""
    ds = make_datasette(sample_data_dir, response_cache=True)
    client = DatasetteClient(ds)
    assert client.get("/").status == 200
    return client, ds._awards_response_cache


def same_page_urls(db: str) -> list[tuple[str, str]]:
    """(canonical URL, a URL that must be answered as it)."""
    size = SETTINGS["default_page_size"]
    query = f"/{db}/award_everything?award={PALANTIR_PIID}"
    return [
        ("/", "/?utm_source=newsletter&utm_medium=email"),
        (f"/{db}", f"/{db}?fbclid=abc"),
        (f"/{db}/transactions", f"/{db}/transactions?utm_campaign=x"),
        (f"/{db}/transactions", f"/{db}/transactions?_size={size}"),
        (
            f"/{db}/transactions?agency_acronym=ICE",
            f"/{db}/transactions?gclid=1&agency_acronym=ICE&_size={size}",
        ),
        (query, f"/{db}/award_everything?award={PALANTIR_PIID}&utm_source=x&unknown=1"),
        (
            f"/{db}/reseller_sales?reseller=dell&agency=",
            f"/{db}/reseller_sales?agency=&reseller=dell",
        ),
        (f"/{db}/reseller_sales?reseller=dell&agency=", f"/{db}/reseller_sales?reseller=dell"),
        (
            f"/{db}/reseller_sales.json?reseller=dell&agency=&_shape=array",
            f"/{db}/reseller_sales.json?_shape=array&reseller=dell&ref=feed",
        ),
    ]


def test_a_parameter_that_changes_nothing_is_served_from_the_cache(cached, db_name):
    client, cache = cached
    for canonical, variant in same_page_urls(db_name):
        first = client.get(canonical)
        assert first.status == 200, canonical
        hits = cache.hits
        again = client.get(variant)
        assert again.status == 200, variant
        assert cache.hits == hits + 1, variant
        assert again.text == first.text, variant


def test_uncached_the_variant_is_the_same_page_as_its_canonical_url(client, db_name):
    for canonical, variant in same_page_urls(db_name):
        assert body(client.get(variant)) == body(client.get(canonical)), variant


@pytest.mark.parametrize(
    "one, other",
    [
        ("/transactions?agency_acronym=ICE", "/transactions?agency_acronym=CBP"),
        ("/transactions?agency_acronym=ICE", "/transactions?fiscal_year=2025"),
        ("/transactions", "/transactions?_sort=action_date"),
        ("/transactions", "/transactions?_size=1"),
        ("/transactions", "/transactions?utm_source=x&_search=palantir"),
        ("/reseller_sales?reseller=dell&agency=ICE", "/reseller_sales?reseller=dell&agency=CBP"),
        ("/reseller_sales?reseller=dell", "/reseller_sales?reseller=palantir"),
        ("/reseller_sales.json?reseller=dell", "/reseller_sales.json?reseller=dell&_shape=array"),
    ],
)
def test_parameters_that_change_the_answer_are_not_confused(cached, db_name, one, other):
    client, cache = cached
    first = client.get(f"/{db_name}{one}")
    hits = cache.hits
    second = client.get(f"/{db_name}{other}")
    assert cache.hits == hits
    assert body(first) != body(second)


def test_canonical_query_keeps_what_it_does_not_know():
    from ice_cbp_awards.publish.cache import canonical_query

    queries = {"q": ["b", "a"]}
    assert canonical_query("/db/q", "a=1&utm_source=x&b=2&x=3&_shape=array", "db", queries, 25) == (
        "b=2&a=1&_shape=array"
    )
    # a table's filters, in their order; an ad-hoc SQL query untouched but for tracking
    assert canonical_query("/db/t", "z=1&a=2&_size=25&fbclid=1", "db", queries, 25) == "z=1&a=2"
    assert canonical_query("/db", "sql=select+:x&x=1&utm_source=y", "db", queries, 25) == (
        "sql=select+:x&x=1"
    )
    # another route (a plugin's page): only tracking parameters go
    assert canonical_query("/-/company/p", "start_date=2024&utm_source=y", "db", queries, 25) == (
        "start_date=2024"
    )


def test_no_column_or_query_parameter_is_named_like_a_tracking_parameter():
    """Tracking parameters are dropped before any view reads them: that is only right while
    no table filters on a column of such a name and no canned query takes one."""
    import json
    from pathlib import Path

    from ice_cbp_awards.publish.cache import is_tracking
    from ice_cbp_awards.publish.queries import load_queries

    schemas = Path(__file__).resolve().parents[2] / "schemas"
    names = {
        field["name"]
        for path in schemas.glob("*.schema.json")
        for field in json.loads(path.read_text(encoding="utf-8")).get("fields", [])
    }
    assert len(names) > 100
    names |= {p for q in load_queries().values() for p in q.get("params", [])}
    assert sorted(n for n in names if is_tracking(n)) == []


def test_a_canned_query_page_offset_is_kept_and_normalised():
    """A canned query's HTML page shows 25 rows from `_offset` (see canned_pages.py): the
    offset is part of the page; what is not a page start is the page it falls in, so that
    any offset makes at most max_returned_rows / page size pages per set of values."""
    from ice_cbp_awards.publish.cache import canonical_query

    queries = {"q": ["a"]}

    def canon(path: str, query: str) -> str:
        return canonical_query(path, query, "db", queries, 25, max_rows=1000)

    assert canon("/db/q", "a=1&_offset=50") == "a=1&_offset=50"
    assert canon("/db/q", "_offset=50&a=1&_offset=75") == "a=1&_offset=50"
    assert canon("/db/q", "a=1&_offset=60") == "a=1&_offset=50"
    for first_page in ("0", "", "abc", "-25", "2.5", "%2B25", "1e3"):
        assert canon("/db/q", f"a=1&_offset={first_page}") == "a=1", first_page
    # past max_returned_rows, which no page can show: the last page start before it
    assert canon("/db/q", "a=1&_offset=1000") == "a=1&_offset=975"
    assert canon("/db/q", "a=1&_offset=" + "9" * 5000) == "a=1&_offset=975"
    # the JSON and CSV answers, and tables, keep it as sent (Datasette ignores it there)
    assert canon("/db/q.json", "a=1&_offset=abc") == "a=1&_offset=abc"
    assert canon("/db/t", "x=1&_offset=abc") == "x=1&_offset=abc"


@pytest.fixture()
def cached_pages(sample_data_dir):
    """(client, cache): the site as served, with its response cache, 2 rows a page."""
    ds = make_datasette(sample_data_dir, response_cache=True, settings={"default_page_size": 2})
    client = DatasetteClient(ds)
    assert client.get("/").status == 200
    return client, ds._awards_response_cache


def test_a_later_page_of_a_canned_query_is_not_the_first_from_the_cache(cached_pages, db_name):
    client, cache = cached_pages
    path = f"/{db_name}/agency_company_fiscal_year_totals?agency=&company="
    first = client.get(path)
    assert "Rows 1–2 of 5" in first.text
    hits = cache.hits
    second = client.get(f"{path}&_offset=2")
    assert cache.hits == hits
    assert "Rows 3–4 of 5" in second.text
    for variant in ("&_offset=abc", "&_offset=-2", "&_offset=0", "&_offset=1&utm_source=x"):
        hits = cache.hits
        again = client.get(path + variant)
        assert cache.hits == hits + 1, variant
        assert again.text == first.text, variant
    hits = cache.hits
    assert client.get(f"{path}&_offset=3").text == second.text
    assert cache.hits == hits + 1
