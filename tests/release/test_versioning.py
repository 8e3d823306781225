"""The written version scheme: calendar data versions, semantic schema versions, file names."""

from __future__ import annotations

import pytest

from ice_cbp_awards.versioning import (
    VersionError,
    data_version_for_snapshot,
    parse_data_version,
    parse_release_name,
    parse_schema_version,
    release_name,
    release_timestamp,
)


@pytest.mark.parametrize(
    ("snapshot", "patch", "expected"),
    [
        ("2026-08-22", 0, "2026.8.22"),
        ("2026-03-02", 0, "2026.3.2"),
        ("2026-05-05", 0, "2026.5.5"),
        ("2026-12-31", 0, "2026.12.31"),
        ("2026-08-22", 1, "2026.8.22.1"),
        ("2026-08-22", 12, "2026.8.22.12"),
    ],
)
def test_data_version_follows_the_snapshot(snapshot: str, patch: int, expected: str) -> None:
    assert data_version_for_snapshot(snapshot, patch) == expected
    parsed = parse_data_version(expected)
    assert parsed.snapshot == snapshot
    assert parsed.patch == patch
    assert str(parsed) == expected


@pytest.mark.parametrize("bad", ["2026-8-22", "2026-02-30", "20260822", "2026-13-01", ""])
def test_bad_snapshots_are_refused(bad: str) -> None:
    with pytest.raises(VersionError):
        data_version_for_snapshot(bad)


def test_negative_patch_is_refused() -> None:
    with pytest.raises(VersionError):
        data_version_for_snapshot("2026-08-22", -1)


@pytest.mark.parametrize(
    "bad", ["2026.08.22", "2026.8.22.0", "2026.2.30", "v2026.8.22", "2026.8", "1.0.0"]
)
def test_only_the_canonical_spelling_parses(bad: str) -> None:
    with pytest.raises(VersionError):
        parse_data_version(bad)


def test_versions_order_by_date_then_patch() -> None:
    ordered = ["2026.3.2", "2026.5.5", "2026.8.22", "2026.8.22.1", "2026.8.22.2", "2026.10.1"]
    shuffled = [ordered[i] for i in (5, 2, 0, 4, 1, 3)]
    assert sorted(shuffled, key=parse_data_version) == ordered


def test_schema_versions_compare_numerically() -> None:
    assert parse_schema_version("1.10.0") > parse_schema_version("1.9.3")
    assert parse_schema_version("2.0.0") > parse_schema_version("1.99.99")
    for bad in ("1.0", "01.0.0", "1.0.0-rc1", "2026.8.22.1"):
        with pytest.raises(VersionError):
            parse_schema_version(bad)


def test_release_name_carries_both_versions_and_parses_back() -> None:
    name = release_name("ice-cbp-tech-awards", "2026.8.22.1", "1.2.0")
    assert name == "ice-cbp-tech-awards-2026.8.22.1-schema-1.2.0"
    assert parse_release_name(name + ".zip") == ("ice-cbp-tech-awards", "2026.8.22.1", "1.2.0")
    with pytest.raises(VersionError):
        parse_release_name("ice-cbp-tech-awards-2026.8.22")
    with pytest.raises(VersionError):
        release_name("ice-cbp-tech-awards", "2026.8.22", "1.2")


def test_release_timestamp_is_the_snapshot_date() -> None:
    assert release_timestamp("2026.8.22.3").isoformat() == "2026-08-22T00:00:00+00:00"
