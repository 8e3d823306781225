"""Pandera: the rules a Table Schema cannot state, across the fields of a row and across tables.

What a Table Schema says (types, required, enum, pattern, bounds, unique, primary and foreign
keys) is checked by frictionless against the descriptor; pandera's models keep only the
columns and their in-memory dtypes (metadata.types), so that the rules below read typed values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ..metadata import Resource
from ..metadata.types import pandas_dtype
from ..paths import REFERENCE_DIR
from ..tables import TEXT_DTYPE, read_frame
from ..transform import amounts, parse
from .result import Finding, ValidationResult


def _column(field: dict) -> pa.Column:
    """A column of the field's in-memory dtype (metadata.types). Its constraints (required,
    enum, pattern, bounds, unique) are the Table Schema's, checked by frictionless."""
    return pa.Column(pandas_dtype(field), nullable=True, coerce=False, required=True)


def model(res: Resource, extra: list[pa.Check] | None = None) -> pa.DataFrameSchema:
    """The pandera model of a resource: its columns and dtypes, and the cross-field and
    cross-table rules no Table Schema can state. Keys and foreign keys are frictionless's."""
    return pa.DataFrameSchema(
        {f["name"]: _column(f) for f in res.fields},
        checks=(extra or []) + cross_field_checks(res.name, res.field_names),
        strict=True,
        ordered=True,
        name=res.name,
    )


# ---- cross-field rules -------------------------------------------------------------------


def _fy_agrees(date_col: str, fy_col: str) -> pa.Check:
    def check(df: pd.DataFrame) -> pd.Series:
        d = df[date_col]
        fy = d.dt.year + (d.dt.month >= 10).astype("int64")
        return fy.astype("Int64").eq(df[fy_col]).fillna(False)

    return pa.Check(
        check,
        name=f"{fy_col}_agrees_with_{date_col}",
        error=f"{fy_col} must be the federal fiscal year of {date_col}",
    )


def piid_prefixes(path: Path = REFERENCE_DIR / "piid_prefixes.csv") -> dict[str, str]:
    return parse.piid_prefixes(path)


def piid_agrees_with_agency() -> pa.Check:
    """On every row: the award key's agency, where it is ICE or CBP, is the row's agency, and
    the reviewed owner of the PIID's office prefix is the row's agency (or DHS, for offices
    awarding on behalf of either). The transforms quarantine rows that break this; here it
    is checked again on what was published."""
    prefixes = piid_prefixes()

    def check(df: pd.DataFrame) -> pd.Series:
        key = df["award_agency_code"]
        key_ok = ~key.isin(list(parse.AGENCIES)) | (key == df["awarding_sub_agency_code"])
        owner = parse.piid_prefix_of(df["award_id_piid"], prefixes).map(prefixes).fillna("")
        # a PIID with no known prefix (orders on other agencies' numbering) has no owner
        prefix_ok = owner.isin(["", "DHS"]) | (owner == df["agency_acronym"])
        return (key_ok & prefix_ok).fillna(False).astype(bool)

    return pa.Check(
        check,
        name="agency_agrees_with_award_key_and_piid_prefix",
        error="the award key's agency (where ICE or CBP) and the owner of the PIID's office"
        " prefix (reference/piid_prefixes.csv) must be the row's agency",
    )


def date_not_after_retrieval(date_col: str) -> pa.Check:
    """No published date is after the retrieval date of the file it was read from."""

    def check(df: pd.DataFrame) -> pd.Series:
        retrieved = pd.to_datetime(df["retrieved_at"].str[:10], format="%Y-%m-%d", errors="coerce")
        return ~(df[date_col] > retrieved).fillna(False).astype(bool)

    return pa.Check(
        check,
        name=f"{date_col}_not_after_retrieval",
        error=f"{date_col} must not be after the retrieval date of its raw file",
    )


