"""`awards fetch fpds`: contract actions straight from FPDS's public ATOM feed.

The feed (GET .../ezsearch/FEEDS/ATOM?FEEDNAME=PUBLIC&q=...&start=N) answers 10 entries a
page as Atom XML; each entry's <content> holds one FPDS record (<award>, or <IDV> for an
indefinite-delivery vehicle). The query asks for contract awards of one contracting agency
(7012 ICE, 7014 CBP) signed in a date range. The parser reads only the values the package
uses and writes them under the column names of USAspending's Contracts_PrimeTransactions
bulk files; it never reads the government staff user ids the feed carries (createdBy,
lastModifiedBy, approvedBy, closedBy) nor any address.

The feed gives no total, but its `last` link points at the start of the last page; the API's
count is that start plus the entries found on that page, compared with what was fetched.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..readers.bulk import FPDS_COLUMNS
from .agencies import TOPTIER_CODE, Agency, fiscal_year_of
from .checkpoint import PARTIAL_DIR, PagedCheckpoint, remove_partial_dir
from .csvout import amount, day, text, write_csv
from .http import FetchError, PoliteSession, TransientBody
from .manifest import ManifestRow, describe_file, now_iso, upsert
from .progress import Reporter

DEFAULT_BASE_URL = "https://www.fpds.gov/ezsearch/FEEDS/ATOM"
FAMILY = "fpds-atom"
PAGE_SIZE = 10

# the file format the build reads (readers/bulk.py): one list for writer and reader
COLUMNS = FPDS_COLUMNS
KEY_COLUMNS = [
    "award_id_piid",
    "modification_number",
    "transaction_number",
    "awarding_sub_agency_code",
    "parent_award_agency_id",
    "parent_award_id_piid",
]


@dataclass
class FeedPage:
    """One parsed page: award records, how many other entries it held, where the feed ends."""

    records: list[dict[str, str]]
    entries: int
    skipped: list[str]
    has_next: bool
    last_start: int | None


@dataclass
class FetchResult:
    path: Path
    rows: int
    entries: int
    api_reported_entries: int | None
    skipped_entries: int
    manifest_row: ManifestRow


def query_string(agency: Agency, start: date, end: date) -> str:
    """The feed's search expression: contracting agency, signed-date range, awards only."""
    return (
        f'CONTRACTING_AGENCY_ID:"{agency.code}" '
        f"SIGNED_DATE:[{start:%Y/%m/%d},{end:%Y/%m/%d}] "
        'CONTRACT_TYPE:"AWARD"'
    )


def page_params(query: str, start: int) -> dict[str, Any]:
    return {"FEEDNAME": "PUBLIC", "q": query, "start": start}


# -- parsing ---------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(el: ET.Element | None, *path: str) -> ET.Element | None:
    """Walk child elements by local name, whatever namespace prefix the feed used."""
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _text(el: ET.Element | None, *path: str) -> str:
    found = _find(el, *path)
    return text(found.text) if found is not None else ""


def _attr(el: ET.Element | None, attr: str, *path: str) -> str:
    found = _find(el, *path)
    return text(found.get(attr)) if found is not None else ""


