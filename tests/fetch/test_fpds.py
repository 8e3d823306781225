"""The FPDS ATOM parser on documents written here, and the feed client on a local server."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from ice_cbp_awards.fetch.agencies import AGENCIES
from ice_cbp_awards.fetch.fpds import COLUMNS, FpdsClient, fetch_range, parse_feed, query_string
from ice_cbp_awards.fetch.http import FetchError, TransientBody
from ice_cbp_awards.fetch.progress import RecordingReporter

from .fakes import FakeFpdsFeed, Fault, award_xml, feed_xml, idv_xml

SNAP = "2026-09-01"
HEADER = (
    "award_id_piid,modification_number,transaction_number,parent_award_agency_id,"
    "parent_award_id_piid,federal_action_obligation,action_date,awarding_agency_code,"
    "awarding_sub_agency_code,awarding_office_code,awarding_office_name,recipient_name,"
    "recipient_uei,transaction_description,product_or_service_code,"
    "product_or_service_code_description,naics_code,naics_description,last_modified_date"
)
STAFF_IDS = ("JANE.DOE@ICE.DHS.GOV", "JOHN.ROE@ICE.DHS.GOV")
ADDRESS = ("1200 EXAMPLE STREET NW", "2025550100")
FEED = "http://127.0.0.1:9/ezsearch/FEEDS/ATOM"


def test_parser_reads_the_package_values_and_nothing_personal():
    doc = feed_xml(
        [
            award_xml("70CTD026F00000123", mod="P00002", amount="-1500.75"),
            idv_xml("70CTD026D00000001"),
            award_xml("70CDCR26P00000009", ref_piid=None, with_vendor_header=False),
        ],
        "q",
        0,
        3,
        FEED,
    )
    page = parse_feed(doc)
    assert (page.entries, page.skipped, page.has_next, page.last_start) == (3, ["IDV"], False, None)
    first, second = page.records
    assert list(first) == COLUMNS
    assert first == {
        "award_id_piid": "70CTD026F00000123",
        "modification_number": "P00002",
        "transaction_number": "0",
        "parent_award_agency_id": "4732",
        "parent_award_id_piid": "GS35F0119Y",
        "federal_action_obligation": "-1500.75",
        "action_date": "2025-11-03",
        "awarding_agency_code": "070",
        "awarding_sub_agency_code": "7012",
        "awarding_office_code": "70CTD0",
        "awarding_office_name": "INFORMATION TECHNOLOGY DIVISION",
        "recipient_name": "PALANTIR USG INC",
        "recipient_uei": "Q8D2VBXW4KS7",
        "transaction_description": "CASE MANAGEMENT SOFTWARE O&M",
        "product_or_service_code": "DA01",
        "product_or_service_code_description": "IT AND TELECOM - BUSINESS APPLICATION SOFTWARE",
        "naics_code": "541511",
        "naics_description": "CUSTOM COMPUTER PROGRAMMING SERVICES",
        "last_modified_date": "2025-11-04",
    }
    # no referenced IDV: empty parent; no vendor header: the SAM legal name
    assert (second["parent_award_agency_id"], second["parent_award_id_piid"]) == ("", "")
    assert second["recipient_name"] == "PALANTIR USG INC LEGAL"
    text = json.dumps(page.records)
    for secret in STAFF_IDS + ADDRESS:
        assert secret not in text


def test_parser_reads_pagination_links():
    doc = feed_xml([award_xml("P1")], "q", 10, 95, FEED)
    page = parse_feed(doc)
    assert page.has_next and page.last_start == 90


@pytest.mark.parametrize(
    "doc",
    [
        feed_xml([award_xml("P1")], "q", 0, 1, FEED)[:-200],  # cut mid-document
        b"<html><body>Service Unavailable</body></html>",
    ],
)
def test_parser_treats_cut_or_foreign_documents_as_transient(doc):
    with pytest.raises(TransientBody):
        parse_feed(doc)


def test_query_string_names_agency_dates_and_awards():
    q = query_string(AGENCIES["CBP"], date(2025, 10, 1), date(2026, 9, 30))
    assert (
        q
        == 'CONTRACTING_AGENCY_ID:"7014" SIGNED_DATE:[2025/10/01,2026/09/30] CONTRACT_TYPE:"AWARD"'
    )


def _records(n: int) -> list[str]:
    return [
        award_xml(
            f"70CTD026F{i:08d}",
            mod=str(i % 2),
            amount=f"{i * 10}.00",
            signed=f"2025-11-{1 + i % 28:02d} 00:00:00",
        )
        for i in range(n)
    ]


def test_fetch_pages_through_the_feed(upstream, make_session, tmp_path):
    feed = FakeFpdsFeed(upstream, _records(23))
    feed.install()
    upstream.fault(feed.path, Fault("status", status=429, retry_after="0"), Fault("truncate"))
    client = FpdsClient(make_session(config=None), upstream.url + feed.path)
    reporter = RecordingReporter()
    res = fetch_range(
        client, AGENCIES["ICE"], date(2025, 10, 1), date(2026, 9, 30), tmp_path, SNAP, reporter
    )

    path = tmp_path / "fpds-atom" / SNAP / "FPDS_ICE_2025-10-01_2026-09-30.csv"
    assert res.path == path
    assert path.read_bytes().split(b"\r\n", 1)[0].decode() == HEADER
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 23 == res.rows
    assert [r["award_id_piid"] for r in rows] == sorted(r["award_id_piid"] for r in rows)
    content = path.read_text(encoding="utf-8")
    for secret in STAFF_IDS + ADDRESS:
        assert secret not in content

    starts = [c.query["start"][0] for c in upstream.calls(feed.path) if c.status == 200]
    assert sorted(set(starts), key=int) == ["0", "10", "20"]
    first = upstream.calls(feed.path)[0]
    assert first.query["FEEDNAME"] == ["PUBLIC"]
    assert first.query["q"] == [query_string(AGENCIES["ICE"], date(2025, 10, 1), date(2026, 9, 30))]

    with (tmp_path / "fpds-atom" / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        (entry,) = list(csv.DictReader(fh))
    assert entry["path"] == f"{SNAP}/FPDS_ICE_2025-10-01_2026-09-30.csv"
    assert (entry["fiscal_year"], entry["rows"], entry["agency"]) == ("2026", "23", "ICE")
    assert (entry["api_reported_rows"], entry["completeness"]) == ("23", "complete")
    assert json.loads(entry["request_bodies"])[0]["params"]["start"] == 0
    assert not (tmp_path / "fpds-atom" / SNAP / ".partial").exists()


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ({"oversize_start": 10}, "start=10: 11 entries, more than the page size of 10"),
        ({"no_next_start": 10}, "start=10: no next link, but the feed's last page starts at 20"),
    ],
)
def test_a_page_that_disagrees_with_the_feed_is_an_error(
    upstream, make_session, tmp_path, setting, problem
):
    feed = FakeFpdsFeed(upstream, _records(23), **setting)
    feed.install()
    client = FpdsClient(make_session(), upstream.url + feed.path)
    with pytest.raises(FetchError) as caught:
        fetch_range(client, AGENCIES["ICE"], date(2025, 10, 1), date(2026, 9, 30), tmp_path, SNAP)
    assert str(caught.value).startswith(f"GET {upstream.url}{feed.path} ")
    assert problem in str(caught.value)
    assert not (tmp_path / "fpds-atom" / "manifest.csv").exists()


def test_fetch_skips_idv_entries_and_says_so(upstream, make_session, tmp_path):
    records = _records(4) + [idv_xml("70CTD026D00000001")]
    FakeFpdsFeed(upstream, records).install()
    client = FpdsClient(make_session(), upstream.url + "/ezsearch/FEEDS/ATOM")
    reporter = RecordingReporter()
    res = fetch_range(
        client, AGENCIES["ICE"], date(2025, 11, 1), date(2025, 11, 30), tmp_path, SNAP, reporter
    )
    assert (res.rows, res.entries, res.api_reported_entries) == (4, 5, 5)
    assert res.manifest_row.completeness == "complete"
    assert any("IDV" in w for w in reporter.warnings)


def test_fetch_resumes_from_its_checkpoint(upstream, make_session, tmp_path):
    feed = FakeFpdsFeed(upstream, _records(35))
    feed.install()
    calls = {"n": 0}

    def flaky(req):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if req.query["start"] == ["20"] and calls["n"] < 10:
            from .fakes import Reply

            return Reply(500, b"oops", content_type="text/plain")
        return feed.page(req)

    upstream.route("GET", feed.path, flaky)
    client = FpdsClient(make_session(), upstream.url + feed.path)
    args = (AGENCIES["ICE"], date(2025, 11, 1), date(2025, 11, 30), tmp_path, SNAP)
    with pytest.raises(Exception, match="HTTP 500"):
        fetch_range(client, *args)
    calls["n"] = 100
    res = fetch_range(client, *args)
    assert res.rows == 35
    ok = [c.query["start"][0] for c in upstream.calls(feed.path) if c.status == 200]
    assert sorted(ok, key=int) == ["0", "10", "20", "30"]  # pages 0 and 10 not fetched again