def award_figures_have_a_source() -> list[pa.Check]:
    """transactions_obligation_sum_usd only where the award has transactions in the package;
    summary_* figures only where it has an upstream summary (award_summary_id)."""

    def sum_with_transactions(df: pd.DataFrame) -> pd.Series:
        has_tx = df["transaction_count"].fillna(0) > 0
        return (has_tx == df["transactions_obligation_sum_usd"].notna()).astype(bool)

    def summary_with_summary(df: pd.DataFrame) -> pd.Series:
        has_summary = df["award_summary_id"].fillna("") != ""
        figures = [c for c in df.columns if c.startswith("summary_") and c.endswith("_usd")]
        any_figure = df[figures].notna().any(axis=1)
        return (has_summary | ~any_figure).astype(bool)

    return [
        pa.Check(
            sum_with_transactions,
            name="transactions_obligation_sum_only_with_transactions",
            error="transactions_obligation_sum_usd is given exactly when transaction_count > 0",
        ),
        pa.Check(
            summary_with_summary,
            name="summary_figures_only_with_a_summary",
            error="summary_* figures need an award_summary_id",
        ),
    ]


PIID_COLUMNS = (
    "award_agency_code",
    "awarding_sub_agency_code",
    "award_id_piid",
    "agency_acronym",
)
REPORT_COLUMNS = (
    "rows_read",
    "duplicate_rows_removed",
    "rows_quarantined",
    "rows_reconciled",
    "rows_published",
)


def _report_adds_up() -> pa.Check:
    def check(df: pd.DataFrame) -> pd.Series:
        parts = (
            df["duplicate_rows_removed"]
            + df["rows_quarantined"]
            + df["rows_reconciled"]
            + df["rows_published"]
        )
        return parts.eq(df["rows_read"]).fillna(False)

    return pa.Check(
        check,
        name="rows_read_adds_up",
        error="rows_read must equal duplicates + quarantined + reconciled + published",
    )


def _dates_ordered() -> pa.Check:
    return pa.Check(
        lambda df: (df["first_action_date"] <= df["last_action_date"]).fillna(False),
        name="first_action_date_not_after_last",
    )


Rule = tuple[tuple[str, ...], Callable[[], pa.Check | list[pa.Check]]]
_RETRIEVAL = ("retrieved_at",)

CROSS_FIELD: dict[str, list[Rule]] = {
    "transactions": [
        (("action_date", "fiscal_year"), lambda: _fy_agrees("action_date", "fiscal_year")),
        (PIID_COLUMNS, piid_agrees_with_agency),
        (("action_date", *_RETRIEVAL), lambda: date_not_after_retrieval("action_date")),
    ],
    "award_summaries": [
        (
            ("latest_action_date", "latest_action_fiscal_year"),
            lambda: _fy_agrees("latest_action_date", "latest_action_fiscal_year"),
        ),
        (PIID_COLUMNS, piid_agrees_with_agency),
        (
            ("latest_action_date", *_RETRIEVAL),
            lambda: date_not_after_retrieval("latest_action_date"),
        ),
    ],
    "awards": [
        (("first_action_date", "last_action_date"), _dates_ordered),
        (
            ("transaction_count", "transactions_obligation_sum_usd", "award_summary_id"),
            award_figures_have_a_source,
        ),
    ],
    "build_report": [(REPORT_COLUMNS, _report_adds_up)],
}


def cross_field_checks(name: str, columns: list[str] | None = None) -> list[pa.Check]:
    """The cross-field rules of a resource; given its columns, only the rules it has columns
    for (a release of another shape, e.g. in tests, is held to the rules it can meet).
    tests/core/test_cross_checks.py makes sure the package's own resources have them all."""
    out: list[pa.Check] = []
    for needed, make in CROSS_FIELD.get(name, []):
        if columns is not None and not set(needed) <= set(columns):
            continue
        made = make()
        out.extend(made if isinstance(made, list) else [made])
    return out


@dataclass(frozen=True)
class AwardFacts:
    """What the published transactions give each award: its obligations' sum, its number of
    transactions and whether its base action (modification 0) is among them. Taken while the
    transactions are read, so that the awards are checked without holding them."""

    sums: pd.Series
    counts: pd.Series
    base: pd.Series

    @classmethod
    def of(cls, tx: pd.DataFrame) -> AwardFacts:
        key = tx["award_id_usaspending"]
        return cls(
            amounts.sum_usd_by(tx["federal_action_obligation_usd"], key),
            tx.groupby(key).size(),
            (tx["modification_number"].astype(str).str.strip() == "0").groupby(key).any(),
        )


