"""Reader for usaspending-ice-awards-fy2013-2018/: ICE award summaries from a 2018 download.

Only fy13.csv has a header; the other files start with data and are mapped through the
column dictionary (spreadsheet letter -> USAspending column name). Dates went through a
spreadsheet (dd/mm/yyyy, dd/mm/yy hh:mm) and the agency code lost its leading zero.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .batch import RawBatch, SourceFile
from .checks import unlisted_files
from .errors import RawInputError
from .manifest import read_manifest, utc_iso
from .rawfile import check_header, read_header, read_raw_csv, verify_checksum

FAMILY = "usaspending-ice-awards-fy2013-2018"
DICTIONARY = "follow_the_money_data_dictionary.csv"
COLUMN_MAP = {
    "award_id_piid": "award_id_piid",
    "modification_number": "latest_modification_number",
    "parent_award_agency_id": "parent_award_agency_code",
    "parent_award_id": "parent_award_id_piid",
    "federal_action_obligation": "latest_action_obligation",
    "current_total_value_of_award": "current_total_value_of_award",
    "potential_total_value_of_award": "potential_total_value_of_award",
    "action_date": "latest_action_date",
    "awarding_sub_agency_code": "awarding_sub_agency_code",
    "awarding_office_code": "awarding_office_code",
    "awarding_office_name": "awarding_office_name",
    "recipient_duns": "recipient_duns",
    "recipient_name": "recipient_name",
    "recipient_parent_name": "recipient_parent_name",
    "award_type_code": "award_type_code",
    "award_description": "award_description",
    "product_or_service_code": "product_or_service_code",
    "product_or_service_code_description": "product_or_service_description",
    "naics_code": "naics_code",
    "naics_description": "naics_description",
}
EXTRA_CANONICAL = {"awarding_sub_agency_code": ["agency_raw", "award_agency_code"]}
UPSTREAM_QUERY = (
    "USAspending custom award download (2018 schema, 259 columns): awarding agency DHS,"
    " sub-agency ICE (7012), contracts, one fiscal year per file, one row per award at its"
    " latest modification in that year"
)


def read_dictionary(path: Path) -> list[str]:
    """Column names, in spreadsheet-letter order, from the data dictionary."""
    try:
        frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RawInputError(path, f"column dictionary is not a readable UTF-8 CSV ({exc})") from exc
    if frame.shape[1] < 2:
        raise RawInputError(path, "column dictionary needs two columns (letter, name)")
    return frame[1].tolist()


def read(raw_root: Path) -> RawBatch:
    family_dir = raw_root / FAMILY
    required = ["path", "bytes", "sha256", "retrieved_at", "intermediary", "intermediary_commit"]
    manifest = read_manifest(family_dir / "manifest.csv", required)
    entries = {e["path"]: e for e in manifest.to_dict(orient="records")}
    if DICTIONARY not in entries:
        raise RawInputError(family_dir / "manifest.csv", f"does not list {DICTIONARY}")
    verify_checksum(family_dir / DICTIONARY, entries[DICTIONARY]["sha256"])
    names = read_dictionary(family_dir / DICTIONARY)
    batch = RawBatch(
        kind="award_summaries",
        source_system="usaspending_custom_award_2018",
        date_formats=["%d/%m/%Y", "%d/%m/%y %H:%M"],
    )
    for rel in sorted(p for p in entries if p != DICTIONARY):
        add_file(batch, family_dir, entries[rel], names)
    batch.problems.extend(unlisted_files(family_dir, list(entries), raw_root))
    return batch


def add_file(batch: RawBatch, family_dir: Path, entry: dict[str, str], names: list[str]) -> None:
    path = family_dir / entry["path"]
    sha = verify_checksum(path, entry["sha256"])
    first = read_header(path)
    has_header = first and first[0] == names[0]
    if has_header:
        check_header(path, first, names)
    elif len(first) != len(names):
        raise RawInputError(
            path, f"first row has {len(first)} fields; the column dictionary has {len(names)}"
        )
    table = read_raw_csv(path, names=names, skip_header=bool(has_header))
    for canon_src, extra in EXTRA_CANONICAL.items():
        for name in extra:
            table.frame[f"__{name}"] = table.frame[canon_src]
    stem = path.stem.lower()
    fy = 2000 + int(stem[2:4]) if stem[:2] == "fy" and stem[2:4].isdigit() else None
    src = SourceFile(
        source_id=f"{FAMILY}/{stem}",
        source_family=FAMILY,
        snapshot="2018-08-09",
        path=f"{FAMILY}/{entry['path']}",
        sha256=sha,
        bytes=path.stat().st_size,
        rows=0,
        retrieved_at=utc_iso(
            entry["retrieved_at"], f"{family_dir / 'manifest.csv'} row of {path.name}"
        ),
        upstream_system="USAspending.gov (from FPDS)",
        upstream_endpoint="https://www.usaspending.gov/download_center/custom_award_data",
        upstream_query=UPSTREAM_QUERY,
        intermediary_repository=entry["intermediary"],
        intermediary_commit=entry["intermediary_commit"],
        file_fiscal_year=fy,
    )
    cmap = dict(COLUMN_MAP)
    for extra in EXTRA_CANONICAL.values():
        cmap.update({f"__{name}": name for name in extra})
    batch.add(src, table, cmap, entry)
