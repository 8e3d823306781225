"""A local stand-in for USAspending and FPDS: an HTTP server on 127.0.0.1 in a thread.

It serves answers of the upstream shapes (built here from synthetic records, never copied
from the network) and can be told to misbehave once per request: answer 429 with a
Retry-After, stall past the client's timeout, cut its body short, or fail with a status.
Every request is logged (method, path, query, JSON body, headers) for the tests to inspect.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit
from xml.sax.saxutils import escape, quoteattr


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Fault:
    """Misbehaviour for the next matching request (then it is used up)."""

    # "status", "stall", "truncate", "drip" (body bytes `seconds` apart), "drip_headers",
    # "unsized" (no Content-Length: the body ends when the connection closes)
    kind: str
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    body: bytes = b""


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]
    status: int = 0


def json_reply(value: Any, status: int = 200) -> Reply:
    return Reply(status=status, body=json.dumps(value).encode("utf-8"))


Handler = Callable[[Logged], Reply]


class FakeUpstream:
    """Routes (method, path) to handlers; faults are queued per path."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.persistent_faults: dict[str, Fault] = {}
        self.log: list[Logged] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeUpstream:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Exact path, or every path under a prefix when `path` ends with '*'."""
        self.routes[(method, path)] = handler

    def _handler_for(self, method: str, path: str) -> Handler | None:
        if (method, path) in self.routes:
            return self.routes[(method, path)]
        for (m, p), handler in self.routes.items():
            if m == method and p.endswith("*") and path.startswith(p[:-1]):
                return handler
        return None

    def fault(self, path: str, *faults: Fault) -> None:
        self.faults.setdefault(path, []).extend(faults)

    def calls(self, path: str, method: str | None = None) -> list[Logged]:
        return [c for c in self.log if c.path == path and (method is None or c.method == method)]

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            if path in self.persistent_faults:
                return self.persistent_faults[path]
            queue = self.faults.get(path)
            return queue.pop(0) if queue else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        upstream = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between writes

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                entry = Logged(
                    method, parts.path, parse_qs(parts.query), body, dict(self.headers.items())
                )
                with upstream._lock:
                    upstream.log.append(entry)
                fault = upstream._next_fault(parts.path)
                self._fault = fault
                if fault and fault.kind == "drip_headers":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    self._drip(b"Content-Type: application/json\r\n" * 4, fault.seconds)
                    return
                if fault and fault.kind == "stall":
                    time.sleep(fault.seconds)
                    fault = None
                if fault and fault.kind == "status":
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    reply = Reply(fault.status, fault.body or b'{"detail": "busy"}', headers)
                else:
                    handler = upstream._handler_for(method, parts.path)
                    reply = handler(entry) if handler else json_reply({"detail": "no route"}, 404)
                entry.status = reply.status
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                if fault and fault.kind == "truncate":
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if fault and fault.kind == "drip":
                    self.end_headers()
                    self._drip(reply.body, fault.seconds)
                    return
                self.end_headers()
                self.wfile.write(reply.body)

            def send_header(self, keyword: str, value: str) -> None:
                fault = getattr(self, "_fault", None)
                if fault and fault.kind == "unsized" and keyword == "Content-Length":
                    super().send_header("Connection", "close")  # the body ends at close
                    self.close_connection = True
                    return
                super().send_header(keyword, value)

            def _drip(self, body: bytes, seconds: float) -> None:
                """The body one byte at a time: every read succeeds, the whole never ends."""
                self.close_connection = True
                try:
                    for i in range(len(body)):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(seconds)
                except OSError:  # the client gave up: what the test wants
                    pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

        return H


# -- USAspending search ----------------------------------------------------------------------

SUB_AGENCY = {
    "ICE": ("U.S. Immigration and Customs Enforcement", "7012"),
    "CBP": ("U.S. Customs and Border Protection", "7014"),
}
TYPE_DESCRIPTION = {
    "A": "BPA CALL",
    "B": "PURCHASE ORDER",
    "C": "DELIVERY ORDER",
    "D": "DEFINITIVE CONTRACT",
}
RECIPIENTS = [
    ("PALANTIR USG INC", "Q8D2VBXW4KS7"),
    ("DELL FEDERAL SYSTEMS L.P.", "M2JH7DQCLCK6"),
    ("FOUR POINTS TECHNOLOGY, L.L.C.", "K9P1EXAMPLE1"),
    ("CARAHSOFT TECHNOLOGY CORP.", None),
]


def make_transactions(
    agency: str, n: int, start: date, end: date, seed: int = 0, types: str = "ABCD"
) -> list[dict[str, Any]]:
    """Synthetic search-API records spread over [start, end] (several a day share a date)."""
    name, code = SUB_AGENCY[agency]
    span = (end - start).days + 1
    out = []
    for i in range(n):
        k = i + seed
        award_type = types[k % len(types)]
        office = "70CTD0" if agency == "ICE" else "70B04C"
        piid = f"{office}26{'FCPD'[k % 4]}{k // 3:08d}"
        recipient, uei = RECIPIENTS[k % len(RECIPIENTS)]
        amount = [125000.5, 0.0, -2500.25, 98000000.0, 17.0][k % 5]
        out.append(
            {
                "internal_id": 900000 + k // 3,
                "Award ID": piid,
                "Mod": "0" if k % 3 == 0 else f"P{k % 3:05d}",
                "Recipient Name": recipient,
                "Recipient UEI": uei,
                "Transaction Amount": amount,
                "Action Date": (start + timedelta(days=(k * 7) % span)).isoformat(),
                "PSC": {"code": "7A21", "description": "IT AND TELECOM - BUSINESS APPLICATION"},
                "NAICS": {"code": "541511", "description": "CUSTOM COMPUTER PROGRAMMING SERVICES"},
                "Transaction Description": f"SOFTWARE LICENSES, ORDER {k}",
                "Award Type": TYPE_DESCRIPTION[award_type],
                "award_type_code": award_type,
                "Awarding Agency": "Department of Homeland Security",
                "Awarding Sub Agency": name,
                "generated_internal_id": f"CONT_AWD_{piid}_{code}_GS35F0119Y_4732",
            }
        )
    return out


@dataclass
class FakeSearchApi:
    """spending_by_transaction and its count endpoint over a list of records."""

    records: list[dict[str, Any]]
    window: int = 50_000
    count_bias: int = 0  # added to every count: a count that disagrees with the records
    overlap: bool = False  # page n+1 repeats the last record of page n (a pagination artefact)
    empty_types: tuple[str, ...] = ()  # award types whose pages come back empty
    oversize_page: int | None = None  # this page holds one record more than the limit
    flip_has_next_page: int | None = None  # this page's hasNext says the opposite of the truth

    def matching(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        names = {a["name"] for a in filters.get("agencies", [])}
        types = set(filters.get("award_type_codes", []))
        periods = filters.get("time_period", [])
        out = []
        for r in self.records:
            if names and r["Awarding Sub Agency"] not in names:
                continue
            if types and r["award_type_code"] not in types:
                continue
            if periods and not any(
                p["start_date"] <= r["Action Date"] <= p["end_date"] for p in periods
            ):
                continue
            out.append(r)
        return out

    def count(self, req: Logged) -> Reply:
        n = len(self.matching(req.body["filters"])) + self.count_bias
        return json_reply(
            {
                "results": {
                    "contracts": n,
                    "idvs": 0,
                    "grants": 0,
                    "direct_payments": 0,
                    "loans": 0,
                    "other": 0,
                }
            }
        )

    def search(self, req: Logged) -> Reply:
        body = req.body
        page, limit = body["page"], body["limit"]
        if (page - 1) * limit >= self.window:
            return json_reply(
                {
                    "detail": f"Page #{page} of size {limit} is over the maximum result limit "
                    f"({self.window}). Consider using custom data downloads to obtain large "
                    "data sets."
                },
                422,
            )
        if body["sort"] not in body["fields"]:
            return json_reply({"detail": f"Sort value not found in fields: {body['sort']}"}, 400)
        rows = self.matching(body["filters"])
        if set(body["filters"]["award_type_codes"]) & set(self.empty_types):
            rows = []
        index = {id(r): i for i, r in enumerate(rows)}
        key = "Action Date" if body["sort"] == "Action Date" else "Transaction Amount"
        rows = sorted(rows, key=lambda r: (r[key], index[id(r)]))
        if body.get("order") == "desc":
            rows.reverse()
        lo = (page - 1) * limit
        chunk = rows[lo : lo + limit]
        if self.overlap and page > 1 and lo - 1 < len(rows):
            chunk = [rows[lo - 1], *chunk[:-1]] if chunk else chunk
        results = []
        for r in chunk:
            out = {f: r.get(f) for f in body["fields"]}
            out["internal_id"] = str(r["internal_id"])
            out["generated_internal_id"] = r["generated_internal_id"]
            results.append(out)
        has_next = len(rows) > page * limit
        if page == self.oversize_page:
            results.append(dict(results[-1], Mod="P99999"))
        if page == self.flip_has_next_page:
            has_next = not has_next
        return json_reply(
            {
                "limit": limit,
                "results": results,
                "page_metadata": {
                    "page": page,
                    "hasNext": has_next,
                    "hasPrevious": page > 1,
                    "next": page + 1 if has_next else None,
                    "previous": page - 1 if page > 1 else None,
                },
                "messages": [],
            }
        )

    def install(self, up: FakeUpstream) -> None:
        up.route("POST", "/api/v2/search/spending_by_transaction/", self.search)
        up.route("POST", "/api/v2/search/spending_by_transaction_count/", self.count)


# -- USAspending bulk download ---------------------------------------------------------------


@dataclass
class FakeBulkApi:
    """bulk_download/awards -> status (ready, running, ..., finished) -> zip download."""

    up: FakeUpstream
    csv_rows: int = 3
    polls_before_finished: int = 2
    fail: bool = False
    corrupt_first_download: bool = False
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def submit(self, req: Logged) -> Reply:
        n = len(self.jobs) + 1
        file_name = f"All_PrimeTransactions_2026-09-01_H12M00S{n:08d}.zip"
        self.jobs[file_name] = {"polls": 0, "body": req.body, "downloads": 0}
        return json_reply(
            {
                "status_url": f"{self.up.url}/api/v2/download/status?file_name={file_name}",
                "file_name": file_name,
                "file_url": f"{self.up.url}/generated_downloads/{file_name}",
                "download_request": {"request_type": "award"},
            }
        )

    def status(self, req: Logged) -> Reply:
        file_name = req.query["file_name"][0]
        job = self.jobs[file_name]
        job["polls"] += 1
        if self.fail:
            state, message = "failed", "Download job failed: query timed out"
        elif job["polls"] <= self.polls_before_finished:
            state, message = ("ready" if job["polls"] == 1 else "running"), None
        else:
            state, message = "finished", None
        done = state == "finished"
        return json_reply(
            {
                "status": state,
                "message": message,
                "file_name": file_name,
                "file_url": f"{self.up.url}/generated_downloads/{file_name}",
                "total_size": 3.2 if done else None,
                "total_columns": 4 if done else None,
                "total_rows": self.csv_rows + 1 if done else None,
                "seconds_elapsed": "4.1",
            }
        )

    def zip_bytes(self, file_name: str) -> bytes:
        job = self.jobs[file_name]
        rng = job["body"]["filters"]["date_range"]
        lines = [
            "contract_transaction_unique_key,award_id_piid,federal_action_obligation,"
            "transaction_description"
        ]
        for i in range(self.csv_rows):
            lines.append(
                f"7012_-NONE-_70CTD026F{i:08d}_0_-NONE-_0,70CTD026F{i:08d},{i}.5,"
                f'"LINE ONE\nLINE TWO {rng["start_date"]}"'
            )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            stem = file_name.removesuffix(".zip").replace("All_", "Contracts_")
            zf.writestr(f"{stem}_1.csv", "\n".join(lines) + "\n")
            # a member whose name tries to leave the folder: it must land inside it
            zf.writestr(f"../../escape/{stem}_2.csv", lines[0] + "\n" + lines[1] + "\n")
            zf.writestr("README.txt", "not a data file")
        return buf.getvalue()

    def download(self, req: Logged) -> Reply:
        file_name = req.path.rsplit("/", 1)[-1]
        job = self.jobs[file_name]
        job["downloads"] += 1
        data = self.zip_bytes(file_name)
        if self.corrupt_first_download and job["downloads"] == 1:
            data = data[:-40]  # central directory cut off, length header consistent
        return Reply(200, data, content_type="application/zip")

    def install(self) -> None:
        self.up.route("POST", "/api/v2/bulk_download/awards/", self.submit)
        self.up.route("GET", "/api/v2/download/status", self.status)
        self.up.route("GET", "/generated_downloads/*", self.download)


# -- FPDS ATOM -------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"
FPDS = "https://www.fpds.gov/FPDS"


def award_xml(
    piid: str,
    mod: str = "0",
    agency_code: str = "7012",
    amount: str = "1000.00",
    signed: str = "2025-11-03 00:00:00",
    ref_piid: str | None = "GS35F0119Y",
    vendor: str = "PALANTIR USG INC",
    uei: str = "Q8D2VBXW4KS7",
    description: str = "CASE MANAGEMENT SOFTWARE O&M",
    modified: str = "2025-11-04 09:12:55",
    with_vendor_header: bool = True,
) -> str:
    """One <award> record in the feed's structure, including the staff ids it carries."""
    ref = (
        f'<ns1:referencedIDVID><ns1:agencyID name="GENERAL SERVICES ADMINISTRATION">4732'
        f"</ns1:agencyID><ns1:PIID>{ref_piid}</ns1:PIID><ns1:modNumber>0</ns1:modNumber>"
        "</ns1:referencedIDVID>"
        if ref_piid
        else ""
    )
    header = (
        f"<ns1:vendorHeader><ns1:vendorName>{escape(vendor)}</ns1:vendorName></ns1:vendorHeader>"
        if with_vendor_header
        else "<ns1:vendorHeader />"
    )
    agency_name = "U.S. IMMIGRATION AND CUSTOMS ENFORCEMENT"
    return f"""<ns1:award version="1.5">
  <ns1:awardID>
    <ns1:awardContractID><ns1:agencyID name={quoteattr(agency_name)}>{agency_code}</ns1:agencyID>
      <ns1:PIID>{piid}</ns1:PIID><ns1:modNumber>{mod}</ns1:modNumber>
      <ns1:transactionNumber>0</ns1:transactionNumber></ns1:awardContractID>{ref}
  </ns1:awardID>
  <ns1:relevantContractDates><ns1:signedDate>{signed}</ns1:signedDate>
    <ns1:effectiveDate>{signed}</ns1:effectiveDate></ns1:relevantContractDates>
  <ns1:dollarValues><ns1:obligatedAmount>{amount}</ns1:obligatedAmount>
    <ns1:baseAndExercisedOptionsValue>{amount}</ns1:baseAndExercisedOptionsValue>
  </ns1:dollarValues>
  <ns1:purchaserInformation>
    <ns1:contractingOfficeAgencyID name={quoteattr(agency_name)} departmentID="7000"
      departmentName="HOMELAND SECURITY, DEPARTMENT OF">{agency_code}
    </ns1:contractingOfficeAgencyID>
    <ns1:contractingOfficeID name="INFORMATION TECHNOLOGY DIVISION" regionCode="00"
      country="USA">70CTD0</ns1:contractingOfficeID>
  </ns1:purchaserInformation>
  <ns1:contractData>
    <ns1:contractActionType description="DELIVERY ORDER">C</ns1:contractActionType>
    <ns1:descriptionOfContractRequirement>{escape(description)}</ns1:descriptionOfContractRequirement>
  </ns1:contractData>
  <ns1:productOrServiceInformation>
    <ns1:productOrServiceCode description="IT AND TELECOM - BUSINESS APPLICATION SOFTWARE"
      productOrServiceType="SERVICE">DA01</ns1:productOrServiceCode>
    <ns1:principalNAICSCode description="CUSTOM COMPUTER PROGRAMMING SERVICES">541511
    </ns1:principalNAICSCode>
  </ns1:productOrServiceInformation>
  <ns1:vendor>
    {header}
    <ns1:vendorSiteDetails>
      <ns1:vendorLocation><ns1:streetAddress>1200 EXAMPLE STREET NW</ns1:streetAddress>
        <ns1:city>WASHINGTON</ns1:city><ns1:state name="DISTRICT OF COLUMBIA">DC</ns1:state>
        <ns1:phoneNo>2025550100</ns1:phoneNo></ns1:vendorLocation>
      <ns1:entityIdentifiers><ns1:vendorUEIInformation><ns1:UEI>{uei}</ns1:UEI>
        <ns1:UEILegalBusinessName>{escape(vendor)} LEGAL</ns1:UEILegalBusinessName>
      </ns1:vendorUEIInformation></ns1:entityIdentifiers>
    </ns1:vendorSiteDetails>
    <ns1:contractorName>{escape(vendor)} CONTRACTOR</ns1:contractorName>
  </ns1:vendor>
  <ns1:transactionInformation>
    <ns1:createdBy>JANE.DOE@ICE.DHS.GOV</ns1:createdBy>
    <ns1:createdDate>2025-11-03 10:00:00</ns1:createdDate>
    <ns1:lastModifiedBy>JOHN.ROE@ICE.DHS.GOV</ns1:lastModifiedBy>
    <ns1:lastModifiedDate>{modified}</ns1:lastModifiedDate>
    <ns1:status description="FINAL">F</ns1:status>
    <ns1:approvedBy>JANE.DOE@ICE.DHS.GOV</ns1:approvedBy>
  </ns1:transactionInformation>
</ns1:award>"""


