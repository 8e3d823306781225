"""Fixtures of the release tests.

`fake_*`: a small release-like package (three snapshots of a few rows, the shape the build
writes) and a build function for it, so release, verify and diff are tested in milliseconds.
`real_releases`: releases of the three real usaspending-cbp-ice snapshots, made once per
session with the real build.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ice_cbp_awards.publish.sqlite import write_database
from ice_cbp_awards.release import schema_guard
from ice_cbp_awards.versioning import data_version_for_snapshot

SNAPSHOTS = ["2026-03-02", "2026-05-05", "2026-08-22"]

FAKE_SCHEMAS: dict[str, dict[str, Any]] = {
    "sources": {
        "fields": [
            {"name": "source_id", "type": "string", "description": "Source file id.",
             "constraints": {"required": True, "unique": True}},
            {"name": "path", "type": "string", "description": "Raw file path."},
            {"name": "sha256", "type": "string", "description": "Raw file checksum."},
        ],
        "primaryKey": ["source_id"],
        "missingValues": [""],
    },
    "transactions": {
        "fields": [
            {"name": "transaction_id", "type": "string", "description": "Id.",
             "constraints": {"required": True, "unique": True}},
            {"name": "award_id_usaspending", "type": "string", "description": "Award key."},
            {"name": "agency_acronym", "type": "string", "description": "Agency.",
             "constraints": {"required": True, "enum": ["ICE", "CBP"]}},
            {"name": "action_date", "type": "date", "description": "Action date."},
            {"name": "federal_action_obligation_usd", "type": "number", "unit": "USD",
             "description": "Obligation.", "constraints": {"required": True}},
            {"name": "recipient_name", "type": "string", "description": "Recipient."},
            {"name": "award_page_url", "type": "string", "format": "uri",
             "description": "Award page."},
            {"name": "source_id", "type": "string", "description": "Source file."},
            {"name": "raw_line_number", "type": "integer", "description": "Raw line."},
            {"name": "retrieved_at", "type": "datetime", "description": "Retrieved."},
        ],
        "primaryKey": ["transaction_id"],
        "foreignKeys": [
            {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}}
        ],
        "missingValues": [""],
    },
    "build_report": {
        "fields": [
            {"name": "source_id", "type": "string", "description": "Source file."},
            {"name": "agency_acronym", "type": "string", "description": "Agency."},
            {"name": "rows_published", "type": "integer", "description": "Rows."},
        ],
        "primaryKey": ["source_id", "agency_acronym"],
        "foreignKeys": [
            {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}}
        ],
        "missingValues": [""],
    },
}  # fmt: skip

# transaction_id -> (agency, date, amount, recipient) per snapshot; None = absent.
FAKE_ROWS: dict[str, dict[str, tuple[str, str, str, str] | None]] = {
    "2026-03-02": {
        "tx-a": ("ICE", "2025-10-01", "100.0", "PALANTIR USG INC"),
        "tx-b": ("ICE", "2025-11-15", "50.5", "DELL FEDERAL SYSTEMS L.P."),
        "tx-c": ("CBP", "2025-12-01", "10.0", "AMAZON WEB SERVICES INC"),
        "tx-d": ("CBP", "2026-01-05", "0.0", "WESTWIND COMPUTER PRODUCTS INC"),
    },
    "2026-05-05": {
        "tx-a": ("ICE", "2025-10-01", "100.0", "PALANTIR USG INC"),
        "tx-b": ("ICE", "2025-11-15", "75.25", "DELL FEDERAL SYSTEMS L.P."),
        "tx-d": ("CBP", "2026-01-05", "0.0", "WESTWIND COMPUTER PRODUCTS INC"),
        "tx-e": ("ICE", "2026-04-01", "20.0", "PALANTIR USG INC"),
    },
    "2026-08-22": {
        "tx-a": ("ICE", "2025-10-01", "100.0", "PALANTIR USG INC"),
        "tx-b": ("ICE", "2025-11-15", "75.25", "DELL FEDERAL SYSTEMS L.P."),
        "tx-c": ("CBP", "2025-12-01", "10.0", "AMAZON WEB SERVICES INC"),
        "tx-d": ("CBP", "2026-01-05", "0.0", "WESTWIND COMPUTER PRODUCTS INC"),
        "tx-e": ("ICE", "2026-04-01", "20.0", "PALANTIR TECHNOLOGIES INC"),
        "tx-f": ("CBP", "2026-07-01", "-2.32", "AMAZON WEB SERVICES INC"),
    },
}

FAKE_DESCRIPTOR: dict[str, Any] = {
    "profile": "data-package",
    "name": "fake-awards",
    "title": "Fake award records",
    "description": "A tiny package shaped like the real one, for tests.",
    "homepage": "https://example.org/fake-awards",
    "keywords": ["test"],
    "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
    "contributors": [{"title": "Fake maintainers", "role": "author"}],
}


def _csv(rows: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def fake_tables(snapshot: str) -> dict[str, list[list[str]]]:
    """The three resources' rows (header first) of one fake snapshot."""
    source = f"fake/{snapshot}/fy2026"
    sources = [["source_id", "path", "sha256"], [source, f"fake/{snapshot}/fy2026.csv",
               snapshot.replace("-", "") * 8]]  # fmt: skip
    tx = [[f["name"] for f in FAKE_SCHEMAS["transactions"]["fields"]]]
    for line, (tid, row) in enumerate(sorted(FAKE_ROWS[snapshot].items()), start=2):
        agency, date, amount, recipient = row
        key = f"CONT_AWD_{tid.upper()}_7012_-NONE-_-NONE-"
        tx.append([tid, key, agency, date, amount, recipient,
                   f"https://www.usaspending.gov/award/{key}/", source, str(line),
                   f"{snapshot}T10:00:00Z"])  # fmt: skip
    report = [["source_id", "agency_acronym", "rows_published"]]
    for agency in ("CBP", "ICE"):
        n = sum(1 for r in FAKE_ROWS[snapshot].values() if r and r[0] == agency)
        report.append([source, agency, str(n)])
    return {"sources": sources, "transactions": tx, "build_report": report}


