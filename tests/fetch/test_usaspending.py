"""The spending_by_transaction client against a local server of the API's shape."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta

import pytest

from ice_cbp_awards.fetch.agencies import AGENCIES, fiscal_year_range
from ice_cbp_awards.fetch.http import FetchError
from ice_cbp_awards.fetch.manifest import MANIFEST_COLUMNS
from ice_cbp_awards.fetch.progress import RecordingReporter
from ice_cbp_awards.fetch.usaspending import (
    COLUMNS,
    COUNT_PATH,
    RESULT_WINDOW,
    SEARCH_PATH,
    UsaspendingClient,
    fetch_agency_year,
    plan_windows,
)

from .conftest import fast_config
from .fakes import FakeSearchApi, Fault, json_reply, make_transactions

SNAP = "2026-09-01"
FY_START, FY_END = fiscal_year_range(2026)
HEADER = (
    "Agency,Award ID,Recipient Name,Federal Action Obligation,Action Date,Modification,"
    "Product/Service Description,NAICS Description,Transaction Description,Generated Award ID,"
    "Recipient UEI,Product/Service Code,NAICS Code,Awarding Office Code,Award Type Code"
)


def install(upstream, ice=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
    ice = make_transactions("ICE", 900, FY_START, FY_END) if ice is None else ice
    cbp = make_transactions("CBP", 40, FY_START, FY_END, seed=5000)
    api = FakeSearchApi(ice + cbp, **kwargs)
    api.install(upstream)
    return api, ice


def run(upstream, session, out, reporter=None, window=RESULT_WINDOW):  # noqa: ANN001, ANN201
    client = UsaspendingClient(session, upstream.url)
    return fetch_agency_year(
        client, AGENCIES["ICE"], 2026, out, SNAP, reporter or RecordingReporter(), window=window
    )


def read_rows(path):  # noqa: ANN001, ANN201
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def manifest_rows(out):  # noqa: ANN001, ANN201
    with (out / "usaspending-cbp-ice" / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_fetch_writes_raw_layout_with_codes(upstream, make_session, tmp_path):
    _, ice = install(upstream)
    result = run(upstream, make_session(), tmp_path)

    path = tmp_path / "usaspending-cbp-ice" / SNAP / "ICE_FY2026_Contract_Obligations.csv"
    assert result.path == path
    assert path.read_bytes().split(b"\r\n", 1)[0].decode("utf-8") == HEADER
    assert list(COLUMNS) == HEADER.split(",")
    rows = read_rows(path)
    assert len(rows) == 900 == result.rows
    assert {r["Agency"] for r in rows} == {"ICE"}
    keys = [(r["Generated Award ID"], r["Modification"]) for r in rows]
    assert keys == sorted(keys)

    by_desc = {r["Transaction Description"]: r for r in rows}
    for rec in ice[:25]:
        row = by_desc[rec["Transaction Description"]]
        assert row["Award ID"] == rec["Award ID"]
        assert row["Generated Award ID"] == rec["generated_internal_id"]
        assert row["Award Type Code"] == rec["award_type_code"]
        assert row["Action Date"] == rec["Action Date"]
        assert float(row["Federal Action Obligation"]) == rec["Transaction Amount"]
        assert row["Recipient UEI"] == (rec["Recipient UEI"] or "")
        assert (row["Product/Service Code"], row["NAICS Code"]) == ("7A21", "541511")
        assert row["NAICS Description"] == "CUSTOM COMPUTER PROGRAMMING SERVICES"
        assert row["Awarding Office Code"] == ""  # the API has no such field
    assert {r["Federal Action Obligation"] for r in rows} >= {"-2500.25", "0.0", "125000.5"}

    (entry,) = manifest_rows(tmp_path)
    assert list(entry) == MANIFEST_COLUMNS
    assert entry["path"] == f"{SNAP}/ICE_FY2026_Contract_Obligations.csv"
    assert (entry["fiscal_year"], entry["rows"], entry["agency"]) == ("2026", "900", "ICE")
    assert (entry["api_reported_rows"], entry["completeness"]) == ("900", "complete")
    assert entry["intermediary_commit"] == ""
    assert entry["retrieved_at"].endswith("+00:00")
    bodies = json.loads(entry["request_bodies"])
    assert {tuple(b["filters"]["award_type_codes"]) for b in bodies} == {
        ("A",),
        ("B",),
        ("C",),
        ("D",),
    }
    searches = [b for b in bodies if "fields" in b]
    assert all(b["page"] == 1 and b["limit"] == 100 for b in searches)
    assert (
        searches[0]["filters"]["agencies"][0]["name"] == "U.S. Immigration and Customs Enforcement"
    )

    # 225 records per award type: pages 1..3 of each, each asked for once
    pages = sorted(
        (c.body["filters"]["award_type_codes"][0], c.body["page"])
        for c in upstream.calls(SEARCH_PATH)
    )
    assert pages == [(t, p) for t in "ABCD" for p in (1, 2, 3)]
    assert len(upstream.calls(COUNT_PATH)) == 4
    assert not (tmp_path / "usaspending-cbp-ice" / SNAP / ".partial").exists()


def test_date_ranges_are_cut_to_stay_under_the_window(upstream, make_session, tmp_path):
    busy = make_transactions("ICE", 150, date(2025, 11, 1), date(2025, 11, 30), types="A")
    calm = make_transactions("ICE", 100, FY_START, FY_END, seed=300, types="A")
    api, _ = install(upstream, ice=busy + calm, window=120)
    result = run(upstream, make_session(), tmp_path, window=120)

    assert result.rows == 250
    assert all(c.status == 200 for c in upstream.log)  # never a page past the window
    type_a = [w for w in result.windows if w.award_type == "A"]
    assert len(type_a) > 1 and all(w.count < 120 for w in type_a)
    assert type_a[0].start == FY_START and type_a[-1].end == FY_END
    for before, after in zip(type_a, type_a[1:], strict=False):
        assert after.start == before.end + timedelta(days=1)
    november = [w for w in type_a if w.start.month == 11]
    assert len(november) == 2  # the busy month was cut in halves
    assert manifest_rows(tmp_path)[0]["completeness"] == "complete"


def test_plan_windows_at_the_real_50000_window():
    per_day = {}
    day = FY_START
    while day <= FY_END:
        per_day[day] = 2000 if day.month == 3 else 300  # March: 62,000 records
        day += timedelta(days=1)

    def count(s: date, e: date) -> int:
        return sum(n for d, n in per_day.items() if s <= d <= e)

    windows = plan_windows(count, FY_START, FY_END)
    assert sum(n for _, _, n in windows) == count(FY_START, FY_END)
    assert all(n < RESULT_WINDOW for _, _, n in windows)
    march = [(s, e) for s, e, _ in windows if s.month == 3]
    assert march == [(date(2026, 3, 1), date(2026, 3, 16)), (date(2026, 3, 17), date(2026, 3, 31))]
    assert (date(2025, 10, 1), date(2025, 10, 31)) in [(s, e) for s, e, _ in windows]


def test_a_single_day_over_the_window_asks_for_the_bulk_download():
    with pytest.raises(FetchError, match="usaspending-bulk"):
        plan_windows(lambda s, e: 60_000, date(2026, 3, 1), date(2026, 3, 1))


def test_server_refusing_a_page_past_its_window_is_one_clear_line(upstream, make_session, tmp_path):
    install(upstream, window=100)
    with pytest.raises(FetchError) as info:
        run(upstream, make_session(), tmp_path)
    message = str(info.value)
    assert "HTTP 422" in message and "maximum result limit (100)" in message
    assert "\n" not in message


def test_429_timeout_and_cut_body_then_success(upstream, make_session, tmp_path):
    install(upstream)
    upstream.fault(
        SEARCH_PATH,
        Fault("status", status=429, retry_after="0"),
        Fault("stall", seconds=1.2),
        Fault("truncate"),
        Fault("status", status=502),
    )
    upstream.fault(COUNT_PATH, Fault("truncate"))
    reporter = RecordingReporter()
    config = fast_config(max_attempts=6, read_timeout=0.5)
    session = make_session(config=config, on_retry=reporter.warn)
    result = run(upstream, session, tmp_path, reporter)
    assert result.rows == 900
    assert manifest_rows(tmp_path)[0]["completeness"] == "complete"
    calls = upstream.calls(SEARCH_PATH)
    assert len(calls) == 12 + 4  # four pages needed a second try
    pages = {(c.body["filters"]["award_type_codes"][0], c.body["page"]) for c in calls}
    assert pages == {(t, p) for t in "ABCD" for p in (1, 2, 3)}
    assert len(reporter.warnings) == 5  # the retries were reported


def test_empty_page_of_a_type_with_no_records(upstream, make_session, tmp_path):
    ice = make_transactions("ICE", 90, FY_START, FY_END, types="ACD")
    install(upstream, ice=ice)
    result = run(upstream, make_session(), tmp_path)
    assert result.rows == 90
    b_calls = [
        c for c in upstream.calls(SEARCH_PATH) if c.body["filters"]["award_type_codes"] == ["B"]
    ]
    assert len(b_calls) == 1  # one empty page, then done
    assert manifest_rows(tmp_path)[0]["completeness"] == "complete"


def _page_error(upstream, make_session, tmp_path, **kwargs) -> str:  # noqa: ANN001
    install(upstream, **kwargs)
    with pytest.raises(FetchError) as caught:
        run(upstream, make_session(), tmp_path)
    message = str(caught.value)
    assert message.startswith(f"POST {upstream.url}{SEARCH_PATH} page ") and "\n" not in message
    assert not (tmp_path / "usaspending-cbp-ice" / "manifest.csv").exists()
    return message


def test_an_empty_page_where_the_count_promised_records_is_an_error(
    upstream, make_session, tmp_path
):
    message = _page_error(upstream, make_session, tmp_path, empty_types=("D",))
    assert "page 1 (ICE FY2026 D 2025-10-01..2026-09-30)" in message
    assert "hasNext is false after 0 records, but the count for this query is 225" in message


def test_a_page_with_more_records_than_the_limit_is_an_error(upstream, make_session, tmp_path):
    message = _page_error(upstream, make_session, tmp_path, oversize_page=2)
    assert "page 2 (ICE FY2026 A " in message
    assert "holds 101 records, more than the limit of 100" in message


def test_has_next_false_before_the_count_is_an_error(upstream, make_session, tmp_path):
    message = _page_error(upstream, make_session, tmp_path, flip_has_next_page=2)
    assert "page 2 (ICE FY2026 A " in message
    assert "hasNext is false after 200 records, but the count for this query is 225" in message


def test_has_next_true_on_a_short_last_page_is_an_error(upstream, make_session, tmp_path):
    message = _page_error(upstream, make_session, tmp_path, flip_has_next_page=3)
    assert "page 3 (ICE FY2026 A " in message
    assert "hasNext is true, but the page holds 25 of 100 records" in message


def test_has_next_true_once_the_count_is_reached_is_an_error(upstream, make_session, tmp_path):
    ice = make_transactions("ICE", 800, FY_START, FY_END)  # 200 a type: two full pages
    message = _page_error(upstream, make_session, tmp_path, ice=ice, flip_has_next_page=2)
    assert "hasNext is true after 200 records, but the count for this query is 200" in message


def test_records_repeated_across_pages_are_dropped(upstream, make_session, tmp_path):
    install(upstream, overlap=True)  # unstable paging: repeats one record, loses another
    reporter = RecordingReporter()
    result = run(upstream, make_session(), tmp_path, reporter)
    rows = read_rows(result.path)
    assert len({tuple(r.values()) for r in rows}) == len(rows)
    # each type: page 2 repeats the last record of page 1, page 3 starts one record early,
    # so one record per type comes twice and the last one never comes
    assert result.duplicates_dropped == 4
    assert len(rows) == 896
    assert manifest_rows(tmp_path)[0]["completeness"] == "short"
    assert any("repeated across pages" in w for w in reporter.warnings)


def test_resumes_after_an_interruption_without_repeating_a_page(upstream, make_session, tmp_path):
    api, _ = install(upstream)
    broken = {"on": True}

    def search(req):  # noqa: ANN001, ANN202
        f = req.body["filters"]
        if broken["on"] and f["award_type_codes"] == ["C"] and req.body["page"] == 2:
            return json_reply({"detail": "upstream down"}, 503)
        return api.search(req)

    upstream.route("POST", SEARCH_PATH, search)
    with pytest.raises(FetchError, match="HTTP 503"):
        run(upstream, make_session(), tmp_path)
    partial = tmp_path / "usaspending-cbp-ice" / SNAP / ".partial"
    assert (partial / "plan-ICE-FY2026.json").exists()
    assert not (tmp_path / "usaspending-cbp-ice" / "manifest.csv").exists()
    counts_before = len(upstream.calls(COUNT_PATH))

    broken["on"] = False
    result = run(upstream, make_session(), tmp_path)
    assert result.rows == 900
    ok_pages = [
        (c.body["filters"]["award_type_codes"][0], c.body["page"])
        for c in upstream.calls(SEARCH_PATH)
        if c.status == 200
    ]
    assert sorted(ok_pages) == [(t, p) for t in "ABCD" for p in (1, 2, 3)]  # each page once
    assert len(upstream.calls(COUNT_PATH)) == counts_before  # the stored plan was reused
    assert not partial.exists()


def test_both_agencies_share_a_snapshot_and_manifest(upstream, make_session, tmp_path):
    install(upstream)
    client = UsaspendingClient(make_session(), upstream.url)
    for acronym in ("ICE", "CBP"):
        fetch_agency_year(client, AGENCIES[acronym], 2026, tmp_path, SNAP, RecordingReporter())
    entries = manifest_rows(tmp_path)
    assert [(e["agency"], e["rows"]) for e in entries] == [("CBP", "40"), ("ICE", "900")]
    cbp_rows = read_rows(
        tmp_path / "usaspending-cbp-ice" / SNAP / "CBP_FY2026_Contract_Obligations.csv"
    )
    assert {r["Agency"] for r in cbp_rows} == {"CBP"}
    assert all("_7014_" in r["Generated Award ID"] for r in cbp_rows)
