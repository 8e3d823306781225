"""From canonical raw strings to typed rows, with every unusable row quarantined with a reason.

Order of work: exact duplicates out (counted), values parsed, rows that fail a check
quarantined, ids derived from the unmodified upstream keys, id collisions quarantined.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..ids import stable_ids
from ..memory import release_memory
from ..metadata import resource
from ..readers.batch import SUMMARY_COLUMNS, TRANSACTION_COLUMNS, RawBatch
from . import amounts as amounts_t
from . import parse
from .frames import COLUMN_THREADS, row_slices, rows_where

AWARD_KEY_PARTS = parse.AWARD_KEY_PARTS
SUMMARY_AMOUNTS = [
    "latest_action_obligation",
    "total_obligation",
    "current_total_value_of_award",
    "potential_total_value_of_award",
]

# the earliest date published: the schemas' fiscal_year minimum
FIRST_FISCAL_YEAR = 2000
FIRST_DATE = f"{FIRST_FISCAL_YEAR - 1}-10-01"
AMOUNT_PROBLEMS = {
    "non_numeric_amount": "' is not a number",
    "non_finite_amount": "' is not a finite number",
    "amount_over_maximum": (
        f"' is beyond the maximum of {amounts_t.MAX_ABS_AMOUNT_USD:,} USD per record"
        " (transform/amounts.py)"
    ),
    "amount_not_exact_cents": "' is not a whole number of cents",
}


@dataclass
class Normalised:
    """Rows ready to publish, rows quarantined, and what was removed on the way."""

    records: pd.DataFrame
    rejects: pd.DataFrame  # source_id, raw_line_number, reason_code, reason_detail, raw_values_json
    duplicates: pd.DataFrame  # source_id, file_fiscal_year, agency_raw, action date raw of removed


def _reject(
    batch: RawBatch, frame: pd.DataFrame, mask: pd.Series, code: str, detail: pd.Series
) -> pd.DataFrame:
    rows = frame[mask]
    out = rows[["source_id", "raw_line_number", "file_fiscal_year", "agency_raw"]].copy()
    out["reason_code"] = code
    out["reason_detail"] = detail
    out["raw_values_json"] = batch.raw_values_json(rows)
    return out


def _exact_duplicates(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.Series, pd.DataFrame]:
    """(mask, rows) of the rows repeating an earlier row's values exactly. The caller leaves
    them out with the quarantined rows, in one filtered copy of the frame at the end: a copy
    of every raw column costs seconds at a million rows."""
    dup = frame.duplicated(subset=columns, keep="first")
    return dup, frame[dup] if dup.any() else frame.iloc[0:0]


def _locate(frame: pd.DataFrame, path_of: dict[str, str]) -> pd.Series:
    return frame["source_id"].map(path_of) + " line " + frame["raw_line_number"].astype(str)


def _key_parts(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Award key and its parts; assembled from the PIID fields where the source has no key."""
    given = frame["award_id_usaspending"] != ""
    built = parse.build_award_keys(
        frame["award_id_piid"],
        frame["award_agency_code"].where(
            frame["award_agency_code"] != "", frame["awarding_sub_agency_code"]
        ),
        frame["parent_award_id_piid"],
        frame["parent_award_agency_code"],
    )
    keys = frame["award_id_usaspending"].where(given, built)
    parts = parse.parse_award_keys(keys)
    piid_given = frame["award_id_piid"]
    mismatch = given & (piid_given != "") & (parts["award_id_piid"] != piid_given)
    bad = ~parts["is_valid"] | mismatch | (frame["award_id_piid"].eq("") & ~given)
    parts["award_id_usaspending"] = keys
    return parts, bad


# From this many raw rows on, the rows are checked and typed in slices at once (work_slices).
# Every check and every derived value depends on its row alone (exact duplicates, which do not,
# are found first over the whole batch), and much of the work is Arrow's, outside Python's lock:
# the million transactions' normalise call took 4.3 to 4.6 s in two slices, 5.2 to 5.7 s in one.
SLICES_FROM = 100_000


