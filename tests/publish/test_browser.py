"""End to end: the real `awards serve` on a free loopback port, driven by headless Chromium.

A reader's path through the site: the home page, a table with a facet applied, a search that
finds the Palantir ICM award, a canned query filled in through its form, and the charts. Every
request must stay on the local server (nothing loads from the network) and no page may raise
a JavaScript error. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import started_server

from ice_cbp_awards.paths import REPO_ROOT
from ice_cbp_awards.publish.local import free_port, serve_argv

from .sample_package import PALANTIR_PIID, VERSION

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
DB = "ice-cbp-tech-awards"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(sample_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`awards serve --no-build` in its own process; yields its base URL."""
    data_dir = tmp_path_factory.mktemp("served") / "data"
    shutil.copytree(sample_data_dir, data_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with started_server(serve_argv(data_dir, port), base, seconds=20):
        yield base


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's package with "
            "`apt-get update && apt-get install -y chromium` (.ci/run does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def context(browser):
    """One browser context for the module: its cache keeps the pages' scripts, as a reader's
    browser would."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, server):
    """A fresh page that records every request and every JavaScript error."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.requests_seen = []
    pg.errors_seen = []
    pg.on("request", lambda r: pg.requests_seen.append(r.url))
    pg.on("pageerror", lambda e: pg.errors_seen.append(str(e)))
    yield pg
    offsite = [u for u in pg.requests_seen if not u.startswith(server)]
    assert offsite == [], f"requests left the local server: {offsite}"
    assert pg.errors_seen == [], f"JavaScript errors: {pg.errors_seen}"
    pg.close()


def shot(pg, name: str) -> None:
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_home_page_shows_title_and_version(page, server):
    page.goto(server + "/")
    assert page.locator("h1").first.inner_text() == "ICE & CBP technology award records"
    assert page.locator(".awards-version").first.inner_text() == VERSION
    assert "Cite as:" in page.locator("footer").inner_text()
    shot(page, "01-home")


def test_table_page_with_a_facet_applied(page, server):
    page.goto(f"{server}/{DB}/transactions")
    facet = page.locator("#facet-agency_acronym")
    facet.get_by_role("link", name="CBP", exact=True).click()
    page.wait_for_url("**agency_acronym=CBP**")
    assert page.locator("h3").first.inner_text().startswith("1 row")
    cells = page.locator("td.col-agency_acronym").all_inner_texts()
    assert cells == ["CBP"]
    # The column descriptions are folded away, and there for whoever opens them.
    assert page.locator("details.column-descriptions-details dl").count() == 1
    shot(page, "02-table-facet")


def test_search_finds_the_palantir_icm_award(page, server):
    page.goto(f"{server}/{DB}/transactions")
    page.fill("#_search", "investigative case management")
    page.press("#_search", "Enter")
    page.wait_for_url("**_search=**")
    piids = page.locator("td.col-award_id_piid").all_inner_texts()
    assert piids and set(piids) == {PALANTIR_PIID}
    shot(page, "03-search")


def test_canned_query_with_parameters(page, server):
    page.goto(f"{server}/{DB}/company_products_by_agency")
    page.fill("input[name=company]", "palantir")
    page.fill("input[name=start_date]", "2023-01-01")
    page.fill("input[name=end_date]", "2026-09-30")
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_url("**company=palantir**")
    totals = page.locator("td.col-agency_per_record_obligation_usd").all_inner_texts()
    assert totals == ["$29,898,233.68", "$29,898,233.68"]
    links = page.locator("td.col-award_page_url a").all()
    assert links and links[0].get_attribute("href").startswith("https://www.usaspending.gov/")
    shot(page, "04-canned-query")


def test_chart_renders(page, server):
    page.goto(server + "/-/chart")
    chart = page.locator('section[data-query="company_fiscal_year_totals"] svg.awards-chart')
    chart.wait_for()
    bars = chart.locator("rect.bar")
    assert bars.count() > 0
    box = bars.first.bounding_box()
    assert box and box["height"] > 0 and box["width"] > 0
    legend = [t.text_content() for t in chart.locator("text").all()]
    assert "Palantir Technologies" in legend
    shot(page, "05-chart")
    # The same figures drawn interactively by datasette-vega, whose code ships in its package.
    page.locator('section[data-query="company_fiscal_year_totals"]').get_by_role(
        "link", name="explore it interactively"
    ).click()
    canvas = page.locator("canvas").first
    canvas.wait_for()
    assert canvas.bounding_box()["width"] > 100
    shot(page, "06-chart-vega")


@pytest.mark.parametrize("width", [1400, 420])
def test_company_page_at_desktop_and_phone_width(browser, server, width):
    """The company page from the companies table, at 1400 and 420 px: nothing wider than the
    screen but the tables' own scrolling boxes, the coverage note and the version in view."""
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        pg.goto(f"{server}/{DB}/companies")
        pg.get_by_role("link", name="Palantir Technologies").first.click()
        pg.wait_for_url("**/-/company/palantir")
        assert pg.locator("h1").first.inner_text() == "Palantir Technologies"
        assert pg.locator(".awards-version").first.inner_text() == VERSION
        assert "The package holds transactions for" in pg.locator("#coverage").inner_text()
        links = pg.locator("table.awards-records a").all()
        assert links and links[0].get_attribute("href").startswith("https://www.usaspending.gov/")
        page_width = pg.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width, f"the page is {page_width} px wide at {width} px"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"07-company-{width}.png"), full_page=True)
    finally:
        ctx.close()
    assert errors == []
