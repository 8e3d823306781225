"""Great Expectations: the data as a whole, run offline on the built CSVs.

What a Table Schema says of each value is frictionless's question; here the questions are
about the package's rows together, each from a reviewed table:
- row counts per resource, source family, agency and fiscal year against
  reference/expected_row_counts.csv: below the minimum fails the build, above the maximum only
  warns (a count can grow for good reasons; a count that shrinks means records went missing);
- the profile in reference/expected_profile.csv: fill ratios of columns, the share of rows
  holding a value (e.g. transactions per agency), medians of amounts. A profile outside its
  bounds warns: it asks a reviewer to look, it does not prove a record wrong.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ..metadata import Resource
from ..paths import REFERENCE_DIR
from ..tables import read_frame, read_text_csv
from .result import Finding, ValidationResult

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

COUNTS_FILE = REFERENCE_DIR / "expected_row_counts.csv"
PROFILE_FILE = REFERENCE_DIR / "expected_profile.csv"


def expected_profile(path: Path = PROFILE_FILE) -> pd.DataFrame:
    """The reviewed profile of the data (reference/expected_profile.csv), one row per
    expectation: a column's fill ratio, the share of rows holding a value, or its median."""
    return read_text_csv(path)


def _number(text: str) -> float | None:
    return float(text) if text != "" else None


def profile_expectations(profile: pd.DataFrame, resource: str) -> list[Any]:
    """The Great Expectations of one resource's rows of the reviewed profile."""
    import great_expectations as gx

    e = gx.expectations
    out: list[Any] = []
    for row in profile[profile["resource"] == resource].itertuples():
        col, lo, hi = row.column_name, _number(row.min_value), _number(row.max_value)
        if row.statistic == "fill_ratio":
            out.append(e.ExpectColumnValuesToNotBeNull(column=col, mostly=lo))
        elif row.statistic == "share_of_rows":
            out.append(e.ExpectColumnValuesToBeInSet(column=col, value_set=[row.value], mostly=lo))
            out.append(
                e.ExpectColumnValuesToNotBeInSet(
                    column=col, value_set=[row.value], mostly=round(1 - hi, 6)
                )
            )
        elif row.statistic == "median":
            out.append(e.ExpectColumnMedianToBeBetween(column=col, min_value=lo, max_value=hi))
        else:
            raise ValueError(f"{PROFILE_FILE.name}: unknown statistic {row.statistic!r}")
    return out


def expected_counts(path: Path = COUNTS_FILE) -> pd.DataFrame:
    counts = read_text_csv(path)
    return counts.astype({"fiscal_year": "int64", "min_rows": "int64", "max_rows": "int64"})


# the tables counted per source family, agency and fiscal year, and their fiscal year column
COUNTED = {"transactions": "fiscal_year", "award_summaries": "latest_action_fiscal_year"}


def _counted(name: str) -> list[str]:
    """The columns the row counts group a resource's rows by (none if it is not counted)."""
    return ["source_id", "agency_acronym", COUNTED[name]] if name in COUNTED else []


def count_table(
    frames: dict[str, pd.DataFrame], sources: pd.DataFrame, bounds: pd.DataFrame
) -> pd.DataFrame:
    """Published rows per resource, source family, agency and fiscal year, beside the bounds.

    Only (family, fiscal year) pairs present in the build are checked: a build of a user's bulk
    file, or of a fetch of one year, is not held to the counts of the default snapshot."""
    family_of = dict(zip(sources["source_id"], sources["source_family"], strict=True))
    counted = []
    for name, col in COUNTED.items():
        if name not in frames or frames[name].empty:
            continue
        f = frames[name]
        g = f.groupby(
            [
                f["source_id"].map(family_of).rename("source_family"),
                f["agency_acronym"],
                f[col].rename("fiscal_year"),
            ]
        ).size()
        counted.append(g.rename("rows").reset_index().assign(resource=name))
    counts = (
        pd.concat(counted)
        if counted
        else pd.DataFrame(
            columns=["source_family", "agency_acronym", "fiscal_year", "rows", "resource"]
        )
    )
    # Only fiscal years the build holds rows of for that family: a fetch of one year is not
    # held to the counts of the others, while an agency that vanished from a year still fails.
    present = counts[["resource", "source_family", "fiscal_year"]].drop_duplicates()
    b = bounds.merge(present, on=["resource", "source_family", "fiscal_year"], how="inner")
    keys = ["resource", "source_family", "agency_acronym", "fiscal_year"]
    merged = b.merge(counts, on=keys, how="left")
    merged["rows"] = merged["rows"].fillna(0).astype("int64")
    return merged[keys + ["rows", "min_rows", "max_rows"]]


