"""Reader for official USAspending bulk downloads and for FPDS ATOM fetches.

`Contracts_PrimeAwardSummaries_*.csv` becomes award summaries, `Contracts_PrimeTransactions_*.csv`
transactions; each has its own column map. The bulk column set changed over the years (DUNS
until 2022, UEI after), so the header check asks for the columns the package reads and ignores
the others. Files written by `awards fetch fpds` use the bulk transaction names.
"""

from __future__ import annotations

import re
from pathlib import Path

from .batch import RawBatch, SourceFile, relative
from .checks import unlisted_files
from .errors import HeaderMismatch, RawInputError
from .manifest import read_manifest, utc_iso
from .rawfile import read_header, read_raw_csv, sha256_of, verify_checksum

SUMMARY_MAP = {
    "contract_award_unique_key": "award_id_usaspending",
    "award_id_piid": "award_id_piid",
    "parent_award_agency_id": "parent_award_agency_code",
    "parent_award_id_piid": "parent_award_id_piid",
    "total_obligated_amount": "total_obligation",
    "current_total_value_of_award": "current_total_value_of_award",
    "potential_total_value_of_award": "potential_total_value_of_award",
    "award_latest_action_date": "latest_action_date",
    "awarding_sub_agency_code": "awarding_sub_agency_code",
    "awarding_office_code": "awarding_office_code",
    "awarding_office_name": "awarding_office_name",
    "recipient_uei": "recipient_uei",
    "recipient_name": "recipient_name",
    "recipient_parent_name": "recipient_parent_name",
    "award_type_code": "award_type_code",
    "prime_award_base_transaction_description": "award_description",
    "product_or_service_code": "product_or_service_code",
    "product_or_service_code_description": "product_or_service_description",
    "naics_code": "naics_code",
    "naics_description": "naics_description",
}
SUMMARY_OPTIONAL = {"recipient_duns": "recipient_duns"}
TRANSACTION_MAP = {
    "contract_award_unique_key": "award_id_usaspending",
    "award_id_piid": "award_id_piid",
    "modification_number": "modification_number",
    "transaction_number": "transaction_number",
    "parent_award_agency_id": "parent_award_agency_code",
    "parent_award_id_piid": "parent_award_id_piid",
    "federal_action_obligation": "federal_action_obligation",
    "action_date": "action_date",
    "awarding_sub_agency_code": "awarding_sub_agency_code",
    "awarding_office_code": "awarding_office_code",
    "recipient_uei": "recipient_uei",
    "recipient_name": "recipient_name",
    "product_or_service_code": "product_or_service_code",
    "product_or_service_code_description": "product_or_service_description",
    "naics_code": "naics_code",
    "naics_description": "naics_description",
    "transaction_description": "transaction_description",
}
TRANSACTION_OPTIONAL = {"award_type_code": "award_type_code"}
FPDS_COLUMNS = [
    "award_id_piid",
    "modification_number",
    "transaction_number",
    "parent_award_agency_id",
    "parent_award_id_piid",
    "federal_action_obligation",
    "action_date",
    "awarding_agency_code",
    "awarding_sub_agency_code",
    "awarding_office_code",
    "awarding_office_name",
    "recipient_name",
    "recipient_uei",
    "transaction_description",
    "product_or_service_code",
    "product_or_service_code_description",
    "naics_code",
    "naics_description",
    "last_modified_date",
]
BULK_ENDPOINT = "https://www.usaspending.gov/download_center/award_data_archive"
FPDS_FAMILY = "fpds-atom"
# Official files use ISO dates; files that passed through a spreadsheet use m/d/yy.
BULK_DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%y", "%m/%d/%Y"]
_STAMP = re.compile(r"_(\d{4}-\d{2}-\d{2})_H(\d{2})M(\d{2})S(\d{2})")


def kind_of(path: Path, header: list[str]) -> str:
    """award_summaries or transactions, from the file name or else the header."""
    name = path.name
    if name.startswith("Contracts_PrimeAwardSummaries"):
        return "award_summaries"
    if name.startswith("Contracts_PrimeTransactions"):
        return "transactions"
    if "contract_transaction_unique_key" in header or "modification_number" in header:
        return "transactions"
    if "contract_award_unique_key" in header:
        return "award_summaries"
    raise RawInputError(
        path, "not a USAspending contracts bulk file (award summaries or transactions)"
    )


def _manifest_entry(path: Path) -> dict[str, str] | None:
    """The file's manifest row: manifest.csv in its folder or in a parent folder (fetched bulk
    files sit below usaspending-bulk/<snapshot>/), matched by path relative to the manifest."""
    for folder in [path.parent, *path.parents][:4]:
        manifest = folder / "manifest.csv"
        if not manifest.exists():
            continue
        frame = read_manifest(manifest, ["path", "sha256"])
        rel = relative(path, folder)
        match = frame[(frame["path"] == rel) | (frame["path"] == path.name)]
        if len(match):
            return match.iloc[0].to_dict()
    return None


