"""What the build must contain before it writes anything, and the reviewed exceptions.

Every slice (source family x agency x fiscal year) listed with a positive minimum in the row
count table (reference/expected_row_counts.csv, or the table given to the build) must have
published rows for every family the build reads; a file with no rows, a file the manifest
does not list and a fetch its manifest calls incomplete are errors. Each may be let through
only by an explicit allowance naming it with a reason (`awards build --allow
KIND:TARGET=REASON`); allowances are recorded in build_report.json and in the coverage flags of
build_report, and one that matches nothing is an error, so none outlives its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .batch import RawBatch
from .checks import EMPTY_FILE, INCOMPLETE_FETCH, UNLISTED_FILE, FileProblem
from .errors import RawInputError

MISSING_SLICE = "missing-slice"
KINDS = (EMPTY_FILE, UNLISTED_FILE, INCOMPLETE_FETCH, MISSING_SLICE)
SLICE_KEYS = ["source_family", "agency_acronym", "fiscal_year"]
EMPTY_SLICE_FLAG = "empty_slice"


@dataclass
class Allowance:
    """One reviewed exception: a file path under the raw root, or a slice family/AGENCY/FY."""

    kind: str
    target: str
    reason: str

    @classmethod
    def parse(cls, spec: str) -> Allowance:
        kind, _, rest = spec.partition(":")
        target, _, reason = rest.partition("=")
        if kind not in KINDS or not target.strip() or not reason.strip():
            raise RawInputError(
                "--allow",
                f"{spec!r} is not KIND:TARGET=REASON with KIND one of {', '.join(KINDS)}"
                " and a reason",
            )
        return cls(kind, target.strip(), reason.strip())

    def spec(self) -> str:
        return f"{self.kind}:{self.target}={self.reason}"


@dataclass
class Allowances:
    """The build's allowances and which of them were needed."""

    items: list[Allowance] = field(default_factory=list)
    used: set[int] = field(default_factory=set)

    @classmethod
    def parse(cls, specs: list[str] | None) -> Allowances:
        return cls([Allowance.parse(s) for s in specs or []])

    def find(self, kind: str, target: str) -> Allowance | None:
        for i, a in enumerate(self.items):
            if a.kind == kind and a.target == target:
                self.used.add(i)
                return a
        return None

    def check_all_used(self) -> None:
        unused = [a.spec() for i, a in enumerate(self.items) if i not in self.used]
        if unused:
            raise RawInputError(
                "--allow", "allowance matched nothing (remove it): " + "; ".join(unused)
            )

    def record(self) -> list[dict[str, str]]:
        """The allowances used, for build_report.json."""
        return [
            {"kind": a.kind, "target": a.target, "reason": a.reason}
            for i, a in enumerate(self.items)
            if i in self.used
        ]


def _refuse(problems: list[FileProblem], hint_kind: str | None = None) -> None:
    first = problems[0]
    more = f" (and {len(problems) - 1} more: " if len(problems) > 1 else ""
    if more:
        more += "; ".join(p.line() for p in problems[1:4])
        more += ", ..." if len(problems) > 4 else ""
        more += ")"
    kind = hint_kind or first.kind
    hint = f"; to build without it, pass --allow {kind}:{first.target}=REASON"
    raise RawInputError(first.target, first.message + more + hint)


def check_files(batches: list[RawBatch], allowances: Allowances) -> None:
    """Refuse file problems no allowance names; refuse a build that read no rows at all."""
    refused = [p for b in batches for p in b.problems if allowances.find(p.kind, p.target) is None]
    if refused:
        _refuse(refused)
    if not any(s.rows for b in batches for s in b.sources):
        names = ", ".join(sorted({s.source_family for b in batches for s in b.sources}))
        raise RawInputError(
            names or "raw root", "the build read no data rows from any raw file: nothing to publish"
        )


def check_publishable(report: pd.DataFrame) -> None:
    """Refuse a build in which rows were read but none is publishable, naming why."""
    if len(report) and int(report["rows_published"].sum()) > 0:
        return
    read = int(report["rows_read"].sum()) if len(report) else 0
    reasons: dict[str, int] = {}
    for text in report.get("quarantine_reasons", pd.Series(dtype=str)):
        for part in filter(None, str(text).split("; ")):
            code, _, n = part.rpartition(":")
            reasons[code] = reasons.get(code, 0) + int(n or 0)
    why = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none quarantined"
    sources = ", ".join(sorted(set(report["source_id"]))) if len(report) else "raw root"
    raise RawInputError(
        sources,
        f"no row is publishable: {read} rows read, 0 published (quarantined: {why});"
        " nothing to publish",
    )


def expected_slices(counts_path: Path, families: set[str]) -> pd.DataFrame:
    """Slices with a positive minimum in the row-count table, for the families in the build."""
    table = pd.read_csv(counts_path, dtype=str, keep_default_na=False)
    missing = [c for c in SLICE_KEYS + ["min_rows"] if c not in table.columns]
    if missing:
        raise RawInputError(counts_path, "lacks columns " + ", ".join(missing))
    table = table[table["source_family"].isin(families)]
    table = table[pd.to_numeric(table["min_rows"], errors="coerce").fillna(0) > 0]
    out = table[SLICE_KEYS].drop_duplicates().copy()
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    return out.sort_values(SLICE_KEYS).reset_index(drop=True)