def parse_award(award: ET.Element) -> dict[str, str]:
    """The package's values from one <award> record (never staff ids, never addresses)."""
    contract_id = ("awardID", "awardContractID")
    idv_id = ("awardID", "referencedIDVID")
    purchaser = ("purchaserInformation",)
    product = ("productOrServiceInformation",)
    uei_info = ("vendor", "vendorSiteDetails", "entityIdentifiers", "vendorUEIInformation")
    name = (
        _text(award, "vendor", "vendorHeader", "vendorName")
        or _text(award, *uei_info, "UEILegalBusinessName")
        or _text(award, "vendor", "contractorName")
    )
    return {
        "award_id_piid": _text(award, *contract_id, "PIID"),
        "modification_number": _text(award, *contract_id, "modNumber"),
        "transaction_number": _text(award, *contract_id, "transactionNumber"),
        "parent_award_agency_id": _text(award, *idv_id, "agencyID"),
        "parent_award_id_piid": _text(award, *idv_id, "PIID"),
        "federal_action_obligation": amount(_text(award, "dollarValues", "obligatedAmount")),
        "action_date": day(_text(award, "relevantContractDates", "signedDate")),
        "awarding_agency_code": TOPTIER_CODE,
        "awarding_sub_agency_code": _text(award, *purchaser, "contractingOfficeAgencyID"),
        "awarding_office_code": _text(award, *purchaser, "contractingOfficeID"),
        "awarding_office_name": _attr(award, "name", *purchaser, "contractingOfficeID"),
        "recipient_name": name,
        "recipient_uei": _text(award, *uei_info, "UEI"),
        "transaction_description": _text(award, "contractData", "descriptionOfContractRequirement"),
        "product_or_service_code": _text(award, *product, "productOrServiceCode"),
        "product_or_service_code_description": _attr(
            award, "description", *product, "productOrServiceCode"
        ),
        "naics_code": _text(award, *product, "principalNAICSCode"),
        "naics_description": _attr(award, "description", *product, "principalNAICSCode"),
        "last_modified_date": day(_text(award, "transactionInformation", "lastModifiedDate")),
    }


_START = re.compile(r"^\d+$")


def _start_of(href: str) -> int | None:
    values = parse_qs(urlsplit(href).query).get("start")
    if values and _START.match(values[0]):
        return int(values[0])
    return None


