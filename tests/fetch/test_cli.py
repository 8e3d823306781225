"""`awards fetch ...` as a user runs it, against the local server."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from ice_cbp_awards.cli import main
from ice_cbp_awards.fetch.agencies import fiscal_year_range, today_utc

from .fakes import FakeBulkApi, FakeFpdsFeed, FakeSearchApi, award_xml, make_transactions

SNAP = "2026-09-01"
START, END = fiscal_year_range(2026)


def invoke(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_fetch_usaspending_command(upstream, tmp_path):
    FakeSearchApi(
        make_transactions("ICE", 120, START, END) + make_transactions("CBP", 30, START, END)
    ).install(upstream)
    result = invoke(
        "fetch", "usaspending", "--agency", "ICE", "--agency", "CBP", "--fiscal-year", "2026",
        "--out", str(tmp_path), "--snapshot", SNAP, "--base-url", upstream.url, "--rate", "1000",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = tmp_path / "usaspending-cbp-ice" / SNAP
    assert sorted(p.name for p in folder.iterdir()) == [
        "CBP_FY2026_Contract_Obligations.csv",
        "ICE_FY2026_Contract_Obligations.csv",
    ]
    assert "complete" in result.output


def test_fetch_fpds_and_bulk_commands(upstream, tmp_path):
    FakeFpdsFeed(upstream, [award_xml(f"70CTD026F{i:08d}") for i in range(12)]).install()
    FakeBulkApi(upstream, polls_before_finished=1).install()
    fpds = invoke(
        "fetch", "fpds", "--agency", "ICE", "--from", "2025-10-01", "--to", "2025-12-31",
        "--out", str(tmp_path), "--snapshot", SNAP, "--rate", "1000",
        "--base-url", upstream.url + "/ezsearch/FEEDS/ATOM",
    )  # fmt: skip
    assert fpds.exit_code == 0, fpds.output
    fpds_file = tmp_path / "fpds-atom" / SNAP / "FPDS_ICE_2025-10-01_2025-12-31.csv"
    with fpds_file.open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 12
    bulk = invoke(
        "fetch", "usaspending-bulk", "--agency", "ICE", "--from", "2025-10-01",
        "--to", "2025-12-31", "--out", str(tmp_path), "--rate", "1000",
        "--base-url", upstream.url, "--poll-interval", "0",
    )  # fmt: skip
    assert bulk.exit_code == 0, bulk.output
    # without --snapshot the folder is named after today's UTC date
    assert len(list((tmp_path / "usaspending-bulk" / today_utc()).rglob("*.csv"))) == 2


def test_errors_are_one_line_and_verbose_adds_detail(upstream, tmp_path):
    args = [
        "fetch", "usaspending", "--agency", "ICE", "--fiscal-year", "2026", "--out",
        str(tmp_path), "--base-url", upstream.url, "--rate", "1000", "--max-attempts", "1",
    ]  # fmt: skip
    plain = CliRunner().invoke(main, args)
    assert plain.exit_code == 1
    lines = [line for line in plain.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "HTTP 404" in lines[0]
    assert "Traceback" not in plain.output
    verbose = CliRunner().invoke(main, ["--verbose", *args])
    assert verbose.exit_code == 1
    assert "Traceback" in verbose.output or "FetchError" in verbose.output


def test_bad_dates_are_refused_before_any_request(upstream, tmp_path):
    result = CliRunner().invoke(
        main,
        ["fetch", "fpds", "--agency", "ICE", "--from", "2025-13-01", "--to", "2025-12-31",
         "--out", str(tmp_path), "--base-url", upstream.url],
    )  # fmt: skip
    assert result.exit_code == 2 and "not a date" in result.output
    assert upstream.log == []


@pytest.mark.integration
def test_a_drip_fed_answer_stops_at_the_deadline(upstream, tmp_path):
    import time

    from .fakes import Fault

    FakeSearchApi(make_transactions("ICE", 10, START, END)).install(upstream)
    upstream.persistent_faults["/api/v2/search/spending_by_transaction_count/"] = Fault(
        "drip", seconds=1.0
    )
    started = time.monotonic()
    result = invoke(
        "fetch", "usaspending", "--agency", "ICE", "--fiscal-year", "2026", "--out",
        str(tmp_path), "--snapshot", SNAP, "--base-url", upstream.url, "--rate", "1000",
        "--timeout", "5", "--deadline", "1", "--max-attempts", "1",
    )  # fmt: skip
    assert time.monotonic() - started < 1 + 0.5
    assert result.exit_code != 0
    assert "deadline of 1 s passed while reading the body" in " ".join(result.output.split())
