"""Run the three validators on a built data dir and write their results as JSON and HTML."""

from __future__ import annotations

import html
import json
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..memory import release_memory
from ..metadata import Resource, resources, table_resources
from ..tables import PART_BYTES, PARTS_FROM_BYTES, read_frame, read_frame_parts, read_in_parts
from .result import ValidationResult
from .workers import CONTEXT, start_workers_early  # noqa: F401 - the build calls it from here

if TYPE_CHECKING:  # imported where they run, in the workers (see below)
    import pandas as pd

    from .gx_check import TableExpectations
    from .pandera_check import TableChecks

T = TypeVar("T")


class Submitted(Future):  # type: ignore[type-arg]
    """The future of a task submitted from a thread (submit_soon); `queued` is set once the
    pool holds the task, so that what is submitted after it runs after it."""

    def __init__(self) -> None:
        super().__init__()
        self.queued = threading.Event()


def submit_soon(
    pool: ProcessPoolExecutor,
    fn: Callable[..., T],
    *args: object,
    after: Submitted | None = None,
) -> Submitted:
    """pool.submit(fn, *args) from a thread: the first submit to a pool waits for the workers'
    server to fork a worker, which waits for the server's imports; the caller goes on meanwhile.
    With `after`, it is submitted once that task is queued, so that it runs after it. The
    future is the task's."""
    done = Submitted()

    def run() -> None:
        try:
            if after is not None:
                after.queued.wait()
            inner = pool.submit(fn, *args)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
            done.set_exception(exc)
            return
        finally:
            done.queued.set()
        inner.add_done_callback(lambda f: _copy_outcome(f, done))

    threading.Thread(target=run, name="submit-soon", daemon=True).start()
    return done


def _copy_outcome(source: Future, target: Future) -> None:  # type: ignore[type-arg]
    exc = source.exception()
    if exc is not None:
        target.set_exception(exc)
    else:
        target.set_result(source.result())


def worker_pool(max_tasks_per_child: int | None = None) -> ProcessPoolExecutor:
    """A one-worker pool whose workers end when the process that made the pool ends.

    Without that, a killed build leaves its workers running: they are children of the fork
    server, not of the build, and the fork server itself stays up while any worker holds its
    "alive" pipe, so neither notices that the build is gone.
    """
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=CONTEXT,
        max_tasks_per_child=max_tasks_per_child,
        initializer=end_with,
        initargs=(os.getpid(),),
    )


def end_with(pid: int) -> None:
    """Kill this process when process `pid` ends, from a daemon thread that waits on a pidfd
    (Linux >= 5.3: woken by the kernel the moment the process exits, and immune to pid reuse),
    or else polls the pid every half second. `prctl(PR_SET_PDEATHSIG)` would not do: it
    watches the direct parent, which here is the fork server."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    if fd is None and not _running(pid):
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_watch, args=(pid, fd), name="end-with-build", daemon=True).start()


def _watch(pid: int, fd: int | None) -> None:
    if fd is not None:
        select.select([fd], [], [])  # readable once the process has exited
    else:
        while _running(pid):
            time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


VALIDATORS = ("frictionless", "pandera", "great_expectations")


# The validators' modules are imported where they run: in the workers, whose server has
# imported them already (workers.WORKER_MODULES), not in the build's process.


def _frictionless(data_dir: Path) -> ValidationResult:
    from . import frictionless_check

    return frictionless_check.validate_package(data_dir / "datapackage.json")


def _frictionless_values(data_dir: Path) -> ValidationResult:
    """The build's frictionless run: the descriptor, then every resource's distinct values."""
    from . import frictionless_check

    start = time.perf_counter()
    package = frictionless_check.descriptor_errors(data_dir / "datapackage.json")
    return frictionless_check.collect(
        values_and_keys(data_dir), package, time.perf_counter() - start
    )


def values_and_keys(data_dir: Path) -> list[tuple[str, int, list, str]]:
    """Frictionless on every resource's distinct values, then on its keys and foreign keys."""
    from . import frictionless_check

    return frictionless_check.validate_resources(frictionless_check.jobs(data_dir))


