"""`awards fetch usaspending-bulk`: the official custom award download, every column.

Flow per window of at most 366 days (the endpoint's limit): POST
/api/v2/bulk_download/awards/ (prime award types A-D, awarding sub-agency, action-date
range), poll the returned status URL until the job is `finished` (or `failed`), download the
zip, and unpack its CSV files (Contracts_PrimeTransactions_*.csv) into
<out>/usaspending-bulk/<snapshot>/<AGENCY>_<from>_<to>/. The build reads them with
`awards build --bulk FILE...`.

Resumable: the job's file name and status URL are kept in `.partial/` as soon as the job is
accepted, so a rerun polls the same job instead of asking for a new one, and a downloaded zip
is not fetched again. The status's `total_rows` is the API's count for the completeness
check against the rows found in the unpacked files.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin

from .agencies import TOPTIER_NAME, Agency, fiscal_year_of, windows_of_at_most
from .checkpoint import (
    PARTIAL_DIR,
    load_json,
    query_key,
    remove_partial_dir,
    save_json,
)
from .http import FetchError, PoliteSession, TransientBody
from .manifest import ManifestRow, csv_data_rows, describe_file, now_iso, upsert
from .progress import Reporter

DEFAULT_BASE_URL = "https://api.usaspending.gov"
REQUEST_PATH = "/api/v2/bulk_download/awards/"
STATUS_PATH = "/api/v2/bulk_download/status/"
FAMILY = "usaspending-bulk"
MAX_DAYS = 366
AWARD_TYPE_CODES = ["A", "B", "C", "D"]
DATA_SUFFIXES = (".csv",)


@dataclass
class BulkConfig:
    """How long to wait for a job: USAspending builds large files in minutes."""

    poll_interval: float = 15.0
    max_wait: float = 3 * 3600.0


@dataclass
class JobResult:
    start: date
    end: date
    files: list[Path]
    rows: int
    api_reported_rows: int | None
    manifest_rows: list[ManifestRow]


def request_body(agency: Agency, start: date, end: date) -> dict[str, Any]:
    return {
        "filters": {
            "prime_award_types": AWARD_TYPE_CODES,
            "date_type": "action_date",
            "date_range": {"start_date": start.isoformat(), "end_date": end.isoformat()},
            "agencies": [
                {
                    "type": "awarding",
                    "tier": "subtier",
                    "name": agency.name,
                    "toptier_name": TOPTIER_NAME,
                }
            ],
        },
        "file_format": "csv",
    }


def check_zip(path: Path) -> None:
    """A downloaded zip must open and pass its CRC checks, else the download is retried."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except zipfile.BadZipFile as exc:
        raise TransientBody(f"not a complete zip: {exc}") from exc
    if bad is not None:
        raise TransientBody(f"zip member {bad} fails its CRC check")


