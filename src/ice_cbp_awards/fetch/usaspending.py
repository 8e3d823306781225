"""`awards fetch usaspending`: one agency's fiscal year from the search API, resumably.

Endpoint: POST /api/v2/search/spending_by_transaction/ (the one the original raw files came
from), asking for the same values plus the codes those files lack (Recipient UEI, PSC and
NAICS codes). The API has no awarding-office field, so that column stays empty; the award
type code is exact because each query asks for one award type (A, B, C or D).

The API pages 100 records at a time and refuses any page past its 50,000-record window, so
every query is first counted with /api/v2/search/spending_by_transaction_count/ and a date
range whose count would reach the window is cut, by calendar month and then in halves,
until every piece fits. Pages are sorted by Action Date (far fewer ties than the amount sort
of the original pull, whose many zero-dollar actions made pages overlap), kept in
checkpoints, and de-duplicated: the API's `internal_id` names the award, not the
transaction, so a record counts as a duplicate only when every value it carries is equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..readers.cbp_ice import BASE_COLUMNS, FETCH_COLUMNS
from .agencies import TOPTIER_NAME, Agency, fiscal_year_range, halves, month_ranges
from .checkpoint import (
    PARTIAL_DIR,
    PagedCheckpoint,
    canonical,
    load_json,
    remove_partial_dir,
    save_json,
)
from .csvout import amount, day, text, write_csv
from .http import FetchError, PoliteSession
from .manifest import ManifestRow, describe_file, now_iso, upsert
from .progress import Reporter

DEFAULT_BASE_URL = "https://api.usaspending.gov"
SEARCH_PATH = "/api/v2/search/spending_by_transaction/"
COUNT_PATH = "/api/v2/search/spending_by_transaction_count/"
FAMILY = "usaspending-cbp-ice"
PAGE_SIZE = 100
RESULT_WINDOW = 50_000
AWARD_TYPE_CODES = ("A", "B", "C", "D")
SORT_FIELD = "Action Date"

FIELDS = [
    "Award ID",
    "Recipient Name",
    "Recipient UEI",
    "Transaction Amount",
    "Action Date",
    "Mod",
    "PSC",
    "NAICS",
    "Transaction Description",
    "Award Type",
    "Awarding Agency",
    "Awarding Sub Agency",
    "internal_id",
    "generated_internal_id",
]

# the file format the build reads (readers/cbp_ice.py): one list for writer and reader
COLUMNS = [*BASE_COLUMNS, *FETCH_COLUMNS]


@dataclass(frozen=True)
class Window:
    """One query that fits the result window: an award type over a date range."""

    award_type: str
    start: date
    end: date
    count: int


@dataclass
class FetchResult:
    """What a fetch wrote and how it compares with what the API said it had."""

    path: Path
    rows: int
    api_reported_rows: int
    duplicates_dropped: int
    other_agency_dropped: int
    manifest_row: ManifestRow
    windows: list[Window] = field(default_factory=list)


def filters_for(agency: Agency, award_type: str, start: date, end: date) -> dict[str, Any]:
    return {
        "agencies": [
            {
                "type": "awarding",
                "tier": "subtier",
                "name": agency.name,
                "toptier_name": TOPTIER_NAME,
            }
        ],
        "award_type_codes": [award_type],
        "time_period": [{"start_date": start.isoformat(), "end_date": end.isoformat()}],
    }


def count_body(filters: dict[str, Any]) -> dict[str, Any]:
    return {"filters": filters}


def search_body(filters: dict[str, Any], page: int) -> dict[str, Any]:
    return {
        "filters": filters,
        "fields": FIELDS,
        "sort": SORT_FIELD,
        "order": "asc",
        "limit": PAGE_SIZE,
        "page": page,
    }


def query_identity(filters: dict[str, Any]) -> dict[str, Any]:
    """A search query without its page number: what a checkpoint is kept for."""
    body = search_body(filters, 1)
    del body["page"]
    return {"endpoint": SEARCH_PATH, "body": body}


def plan_windows(
    count: Callable[[date, date], int],
    start: date,
    end: date,
    window: int = RESULT_WINDOW,
    first_count: int | None = None,
) -> list[tuple[date, date, int]]:
    """Date ranges covering [start, end], each with a count below the window.

    A range that reaches the window is cut into calendar months, a single month into halves,
    recursively; a single day that still reaches it cannot be fetched through this endpoint.
    """
    n = count(start, end) if first_count is None else first_count
    if n < window:
        return [(start, end, n)]
    parts = month_ranges(start, end)
    if len(parts) == 1:
        parts = halves(start, end)
    if len(parts) == 1:
        raise FetchError(
            f"{n} records on the single day {start}: more than the API's {window}-record "
            "window; use `awards fetch usaspending-bulk` for that day"
        )
    out: list[tuple[date, date, int]] = []
    for s, e in parts:
        out.extend(plan_windows(count, s, e, window))
    return out


class UsaspendingClient:
    """The two search endpoints, on a polite session."""

    def __init__(self, session: PoliteSession, base_url: str = DEFAULT_BASE_URL) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.sent_bodies: list[dict[str, Any]] = []

    @property
    def search_url(self) -> str:
        return self.base_url + SEARCH_PATH

    @property
    def count_url(self) -> str:
        return self.base_url + COUNT_PATH

    def count(self, filters: dict[str, Any]) -> int:
        """The API's own count of contract transactions matching the filters."""
        body = count_body(filters)
        answer = self.session.post_json(self.count_url, body)
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, dict):
            raise FetchError(f"POST {self.count_url}: answer has no 'results' object")
        value = results.get("contracts")
        if value is None:
            value = sum(v for v in results.values() if isinstance(v, int))
        if not isinstance(value, int) or value < 0:
            raise FetchError(f"POST {self.count_url}: 'contracts' count is not a number")
        return value

    def page(self, filters: dict[str, Any], page: int) -> tuple[list[dict[str, Any]], bool]:
        """One page of results and whether the API says another follows (see check_page)."""
        body = search_body(filters, page)
        answer = self.session.post_json(self.search_url, body)
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            raise FetchError(f"POST {self.search_url} page {page}: answer has no 'results' list")
        meta = answer.get("page_metadata") or {}
        return results, bool(meta.get("hasNext"))


