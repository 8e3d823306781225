"""The manifest beside every fetched family: one row per file, with its sha256.

Same leading columns as the manifests of ../shared/raw/ (so the build reads fetched snapshots
unchanged), then what only a fetch knows: the agency, the endpoint, the exact request bodies,
the row count the API itself reported and whether the two agree.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..hashing import sha256_file
from ..jsonfiles import atomic_write_text
from ..readers.cbp_ice import MANIFEST_COLUMNS as READER_MANIFEST_COLUMNS

# The columns the build's readers require (one list, theirs), then the fetch's own.
BASE_COLUMNS = [*READER_MANIFEST_COLUMNS, "intermediary_commit"]
EXTRA_COLUMNS = [
    "agency",
    "upstream_endpoint",
    "request_bodies",
    "api_reported_rows",
    "completeness",
]
MANIFEST_COLUMNS = BASE_COLUMNS + EXTRA_COLUMNS


@dataclass
class ManifestRow:
    """One fetched file. `path` is relative to the family folder."""

    snapshot: str
    path: str
    fiscal_year: str
    rows: int
    bytes: int
    sha256: str
    retrieved_at: str
    intermediary_commit: str
    agency: str
    upstream_endpoint: str
    request_bodies: str
    api_reported_rows: str
    completeness: str

    def as_record(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


def csv_data_rows(path: Path) -> int:
    """Records in a CSV file, header excluded, honouring quoted newlines."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        return sum(1 for _ in reader)


def now_iso() -> str:
    """Retrieval time: ISO 8601 with its UTC offset, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def completeness(fetched: int, reported: int | None) -> str:
    """`complete` when the counts agree, else `short` or `over`; `unknown` without a count."""
    if reported is None:
        return "unknown"
    if fetched == reported:
        return "complete"
    return "short" if fetched < reported else "over"


def request_bodies_json(bodies: list[Any]) -> str:
    return json.dumps(bodies, separators=(",", ":"), ensure_ascii=False)


def describe_file(
    family_dir: Path,
    path: Path,
    *,
    snapshot: str,
    fiscal_year: int | None,
    retrieved_at: str,
    agency: str,
    endpoint: str,
    bodies: list[Any],
    api_rows: int | None,
    fetched_rows: int,
    rows: int | None = None,
) -> ManifestRow:
    """The manifest row of a written file: size and checksum are measured here."""
    return ManifestRow(
        snapshot=snapshot,
        path=path.relative_to(family_dir).as_posix(),
        fiscal_year="" if fiscal_year is None else str(fiscal_year),
        rows=csv_data_rows(path) if rows is None else rows,
        bytes=path.stat().st_size,
        sha256=sha256_file(path),
        retrieved_at=retrieved_at,
        intermediary_commit="",
        agency=agency,
        upstream_endpoint=endpoint,
        request_bodies=request_bodies_json(bodies),
        api_reported_rows="" if api_rows is None else str(api_rows),
        completeness=completeness(fetched_rows, api_rows),
    )


def read_manifest(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of an existing manifest (empty when there is none)."""
    if not path.exists():
        return list(MANIFEST_COLUMNS), []
    csv.field_size_limit(1 << 30)
    with path.open("r", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        return header, [dict(r) for r in reader]


def upsert(manifest_path: Path, new_rows: list[ManifestRow]) -> None:
    """Add or replace the rows of the files just written (by path); keep every other row.

    Columns: the manifest's own, then any of ours it lacks. Rows sorted by snapshot, path.
    """
    header, rows = read_manifest(manifest_path)
    for col in MANIFEST_COLUMNS:
        if col not in header:
            header.append(col)
    replaced = {r.path for r in new_rows}
    kept = [r for r in rows if r.get("path") not in replaced]
    merged = kept + [r.as_record() for r in new_rows]
    merged.sort(key=lambda r: (r.get("snapshot", ""), r.get("path", "")))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for r in merged:
        writer.writerow({c: r.get(c, "") or "" for c in header})
    atomic_write_text(manifest_path, out.getvalue())
