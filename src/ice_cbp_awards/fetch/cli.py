"""`awards fetch ...`: refresh raw snapshots from USAspending and FPDS (the network is needed).

Each command writes a new snapshot folder and its manifest in the layout of ../shared/raw/,
so that `awards build` reads the result unchanged. Errors end in one readable line; with
--verbose the full detail follows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from . import fpds as fpds_mod
from . import usaspending as usa_mod
from . import usaspending_bulk as bulk_mod
from .agencies import AGENCIES, agency, parse_day, today_utc
from .http import FetchError, HttpConfig, PoliteSession
from .progress import RichReporter

F = TypeVar("F", bound=Callable[..., Any])
_SNAPSHOT = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _snapshot(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    value = value or today_utc()
    if not _SNAPSHOT.match(value):
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD")
    return value


def _day(_ctx: click.Context, _param: click.Parameter, value: str) -> date:
    try:
        return parse_day(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def common_options(default_base_url: str) -> Callable[[F], F]:
    """Options every fetch takes: where to write, which snapshot, and network discipline."""

    def decorate(fn: F) -> F:
        options = [
            click.option(
                "--agency",
                "agencies",
                multiple=True,
                required=True,
                type=click.Choice(sorted(AGENCIES), case_sensitive=False),
                help="Awarding sub-agency; repeat for both.",
            ),
            click.option(
                "--out",
                "out_dir",
                required=True,
                type=click.Path(file_okay=False, path_type=Path),
                help="Raw root to write into (the family folder is created inside).",
            ),
            click.option(
                "--snapshot",
                callback=_snapshot,
                help="Snapshot folder name, YYYY-MM-DD (default: today, UTC).",
            ),
            click.option(
                "--base-url",
                default=default_base_url,
                show_default=True,
                help="Upstream base URL (a mirror, or a local server in tests).",
            ),
            click.option(
                "--rate",
                default=2.0,
                show_default=True,
                type=click.FloatRange(min=0.01),
                help="At most this many requests per second.",
            ),
            click.option(
                "--timeout",
                default=120.0,
                show_default=True,
                type=click.FloatRange(min=0.1),
                help="Seconds any one read may wait before the attempt is retried.",
            ),
            click.option(
                "--deadline",
                default=600.0,
                show_default=True,
                type=click.FloatRange(min=0.1),
                help="Seconds one attempt at an API answer may take in all, body included "
                "(a server that trickles bytes is cut off here and retried).",
            ),
            click.option(
                "--max-attempts",
                default=6,
                show_default=True,
                type=click.IntRange(min=1),
                help="Tries per request (429, 5xx, timeouts and cut bodies are retried).",
            ),
            click.option("--verbose", is_flag=True, help="Show retries and full error detail."),
        ]
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


def _session(
    rate: float, timeout: float, max_attempts: int, reporter: RichReporter, deadline: float
) -> PoliteSession:
    config = HttpConfig(
        requests_per_second=rate,
        read_timeout=timeout,
        max_attempts=max_attempts,
        total_timeout=deadline,
    )
    return PoliteSession(config, on_retry=reporter.warn)


def _guard(fn: F) -> F:
    """Turn every expected failure into one line (click.ClickException); detail if verbose."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        root_obj = ctx.find_root().obj or {}
        verbose = bool(kwargs.get("verbose") or root_obj.get("verbose"))
        kwargs["verbose"] = verbose
        try:
            return fn(*args, **kwargs)
        except (FetchError, ValueError, OSError) as exc:
            if verbose:
                Console(stderr=True).print_exception()
            message = str(exc).splitlines()[0] if str(exc) else repr(exc)
            raise click.ClickException(message) from None

    return wrapper  # type: ignore[return-value]