def write_fake_build(data_dir: Path, snapshot: str, patch: int = 0,
                     schemas: dict[str, Any] | None = None) -> None:  # fmt: skip
    """Write what the build writes, for the fake package, into data_dir."""
    schemas = schemas or FAKE_SCHEMAS
    data_dir.mkdir(parents=True)
    resources = []
    for name, rows in fake_tables(snapshot).items():
        fields = [f["name"] for f in schemas[name]["fields"]]
        keep = [rows[0].index(f) for f in fields]
        text = _csv([[r[i] for i in keep] for r in rows])
        (data_dir / f"{name}.csv").write_text(text, encoding="utf-8")
        resources.append({"name": name, "path": f"{name}.csv", "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8",
                          "schema": schemas[name]})  # fmt: skip
    desc = {**FAKE_DESCRIPTOR, "version": data_version_for_snapshot(snapshot, patch),
            "schema_version": "1.0.0", "snapshot": snapshot, "resources": resources}  # fmt: skip
    (data_dir / "datapackage.json").write_text(json.dumps(desc, indent=2), encoding="utf-8")
    timing = random.random()
    (data_dir / "build_report.json").write_text(
        json.dumps({"snapshot": snapshot, "timings_seconds": {"read": timing}}), encoding="utf-8"
    )
    (data_dir / "validation").mkdir()
    (data_dir / "validation" / "frictionless.json").write_text(
        json.dumps({"validator": "frictionless", "ok": True, "seconds": timing}), encoding="utf-8"
    )
    (data_dir / "validation" / "report.html").write_text(
        f"<html><p>frictionless: passed, 3 checks, 0 errors, {timing * 100:.1f} s</p></html>\n"
    )
    write_database(data_dir, data_dir / "fake-awards.db")  # typed, as the build writes it


@dataclass
class FakeEnv:
    """Paths a fake release needs besides the build: changelog and schema lock."""

    changelog: Path
    lock: Path

    def build(self, raw_root: Path, data_dir: Path, snapshot: str | None = None,
              patch: int = 0) -> None:  # fmt: skip
        write_fake_build(data_dir, snapshot or SNAPSHOTS[-1], patch)


@pytest.fixture
def fake_env(tmp_path: Path) -> FakeEnv:
    changelog = tmp_path / "CHANGELOG.md"
    entries = ["# Changelog", "", "## [Unreleased]", ""]
    for snap in reversed(SNAPSHOTS):
        for patch in (1, 0):
            entries += [f"## [{data_version_for_snapshot(snap, patch)}] - {snap}", "",
                        "### Changed", "", f"- Upstream snapshot {snap}.", ""]  # fmt: skip
    changelog.write_text("\n".join(entries), encoding="utf-8")
    lock = tmp_path / "schema_versions.csv"
    fields = {n: [(f["name"], f["type"]) for f in s["fields"]] for n, s in FAKE_SCHEMAS.items()}
    schema_guard.add_to_lock("1.0.0", fields, lock)
    return FakeEnv(changelog, lock)


@pytest.fixture
def fake_release(tmp_path: Path, fake_env: FakeEnv):
    """A function making a fake release of a snapshot into a dist dir."""
    from ice_cbp_awards.pipeline import make_release

    def make(snapshot: str = SNAPSHOTS[-1], dist: Path | None = None, **kwargs: Any):
        return make_release(snapshot, tmp_path / "raw", dist or tmp_path / "dist",
                            changelog=fake_env.changelog, lock_path=fake_env.lock,
                            build=fake_env.build, **kwargs)  # fmt: skip

    return make


@pytest.fixture(scope="session")
def real_releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Releases of the three real snapshots (one build each), shared by the session."""
    from ice_cbp_awards.pipeline import make_release

    dist = tmp_path_factory.mktemp("real-dist")
    return {snap: make_release(snap, dist_dir=dist) for snap in SNAPSHOTS}