def normalise(
    batch: RawBatch, path_of: dict[str, str], slices_from: int = SLICES_FROM
) -> Normalised:
    """Typed rows of a batch (transactions or award summaries).

    The rows are checked and typed slice by slice when there are at least `slices_from` of
    them; the result is the same as in one piece (tests/core/test_normalise_slices.py): the
    records keep the rows' order and index, and the rows quarantined are listed check by check,
    each check's rows in row order.

    A batch that can read itself again (RawBatch.reread, set by the build) lets go of its raw
    rows, each file's slice once typed, so that the raw rows and the typed ones are not held
    whole at once (at a million transactions, 0.7 and 1 GB); it reads them again if they are
    needed after (RawBatch.raw_frame)."""
    is_tx = batch.kind == "transactions"
    let_go = batch.reread is not None
    frame = batch.frame()
    duplicate, dups = _exact_duplicates(frame, TRANSACTION_COLUMNS if is_tx else SUMMARY_COLUMNS)
    bounds = work_slices(batch.file_rows, len(frame), slices_from, let_go)
    pending: list[tuple[pd.DataFrame, pd.Series] | None] = [
        (frame.iloc[lo:hi], duplicate.iloc[lo:hi]) for lo, hi in bounds
    ]
    if let_go:
        batch.frames.clear()
    del frame

    def typed(part: int) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
        rows = pending[part]
        pending[part] = None  # the slice's raw rows go once typed
        assert rows is not None
        out = _checked(batch, *rows, path_of)
        del rows
        release_memory()  # the slice's raw rows and working memory, before the next slice
        return out

    with ThreadPoolExecutor(min(len(bounds), COLUMN_THREADS)) as pool:
        done = list(pool.map(typed, range(len(bounds))))
    records = done[0][0] if len(done) == 1 else pd.concat([d[0] for d in done])
    found = sorted(((check, part) for part, d in enumerate(done) for check in d[1]))
    quarantined = [done[part][1][check] for check, part in found]
    rej = pd.concat(quarantined, ignore_index=True) if quarantined else _empty_rejects()
    return Normalised(records, rej, dups)


