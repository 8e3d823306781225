"""A canned query's HTML page shows one page of rows, never its whole answer at once.

Datasette renders every row of a canned query's HTML page, cell by cell: on the real data
the totals by agency, company and fiscal year (299 rows x 19 columns) took 34 ms and 672 KB,
and the cost grows with the answer, up to 1,000 rows. The site shows the table page size
(`default_page_size`) at a time, says which rows of how many are shown, and links the next,
previous and first pages and the whole answer. The JSON and CSV answers are unchanged.

The sample package's answers are short, so these tests serve it with a page size of 2.
"""

from __future__ import annotations

import html
import re
import shutil
from urllib.parse import urlencode

import pytest
from datasette.utils.testing import TestClient as DatasetteClient

from ice_cbp_awards.publish import serve
from ice_cbp_awards.publish.queries import canned_queries, load_queries
from ice_cbp_awards.publish.serve import make_datasette

PAGE = 2
TOTALS = "agency_company_fiscal_year_totals"
TOTALS_ARGS = "agency=&company="  # every agency and company: 5 rows in the sample


@pytest.fixture(scope="module")
def paged(sample_data_dir) -> DatasetteClient:
    """The site, uncached, showing 2 rows a page."""
    return DatasetteClient(
        make_datasette(sample_data_dir, response_cache=False, settings={"default_page_size": PAGE})
    )


def body_rows(text: str) -> list[str]:
    """The <tr> elements of the page's table of rows."""
    tbody = re.search(r"<tbody>(.*?)</tbody>", text, re.S)
    return re.findall(r"<tr>.*?</tr>", tbody.group(1), re.S) if tbody else []


def cell_texts(row: str, column: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", t)).strip()
        for t in re.findall(rf'<td class="col-{column}">(.*?)</td>', row, re.S)
    ]


def pager_links(text: str) -> dict[str, str]:
    """The pager's links by their rel (next, prev, first), unescaped."""
    return {
        rel: html.unescape(href)
        for href, rel in re.findall(r'<a href="([^"]*)" rel="(next|prev|first)"', text)
    }


def without_query_times(text: str) -> str:
    return re.sub(r"took [0-9.]+ms", "", text)


def test_a_long_answer_shows_one_page_and_says_so(paged, db_name):
    r = paged.get(f"/{db_name}/{TOTALS}?{TOTALS_ARGS}")
    assert r.status == 200
    assert len(body_rows(r.text)) == PAGE
    text = r.text
    assert "Rows 1–2 of 5 are shown: this page is part of the answer." in text
    assert "returning 5 rows" in text  # the whole answer's rows, not the page's
    # the whole answer, linked without the page's offset
    assert f'The whole answer, all 5 rows, as <a href="/{db_name}/{TOTALS}.json?' in text
    assert f'href="/{db_name}/{TOTALS}.csv?agency=&amp;company=&amp;_size=max"' in text
    assert pager_links(text) == {"next": "?agency=&company=&_offset=2"}
    assert ">next rows 3–4</a>" in text
    assert text.count("Rows 1–2 of 5 are shown") == 2  # above the rows and below them
    assert "_offset" not in "".join(re.findall(r'href="[^"]*\.(?:json|csv)[^"]*"', text))


def test_later_pages_link_back_and_the_last_has_no_next(paged, db_name):
    second = paged.get(f"/{db_name}/{TOTALS}?{TOTALS_ARGS}&_offset=2").text
    assert "Rows 3–4 of 5 are shown: this page is part of the answer." in second
    assert pager_links(second) == {
        "next": "?agency=&company=&_offset=4",
        "prev": "?agency=&company=",
        "first": "?agency=&company=",
    }
    assert ">next row 5</a>" in second
    last = paged.get(f"/{db_name}/{TOTALS}?{TOTALS_ARGS}&_offset=4").text
    assert len(body_rows(last)) == 1
    assert "Row 5 of 5 is shown: this page is part of the answer." in last
    assert pager_links(last) == {
        "prev": "?agency=&company=&_offset=2",
        "first": "?agency=&company=",
    }


def test_a_page_past_the_end_says_how_long_the_answer_is(paged, db_name):
    r = paged.get(f"/{db_name}/{TOTALS}?{TOTALS_ARGS}&_offset=8")
    assert r.status == 200
    assert body_rows(r.text) == []
    assert "No rows from row 9 on: the answer has 5 rows." in r.text
    assert pager_links(r.text) == {"first": "?agency=&company="}


def follow_pages(client, db_name: str, name: str, query: str) -> list[str]:
    """The rows of every page of a canned query's HTML, following its next links."""
    rows: list[str] = []
    url = f"/{db_name}/{name}?{query}"
    for _ in range(50):
        r = client.get(url)
        assert r.status == 200, url
        rows += body_rows(r.text)
        nxt = pager_links(r.text).get("next")
        if not nxt:
            return rows
        url = f"/{db_name}/{name}{nxt}"
    raise AssertionError(f"{name}: more than 50 pages")


