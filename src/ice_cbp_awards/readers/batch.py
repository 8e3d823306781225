"""What every reader returns: the files it read and their rows under canonical raw names."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .checks import FileProblem, award_key_problems, record_problems
from .rawfile import BadRecord, RawTable

PUBLIC_DOMAIN = "U.S. Government Work, public domain (17 U.S.C. 105)"

# Canonical raw columns: the names transforms read. Values are strings as read.
TRANSACTION_COLUMNS = [
    "agency_raw",
    "award_id_usaspending",
    "award_id_piid",
    "award_agency_code",
    "parent_award_id_piid",
    "parent_award_agency_code",
    "modification_number",
    "transaction_number",
    "action_date",
    "federal_action_obligation",
    "recipient_name",
    "recipient_uei",
    "product_or_service_code",
    "product_or_service_description",
    "naics_code",
    "naics_description",
    "transaction_description",
    "awarding_sub_agency_code",
    "awarding_office_code",
    "award_type_code",
]
SUMMARY_COLUMNS = [
    "agency_raw",
    "award_id_usaspending",
    "award_id_piid",
    "award_agency_code",
    "parent_award_id_piid",
    "parent_award_agency_code",
    "latest_modification_number",
    "latest_action_date",
    "latest_action_obligation",
    "total_obligation",
    "current_total_value_of_award",
    "potential_total_value_of_award",
    "recipient_name",
    "recipient_uei",
    "recipient_duns",
    "recipient_parent_name",
    "award_type_code",
    "product_or_service_code",
    "product_or_service_description",
    "naics_code",
    "naics_description",
    "award_description",
    "awarding_sub_agency_code",
    "awarding_office_code",
    "awarding_office_name",
]


@dataclass
class SourceFile:
    """One raw file: a row of the sources resource, plus what the reader needs."""

    source_id: str
    source_family: str
    snapshot: str
    path: str  # relative to the raw root
    sha256: str
    bytes: int
    rows: int
    retrieved_at: str  # ISO 8601 UTC with Z
    upstream_system: str
    upstream_endpoint: str
    upstream_query: str
    intermediary_repository: str
    intermediary_commit: str
    license: str = PUBLIC_DOMAIN
    file_fiscal_year: int | None = None


@dataclass
class RawBatch:
    """Rows of one kind (transactions or award summaries) from one family of raw files."""

    kind: str  # "transactions" or "award_summaries"
    source_system: str
    sources: list[SourceFile] = field(default_factory=list)
    frames: list[pd.DataFrame] = field(default_factory=list)
    bad_rows: list[dict[str, object]] = field(default_factory=list)
    column_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    date_formats: list[str] = field(default_factory=lambda: ["%Y-%m-%d"])
    problems: list[FileProblem] = field(default_factory=list)
    # rows of each file, in the order of frame()'s rows (set by frame())
    file_rows: list[int] = field(default_factory=list)
    # reads the same batch again from its raw files: set by the build, so that the raw rows
    # can be let go once typed and read again in the rare case they are needed after
    reread: Callable[[], RawBatch | None] | None = None

    def add(
        self,
        src: SourceFile,
        table: RawTable,
        column_map: dict[str, str],
        entry: dict[str, str] | None = None,
    ) -> None:
        """Add a file's rows under canonical names; empty columns for what the file lacks.

        Records with the wrong field count or a malformed award key go to bad_rows with the
        cells as read; the file's own problems (no rows, an incomplete fetch, a row count
        other than the manifest's) are checked against its manifest entry."""
        columns = TRANSACTION_COLUMNS if self.kind == "transactions" else SUMMARY_COLUMNS
        raw = table.frame
        out = pd.DataFrame(index=raw.index)
        inverse: dict[str, str] = {}
        for raw_name, canon in column_map.items():
            inverse.setdefault(canon, raw_name)
        for col in columns:
            out[col] = raw[inverse[col]] if col in inverse else ""
        out["source_id"] = src.source_id
        out["raw_line_number"] = table.line_numbers
        out["retrieved_at"] = src.retrieved_at
        out["file_fiscal_year"] = src.file_fiscal_year or 0
        self.column_maps[src.source_id] = column_map
        src.rows = len(raw) + len(table.bad_rows)
        self.problems.extend(record_problems(src.path, entry, src.rows))
        self.sources.append(src)
        for bad in table.bad_rows:
            self.bad_rows.append(self._bad_record(src, table.header, column_map, bad))
        self.frames.append(self._drop_bad_keys(src, out))

    def _bad_record(
        self, src: SourceFile, header: list[str], cmap: dict[str, str], bad: BadRecord
    ) -> dict[str, object]:
        """A record with the wrong field count, its cells kept: each cell under the header's
        name at its position (only columns the package reads, so that columns it never
        publishes stay out), and cells beyond the header when the package reads every column
        (nothing unpublished can hide there)."""
        read = {c.removeprefix("__") for c in cmap} | set(cmap)
        values: dict[str, object] = {
            name: cell for name, cell in zip(header, bad.cells, strict=False) if name in read
        }
        if len(bad.cells) > len(header) and all(h in read for h in header):
            values["__extra_cells"] = bad.cells[len(header) :]
        return {
            "source_id": src.source_id,
            "raw_line_number": bad.line,
            "reason_code": "wrong_field_count",
            "reason_detail": f"{src.path} line {bad.line}: {bad.problem}",
            "raw_values_json": json.dumps(values, ensure_ascii=False),
            "file_fiscal_year": src.file_fiscal_year,
            "agency_raw": "",
        }

    def _drop_bad_keys(self, src: SourceFile, out: pd.DataFrame) -> pd.DataFrame:
        """Rows whose given award key has a malformed part go to bad_rows; the rest stay."""
        problems = award_key_problems(out["award_id_usaspending"])
        bad = problems != ""
        if not bad.any():
            return out
        rows = out[bad]
        values = self.raw_values_json(rows)
        for (i, rec), problem in zip(rows.iterrows(), problems[bad], strict=True):
            line = int(rec["raw_line_number"])
            self.bad_rows.append(
                {
                    "source_id": src.source_id,
                    "raw_line_number": line,
                    "reason_code": "malformed_award_key",
                    "reason_detail": f"{src.path} line {line}: award key"
                    f" '{rec['award_id_usaspending']}': {problem}",
                    "raw_values_json": values[i],
                    "file_fiscal_year": src.file_fiscal_year,
                    "agency_raw": rec["agency_raw"],
                }
            )
        return out[~bad]

    def frame(self) -> pd.DataFrame:
        if not self.frames:
            columns = TRANSACTION_COLUMNS if self.kind == "transactions" else SUMMARY_COLUMNS
            extra = ["source_id", "raw_line_number", "retrieved_at", "file_fiscal_year"]
            return pd.DataFrame(columns=columns + extra)
        if len(self.frames) > 1 or not isinstance(self.frames[0].index, pd.RangeIndex):
            # joined once and kept: each call would otherwise copy every raw row again
            self.file_rows = [len(f) for f in self.frames]
            self.frames = [pd.concat(self.frames, ignore_index=True)]
        if not self.file_rows:
            self.file_rows = [len(self.frames[0])]
        return self.frames[0]

    def raw_frame(self) -> pd.DataFrame:
        """frame(), read again from the raw files if the rows were let go (see reread)."""
        if not self.frames and self.reread is not None and any(s.rows for s in self.sources):
            again = self.reread()
            self.frames = again.frames if again is not None else []
            self.file_rows = []
        return self.frame()

    def raw_values_json(self, rows: pd.DataFrame) -> pd.Series:
        """The raw values of some rows as JSON objects keyed by the file's own column names.

        Built only for rows that are quarantined; covers only the columns the package reads,
        so columns it never publishes (street addresses, phone numbers) stay out.
        """
        out = []
        for rec in rows.to_dict(orient="records"):
            cmap = self.column_maps.get(str(rec["source_id"]), {})
            values = {raw: rec[canon] for raw, canon in cmap.items() if not raw.startswith("__")}
            out.append(json.dumps(values, ensure_ascii=False))
        return pd.Series(out, index=rows.index, dtype=object)


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