def built_resources(data_dir: Path) -> list[Resource]:
    """Resources present in a built data dir (its descriptor), with the repository's schemas."""
    desc = json.loads((data_dir / "datapackage.json").read_text())
    names = [r["name"] for r in table_resources(desc)]
    return [resources()[n] for n in names if n in resources()]


def run_all(
    data_dir: Path,
    full: bool = False,
    expected_counts: Path | None = None,
) -> list[ValidationResult]:
    """All three validators (see run_with); with full=True frictionless runs stock."""
    return run_with(data_dir, full, expected_counts)[0]


def run_with(
    data_dir: Path,
    full: bool = False,
    expected_counts: Path | None = None,
    meanwhile: Callable[[], T] | None = None,
    side: ProcessPoolExecutor | None = None,
) -> tuple[list[ValidationResult], T | None]:
    """All three validators, and `meanwhile` (e.g. the database) on the other core, in the
    worker pool `side` when one is given (the build's, whose worker began the database).

    On a two-core machine the work is laid out so that both cores stay busy and no more than two
    large reads are held at once: `meanwhile` runs in one worker from the start, frictionless in
    another; pandera and Great Expectations, on one read of the CSVs, run in a third once either
    of those has ended, or from the start when the CSVs are small (`fits_three_reads`). Each
    worker is a fresh process (its memory goes back when it ends) forked from a server that has
    imported them already. With full=True (`awards validate`) frictionless runs stock on the
    whole descriptor, keys and foreign keys included. Returns
    the three results and what `meanwhile` returned.

    When the third worker waits, it is begun at once and imports Great Expectations meanwhile
    (`import_expectations`), in case the server left it out (`start_workers_early`): 1.6 s that
    were otherwise the last worker's, on the build's longest path.
    """
    with (
        side or worker_pool() as side,
        worker_pool(max_tasks_per_child=1) as pool,
        worker_pool(max_tasks_per_child=2) as frames_pool,
    ):
        side_future = side.submit(meanwhile) if meanwhile is not None else None
        fl_future = pool.submit(_frictionless if full else _frictionless_values, data_dir)
        if not fits_three_reads(data_dir):
            frames_pool.submit(import_expectations)
            first = [f for f in (side_future, fl_future) if f is not None]
            wait(first, return_when=FIRST_COMPLETED)
        frames_future = frames_pool.submit(pandera_and_gx, data_dir, expected_counts)
        fri = fl_future.result()
        pan, gxr = frames_future.result()
        side_result = side_future.result() if side_future is not None else None
    return [fri, pan, gxr], side_result


def import_expectations() -> None:
    """Great Expectations imported in the worker that will run it (a no-op where the workers'
    server imported it)."""
    import great_expectations  # noqa: F401


# Published CSVs up to this size are read by all three workers at once (the real snapshot's are
# 60 MB): the cores then share the work to its end instead of one waiting for a free core.
# Larger packages hold no more than two large reads at once.
THREE_READS_BYTES = 256 << 20


def fits_three_reads(data_dir: Path) -> bool:
    """Whether the package's CSVs are small enough for three reads of them at once."""
    return sum(p.stat().st_size for p in Path(data_dir).glob("*.csv")) <= THREE_READS_BYTES


# A table of this many rows or more has its memory handed back once checked, before the next
# is read (a collection and a trim cost tens of milliseconds: not worth it for small tables).
RELEASE_AFTER_ROWS = 100_000