def awards_match_transactions(facts: AwardFacts) -> list[pa.Check]:
    """An award's transactions_obligation_sum_usd, transaction_count and
    has_base_action_in_package are exactly what its published transactions give (`facts`)."""
    sums, counts, base = facts.sums, facts.counts, facts.base

    def total(df: pd.DataFrame) -> pd.Series:
        expect = df["award_id_usaspending"].map(sums)
        got = df["transactions_obligation_sum_usd"]
        same = (got - expect).abs() < 0.005
        return (same | (got.isna() & expect.isna())).fillna(False).astype(bool)

    def count(df: pd.DataFrame) -> pd.Series:
        return (
            df["award_id_usaspending"]
            .map(counts)
            .fillna(0)
            .astype("int64")
            .eq(df["transaction_count"])
        )

    def has_base(df: pd.DataFrame) -> pd.Series:
        expect = df["award_id_usaspending"].map(base).fillna(False).astype(bool)
        return df["has_base_action_in_package"].eq(expect).fillna(False).astype(bool)

    return [
        pa.Check(total, name="transactions_obligation_sum_equals_sum_of_transactions"),
        pa.Check(count, name="transaction_count_equals_transactions"),
        pa.Check(has_base, name="has_base_action_in_package_agrees_with_transactions"),
    ]


# ---- running -----------------------------------------------------------------------------


def checking_order(res_list: list[Resource]) -> list[Resource]:
    """The resources in the order a table-by-table run checks them: the sources (which name
    each row's raw file) and the transactions (which the awards are checked against) first,
    the others in the package's order (the package lists them so already)."""
    return sorted(res_list, key=lambda r: r.name not in ("sources", "transactions"))


# the columns a table checked in parts keeps of every row: where each row came from (for the
# findings' raw places), and what the awards are checked against (AwardFacts)
PLACE_COLUMNS = ["source_id", "raw_line_number"]
FACT_COLUMNS = ["award_id_usaspending", "federal_action_obligation_usd", "modification_number"]


class TableChecks:
    """pandera over a package's tables one at a time: `check` each table as it is read (or
    `check_parts`, a large one in parts), then `done`. Between tables only what later checks
    need is kept (the sources' paths, the transactions' AwardFacts), so that no more than one
    large table is held at once."""

    def __init__(self) -> None:
        self.result = ValidationResult("pandera")
        self.rows: dict[str, int] = {}
        self.paths: pd.DataFrame | None = None
        self.award_facts: AwardFacts | None = None

    def check(self, res: Resource, frame: pd.DataFrame) -> None:
        """pandera on one table read whole (check_parts with one part)."""
        if res.name == "sources" and {"source_id", "path"} <= set(frame.columns):
            self.paths = frame[["source_id", "path"]]
        self.check_parts(res, [frame])

    def check_parts(
        self, res: Resource, parts: Iterable[pd.DataFrame], also: Iterable[str] = ()
    ) -> pd.DataFrame | None:
        """check() over a table read in parts, each indexed by its rows' positions in the whole
        table: every rule of a model is a rule of one row at a time (the keys, across rows, are
        frictionless's), so the failing rows of the parts are the failing rows of the whole.
        Returns every row's columns the checks keep (PLACE_COLUMNS, FACT_COLUMNS) and those
        `also` named, or None when there are no parts; nothing is recorded when a part cannot
        be read (the reader's exception is raised). The text columns only `also` names are
        returned as categories, those the whole column's `astype("category")` gives (the
        caller's expectations read them so): kept as text, part by part, they were 0.14 GB of
        the million transactions."""
        schema = self._model(res)
        wanted = list(dict.fromkeys([*PLACE_COLUMNS, *FACT_COLUMNS, *also]))
        coded = [c for c in also if c not in PLACE_COLUMNS + FACT_COLUMNS]
        cases, kept, seconds = [], [], 0.0
        for part in parts:
            start = time.perf_counter()
            try:
                schema.validate(part, lazy=True)
            except pa.errors.SchemaErrors as exc:
                cases.append(exc.failure_cases)
            kept.append(_text_as_categories(part[[c for c in wanted if c in part.columns]], coded))
            seconds += time.perf_counter() - start
        if not kept:
            return None
        start = time.perf_counter()
        rows = _joined(kept)
        if res.name == "transactions" and "modification_number" in rows:
            self.award_facts = AwardFacts.of(rows)
        self._record(res, schema, pd.concat(cases, ignore_index=True) if cases else None, rows)
        self.result.seconds += seconds + time.perf_counter() - start
        return rows

    def _model(self, res: Resource) -> pa.DataFrameSchema:
        extra = (
            awards_match_transactions(self.award_facts)
            if res.name == "awards" and self.award_facts is not None
            else []
        )
        return model(res, extra)

    def _record(
        self,
        res: Resource,
        schema: pa.DataFrameSchema,
        cases: pd.DataFrame | None,
        frame: pd.DataFrame,
    ) -> None:
        self.result.checks_run += sum(len(c.checks) for c in schema.columns.values()) + len(
            schema.checks
        )
        if cases is not None:
            self.result.findings.extend(_findings(res.name, cases, _raw_places(frame, self.paths)))
        self.rows[res.name] = len(frame)

    def done(self) -> ValidationResult:
        self.result.details = {"rows": dict(self.rows)}
        return self.result