def slice_name(row: pd.Series | dict[str, object]) -> str:
    return f"{row['source_family']} {row['agency_acronym']} FY{row['fiscal_year']}"


def slice_target(row: pd.Series | dict[str, object]) -> str:
    return f"{row['source_family']}/{row['agency_acronym']}/{row['fiscal_year']}"


def check_slices(
    report: pd.DataFrame,
    sources: pd.DataFrame,
    expected: pd.DataFrame,
    allowances: Allowances,
    counts_label: str,
) -> pd.DataFrame:
    """build_report with a row for every allowed empty slice; missing slices refused.

    A slice is present when at least one of its rows was published: a year whose every row
    was quarantined is as lost to a reader as a year that was never read."""
    family = _family_of(report, sources)
    published = (
        report.assign(source_family=family)
        .groupby(SLICE_KEYS)["rows_published"]
        .sum()
        .astype("int64")
    )
    missing = [
        r
        for r in expected.to_dict("records")
        if published.get((r["source_family"], r["agency_acronym"], r["fiscal_year"]), 0) == 0
    ]
    refused = [r for r in missing if allowances.find(MISSING_SLICE, slice_target(r)) is None]
    if refused:
        read = report.assign(source_family=family).groupby(SLICE_KEYS)["rows_read"].sum()
        names = ", ".join(
            f"{slice_name(r)}"
            f" ({int(read.get((r['source_family'], r['agency_acronym'], r['fiscal_year']), 0))}"
            " read)"
            for r in refused
        )
        first = refused[0]
        raise RawInputError(
            counts_label,
            f"expected slices with no rows published: {names}; every expected agency x fiscal"
            " year must be present (to build without one, pass --allow"
            f" {MISSING_SLICE}:{slice_target(first)}=REASON)",
        )
    for r in missing:
        allowed = allowances.find(MISSING_SLICE, slice_target(r))
        assert allowed is not None
        report = _flag_empty_slice(report, sources, r, allowed.reason)
    return report


def _flag_empty_slice(
    report: pd.DataFrame, sources: pd.DataFrame, sl: dict[str, object], reason: str
) -> pd.DataFrame:
    """Flag an allowed empty slice on its existing rows, or add a zero row under the file of
    its family and fiscal year (a slice without any file has no source to hang a row on; it
    is listed in build_report.json's allowances)."""
    note = f"expected slice with no rows published, built under an allowance: {reason}"
    same = (report["agency_acronym"] == sl["agency_acronym"]) & (
        report["fiscal_year"] == sl["fiscal_year"]
    )
    family = _family_of(report, sources)
    rows = same & (family == sl["source_family"])
    if rows.any():
        report = report.copy()
        report.loc[rows, "coverage_flags"] = _join(
            report.loc[rows, "coverage_flags"], EMPTY_SLICE_FLAG
        )
        report.loc[rows, "coverage_note"] = _join(report.loc[rows, "coverage_note"], note)
        return report
    files = sources[
        (sources["source_family"] == sl["source_family"])
        & (pd.to_numeric(sources["file_fiscal_year"], errors="coerce") == sl["fiscal_year"])
    ]
    if files.empty:
        return report
    zero: dict[str, object] = {
        c: 0 if pd.api.types.is_numeric_dtype(report[c]) else "" for c in report.columns
    }
    if "coverage_bias" in report.columns:
        zero["coverage_bias"] = "minimum"  # an empty slice can only miss records
    zero.update(
        source_id=files["source_id"].iloc[0],
        agency_acronym=sl["agency_acronym"],
        fiscal_year=sl["fiscal_year"],
        quarantine_reasons="",
        min_amount_usd=np.nan,
        max_amount_usd=np.nan,
        total_obligation_usd=np.nan,
        coverage_flags=EMPTY_SLICE_FLAG,
        coverage_note=note,
    )
    out = pd.concat([report, pd.DataFrame([zero])[report.columns]], ignore_index=True)
    return out.sort_values(["source_id", "agency_acronym", "fiscal_year"]).reset_index(drop=True)


def _family_of(report: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    families = dict(zip(sources["source_id"], sources["source_family"], strict=True))
    return report["source_id"].map(families)


def _join(values: pd.Series, item: str) -> pd.Series:
    return values.fillna("").map(lambda v: f"{v}; {item}" if v else item)


def without_slices(counts: pd.DataFrame, allowances: Allowances) -> pd.DataFrame:
    """Row-count bounds minus the slices an allowance lets be empty."""
    allowed = {a.target for a in allowances.items if a.kind == MISSING_SLICE}
    targets = counts.apply(slice_target, axis=1) if len(counts) else pd.Series(dtype=str)
    return counts[~targets.isin(allowed)] if len(counts) else counts