def _retrieved_at(path: Path, entry: dict[str, str] | None) -> str:
    if entry and entry.get("retrieved_at"):
        return utc_iso(entry["retrieved_at"], f"manifest row of {path}")
    stamp = _STAMP.search(path.name)
    if stamp:
        day, h, m, s = stamp.groups()
        return utc_iso(f"{day}T{h}:{m}:{s}")
    raise RawInputError(path, "no manifest entry and no download timestamp in the file name")


def read_files(paths: list[Path], raw_root: Path) -> list[RawBatch]:
    """Read bulk files; returns one batch per kind present."""
    batches: dict[str, RawBatch] = {}
    for path in paths:
        if not path.exists():
            raise RawInputError(path, "file not found")
        header = read_header(path)
        kind = kind_of(path, header)
        cmap, optional = (
            (SUMMARY_MAP, SUMMARY_OPTIONAL)
            if kind == "award_summaries"
            else (TRANSACTION_MAP, TRANSACTION_OPTIONAL)
        )
        missing = [c for c in cmap if c not in header]
        if missing:
            raise HeaderMismatch(path, missing, [])
        entry = _manifest_entry(path)
        sha = verify_checksum(path, entry["sha256"]) if entry else sha256_of(path)
        full_map = dict(cmap) | {k: v for k, v in optional.items() if k in header}
        table = read_raw_csv(path)
        batch = batches.setdefault(
            kind,
            RawBatch(kind=kind, source_system="usaspending_bulk", date_formats=BULK_DATE_FORMATS),
        )
        src = SourceFile(
            source_id=f"usaspending-bulk/{path.stem}",
            source_family="usaspending-bulk",
            snapshot=entry.get("retrieved_at", "")[:10] if entry else "",
            path=relative(path, raw_root),
            sha256=sha,
            bytes=path.stat().st_size,
            rows=0,
            retrieved_at=_retrieved_at(path, entry),
            upstream_system="USAspending.gov (from FPDS)",
            upstream_endpoint=BULK_ENDPOINT,
            upstream_query="official bulk download: " + path.name,
            intermediary_repository=(entry or {}).get("intermediary", ""),
            intermediary_commit=(entry or {}).get("intermediary_commit", ""),
        )
        batch.add(src, table, full_map)
    return list(batches.values())


def read_fpds(raw_root: Path, snapshot: str | None = None) -> RawBatch | None:
    """Transactions fetched from the FPDS ATOM feed, when the raw root holds any."""
    family_dir = raw_root / FPDS_FAMILY
    if not (family_dir / "manifest.csv").exists():
        return None
    manifest = read_manifest(
        family_dir / "manifest.csv", ["snapshot", "path", "sha256", "retrieved_at"]
    )
    snaps = sorted(set(manifest["snapshot"]))
    snapshot = snapshot if snapshot in snaps else (snaps[-1] if snaps else None)
    batch = RawBatch(kind="transactions", source_system="fpds_atom")
    listed = manifest[manifest["snapshot"] == snapshot].sort_values("path")
    batch.problems.extend(
        unlisted_files(family_dir, listed["path"].tolist(), raw_root, manifest["path"].tolist())
    )
    for entry in listed.to_dict("records"):
        path = family_dir / entry["path"]
        sha = verify_checksum(path, entry["sha256"])
        header = read_header(path)
        if header != FPDS_COLUMNS:
            raise HeaderMismatch(
                path,
                [c for c in FPDS_COLUMNS if c not in header],
                [c for c in header if c not in FPDS_COLUMNS],
            )
        cmap = {k: v for k, v in TRANSACTION_MAP.items() if k in header}
        cmap["awarding_sub_agency_code"] = "agency_raw"
        table = read_raw_csv(path)
        table.frame["__awarding_sub_agency_code"] = table.frame["awarding_sub_agency_code"]
        cmap["__awarding_sub_agency_code"] = "awarding_sub_agency_code"
        src = SourceFile(
            source_id=f"{FPDS_FAMILY}/{snapshot}/{path.stem.lower()}",
            source_family="fpds-atom-fetch",
            snapshot=str(snapshot),
            path=f"{FPDS_FAMILY}/{entry['path']}",
            sha256=sha,
            bytes=path.stat().st_size,
            rows=0,
            retrieved_at=utc_iso(
                entry["retrieved_at"], f"{family_dir / 'manifest.csv'} row of {path.name}"
            ),
            upstream_system="FPDS (Federal Procurement Data System)",
            upstream_endpoint=entry.get("upstream_endpoint")
            or "https://www.fpds.gov/ezsearch/FEEDS/ATOM",
            upstream_query=entry.get("request_bodies", ""),
            intermediary_repository="",
            intermediary_commit="",
        )
        batch.add(src, table, cmap, entry)
    return batch