def _text_as_categories(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The frame with its text columns among `names` as categories."""
    text = [c for c in names if c in frame.columns and isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype({c: "category" for c in text}) if text else frame


def _joined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts one after another; a column of categories gets the categories its whole
    text column would get (every part's, sorted as `astype("category")` sorts them)."""
    coded = [c for c in parts[0].columns if isinstance(parts[0][c].dtype, pd.CategoricalDtype)]
    if not coded:
        return pd.concat(parts)
    for c in coded:
        values = sorted(set().union(*(p[c].cat.categories for p in parts)))
        dtype = pd.Series(values, dtype=TEXT_DTYPE).astype("category").dtype
        parts = [p.assign(**{c: p[c].astype(dtype)}) for p in parts]
    return pd.concat(parts)


def validate_data_dir(
    data_dir: Path, res_list: list[Resource], frames: dict[str, pd.DataFrame] | None = None
) -> ValidationResult:
    """Validate every published CSV of a data dir against its generated model, lazily, so
    every failing check is reported and not only the first. Without `frames` each CSV is read
    when its turn comes and let go after."""
    start = time.perf_counter()
    checks = TableChecks()
    for res in checking_order(res_list):
        checks.check(res, frames[res.name] if frames is not None else read_frame(data_dir, res))
    result = checks.done()
    result.seconds = time.perf_counter() - start
    return result


def _raw_places(frame: pd.DataFrame, paths: pd.DataFrame | None) -> Callable[[Any], str]:
    """Where a published row came from ("{raw path} line {n}"), for rows that carry their
    source_id and raw_line_number; "" otherwise. Messages name the raw file because the
    published file of a failed build is never kept. `paths`: the sources' source_id and path."""
    if paths is None or not {"source_id", "raw_line_number"} <= set(frame.columns):
        return lambda i: ""
    path_of = dict(zip(paths["source_id"], paths["path"], strict=False))

    def place(i: Any) -> str:
        try:
            row = frame.loc[i]
        except KeyError:
            return ""
        path = path_of.get(row["source_id"], row["source_id"])
        return f" ({path} line {row['raw_line_number']})"

    return place


def _findings(
    name: str, cases: pd.DataFrame, place: Callable[[Any], str] = lambda i: ""
) -> list[Finding]:
    """Findings of pandera's failure cases (SchemaErrors.failure_cases), one per column and
    check, with its number of failing rows and the first three."""
    out = []
    # a dataframe-wide check is reported once per column by pandera: report it once
    wide = cases["schema_context"] == "DataFrameSchema"
    cases = cases.assign(column=cases["column"].where(~wide, ""))
    cases = cases.drop_duplicates(subset=["column", "check", "index"])
    for (column, check), rows in cases.groupby(["column", "check"], dropna=False, sort=True):
        sample = rows.head(3)
        lines = [
            f"{name}.csv line {int(i) + 2}{place(i)}" if pd.notna(i) else ""
            for i in sample["index"]
        ]
        where = "; ".join(
            f"{ln}: {v!r}" if column else ln
            for ln, v in zip(lines, sample["failure_case"], strict=True)
        )
        col = f"{column}: " if column else ""
        out.append(Finding(name, str(check), f"{col}{len(rows)} failing rows ({where})"))
    return out
