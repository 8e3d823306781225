"""The JSON API and pages, through Datasette's own test client on the site as served."""

from __future__ import annotations

import csv
import io
import re
import time
from urllib.parse import urlencode

import markupsafe
import pytest

from ice_cbp_awards.publish.queries import load_queries
from ice_cbp_awards.publish.serve import SETTINGS, make_datasette

from .sample_package import PALANTIR_PIID, ROWS, VERSION


def test_home_page_names_package_version_and_citation(client):
    r = client.get("/")
    assert r.status == 200
    assert "ICE &amp; CBP technology award records" in r.text
    assert f'<strong class="awards-version">{VERSION}</strong>' in r.text
    assert "Cite as: ICE &amp; CBP technology award records maintainers" in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/{db}",
        "/{db}/transactions",
        "/{db}/transactions/tx-00000000000000000001",
        "/{db}/search_descriptions?q=icm",
        "/-/chart",
        "/{db}/no_such_table",
    ],
)
def test_every_page_shows_version_and_cite_as(client, db_name, path):
    r = client.get(path.format(db=db_name))
    assert r.status in (200, 404)
    assert f'class="awards-version">{VERSION}<' in r.text
    assert f"Data version {VERSION}. Cite as:" in r.text


def test_table_filter(client, db_name):
    r = client.get(f"/{db_name}/transactions.json?agency_acronym=CBP&_shape=objects")
    rows = r.json["rows"]
    assert r.status == 200
    assert [row["recipient_name"] for row in rows] == ["FOUR POINTS TECHNOLOGY, L.L.C."]
    r = client.get(f"/{db_name}/transactions.json?federal_action_obligation_usd__lt=0&_shape=array")
    assert [row["modification_number"] for row in r.json] == ["P00010"]


def test_facet_counts(client, db_name):
    r = client.get(f"/{db_name}/transactions.json?_facet=agency_acronym&_facet=fiscal_year")
    facets = r.json["facet_results"]
    agency = {v["value"]: v["count"] for v in facets["agency_acronym"]["results"]}
    expected: dict[str, int] = {}
    for t in ROWS["transactions"]:
        expected[t["agency_acronym"]] = expected.get(t["agency_acronym"], 0) + 1
    assert agency == expected
    years = {v["value"]: v["count"] for v in facets["fiscal_year"]["results"]}
    assert years[2025] == 4


def test_default_facets_sort_and_no_suggestions(client, db_name):
    r = client.get(f"/{db_name}/transactions.json")
    assert set(r.json["facet_results"]) == {"agency_acronym", "fiscal_year", "source_system"}
    assert r.json["suggested_facets"] == []
    assert r.json["human_description_en"] == "sorted by action_date descending"
    dates = [row[7] for row in r.json["rows"]]
    assert dates == sorted(dates, reverse=True)


def test_table_search_finds_the_palantir_icm_award(client, db_name):
    r = client.get(f"/{db_name}/transactions.json?_search=investigative+case&_shape=array")
    assert r.status == 200
    assert {row["award_id_piid"] for row in r.json} == {PALANTIR_PIID}
    assert len(r.json) == 2


def test_row_page_and_its_foreign_key_links(client, db_name):
    tx = ROWS["transactions"][0]
    r = client.get(f"/{db_name}/transactions/{tx['transaction_id']}.json?_shape=array")
    assert r.status == 200
    assert r.json[0]["federal_action_obligation_usd"] == tx["federal_action_obligation_usd"]
    page = client.get(f"/{db_name}/transactions/{tx['transaction_id']}")
    assert page.status == 200
    assert tx["award_page_url"] in page.text
    assert "$95,900,000.00" in page.text
    # In the table, the award key links to the award's row, labelled with its PIID.
    table = client.get(f"/{db_name}/transactions?transaction_id={tx['transaction_id']}")
    assert f'/{db_name}/awards/{tx["award_id_usaspending"]}">{PALANTIR_PIID}</a>' in table.text


