"""Reader for usaspending-cbp-ice/<snapshot>/: ICE and CBP transactions from the search API.

One file per fiscal year, listed with its sha256 in the family's manifest.csv. Files written
by `awards fetch usaspending` carry five more columns (codes the original pull lacked).
"""

from __future__ import annotations

import json
from pathlib import Path

from .batch import RawBatch, SourceFile
from .checks import unlisted_files
from .errors import RawInputError
from .manifest import entry_year, read_manifest, utc_iso
from .rawfile import check_header, read_header, read_raw_csv, verify_checksum

FAMILY = "usaspending-cbp-ice"
BASE_COLUMNS = {
    "Agency": "agency_raw",
    "Award ID": "award_id_piid",
    "Recipient Name": "recipient_name",
    "Federal Action Obligation": "federal_action_obligation",
    "Action Date": "action_date",
    "Modification": "modification_number",
    "Product/Service Description": "product_or_service_description",
    "NAICS Description": "naics_description",
    "Transaction Description": "transaction_description",
    "Generated Award ID": "award_id_usaspending",
}
FETCH_COLUMNS = {
    "Recipient UEI": "recipient_uei",
    "Product/Service Code": "product_or_service_code",
    "NAICS Code": "naics_code",
    "Awarding Office Code": "awarding_office_code",
    "Award Type Code": "award_type_code",
}
ENDPOINT = "POST https://api.usaspending.gov/api/v2/search/spending_by_transaction/"
QUERY = (
    "filters: agencies=[{type: awarding, tier: subtier, name: U.S. Customs and Border Protection"
    " | U.S. Immigration and Customs Enforcement}], time_period=[fiscal year],"
    " award_type_codes=[A,B,C,D]; sort Transaction Amount desc; 100 per page; all pages returned"
)
MANIFEST_COLUMNS = ["snapshot", "path", "fiscal_year", "rows", "bytes", "sha256", "retrieved_at"]


def snapshots(raw_root: Path) -> list[str]:
    """Snapshot names listed in the family manifest, oldest first."""
    manifest = read_manifest(raw_root / FAMILY / "manifest.csv", MANIFEST_COLUMNS)
    return sorted(set(manifest["snapshot"]))


def read(raw_root: Path, snapshot: str | None = None) -> RawBatch:
    """Read one snapshot (default: the newest) after checking every file's checksum."""
    family_dir = raw_root / FAMILY
    manifest = read_manifest(family_dir / "manifest.csv", MANIFEST_COLUMNS)
    available = sorted(set(manifest["snapshot"]))
    if not available:
        raise RawInputError(family_dir / "manifest.csv", "lists no snapshot")
    snapshot = snapshot or available[-1]
    if snapshot not in available:
        raise RawInputError(
            family_dir / "manifest.csv",
            f"no snapshot {snapshot!r}; available: {', '.join(available)}",
        )
    batch = RawBatch(kind="transactions", source_system="usaspending_api")
    rows = manifest[manifest["snapshot"] == snapshot].sort_values("path")
    for entry in rows.to_dict(orient="records"):
        batch_add_file(batch, raw_root, family_dir, snapshot, entry)
    batch.problems.extend(
        unlisted_files(family_dir, rows["path"].tolist(), raw_root, manifest["path"].tolist())
    )
    return batch


def batch_add_file(
    batch: RawBatch, raw_root: Path, family_dir: Path, snapshot: str, entry: dict[str, str]
) -> None:
    path = family_dir / entry["path"]
    sha = verify_checksum(path, entry["sha256"])
    header = read_header(path)
    expected = list(BASE_COLUMNS)
    if len(header) > len(BASE_COLUMNS):
        expected = expected + list(FETCH_COLUMNS)
    check_header(path, header, expected)
    table = read_raw_csv(path)
    fy = entry_year(entry, family_dir / "manifest.csv")
    stem = f"fy{fy}" if fy else path.stem.lower()
    agency = entry.get("agency", "")
    if agency:
        stem = f"{agency.lower()}-{stem}"
    query = QUERY
    if entry.get("request_bodies"):
        query = "request bodies: " + json.dumps(json.loads(entry["request_bodies"]))
    src = SourceFile(
        source_id=f"{FAMILY}/{snapshot}/{stem}",
        source_family=FAMILY,
        snapshot=snapshot,
        path=f"{FAMILY}/{entry['path']}",
        sha256=sha,
        bytes=path.stat().st_size,
        rows=0,
        retrieved_at=utc_iso(
            entry["retrieved_at"], f"{family_dir / 'manifest.csv'} row of {path.name}"
        ),
        upstream_system="USAspending.gov (from FPDS)",
        upstream_endpoint=entry.get("upstream_endpoint") or ENDPOINT,
        upstream_query=query,
        intermediary_repository=""
        if entry.get("upstream_endpoint")
        else "wrags81/cbp-ice-dashboard",
        intermediary_commit=entry.get("intermediary_commit", ""),
        file_fiscal_year=fy,
    )
    cmap = dict(BASE_COLUMNS)
    if len(header) > len(BASE_COLUMNS):
        cmap.update(FETCH_COLUMNS)
    batch.add(src, table, cmap, entry)