class TableExpectations:
    """Great Expectations over a package's tables one at a time: `check` each table as it is
    read (its profile suite runs then), then `done` (the row counts per resource, source
    family, agency and fiscal year). Between tables only the sources and the counted tables'
    three columns are kept, so that no more than one large table is held at once."""

    def __init__(self, counts_path: Path | None = None, profile_path: Path | None = None) -> None:
        self.result = ValidationResult("great_expectations")
        self.ctx = quiet_context()
        self.source = self.ctx.data_sources.add_pandas("package")
        self.profile = expected_profile(profile_path or PROFILE_FILE)
        self.counts_path = counts_path or COUNTS_FILE
        self.counted: dict[str, pd.DataFrame] = {}
        self.sources: pd.DataFrame | None = None
        self.suites: list[dict[str, Any]] = []

    def check(self, res: Resource, frame: pd.DataFrame) -> None:
        """Profile expectations of one table; its text columns become categories in place
        (the caller is done with the frame: pandera checks it first)."""
        start = time.perf_counter()
        to_categories({res.name: frame})
        if res.name == "sources":
            self.sources = frame
        if res.name in COUNTED:
            self.counted[res.name] = frame[[c for c in _counted(res.name) if c in frame.columns]]
        expectations = profile_expectations(self.profile, res.name)
        if expectations and not frame.empty:
            self._run(res.name, "warning", expectations, frame)
        self.result.seconds += time.perf_counter() - start

    def columns_read(self, res: Resource) -> list[str]:
        """The columns of a resource its expectations and the row counts read (all that a
        table read in parts need keep for them)."""
        profiled = self.profile.loc[self.profile["resource"] == res.name, "column_name"]
        return list(dict.fromkeys([*profiled, *_counted(res.name)]))

    def done(self) -> ValidationResult:
        import great_expectations as gx

        start = time.perf_counter()
        if self.sources is not None:
            table = count_table(self.counted, self.sources, expected_counts(self.counts_path))
            e = gx.expectations
            pair = e.ExpectColumnPairValuesAToBeGreaterThanB
            self._run(
                "row_counts",
                "error",
                [pair(column_A="rows", column_B="min_rows", or_equal=True)],
                table,
            )
            self._run(
                "row_counts_max",
                "warning",
                [pair(column_A="max_rows", column_B="rows", or_equal=True)],
                table,
            )
            self.result.details["row_counts"] = table.to_dict(orient="records")
        self.result.details["suites"] = self.suites
        self.result.seconds += time.perf_counter() - start
        return self.result

    def _run(self, name: str, severity: str, expectations: list[Any], frame: pd.DataFrame) -> None:
        suite_result = _run_suite(self.ctx, self.source, name, expectations, frame)
        self.suites.append({"suite": name, "severity": severity, **suite_result})
        for exp in suite_result["expectations"]:
            self.result.checks_run += 1
            if not exp["success"]:
                message = (
                    _describe_counts(frame, severity)
                    if name.startswith("row_counts")
                    else _describe(exp, frame)
                )
                self.result.findings.append(
                    Finding(name, exp["expectation_type"], message, severity=severity)
                )


def validate_data_dir(
    data_dir: Path,
    res_list: list[Resource],
    frames: dict[str, pd.DataFrame] | None = None,
    counts_path: Path | None = None,
    profile_path: Path | None = None,
) -> ValidationResult:
    """Every table's profile expectations, then the row counts. `frames`, when given, have
    their text columns made categories in place; without them each CSV is read when its turn
    comes and let go after."""
    start = time.perf_counter()
    run = TableExpectations(counts_path, profile_path)
    for res in res_list:
        run.check(res, frames[res.name] if frames is not None else read_frame(data_dir, res))
    result = run.done()
    result.seconds = time.perf_counter() - start
    return result


def to_categories(frames: dict[str, pd.DataFrame]) -> None:
    """Text columns as categories, in place: the same values, held once per distinct value.

    Great Expectations filters the whole frame for many of its metrics; on text columns that
    copies every string each time (most of its time at a million rows), on categories only
    the codes. Memory falls to about a quarter too. Arrow's pool gets back each text column's
    memory as the column is replaced: the codes are NumPy's, and would otherwise be allocated
    beside text memory freed but kept (150 MB of the million transactions)."""
    pool = pa.default_memory_pool()
    for frame in frames.values():
        for name in frame.columns:
            if isinstance(frame[name].dtype, pd.StringDtype) or frame[name].dtype == object:
                frame[name] = frame[name].astype("category")
                pool.release_unused()


def quiet_context() -> Any:
    """An ephemeral (in-memory, offline) context without progress bars."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


def _run_suite(
    ctx: Any, source: Any, name: str, expectations: list[Any], frame: pd.DataFrame
) -> dict[str, Any]:
    import great_expectations as gx

    asset = source.add_dataframe_asset(name)
    batch_def = asset.add_batch_definition_whole_dataframe(f"{name}_all")
    # the suite is stored once, whole: adding expectations one by one to a stored suite
    # re-serialises it each time
    suite = ctx.suites.add(gx.ExpectationSuite(name=f"{name}_suite", expectations=expectations))
    vd = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=f"{name}_validation", data=batch_def, suite=suite)
    )
    res = vd.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
    )
    return res.describe_dict()


def _describe_counts(table: pd.DataFrame, severity: str) -> str:
    """Which slices are out of bounds, in words."""
    if severity == "error":
        bad = table[table["rows"] < table["min_rows"]]
        word, bound = "below the minimum", "min_rows"
    else:
        bad = table[table["rows"] > table["max_rows"]]
        word, bound = "above the maximum", "max_rows"
    slices = "; ".join(
        f"{r.resource} {r.source_family} {r.agency_acronym} FY{r.fiscal_year}:"
        f" {r.rows} rows, {bound} {getattr(r, bound)}"
        for r in bad.itertuples()
    )
    return f"published rows {word} of reference/expected_row_counts.csv: {slices}"


def _describe(exp: dict[str, Any], frame: pd.DataFrame) -> str:
    kw = {k: v for k, v in exp.get("kwargs", {}).items() if k != "batch_id"}
    r = exp.get("result", {}) or {}
    parts = [", ".join(f"{k}={v!r}" for k, v in kw.items())[:200]]
    if "unexpected_count" in r:
        parts.append(f"{r['unexpected_count']} unexpected of {r.get('element_count')}")
    if r.get("partial_unexpected_list"):
        parts.append(f"e.g. {r['partial_unexpected_list'][:3]!r}"[:300])
    if "observed_value" in r:
        parts.append(f"observed {r['observed_value']!r}"[:300])
    return "; ".join(p for p in parts if p)