def test_csv_export_of_a_whole_table(client, db_name):
    r = client.get(f"/{db_name}/transactions.csv?_stream=on&_size=max")
    assert r.status == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["transaction_id", "award_id_usaspending", "award_id_piid"]
    assert len(rows) - 1 == len(ROWS["transactions"])
    assert "-2.32" in r.text


@pytest.mark.parametrize(
    "sql",
    [
        "delete from transactions",
        "insert into sources (source_id) values ('x')",
        "update awards set transactions_obligation_sum_usd = 0",
        "drop table transactions",
        "attach database ':memory:' as other",
    ],
)
def test_writes_through_sql_are_refused(client, db_name, sql):
    r = client.get(f"/{db_name}.json?" + urlencode({"sql": sql}))
    assert r.status == 400
    assert r.json["ok"] is False
    count = client.get(f"/{db_name}.json?sql=select+count(*)+from+transactions&_shape=array")
    assert list(count.json[0].values()) == [len(ROWS["transactions"])]


@pytest.mark.parametrize("path", ["/{db}/transactions", "/{db}", "/{db}/search_descriptions"])
def test_any_method_but_get_is_refused(client, db_name, path):
    r = client.post(path.format(db=db_name), {"sql": "delete from transactions"})
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD"


def test_database_is_immutable_and_settings_are_applied(client, db_name):
    dbs = client.get("/-/databases.json").json
    assert [(d["name"], d["is_mutable"]) for d in dbs] == [(db_name, False)]
    settings = client.get("/-/settings.json").json
    for key in ("sql_time_limit_ms", "suggest_facets", "facet_time_limit_ms"):
        assert settings[key] == SETTINGS[key]
    assert client.get("/-/metadata.json").json["title"] == "ICE & CBP technology award records"


def test_arbitrary_sql_is_allowed_but_time_limited(sample_data_dir, db_name):
    from datasette.utils.testing import TestClient

    ds = make_datasette(sample_data_dir, response_cache=False)
    ds.sql_time_limit_ms = 50  # the served limit is SETTINGS'; 50 ms keeps this test quick
    slow = (
        "with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000000) "
        "select count(*) from c"
    )
    client = TestClient(ds)
    ok = client.get(f"/{db_name}.json?sql=select+1+as+one&_shape=array")
    assert ok.json == [{"one": 1}]
    start = time.perf_counter()
    r = client.get(f"/{db_name}.json?" + urlencode({"sql": slow}))
    assert time.perf_counter() - start < 2
    assert r.status == 400
    assert "took too long" in r.json["error"]


def test_robots_txt_keeps_crawlers_off_sql_and_search_tables(client, db_name):
    r = client.get("/robots.txt")
    assert r.status == 200
    lines = r.text.splitlines()
    assert "Disallow: /*?sql=" in lines
    assert f"Disallow: /{db_name}/transactions_fts" in lines
    assert not any(line == "Disallow: /" for line in lines)
    # Served by the well-kept plugin, configured from the metadata, not by code here.
    names = {p["name"] for p in client.get("/-/plugins.json").json}
    assert "datasette-block-robots" in names


def test_money_is_shown_as_dollars_and_kept_as_numbers(client, db_name):
    html = client.get(f"/{db_name}/transactions?modification_number=P00010").text
    assert '<span class="usd">-$2.32</span>' in html
    data = client.get(f"/{db_name}/transactions.json?modification_number=P00010&_shape=array")
    assert data.json[0]["federal_action_obligation_usd"] == -2.32


@pytest.mark.parametrize(
    ("query", "series"),
    [
        ("company_fiscal_year_totals", "company_name"),
        ("recipient_fiscal_year_totals", "recipient_name"),
    ],
)
def test_chart_page_draws_one_bar_per_row_of_its_query(client, db_name, query, series):
    rows = client.get(f"/{db_name}/{query}.json?_shape=array").json
    page = client.get("/-/chart")
    assert page.status == 200
    section = page.text.split(f'data-query="{query}"')[1].split("</section>")[0]
    assert section.count('class="bar"') == len(rows) > 0
    for row in rows:
        assert f"{row[series]}, {row['agency_acronym']}, {row['fiscal_year']}:" in (
            section.replace("&amp;", "&")
        )