def check_page(where: str, page: int, records: int, has_next: bool, count: int,
               limit: int = PAGE_SIZE, label: str = "") -> None:  # fmt: skip
    """A page must agree with the limit asked for and the query's count, or records go missing.

    Every page before a next one is full, so page p ends at record (p-1)*limit + records;
    hasNext must be true exactly while that is below the count. A page that says otherwise is
    an error naming it: offsets would shift (records skipped or repeated) or the fetch would
    stop short or run past what was counted.
    """
    seen = (page - 1) * limit + records
    problem = ""
    if records > limit:
        problem = f"holds {records} records, more than the limit of {limit}"
    elif has_next and records < limit:
        problem = f"hasNext is true, but the page holds {records} of {limit} records"
    elif has_next and seen >= count:
        problem = f"hasNext is true after {seen} records, but the count for this query is {count}"
    elif not has_next and seen < count:
        problem = f"hasNext is false after {seen} records, but the count for this query is {count}"
    if problem:
        raise FetchError(
            f"{where} page {page}{f' ({label})' if label else ''}: {problem}; upstream "
            "changed or misbehaved, so the fetch stops here (a rerun resumes from the pages "
            "already kept)"
        )


def fetch_agency_year(
    client: UsaspendingClient,
    agency: Agency,
    fiscal_year: int,
    out_dir: Path,
    snapshot: str,
    reporter: Reporter | None = None,
    window: int = RESULT_WINDOW,
) -> FetchResult:
    """Fetch one agency's fiscal year into <out>/usaspending-cbp-ice/<snapshot>/ and its manifest.

    Safe to interrupt: a rerun with the same arguments resumes from the checkpoints in
    `.partial/` (same plan, same query keys) and never stores a page twice.
    """
    reporter = reporter or Reporter()
    family_dir = out_dir / FAMILY
    snap_dir = family_dir / snapshot
    partial = snap_dir / PARTIAL_DIR
    target = snap_dir / f"{agency.acronym}_FY{fiscal_year}_Contract_Obligations.csv"
    plan = _load_or_make_plan(client, agency, fiscal_year, partial, window, reporter)

    windows = [
        Window(w["award_type"], _day(w["start"]), _day(w["end"]), w["count"])
        for w in plan["windows"]
    ]
    checkpoints = []
    for w in windows:
        filters = filters_for(agency, w.award_type, w.start, w.end)
        label = f"{agency.acronym} FY{fiscal_year} {w.award_type} {w.start}..{w.end}"
        cp = PagedCheckpoint.open(partial, query_identity(filters), label)
        _run_query(client, cp, filters, w, window, reporter, label)
        checkpoints.append(cp)

    rows, dupes, foreign = _collect(agency, windows, checkpoints, reporter)
    write_csv(target, COLUMNS, rows)
    api_rows = sum(plan["type_counts"].values())
    bodies = plan["count_bodies"] + [
        search_body(filters_for(agency, w.award_type, w.start, w.end), 1) for w in windows
    ]
    entry = describe_file(
        family_dir,
        target,
        snapshot=snapshot,
        fiscal_year=fiscal_year,
        retrieved_at=now_iso(),
        agency=agency.acronym,
        endpoint=f"POST {client.search_url}",
        bodies=bodies,
        api_rows=api_rows,
        fetched_rows=len(rows) + foreign,
        rows=len(rows),
    )
    upsert(family_dir / "manifest.csv", [entry])
    if entry.completeness != "complete":
        reporter.warn(
            f"{agency.acronym} FY{fiscal_year}: fetched {len(rows) + foreign} transactions, "
            f"the API reports {api_rows} ({entry.completeness})"
        )
    for cp in checkpoints:
        cp.remove()
    _plan_path(partial, agency, fiscal_year).unlink(missing_ok=True)
    remove_partial_dir(partial)
    return FetchResult(target, len(rows), api_rows, dupes, foreign, entry, windows)


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _plan_path(partial: Path, agency: Agency, fiscal_year: int) -> Path:
    return partial / f"plan-{agency.acronym}-FY{fiscal_year}.json"