def work_slices(
    file_rows: list[int], rows: int, slices_from: int, by_file: bool
) -> list[tuple[int, int]]:
    """The slices worked on at once: whole files, joined until a slice holds at least half of
    `slices_from` rows (a slice costs some fixed time, and a bulk input may be many small
    files), when the raw rows are let go file by file and there are slices enough to keep the
    threads busy; else row_slices'."""
    halves = row_slices(rows, slices_from)
    if not by_file or rows < slices_from or sum(file_rows) != rows:
        return halves
    out: list[tuple[int, int]] = []
    start = end = 0
    for n in file_rows:
        end += n
        if end - start >= max(1, slices_from // 2):
            out.append((start, end))
            start = end
    if end > start:
        out.append((start, end))
    return out if len(out) >= len(halves) else halves


def _checked(
    batch: RawBatch, frame: pd.DataFrame, duplicate: pd.Series, path_of: dict[str, str]
) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
    """The typed rows of a slice of a batch's rows, and the rows each check quarantined, by
    the check's place in the order of checks."""
    is_tx = batch.kind == "transactions"
    date_col = "action_date" if is_tx else "latest_action_date"
    amount_col = "federal_action_obligation" if is_tx else None
    rejects: dict[int, pd.DataFrame] = {}
    bad_any = duplicate  # left out: exact duplicates, then each row quarantined

    def where(mask: pd.Series) -> pd.Series:
        return _locate(frame[mask], path_of)

    def check(mask: pd.Series, code: str, describe: Callable[[pd.Series], pd.Series]) -> None:
        """Quarantine the rows of mask not already left out; describe(mask) says why (only
        computed for the rows it quarantines: strings for a million rows cost seconds)."""
        nonlocal bad_any
        mask = mask & ~bad_any
        if mask.any():
            rejects[len(checked)] = _reject(batch, frame, mask, code, describe(mask))
        checked.append(code)
        bad_any = bad_any | mask

    checked: list[str] = []

    required = ["recipient_name", date_col] + ([amount_col, "modification_number"] if is_tx else [])
    for col in required:
        check(
            frame[col].str.strip() == "",
            "missing_required_value",
            lambda m, col=col: where(m) + f": {col} is empty",
        )
    sub_code = parse.agency_codes(
        frame["awarding_sub_agency_code"].where(
            frame["awarding_sub_agency_code"] != "", frame["agency_raw"]
        )
    )
    check(
        sub_code == "",
        "unknown_agency",
        lambda m: (
            where(m)
            + ": agency '"
            + frame["agency_raw"][m]
            + "' is neither ICE (7012) nor CBP (7014)"
        ),
    )
    dates = parse.parse_dates(frame[date_col], batch.date_formats)
    bounds = _DateBounds.of(frame, date_col, dates, batch.date_formats)
    check(
        dates.isna() & (bounds.calendar == ""),
        "unparseable_date",
        lambda m: (
            where(m)
            + f": {date_col} '"
            + frame[date_col][m]
            + "' is not a date in the expected format ("
            + " or ".join(batch.date_formats)
            + ")"
        ),
    )
    check(
        bounds.after_retrieval,
        "date_after_retrieval",
        lambda m: (
            where(m)
            + f": {date_col} "
            + bounds.iso(m)
            + " is after the file's retrieval date "
            + frame["retrieved_at"][m].str[:10]
        ),
    )
    check(
        bounds.before_minimum,
        "date_before_minimum",
        lambda m: (
            where(m)
            + f": {date_col} "
            + bounds.iso(m)
            + f" is before {FIRST_DATE}, the first day of fiscal year {FIRST_FISCAL_YEAR},"
            " the earliest the package publishes"
        ),
    )
    amounts = {}
    for col in [amount_col] if is_tx else SUMMARY_AMOUNTS:
        problem = amounts_t.problems(frame[col])
        for code, what in AMOUNT_PROBLEMS.items():
            check(
                problem == code,
                code,
                lambda m, col=col, what=what: where(m) + f": {col} '" + frame[col][m] + what,
            )
        amounts[col] = amounts_t.parse(frame[col]).where(problem == "").round(2)
    parts, bad_key = _key_parts(frame)
    check(
        bad_key,
        "malformed_award_key",
        lambda m: (
            where(m)
            + ": award key '"
            + parts["award_id_usaspending"][m]
            + "' does not match CONT_AWD_{piid}_{agency}_{parent piid}_{parent agency} or its"
            " PIID differs from the PIID column"
        ),
    )
    check(*_agency_mismatch(frame, parts, sub_code, where))
    keep = ~bad_any

    def kept(values: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
        # a filtered copy of every column costs seconds at a million rows: none when all pass
        return values if not bad_any.any() else rows_where(values, keep)

    typed = _typed(
        batch,
        _KeptColumns(frame, keep) if bad_any.any() else frame,
        kept(parts),
        kept(sub_code),
        kept(dates),
        kept(bounds.outside_file_year),
        {k: kept(v) for k, v in amounts.items()},
    )
    return typed, rejects


class _KeptColumns:
    """The kept rows of a raw frame, each column filtered when it is first read: the typed
    rows copy through only some raw columns, and a filtered copy of them all (half a GB at a
    million rows) would be held beside the raw rows while the typed ones are built."""

    def __init__(self, frame: pd.DataFrame, keep: pd.Series) -> None:
        self.frame = frame
        self.keep = keep
        self.index = frame.index[keep.to_numpy()]
        self.columns: dict[str, pd.Series] = {}

    def __getitem__(self, name: str) -> pd.Series:
        if name not in self.columns:
            self.columns[name] = rows_where(self.frame[name], self.keep)
        return self.columns[name]


@dataclass
class _DateBounds:
    """Where a row's date lies against the bounds a published date must meet: not after the
    retrieval date of its file, not before FIRST_DATE; and, as a flag on a published row,
    outside the fiscal year its file was pulled for. `calendar` holds the dates of texts
    that parse but that pandas' timestamps cannot hold (such as 3024-03-01)."""

    calendar: pd.Series
    after_retrieval: pd.Series
    before_minimum: pd.Series
    outside_file_year: pd.Series
    dates: pd.Series

    @classmethod
    def of(
        cls, frame: pd.DataFrame, date_col: str, dates: pd.Series, formats: list[str]
    ) -> _DateBounds:
        unread = dates.isna() & (frame[date_col] != "")
        calendar = pd.Series("", index=frame.index, dtype=object)
        if unread.any():
            calendar[unread] = parse.calendar_dates(frame[date_col][unread], formats)
        retrieved_day = frame["retrieved_at"].str[:10]
        days = {v: pd.Timestamp(v) for v in retrieved_day.unique() if v}
        retrieved = retrieved_day.map(days)
        far = calendar != ""
        after = (dates > retrieved).fillna(False) | (far & (calendar > retrieved_day))
        before = (dates < pd.Timestamp(FIRST_DATE)).fillna(False) | (far & (calendar < FIRST_DATE))
        file_fy = pd.to_numeric(frame["file_fiscal_year"], errors="coerce").fillna(0)
        fy = parse.fiscal_year(dates).astype("float64")
        outside = ((file_fy > 0) & fy.notna() & (fy != file_fy)).astype(bool)
        return cls(calendar, after.astype(bool), before.astype(bool), outside, dates)

    def iso(self, mask: pd.Series) -> pd.Series:
        """The date of each masked row as YYYY-MM-DD, for the reason given."""
        d = self.dates[mask]
        out = d.dt.strftime("%Y-%m-%d").astype(object)
        return out.where(d.notna(), self.calendar[mask])


def _agency_mismatch(
    frame: pd.DataFrame,
    parts: pd.DataFrame,
    sub_code: pd.Series,
    where: Callable[[pd.Series], pd.Series],
) -> tuple[pd.Series, str, Callable[[pd.Series], pd.Series]]:
    """Rows whose agency contradicts the award key's agency (where that is ICE or CBP) or the
    reviewed owner of the PIID's office prefix: such a row cannot say which agency it is."""
    key_code = parts["award_agency_code"]
    key_ours = key_code.isin(list(parse.AGENCIES))
    key_differs = key_ours & (key_code != sub_code) & (sub_code != "")
    prefixes = parse.piid_prefixes()
    prefix = parse.piid_prefix_of(parts["award_id_piid"], prefixes)
    owner = prefix.map(prefixes).fillna("")
    acronym = sub_code.map({c: v[1] for c, v in parse.AGENCIES.items()}).fillna("")
    prefix_differs = ~owner.isin(["", "DHS"]) & (owner != acronym) & (acronym != "")

    def describe(m: pd.Series) -> pd.Series:
        said = " agency " + acronym[m] + " (" + sub_code[m] + ") contradicts the "
        by_key = ("award key's agency " + key_code[m]).where(key_differs[m], "")
        by_prefix = (
            "PIID prefix " + prefix[m] + " (" + owner[m] + ", reference/piid_prefixes.csv)"
        ).where(prefix_differs[m], "")
        joint = pd.Series(" and the ", index=by_key.index).where(
            key_differs[m] & prefix_differs[m], ""
        )
        return where(m) + ":" + said + by_key + joint + by_prefix

    return key_differs | prefix_differs, "agency_mismatch", describe


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "source_id",
            "raw_line_number",
            "file_fiscal_year",
            "agency_raw",
            "reason_code",
            "reason_detail",
            "raw_values_json",
        ]
    )


