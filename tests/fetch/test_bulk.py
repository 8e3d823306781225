"""The bulk download flow on a local server: request, poll (three times), download, unpack."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from ice_cbp_awards.fetch.agencies import AGENCIES
from ice_cbp_awards.fetch.http import FetchError
from ice_cbp_awards.fetch.progress import RecordingReporter
from ice_cbp_awards.fetch.usaspending_bulk import (
    REQUEST_PATH,
    BulkClient,
    BulkConfig,
    fetch_bulk,
)

from .fakes import FakeBulkApi

SNAP = "2026-09-01"
STATUS = "/api/v2/download/status"


def client_for(upstream, session, **config):  # noqa: ANN001, ANN003, ANN201
    cfg = BulkConfig(poll_interval=0.001, max_wait=config.pop("max_wait", 60.0))
    return BulkClient(session, upstream.url, cfg)


def manifest(out):  # noqa: ANN001, ANN201
    with (out / "usaspending-bulk" / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_job_that_takes_three_polls_is_downloaded_and_unpacked(upstream, make_session, tmp_path):
    api = FakeBulkApi(upstream, csv_rows=3, polls_before_finished=2)
    api.install()
    reporter = RecordingReporter()
    (job,) = fetch_bulk(
        client_for(upstream, make_session()),
        AGENCIES["ICE"],
        date(2025, 10, 1),
        date(2026, 9, 30),
        tmp_path,
        SNAP,
        reporter,
    )
    (submitted,) = upstream.calls(REQUEST_PATH)
    filters = submitted.body["filters"]
    assert filters["prime_award_types"] == ["A", "B", "C", "D"]
    assert filters["date_range"] == {"start_date": "2025-10-01", "end_date": "2026-09-30"}
    assert filters["agencies"][0]["name"] == "U.S. Immigration and Customs Enforcement"
    assert [c.status for c in upstream.calls(STATUS)] == [200, 200, 200]  # ready, running, done

    folder = tmp_path / "usaspending-bulk" / SNAP / "ICE_2025-10-01_2026-09-30"
    assert [p.parent for p in job.files] == [folder, folder]
    assert not (tmp_path / "usaspending-bulk" / "escape").exists()  # no path leaves the folder
    assert not list(folder.glob("*.txt"))
    assert job.rows == 4 == job.api_reported_rows  # quoted newlines counted once

    entries = manifest(tmp_path)
    assert [e["path"] for e in entries] == [
        f"{SNAP}/ICE_2025-10-01_2026-09-30/{p.name}" for p in job.files
    ]
    assert {e["completeness"] for e in entries} == {"complete"}
    assert {e["fiscal_year"] for e in entries} == {"2026"}
    assert json.loads(entries[0]["request_bodies"])[0] == submitted.body
    assert not (tmp_path / "usaspending-bulk" / SNAP / ".partial").exists()


def test_ranges_longer_than_366_days_make_several_jobs(upstream, make_session, tmp_path):
    FakeBulkApi(upstream, polls_before_finished=0).install()
    jobs = fetch_bulk(
        client_for(upstream, make_session()),
        AGENCIES["CBP"],
        date(2023, 10, 1),
        date(2025, 9, 30),
        tmp_path,
        SNAP,
    )
    ranges = [c.body["filters"]["date_range"] for c in upstream.calls(REQUEST_PATH)]
    assert ranges == [
        {"start_date": "2023-10-01", "end_date": "2024-09-30"},
        {"start_date": "2024-10-01", "end_date": "2025-09-30"},
    ]
    for r in ranges:
        span = date.fromisoformat(r["end_date"]) - date.fromisoformat(r["start_date"])
        assert span.days + 1 <= 366
    assert len(jobs) == 2 and len(manifest(tmp_path)) == 4


def test_failed_job_is_one_clear_line(upstream, make_session, tmp_path):
    FakeBulkApi(upstream, fail=True).install()
    with pytest.raises(FetchError) as info:
        fetch_bulk(
            client_for(upstream, make_session()),
            AGENCIES["ICE"],
            date(2025, 10, 1),
            date(2025, 12, 31),
            tmp_path,
            SNAP,
        )
    assert "failed upstream: Download job failed: query timed out" in str(info.value)


def test_rerun_keeps_waiting_for_the_same_job(upstream, make_session, tmp_path):
    api = FakeBulkApi(upstream, polls_before_finished=5)
    api.install()
    args = (AGENCIES["ICE"], date(2025, 10, 1), date(2025, 12, 31), tmp_path, SNAP)
    with pytest.raises(FetchError, match="rerun the same command"):
        fetch_bulk(client_for(upstream, make_session(), max_wait=0.0), *args)
    job = fetch_bulk(client_for(upstream, make_session()), *args)[0]
    assert len(upstream.calls(REQUEST_PATH)) == 1  # no second job was asked for
    assert job.rows == 4


def test_damaged_zip_is_downloaded_again(upstream, make_session, tmp_path):
    api = FakeBulkApi(upstream, polls_before_finished=0, corrupt_first_download=True)
    api.install()
    job = fetch_bulk(
        client_for(upstream, make_session()),
        AGENCIES["ICE"],
        date(2025, 10, 1),
        date(2025, 12, 31),
        tmp_path,
        SNAP,
    )[0]
    assert [j["downloads"] for j in api.jobs.values()] == [2]
    assert job.rows == 4