def _summary(title: str, rows: list[tuple[str, str, str, str]]) -> None:
    table = Table(title=title)
    for col in ("file", "rows", "API count", "completeness"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@click.group("fetch")
def fetch() -> None:
    """Pull the next upstream state into a new raw snapshot folder with its manifest."""


@fetch.command("usaspending")
@click.option(
    "--fiscal-year",
    "fiscal_years",
    multiple=True,
    required=True,
    type=click.IntRange(2001, 2100),
    help="Federal fiscal year (FY N: 1 Oct N-1 to 30 Sep N); repeat for several.",
)
@common_options(usa_mod.DEFAULT_BASE_URL)
@_guard
def fetch_usaspending(
    fiscal_years: tuple[int, ...],
    agencies: tuple[str, ...],
    out_dir: Path,
    snapshot: str,
    base_url: str,
    rate: float,
    timeout: float,
    deadline: float,
    max_attempts: int,
    verbose: bool,
) -> None:
    """Transactions from /api/v2/search/spending_by_transaction/, one file per agency and FY.

    Writes OUT/usaspending-cbp-ice/SNAPSHOT/<AGENCY>_FY<yyyy>_Contract_Obligations.csv and
    updates OUT/usaspending-cbp-ice/manifest.csv. Rerun the same command after an
    interruption: it resumes where it stopped.
    """
    summary = []
    reporter = RichReporter(verbose=verbose)
    with reporter, _session(rate, timeout, max_attempts, reporter, deadline) as session:
        client = usa_mod.UsaspendingClient(session, base_url)
        for acronym in agencies:
            for fy in fiscal_years:
                res = usa_mod.fetch_agency_year(
                    client, agency(acronym), fy, out_dir, snapshot, reporter
                )
                m = res.manifest_row
                summary.append((m.path, str(m.rows), m.api_reported_rows, m.completeness))
    _summary(f"usaspending-cbp-ice/{snapshot}", summary)


@fetch.command("fpds")
@click.option("--from", "start", required=True, callback=_day, help="First signed date.")
@click.option("--to", "end", required=True, callback=_day, help="Last signed date.")
@common_options(fpds_mod.DEFAULT_BASE_URL)
@_guard
def fetch_fpds(
    start: date,
    end: date,
    agencies: tuple[str, ...],
    out_dir: Path,
    snapshot: str,
    base_url: str,
    rate: float,
    timeout: float,
    deadline: float,
    max_attempts: int,
    verbose: bool,
) -> None:
    """Contract actions from the FPDS public ATOM feed (10 entries a page).

    Writes OUT/fpds-atom/SNAPSHOT/FPDS_<AGENCY>_<from>_<to>.csv (USAspending bulk column
    names, no staff ids, no addresses) and updates OUT/fpds-atom/manifest.csv.
    """
    summary = []
    reporter = RichReporter(verbose=verbose)
    with reporter, _session(rate, timeout, max_attempts, reporter, deadline) as session:
        client = fpds_mod.FpdsClient(session, base_url)
        for acronym in agencies:
            res = fpds_mod.fetch_range(
                client, agency(acronym), start, end, out_dir, snapshot, reporter
            )
            m = res.manifest_row
            summary.append((m.path, str(m.rows), m.api_reported_rows, m.completeness))
    _summary(f"fpds-atom/{snapshot}", summary)


@fetch.command("usaspending-bulk")
@click.option("--from", "start", required=True, callback=_day, help="First action date.")
@click.option("--to", "end", required=True, callback=_day, help="Last action date.")
@click.option(
    "--poll-interval",
    default=15.0,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="Seconds between status checks of a bulk job.",
)
@click.option(
    "--max-wait",
    default=3 * 3600.0,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="Give up waiting for one job after this many seconds (a rerun resumes it).",
)
@common_options(bulk_mod.DEFAULT_BASE_URL)
@_guard
def fetch_usaspending_bulk(
    start: date,
    end: date,
    poll_interval: float,
    max_wait: float,
    agencies: tuple[str, ...],
    out_dir: Path,
    snapshot: str,
    base_url: str,
    rate: float,
    timeout: float,
    deadline: float,
    max_attempts: int,
    verbose: bool,
) -> None:
    """Every column: the /api/v2/bulk_download/awards/ job flow, windows of at most 366 days.

    Unpacks the official Contracts_PrimeTransactions files under
    OUT/usaspending-bulk/SNAPSHOT/<AGENCY>_<from>_<to>/ and updates
    OUT/usaspending-bulk/manifest.csv. Build with `awards build --bulk FILE...`.
    """
    summary = []
    config = bulk_mod.BulkConfig(poll_interval=poll_interval, max_wait=max_wait)
    reporter = RichReporter(verbose=verbose)
    with reporter, _session(rate, timeout, max_attempts, reporter, deadline) as session:
        client = bulk_mod.BulkClient(session, base_url, config)
        for acronym in agencies:
            for job in bulk_mod.fetch_bulk(
                client, agency(acronym), start, end, out_dir, snapshot, reporter
            ):
                for m in job.manifest_rows:
                    summary.append((m.path, str(m.rows), m.api_reported_rows, m.completeness))
    _summary(f"usaspending-bulk/{snapshot}", summary)