def idv_xml(piid: str) -> str:
    return (
        '<ns1:IDV version="1.5"><ns1:contractID><ns1:IDVID><ns1:agencyID>7012</ns1:agencyID>'
        f"<ns1:PIID>{piid}</ns1:PIID><ns1:modNumber>0</ns1:modNumber></ns1:IDVID>"
        "</ns1:contractID></ns1:IDV>"
    )


def feed_xml(records: list[str], query: str, start: int, total: int | None, base: str) -> bytes:
    """An Atom feed page: links (alternate, last, next as the real feed has them), entries."""
    q = quote_plus(query)
    search = "https://www.fpds.gov/ezsearch/search.do?s=FPDS"
    links = [
        f'<ns0:link rel="alternate" type="text/html" '
        f'href="{search}&amp;q={escape(q)}&amp;start={start}" />'
    ]
    if total is not None and total > 10:
        last = ((total - 1) // 10) * 10
        links.append(
            f'<ns0:link rel="last" type="text/html" '
            f'href="{base}?s=FPDS&amp;FEEDNAME=PUBLIC&amp;q={escape(q)}&amp;start={last}" />'
        )
        if start + 10 < total:
            nxt = start + 10
            links.append(
                f'<ns0:link rel="next" type="text/html" '
                f'href="{base}?s=FPDS&amp;FEEDNAME=PUBLIC&amp;q={escape(q)}&amp;start={nxt}" />'
            )
    entries = "".join(
        f"""<ns0:entry><ns0:title>ENTRY</ns0:title>
  <ns0:modified>2025-11-04 09:12:55</ns0:modified>
  <ns0:content type="application/xml">{rec}</ns0:content></ns0:entry>"""
        for rec in records
    )
    doc = (
        f'<ns0:feed xmlns:ns0="{ATOM}" xmlns:ns1="{FPDS}">'
        f"<ns0:title>FPDS-NG search results for: {escape(query)}</ns0:title>"
        + "".join(links)
        + "<ns0:modified /><ns0:author><ns0:name /></ns0:author>"
        + entries
        + "</ns0:feed>"
    )
    return doc.encode("utf-8")


@dataclass
class FakeFpdsFeed:
    """The public ATOM feed over a list of record XML strings, 10 a page."""

    up: FakeUpstream
    records: list[str]
    path: str = "/ezsearch/FEEDS/ATOM"
    oversize_start: int | None = None  # the page at this start holds 11 entries
    no_next_start: int | None = None  # the page at this start lacks its next link

    def page(self, req: Logged) -> Reply:
        start = int(req.query.get("start", ["0"])[0])
        query = req.query["q"][0]
        chunk = self.records[start : start + (11 if start == self.oversize_start else 10)]
        body = feed_xml(chunk, query, start, len(self.records), self.up.url + self.path)
        if start == self.no_next_start:
            body = re.sub(rb'<ns0:link rel="next"[^>]*/>', b"", body)
        return Reply(200, body, content_type="application/atom+xml")

    def install(self) -> None:
        self.up.route("GET", self.path, self.page)