class BulkClient:
    def __init__(
        self,
        session: PoliteSession,
        base_url: str = DEFAULT_BASE_URL,
        config: BulkConfig | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.config = config or BulkConfig()
        self.sleep = sleep
        self.clock = clock

    @property
    def request_url(self) -> str:
        return self.base_url + REQUEST_PATH

    def absolute(self, url: str) -> str:
        return urljoin(self.base_url + "/", url)

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.session.post_json(self.request_url, body)
        if not isinstance(answer, dict) or not answer.get("file_name"):
            raise FetchError(f"POST {self.request_url}: answer has no 'file_name'")
        status_url = answer.get("status_url") or (
            f"{self.base_url}{STATUS_PATH}?file_name={answer['file_name']}"
        )
        return {
            "file_name": answer["file_name"],
            "status_url": self.absolute(status_url),
            "file_url": self.absolute(answer.get("file_url") or ""),
        }

    def wait(self, job: dict[str, Any], reporter: Reporter) -> dict[str, Any]:
        """Poll the status URL until the job finishes; returns the final status."""
        started = self.clock()
        while True:
            status = self.session.get_json(job["status_url"])
            state = status.get("status") if isinstance(status, dict) else None
            reporter.advance()
            if state == "finished":
                return status
            if state == "failed":
                raise FetchError(
                    f"bulk download {job['file_name']} failed upstream: "
                    f"{status.get('message') or 'no message'}"
                )
            if state not in ("ready", "running"):
                raise FetchError(f"bulk download {job['file_name']}: unknown status {state!r}")
            if self.clock() - started > self.config.max_wait:
                raise FetchError(
                    f"bulk download {job['file_name']} still {state} after "
                    f"{self.config.max_wait:.0f}s; rerun the same command to keep waiting"
                )
            self.sleep(self.config.poll_interval)


def fetch_bulk(
    client: BulkClient,
    agency: Agency,
    start: date,
    end: date,
    out_dir: Path,
    snapshot: str,
    reporter: Reporter | None = None,
) -> list[JobResult]:
    """Every window of at most 366 days between start and end, one bulk job each."""
    if end < start:
        raise FetchError(f"--to {end} is before --from {start}")
    reporter = reporter or Reporter()
    return [
        _fetch_window(client, agency, s, e, out_dir, snapshot, reporter)
        for s, e in windows_of_at_most(start, end, MAX_DAYS)
    ]


def _fetch_window(
    client: BulkClient,
    agency: Agency,
    start: date,
    end: date,
    out_dir: Path,
    snapshot: str,
    reporter: Reporter,
) -> JobResult:
    family_dir = out_dir / FAMILY
    snap_dir = family_dir / snapshot
    partial = snap_dir / PARTIAL_DIR
    body = request_body(agency, start, end)
    state_path = partial / f"bulk-{query_key(body)}.json"
    label = f"bulk {agency.acronym} {start}..{end}"
    reporter.task(label, None)

    job = load_json(state_path)
    if job is None or job.get("body") != body:
        job = {"body": body, **client.submit(body), "stage": "submitted"}
        save_json(state_path, job)
    else:
        reporter.info(f"{label}: resuming job {job['file_name']} ({job['stage']})")

    if job["stage"] == "submitted":
        status = client.wait(job, reporter)
        job["file_url"] = client.absolute(status.get("file_url") or job["file_url"])
        job["total_rows"] = status.get("total_rows")
        job["stage"] = "finished"
        save_json(state_path, job)

    zip_path = partial / PurePosixPath(job["file_name"]).name
    if job["stage"] == "downloaded" and not zip_path.exists():
        job["stage"] = "finished"
    if job["stage"] == "finished":
        if not job["file_url"]:
            raise FetchError(f"bulk download {job['file_name']}: no file URL to download")
        client.session.download(job["file_url"], zip_path, check=check_zip)
        job["stage"] = "downloaded"
        save_json(state_path, job)

    dest = snap_dir / f"{agency.acronym}_{start.isoformat()}_{end.isoformat()}"
    files = _unpack(zip_path, dest)
    if not files:
        raise FetchError(f"bulk download {job['file_name']}: the zip holds no CSV file")
    counts = {p: csv_data_rows(p) for p in files}
    fetched = sum(counts.values())
    api_rows = job.get("total_rows")
    api_rows = int(api_rows) if isinstance(api_rows, int) else None
    fiscal = fiscal_year_of(start) if fiscal_year_of(start) == fiscal_year_of(end) else None
    retrieved = now_iso()
    entries = [
        describe_file(
            family_dir,
            p,
            snapshot=snapshot,
            fiscal_year=fiscal,
            retrieved_at=retrieved,
            agency=agency.acronym,
            endpoint=f"POST {client.request_url}",
            bodies=[body],
            api_rows=api_rows,
            fetched_rows=fetched,
            rows=counts[p],
        )
        for p in files
    ]
    upsert(family_dir / "manifest.csv", entries)
    if entries[0].completeness != "complete":
        reporter.warn(
            f"{label}: unpacked {fetched} rows, the job reports "
            f"{'no count' if api_rows is None else api_rows} ({entries[0].completeness})"
        )
    zip_path.unlink(missing_ok=True)
    state_path.unlink(missing_ok=True)
    remove_partial_dir(partial)
    return JobResult(start, end, files, fetched, api_rows, entries)


def _unpack(zip_path: Path, dest: Path) -> list[Path]:
    """Extract the data files (by base name only: no path in a zip can escape dest)."""
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename.replace("\\", "/")).name
            if info.is_dir() or not name.lower().endswith(DATA_SUFFIXES) or name.startswith("."):
                continue
            target = dest / name
            tmp = dest / f".{name}.tmp"
            with zf.open(info) as src, tmp.open("wb") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
            tmp.replace(target)
            written.append(target)
    return sorted(written)
