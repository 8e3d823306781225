"""End to end: the real `awards serve --previous-release` in its own process, the page of what
changed and a feed read in headless Chromium at 1400 and 420 px (screenshots kept in
test-artifacts/browser/). The added Palantir record and its USAspending link must show at
both widths, nothing may load from outside the local server and no page may raise a
JavaScript error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import started_server

from ice_cbp_awards.publish.local import free_port, serve_argv

from .previous_release import PALANTIR_NEW, make_previous_release
from .sample_package import TRANSACTIONS
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DB

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def changes_server(sample_data_dir: Path, tmp_path_factory) -> Iterator[str]:
    previous = make_previous_release(tmp_path_factory.mktemp("previous"), sample_data_dir)
    port = free_port()
    cmd = [*serve_argv(sample_data_dir, port), "--previous-release", str(previous.zip_path)]
    base = f"http://127.0.0.1:{port}"
    with started_server(cmd, base, seconds=60):
        yield base


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("width", [1400, 420])
def test_changes_page_in_chromium(chromium, changes_server, width) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ctx = chromium.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    seen, errors = [], []
    page.on("request", lambda r: seen.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{changes_server}/{DB}/changes_since_previous_release?agency=&company=palantir")
    expected = next(t for t in TRANSACTIONS if t["transaction_id"] == PALANTIR_NEW)
    link = page.locator(f'a[href="{expected["award_page_url"]}"]').first
    assert link.is_visible()
    assert PALANTIR_NEW in page.locator("table.rows-and-columns").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"changes-since-previous-release-{width}.png"))
    feed = page.request.get(
        f"{changes_server}/{DB}/new_records_by_company_feed.atom?company_id=palantir"
    )
    assert feed.status == 200 and f"transaction:{PALANTIR_NEW}</id>" in feed.text()
    ctx.close()
    assert [u for u in seen if not u.startswith(changes_server)] == []
    assert errors == []