def all_query_args() -> list[tuple[str, str]]:
    return [
        (name, urlencode(args))
        for name, q in load_queries().items()
        for args in ({p: "" for p in q.get("params", [])}, q["example"])
    ]


@pytest.mark.parametrize("name, query", all_query_args())
def test_the_pages_together_are_the_whole_json_answer(paged, client, db_name, name, query):
    """Every canned query, with empty and example values: the rows of its pages, in order,
    are the rows of its one-page rendering and as many as its JSON answer has, in the
    JSON's order."""
    pages = follow_pages(paged, db_name, name, query)
    whole = client.get(f"/{db_name}/{name}?{query}")
    assert whole.status == 200
    assert pages == body_rows(whole.text)
    answer = paged.get(f"/{db_name}/{name}.json?_shape=array&{query}").json
    assert len(pages) == len(answer)
    for column in ("transaction_id", "agency_acronym", "fiscal_year", "claim_id"):
        if answer and column in answer[0]:
            shown = [t for row in pages for t in cell_texts(row, column)]
            assert shown == [str(a[column] if a[column] is not None else "") for a in answer]


def test_json_and_csv_answers_are_unchanged(paged, client, db_name):
    assert len(client.get(f"/{db_name}/{TOTALS}.json?_shape=array&{TOTALS_ARGS}").json) > PAGE
    for suffix in (".json?_shape=array&", ".csv?"):
        expected = client.get(f"/{db_name}/{TOTALS}{suffix}{TOTALS_ARGS}").text
        for extra in ("", "&_offset=2"):
            got = paged.get(f"/{db_name}/{TOTALS}{suffix}{TOTALS_ARGS}{extra}")
            assert got.status == 200
            assert got.text == expected, (suffix, extra)
    full = paged.get(f"/{db_name}/{TOTALS}.json?{TOTALS_ARGS}").json
    assert len(full["rows"]) == 5 and full["truncated"] is False


@pytest.fixture()
def datasette_query_template(tmp_path, monkeypatch):
    """The site's templates without its query.html: Datasette's own."""
    templates = tmp_path / "templates"
    shutil.copytree(serve.TEMPLATES_DIR, templates)
    (templates / "query.html").unlink(missing_ok=True)
    monkeypatch.setattr(serve, "TEMPLATES_DIR", templates)
    return templates


def test_an_answer_that_fits_one_page_is_the_page_datasette_renders(
    sample_data_dir, client, db_name, datasette_query_template
):
    """No pager, no other word: with 25 rows a page, every answer of the sample fits."""
    own = DatasetteClient(make_datasette(sample_data_dir, response_cache=False))
    for name, query in all_query_args():
        path = f"/{db_name}/{name}?{query}"
        site = client.get(path)
        assert "this page is part of the answer" not in site.text
        assert without_query_times(site.text) == without_query_times(own.get(path).text), path


def test_an_answer_past_max_returned_rows_points_to_every_row(sample_data_dir, db_name):
    """Datasette stops a query's answer at max_returned_rows; so do the pages, and they say
    where every row is: /-/paged/<query>.json."""
    client = DatasetteClient(
        make_datasette(
            sample_data_dir,
            response_cache=False,
            settings={"default_page_size": PAGE, "max_returned_rows": 4},
        )
    )
    first = client.get(f"/{db_name}/{TOTALS}?{TOTALS_ARGS}").text
    assert "Rows 1–2 of more than 4 are shown: this page is part of the answer." in first
    assert "returning more than 4 rows" in first
    assert f'href="/-/paged/{TOTALS}.json?agency=&amp;company="' in first
    last = client.get(f"/{db_name}/{TOTALS}?{TOTALS_ARGS}&_offset=2").text
    assert "Rows 3–4 of more than 4 are shown" in last
    assert "next" not in pager_links(last)
    every = client.get(f"/-/paged/{TOTALS}.json?{TOTALS_ARGS}").json
    assert len(every["rows"]) == 5


def test_the_page_still_shows_the_query_own_sql(paged, db_name):
    r = paged.get(f"/{db_name}/{TOTALS}?{TOTALS_ARGS}&_offset=2&_show_sql=1")
    sql = canned_queries({TOTALS, *load_queries()[TOTALS]["requires"]})[TOTALS]["sql"]
    shown = re.search(r'<pre id="sql-query">(.*?)</pre>', r.text, re.S)
    assert shown and html.unescape(shown.group(1)) == sql
    assert "Rows 3–4 of 5 are shown" in r.text