def test_company_chart_comes_first(client):
    page = client.get("/-/chart").text
    assert page.index('data-query="company_fiscal_year_totals"') < page.index(
        'data-query="recipient_fiscal_year_totals"'
    )


def test_response_cache_replays_anonymous_gets_only(sample_data_dir, db_name):
    from datasette.utils.testing import TestClient

    ds = make_datasette(sample_data_dir, response_cache=True)
    client = TestClient(ds)
    first = client.get(f"/{db_name}/transactions.json?_shape=array")
    cache = ds._awards_response_cache
    again = client.get(f"/{db_name}/transactions.json?_shape=array")
    assert again.text == first.text and cache.hits == 1
    client.get(f"/{db_name}/transactions.json?_shape=array", cookies={"ds_actor": "x"})
    assert cache.hits == 1
    assert client.get(f"/{db_name}/no_such_table").status == 404
    assert client.get(f"/{db_name}/no_such_table").status == 404
    assert cache.hits == 1  # errors are not stored


def test_every_canned_query_is_published_and_documented(client, db_name):
    published = client.get(f"/{db_name}.json").json["queries"]
    names = {q["name"] for q in published}
    assert names == set(load_queries())  # every table they need is in the sample package
    for q in published:
        assert q["title"] and q.get("description_html")


def test_home_page_lists_the_questions_and_no_hidden_table_puzzle(client, db_name):
    html = client.get("/").text
    for name, q in load_queries().items():
        assert f'<a href="/{db_name}/{name}">{markupsafe.escape(q["title"])}</a>' in html
    assert "What it answers" in html
    assert "hidden table" not in html
    assert "full-text search indexes behind their search boxes" in html


def test_table_and_row_pages_lead_with_date_agency_recipient_amount_description(client, db_name):
    lead = ["action_date", "agency_acronym", "fiscal_year", "recipient_name",
            "federal_action_obligation_usd", "transaction_description"]  # fmt: skip
    for path in ("transactions", "transactions/tx-00000000000000000001"):
        html = client.get(f"/{db_name}/{path}").text
        heads = re.findall(r'<th [^>]*data-column="([^"]+)"', html)
        assert heads[: len(lead)] == lead, path
        assert "transaction_id" in heads[len(lead) :]
        cells = re.findall(r'<td class="col-([\w-]+) ', html)
        assert cells[: len(lead)] == lead
    # The JSON keeps the schema's order.
    columns = client.get(f"/{db_name}/transactions.json?_size=1").json["columns"]
    assert columns[0] == "transaction_id"


@pytest.mark.parametrize("path", ["/", "/{db}/transactions", "/-/company/palantir", "/-/chart"])
def test_every_page_names_the_years_held_and_their_gaps(client, db_name, path):
    html = client.get(path.format(db=db_name)).text
    assert "<summary>Years held: transactions for FY2022-FY2025; gaps and partial years" in html
    assert "ICE FY2023: not in the package" in html


def test_columns_empty_in_every_row_are_left_out_of_pages_and_named(client, db_name):
    """Table and row pages leave out a column no row fills, and name it under the table; the
    JSON keeps every column (issue 13, defect 6: columns that are always empty)."""
    empty = ["recipient_uei", "product_or_service_code", "naics_code", "awarding_office_code"]
    for path in ("transactions", "transactions/tx-00000000000000000001"):
        html = client.get(f"/{db_name}/{path}").text
        heads = re.findall(r'<th [^>]*data-column="([^"]+)"', html)
        assert "transaction_id" in heads
        assert [c for c in empty if c in heads] == [], path
        assert f"this table (they are in the JSON and\nCSV): {', '.join(empty)}." in html
    columns = client.get(f"/{db_name}/transactions.json?_size=1").json["columns"]
    assert set(empty) <= set(columns)
    # A table whose columns are all filled names nothing.
    assert "empty-columns" not in client.get(f"/{db_name}/attributions").text
