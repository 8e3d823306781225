"""A previous release of the publish tests' sample package, made by the real `awards release`.

It is the sample package as it stood one snapshot earlier (version 2026.5.5): two records
were not yet published (the Palantir ICM modification P00009 and the CBP AWS GovCloud order),
and the Dell order's amount was revised since. So the served sample package has, against it,
exactly two transactions added (one Palantir, one CBP/AWS) and one revised.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from ice_cbp_awards.metadata import package_descriptor, table_resources
from ice_cbp_awards.publish.serve import site_files
from ice_cbp_awards.publish.sqlite import write_database
from ice_cbp_awards.release import schema_guard
from ice_cbp_awards.release.release import ReleaseResult, make_release

from .sample_package import ROWS, VERSION, award, write_sample_package

PREVIOUS_SNAPSHOT = "2026-05-05"
PREVIOUS_VERSION = "2026.5.5"
PALANTIR_NEW = "tx-00000000000000000002"
AWS_NEW = "tx-00000000000000000006"
REVISED = "tx-00000000000000000004"
REVISED_OLD_USD = 4_000_000.5  # the served release has 4,100,000.50


def previous_rows() -> dict[str, list[dict[str, Any]]]:
    rows = copy.deepcopy(ROWS)
    for name, table in rows.items():
        rows[name] = [r for r in table if r.get("transaction_id") not in {PALANTIR_NEW, AWS_NEW}]
    for table in ("transactions", "attributions"):
        for r in rows[table]:
            if r["transaction_id"] == REVISED:
                r["federal_action_obligation_usd"] = REVISED_OLD_USD
    # Each award's figures from the transactions that release had (as the build makes them);
    # an award none of whose transactions was published yet is not in it.
    keys = {t["award_id_usaspending"] for t in rows["transactions"]}
    rows["awards"] = [
        award(a["award_id_usaspending"], rows["transactions"], a["award_summary_id"])
        if a["award_id_usaspending"] in keys
        else a
        for a in rows["awards"]
        if a["award_id_usaspending"] in keys or not a["transaction_count"]
    ]
    return rows


def _builder(rows: dict[str, list[dict[str, Any]]], version: str, released: str):
    def build(raw_root: Path, data_dir: Path, snapshot: str | None = None, patch: int = 0) -> None:
        write_sample_package(data_dir, rows)
        path = data_dir / "datapackage.json"
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        descriptor.update(version=version, snapshot=released)
        path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
        write_database(data_dir, site_files(data_dir).db_path)

    return build


def _release(tmp: Path, served_data_dir: Path, snapshot: str, build, **kwargs) -> ReleaseResult:
    """A release of the sample package, with a changelog and a schema lock of its own."""
    tmp.mkdir(parents=True, exist_ok=True)
    changelog = tmp / "CHANGELOG.md"
    entries = "".join(
        f"## [{v}] - {s}\n\n### Changed\n\n- Upstream snapshot {s}.\n\n"
        for v, s in ((VERSION, "2026-08-22"), (PREVIOUS_VERSION, PREVIOUS_SNAPSHOT))
    )
    changelog.write_text(f"# Changelog\n\n{entries}", encoding="utf-8")
    lock = tmp / "schema_versions.csv"
    served = json.loads((served_data_dir / "datapackage.json").read_text(encoding="utf-8"))
    fields = {
        r["name"]: [(f["name"], f["type"]) for f in r["schema"]["fields"]]
        for r in table_resources(served)
    }
    schema_guard.add_to_lock(package_descriptor()["schema_version"], fields, lock)
    return make_release(snapshot, tmp / "raw", tmp / "dist", changelog=changelog,
                        lock_path=lock, build=build, **kwargs)  # fmt: skip


def make_previous_release(tmp: Path, served_data_dir: Path) -> ReleaseResult:
    """The previous release (2026.5.5)."""
    build = _builder(previous_rows(), PREVIOUS_VERSION, PREVIOUS_SNAPSHOT)
    return _release(tmp, served_data_dir, PREVIOUS_SNAPSHOT, build)


def make_current_release(tmp: Path, served_data_dir: Path, previous: Path) -> ReleaseResult:
    """The served sample package (2026.8.22) as a release made with --previous-release."""
    build = _builder(ROWS, VERSION, "2026-08-22")
    return _release(tmp, served_data_dir, "2026-08-22", build, previous=previous)