def _one_category(value: str, index: pd.Index) -> pd.Series:
    """One text on every row, as a category."""
    codes = np.zeros(len(index), dtype=np.int8)
    return pd.Series(pd.Categorical.from_codes(codes, [value]), index=index)


def _typed(
    batch: RawBatch,
    f: pd.DataFrame | _KeptColumns,
    parts: pd.DataFrame,
    sub: pd.Series,
    dates: pd.Series,
    outside_file_year: pd.Series,
    amounts: dict[str, pd.Series],
) -> pd.DataFrame:
    """Published columns: derived ones computed here, the others copied through from the
    canonical raw column of the same name (the schema says which columns there are)."""
    is_tx = batch.kind == "transactions"
    key = parts["award_id_usaspending"]
    piid = parse.parse_piids(parts["award_id_piid"])
    derived: dict[str, object] = {
        "award_id_usaspending": key,
        **{c: parts[c] for c in AWARD_KEY_PARTS},
        "awarding_sub_agency_code": sub,
        "agency_acronym": sub.map({c: v[1] for c, v in parse.AGENCIES.items()}),
        **{c: piid[c] for c in piid.columns},
        "award_page_url": parse.award_page_urls(key),
        "source_system": batch.source_system,
        "raw_line_number": f["raw_line_number"].astype("int64"),
        "is_fiscal_year_outside_file": outside_file_year.astype("bool"),
    }
    if is_tx:
        derived |= {
            "transaction_id": stable_ids("tx", key, f["modification_number"]),
            "action_date": dates,
            "fiscal_year": parse.fiscal_year(dates),
            "federal_action_obligation_usd": amounts["federal_action_obligation"],
            # the same text on every row: held as categories (a code per row), not as a
            # million copies of it (0.1 GB of the million transactions); written the same
            "awarding_agency_code": _one_category("070", f.index),
            "awarding_agency_name": _one_category("Department of Homeland Security", f.index),
            "awarding_sub_agency_name": sub.map(parse.SUB_AGENCY_NAMES).astype(
                pd.CategoricalDtype(sorted(set(parse.SUB_AGENCY_NAMES.values())))
            ),
        }
    else:
        derived |= {
            "award_summary_id": stable_ids(
                "as", key, f["latest_modification_number"], f["latest_action_date"]
            ),
            "latest_action_date": dates,
            "latest_action_fiscal_year": parse.fiscal_year(dates),
            **{f"{c}_usd": amounts[c] for c in SUMMARY_AMOUNTS},
        }
    out = pd.DataFrame(index=f.index)
    for name in resource(batch.kind).field_names:
        out[name] = derived[name] if name in derived else f[name]
    out["file_fiscal_year"] = f["file_fiscal_year"]
    return out