def pandera_and_gx(
    data_dir: Path,
    expected_counts: Path | None,
    parts_from: int = PARTS_FROM_BYTES,
    part_bytes: int = PART_BYTES,
) -> tuple[ValidationResult, ValidationResult]:
    """pandera, then Great Expectations, on one read of each CSV: table by table, each let go
    before the next is read, and a large one read in parts (pandera_check.check_parts)."""
    from . import gx_check, pandera_check

    pan = pandera_check.TableChecks()
    gxr = gx_check.TableExpectations(expected_counts)
    for res in pandera_check.checking_order(built_resources(data_dir)):
        frame = None
        if _large(data_dir, res, parts_from):
            frame = _in_parts(data_dir, res, pan, gxr, part_bytes)
        if frame is None:
            frame = read_frame(data_dir, res)
            pan.check(res, frame)
        gxr.check(res, frame)
        large = len(frame) >= RELEASE_AFTER_ROWS
        del frame
        if large:
            release_memory()
    return pan.done(), gxr.done()


def _large(data_dir: Path, res: Resource, parts_from: int) -> bool:
    """Whether a resource is read in parts (never the sources, which the checks keep whole)."""
    return res.name != "sources" and read_in_parts(data_dir / f"{res.name}.csv", parts_from)


def _in_parts(
    data_dir: Path, res: Resource, pan: TableChecks, gxr: TableExpectations, part_bytes: int
) -> pd.DataFrame | None:
    """pandera on a large table in parts; the columns Great Expectations reads, of every row.
    None when the table cannot be read so (a value of the wrong type: read_frame then reads it
    as text, so that the wrong type is reported) or has no rows."""
    import pyarrow as pa

    try:
        parts = read_frame_parts(data_dir, res, part_bytes)
        kept = pan.check_parts(res, parts, also=gxr.columns_read(res))
    except pa.ArrowInvalid:
        return None
    release_memory()  # the parts' and the checks' working memory, before the expectations
    return kept


def write_results(results: list[ValidationResult], out_dir: Path, version: str) -> None:
    """validation/results.json and validation/report.html (self-contained, no network)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "data_version": version,
        "ok": all(r.ok for r in results),
        "validators": [r.as_dict() for r in results],
    }
    (out_dir / "results.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    (out_dir / "report.html").write_text(render_html(results, version), encoding="utf-8")


def render_html(results: list[ValidationResult], version: str) -> str:
    esc = html.escape
    rows = []
    for r in results:
        state = "passed" if r.ok else "FAILED"
        rows.append(
            f"<h2>{esc(r.validator)}: <span class='{state}'>{state}</span></h2>"
            f"<p>{r.checks_run} checks, {len(r.errors)} errors, {len(r.warnings)}"
            f" warnings, {r.seconds:.1f} s</p>"
        )
        if r.findings:
            rows.append(
                "<table><tr><th>severity</th><th>resource</th><th>row</th><th>check</th>"
                "<th>message</th></tr>"
            )
            for f in r.findings:
                rows.append(
                    f"<tr><td>{esc(f.severity)}</td><td>{esc(f.resource)}</td>"
                    f"<td>{'' if f.row is None else f.row}</td><td>{esc(f.check)}</td>"
                    f"<td>{esc(f.message)}</td></tr>"
                )
            rows.append("</table>")
        suites = r.details.get("suites")
        if suites:
            rows.append(
                "<h3>Expectation suites</h3><table><tr><th>suite</th><th>severity</th>"
                "<th>expectations</th><th>successful</th></tr>"
            )
            for s in suites:
                st = s.get("statistics", {})
                rows.append(
                    f"<tr><td>{esc(s['suite'])}</td><td>{esc(s['severity'])}</td>"
                    f"<td>{st.get('evaluated_expectations')}</td>"
                    f"<td>{st.get('successful_expectations')}</td></tr>"
                )
            rows.append("</table>")
    style = (
        "body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:"
        "collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
        ".passed{color:#060}.FAILED{color:#a00}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Validation report"
        f" {esc(version)}</title><style>{style}</style></head><body>"
        f"<h1>Validation report, data version {esc(version)}</h1>{''.join(rows)}"
        "</body></html>\n"
    )