def parse_feed(content: bytes) -> FeedPage:
    """A feed page; an unreadable or cut document raises TransientBody (worth a retry)."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise TransientBody(f"XML not well-formed: {exc}") from exc
    if _local(root.tag) != "feed":
        raise TransientBody(f"not an Atom feed (root element {_local(root.tag)!r})")
    records: list[dict[str, str]] = []
    skipped: list[str] = []
    entries = 0
    has_next = False
    last_start: int | None = None
    for child in root:
        kind = _local(child.tag)
        if kind == "link":
            rel = child.get("rel")
            if rel == "next":
                has_next = True
            elif rel == "last":
                last_start = _start_of(child.get("href", ""))
        elif kind == "entry":
            entries += 1
            content_el = _find(child, "content")
            record = next(iter(content_el), None) if content_el is not None else None
            if record is None:
                skipped.append("entry without content")
            elif _local(record.tag) != "award":
                skipped.append(_local(record.tag))
            else:
                records.append(parse_award(record))
    return FeedPage(records, entries, skipped, has_next, last_start)


# -- fetching --------------------------------------------------------------------------------


class FpdsClient:
    def __init__(self, session: PoliteSession, base_url: str = DEFAULT_BASE_URL) -> None:
        self.session = session
        self.base_url = base_url

    def page(self, query: str, start: int) -> FeedPage:
        return self.session.get_decoded(self.base_url, parse_feed, page_params(query, start))


def check_feed_page(where: str, fp: FeedPage, offset: int, last_start: int | None) -> None:
    """A page must agree with the page size and with where the feed says its last page is.

    Every page before a next one is full (otherwise the offsets of later pages skip entries);
    a page before the last one has a next link, the last one has none.
    """
    problem = ""
    if fp.entries > PAGE_SIZE:
        problem = f"{fp.entries} entries, more than the page size of {PAGE_SIZE}"
    elif fp.has_next and fp.entries < PAGE_SIZE:
        problem = f"a next link, but only {fp.entries} of {PAGE_SIZE} entries"
    elif last_start is not None and not fp.has_next and offset < last_start:
        problem = f"no next link, but the feed's last page starts at {last_start}"
    elif last_start is not None and fp.has_next and offset >= last_start:
        problem = f"a next link on the feed's last page (start {last_start})"
    if problem:
        raise FetchError(
            f"{where}: {problem}; the feed changed or misbehaved, so the fetch stops here "
            "(a rerun resumes from the pages already kept)"
        )


def fetch_range(
    client: FpdsClient,
    agency: Agency,
    start: date,
    end: date,
    out_dir: Path,
    snapshot: str,
    reporter: Reporter | None = None,
    max_pages: int = 100_000,
) -> FetchResult:
    """Fetch one agency's signed-date range into <out>/fpds-atom/<snapshot>/, resumably."""
    if end < start:
        raise FetchError(f"--to {end} is before --from {start}")
    reporter = reporter or Reporter()
    family_dir = out_dir / FAMILY
    snap_dir = family_dir / snapshot
    partial = snap_dir / PARTIAL_DIR
    target = snap_dir / f"FPDS_{agency.acronym}_{start.isoformat()}_{end.isoformat()}.csv"
    query = query_string(agency, start, end)
    label = f"FPDS {agency.acronym} {start}..{end}"
    cp = PagedCheckpoint.open(partial, {"endpoint": client.base_url, "q": query}, label)
    reporter.task(label, None)
    reporter.advance(cp.pages_done)
    pages: dict[str, Any] = dict(cp.extra or {"entries_at": {}, "last_start": None})
    page = cp.pages_done + 1
    while not cp.finished:
        if page > max_pages:
            raise FetchError(f"{label}: more than {max_pages} pages; narrow the date range")
        offset = (page - 1) * PAGE_SIZE
        fp = client.page(query, offset)
        last = fp.last_start if fp.last_start is not None else pages["last_start"]
        check_feed_page(f"GET {client.base_url} page {page}, start={offset}", fp, offset, last)
        for what in fp.skipped:
            reporter.warn(f"{label}: skipped a {what} entry at start={offset}")
        pages["entries_at"][str(offset)] = fp.entries
        if fp.last_start is not None:
            pages["last_start"] = fp.last_start
        finished = not fp.has_next or fp.entries == 0
        cp.add_page(
            page, [{"entries": fp.entries, "records": fp.records}], finished=finished, extra=pages
        )
        reporter.advance()
        page += 1

    rows, entries, dupes = _collect(cp)
    if dupes:
        reporter.warn(f"{label}: dropped {dupes} entries repeated across pages")
    write_csv(target, COLUMNS, rows)
    reported = _reported_entries(pages, cp.pages_done)
    fiscal = fiscal_year_of(start) if fiscal_year_of(start) == fiscal_year_of(end) else None
    first_body = {"method": "GET", "url": client.base_url, "params": page_params(query, 0)}
    entry = describe_file(
        family_dir,
        target,
        snapshot=snapshot,
        fiscal_year=fiscal,
        retrieved_at=now_iso(),
        agency=agency.acronym,
        endpoint=f"GET {client.base_url}",
        bodies=[first_body],
        api_rows=reported,
        fetched_rows=entries,
        rows=len(rows),
    )
    upsert(family_dir / "manifest.csv", [entry])
    if entry.completeness != "complete":
        reporter.warn(
            f"{label}: fetched {entries} entries, the feed reports "
            f"{'no count' if reported is None else reported} ({entry.completeness})"
        )
    skipped = entries - len(rows) - dupes
    cp.remove()
    remove_partial_dir(partial)
    return FetchResult(target, len(rows), entries, reported, max(0, skipped), entry)


def _reported_entries(pages: dict[str, Any], pages_done: int) -> int | None:
    """The feed's own total: start of its last page plus the entries found there."""
    last = pages.get("last_start")
    entries_at: dict[str, int] = pages.get("entries_at", {})
    if last is None:
        # a single page: the feed names no last page
        return entries_at.get("0") if pages_done == 1 else None
    n = entries_at.get(str(last))
    return None if n is None else last + n


def _collect(cp: PagedCheckpoint) -> tuple[list[dict[str, str]], int, int]:
    """Award rows keyed by contract action; the later-modified copy wins a repeat."""
    by_key: dict[tuple[str, ...], dict[str, str]] = {}
    entries = 0
    dupes = 0
    for stored in cp.results():
        entries += stored["entries"]
        for rec in stored["records"]:
            key = tuple(rec[c] for c in KEY_COLUMNS)
            if key in by_key:
                dupes += 1
                if rec["last_modified_date"] < by_key[key]["last_modified_date"]:
                    continue
            by_key[key] = rec
    rows = sorted(by_key.values(), key=lambda r: tuple(r[c] for c in COLUMNS))
    return rows, entries - dupes, dupes
