"""Checkpoints never store a page twice; manifests keep other rows and measure files."""

from __future__ import annotations

import csv
import hashlib
import json

import pytest

from ice_cbp_awards.fetch.checkpoint import PagedCheckpoint
from ice_cbp_awards.fetch.manifest import (
    MANIFEST_COLUMNS,
    completeness,
    describe_file,
    upsert,
)

QUERY = {"endpoint": "/x/", "body": {"filters": {"a": 1}}}


def test_pages_resume_after_reopen(tmp_path):
    cp = PagedCheckpoint.open(tmp_path, QUERY)
    cp.add_page(1, [{"n": 1}, {"n": 2}], finished=False, extra=None)
    cp.add_page(2, [{"n": 3}], finished=False, extra={"k": 1})
    again = PagedCheckpoint.open(tmp_path, QUERY)
    assert (again.pages_done, again.rows, again.finished, again.extra) == (2, 3, False, {"k": 1})
    assert [r["n"] for r in again.results()] == [1, 2, 3]


def test_a_page_stored_but_not_recorded_is_dropped(tmp_path):
    """Interrupted between storing page 2 and recording it: page 2 is fetched again, once."""
    cp = PagedCheckpoint.open(tmp_path, QUERY)
    cp.add_page(1, [{"n": 1}], finished=False, extra=None)
    with cp.pages_path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"page": 2, "results": [{"n": 2}]}) + "\n")
        fh.write('{"page": 3, "resu')  # torn write
    again = PagedCheckpoint.open(tmp_path, QUERY)
    assert again.pages_done == 1
    again.add_page(2, [{"n": 2}], finished=True, extra=None)
    assert [r["n"] for r in PagedCheckpoint.open(tmp_path, QUERY).results()] == [1, 2]


def test_pages_must_come_in_order(tmp_path):
    cp = PagedCheckpoint.open(tmp_path, QUERY)
    with pytest.raises(ValueError, match="pages must come in order"):
        cp.add_page(2, [], finished=False, extra=None)


def test_remove_leaves_nothing(tmp_path):
    cp = PagedCheckpoint.open(tmp_path, QUERY)
    cp.add_page(1, [1], finished=True, extra=None)
    cp.remove()
    assert list(tmp_path.iterdir()) == []


def test_completeness_words():
    assert completeness(10, 10) == "complete"
    assert completeness(9, 10) == "short"
    assert completeness(11, 10) == "over"
    assert completeness(3, None) == "unknown"


def test_upsert_replaces_same_path_and_keeps_others(tmp_path):
    family = tmp_path / "usaspending-cbp-ice"
    (family / "2026-01-01").mkdir(parents=True)
    manifest = family / "manifest.csv"
    manifest.write_text(
        "snapshot,path,fiscal_year,rows,bytes,sha256,retrieved_at,intermediary_commit\n"
        "2025-01-01,2025-01-01/CBP_ICE_FY2024_Contract_Obligations.csv,2024,1,10,"
        + "a" * 64
        + ",2025-01-01T00:00:00-05:00,abc\n",
        encoding="utf-8",
    )
    data = family / "2026-01-01" / "ICE_FY2026_Contract_Obligations.csv"
    data.write_text('h1,h2\r\n1,"two\r\nlines"\r\n3,4\r\n', encoding="utf-8")
    bodies = [{"filters": {"award_type_codes": ["A"]}, "page": 1}]

    def row(api: int):  # noqa: ANN202
        return describe_file(
            family,
            data,
            snapshot="2026-01-01",
            fiscal_year=2026,
            retrieved_at="2026-01-01T10:00:00+00:00",
            agency="ICE",
            endpoint="POST http://x/",
            bodies=bodies,
            api_rows=api,
            fetched_rows=2,
        )

    upsert(manifest, [row(5)])
    upsert(manifest, [row(2)])
    with manifest.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == MANIFEST_COLUMNS
        rows = list(reader)
    assert [r["path"] for r in rows] == [
        "2025-01-01/CBP_ICE_FY2024_Contract_Obligations.csv",
        "2026-01-01/ICE_FY2026_Contract_Obligations.csv",
    ]
    old, new = rows
    assert old["intermediary_commit"] == "abc" and old["agency"] == ""
    assert new["rows"] == "2"  # quoted newline counted once
    assert new["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert new["bytes"] == str(data.stat().st_size)
    assert (new["api_reported_rows"], new["completeness"]) == ("2", "complete")
    assert json.loads(new["request_bodies"]) == bodies