def _load_or_make_plan(
    client: UsaspendingClient,
    agency: Agency,
    fiscal_year: int,
    partial: Path,
    window: int,
    reporter: Reporter,
) -> dict[str, Any]:
    """Count and cut every award type's range once; a rerun reuses the stored plan."""
    path = _plan_path(partial, agency, fiscal_year)
    stored = load_json(path)
    if stored is not None and stored.get("window") == window:
        reporter.info(f"resuming {agency.acronym} FY{fiscal_year} from {path}")
        return stored
    start, end = fiscal_year_range(fiscal_year)
    count_bodies: list[dict[str, Any]] = []
    type_counts: dict[str, int] = {}
    windows: list[dict[str, Any]] = []
    for award_type in AWARD_TYPE_CODES:

        def count(s: date, e: date, award_type: str = award_type) -> int:
            filters = filters_for(agency, award_type, s, e)
            count_bodies.append(count_body(filters))
            return client.count(filters)

        total = count(start, end)
        type_counts[award_type] = total
        for s, e, n in plan_windows(count, start, end, window, first_count=total):
            windows.append(
                {"award_type": award_type, "start": s.isoformat(), "end": e.isoformat(), "count": n}
            )
    plan = {
        "agency": agency.acronym,
        "fiscal_year": fiscal_year,
        "window": window,
        "type_counts": type_counts,
        "count_bodies": count_bodies,
        "windows": windows,
    }
    save_json(path, plan)
    return plan


def _run_query(
    client: UsaspendingClient,
    cp: PagedCheckpoint,
    filters: dict[str, Any],
    w: Window,
    window: int,
    reporter: Reporter,
    label: str,
) -> None:
    pages = max(1, -(-w.count // PAGE_SIZE))
    reporter.task(label, pages)
    reporter.advance(cp.pages_done)
    if cp.finished:
        return
    page = cp.pages_done + 1
    while True:
        if (page - 1) * PAGE_SIZE >= window:
            raise FetchError(
                f"{label}: page {page} would pass the API's {window}-record window "
                f"(the count said {w.count}); rerun to plan the ranges again"
            )
        results, has_next = client.page(filters, page)
        check_page(f"POST {client.search_url}", page, len(results), has_next, w.count,
                   label=label)  # fmt: skip
        cp.add_page(page, results, finished=not has_next, extra=None)
        reporter.advance()
        if not has_next:
            return
        page += 1


def _collect(
    agency: Agency,
    windows: list[Window],
    checkpoints: list[PagedCheckpoint],
    reporter: Reporter,
) -> tuple[list[dict[str, str]], int, int]:
    """Rows of every query, de-duplicated and sorted; counts of dropped duplicates and strays."""
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    dupes = 0
    foreign = 0
    for w, cp in zip(windows, checkpoints, strict=True):
        for result in cp.results():
            key = canonical([w.award_type, result])
            if key in seen:
                dupes += 1
                continue
            seen.add(key)
            sub = text(result.get("Awarding Sub Agency"))
            if sub and sub != agency.name:
                foreign += 1
                continue
            rows.append(to_row(agency, w.award_type, result))
    if dupes:
        reporter.warn(f"{agency.acronym}: dropped {dupes} records repeated across pages")
    if foreign:
        reporter.warn(f"{agency.acronym}: dropped {foreign} records of another sub-agency")
    rows.sort(key=lambda r: tuple(r[c] for c in _SORT_COLUMNS))
    return rows, dupes, foreign


_SORT_COLUMNS = ["Generated Award ID", "Modification", *COLUMNS]


def _code_and_description(value: Any) -> tuple[str, str]:
    """PSC and NAICS come as {code, description}; an older answer may give the text alone."""
    if isinstance(value, dict):
        return text(value.get("code")), text(value.get("description"))
    return "", text(value)


def to_row(agency: Agency, award_type: str, result: dict[str, Any]) -> dict[str, str]:
    """One API record as a row of the raw-file layout (empty where the API gives nothing)."""
    psc_code, psc_desc = _code_and_description(result.get("PSC"))
    naics_code, naics_desc = _code_and_description(result.get("NAICS"))
    return {
        "Agency": agency.acronym,
        "Award ID": text(result.get("Award ID")),
        "Recipient Name": text(result.get("Recipient Name")),
        "Federal Action Obligation": amount(result.get("Transaction Amount")),
        "Action Date": day(result.get("Action Date")),
        "Modification": text(result.get("Mod")),
        "Product/Service Description": psc_desc,
        "NAICS Description": naics_desc,
        "Transaction Description": text(result.get("Transaction Description")),
        "Generated Award ID": text(result.get("generated_internal_id")),
        "Recipient UEI": text(result.get("Recipient UEI")),
        "Product/Service Code": psc_code,
        "NAICS Code": naics_code,
        "Awarding Office Code": "",
        "Award Type Code": award_type,
    }