def collisions(
    records: pd.DataFrame, id_col: str, priority: dict[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split rows sharing an id into kept, reconciled (same id from another source system,
    already published from a preferred one) and collisions (same id, same system, different
    content): never overwritten, always reported."""
    keys = pd.DataFrame(
        {
            "_p": records["source_system"].map(priority).fillna(99),
            "source_id": records["source_id"],
            "raw_line_number": records["raw_line_number"],
        }
    )
    # one reordered copy of the records (the frame is the build's largest)
    order = keys.sort_values(["_p", "source_id", "raw_line_number"], kind="stable").index
    rec = records if order.equals(records.index) else records.loc[order]
    dup = rec.duplicated(subset=[id_col], keep="first")
    if not dup.any():
        empty = rec.iloc[0:0]
        return rec, empty, empty
    first = rec[~dup].set_index(id_col)
    later = rec[dup]
    first_system = later[id_col].map(first["source_system"])
    cross = later["source_system"] != first_system
    return rec[~dup], later[cross], later[~cross]


def collision_rejects(
    batch_by_source: dict[str, RawBatch],
    coll: pd.DataFrame,
    kept: pd.DataFrame,
    id_col: str,
    path_of: dict[str, str],
) -> pd.DataFrame:
    """Quarantine rows whose id is already taken by a different row of the same system."""
    if coll.empty:
        return _empty_rejects()
    first = kept.set_index(id_col)
    where = _locate(coll, path_of)
    other = (
        coll[id_col].map(first["source_id"].map(path_of))
        + " line "
        + coll[id_col].map(first["raw_line_number"]).astype(str)
    )
    out = coll[["source_id", "raw_line_number", "file_fiscal_year"]].copy()
    out["agency_raw"] = coll["agency_acronym"]
    out["reason_code"] = "id_collision"
    out["reason_detail"] = (
        where
        + ": id "
        + coll[id_col]
        + " is already taken by "
        + other
        + (" with different values; neither is overwritten, this row is quarantined")
    )
    raws = []
    for source_id, rows in coll.groupby("source_id", sort=False):
        batch = batch_by_source[str(source_id)]
        original = batch.raw_frame().set_index(["source_id", "raw_line_number"])
        idx = pd.MultiIndex.from_frame(rows[["source_id", "raw_line_number"]])
        raws.append(batch.raw_values_json(original.loc[idx].reset_index()).set_axis(rows.index))
    out["raw_values_json"] = pd.concat(raws)
    return out
