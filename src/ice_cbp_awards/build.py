"""`awards build`: raw snapshots in, a validated data package out.

Data flows one way: raw files (readers) -> normalised rows (transforms) -> published CSVs,
descriptor and database (writers) -> validators. Everything is written to a temporary folder
beside the data dir, which replaces the data dir only when every step and every validator
passed; a failed build leaves the previous good output in place and its issues (no data) in
.<data dir>-failed/.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console

from . import metadata
from .memory import release_memory
from .paths import DEFAULT_DATA_DIR, REFERENCE_DIR, default_raw_root, raw_root_problem
from .readers import bulk, cbp_ice, ice_2018
from .readers import coverage as cov
from .readers.batch import RawBatch
from .readers.errors import RawInputError
from .tables import read_text_csv
from .transform import awards as awards_t
from .transform import normalise as norm
from .transform import report as report_t
from .transform.frames import in_one_chunk
from .validate import runner
from .validate.gx_check import COUNTS_FILE
from .validate.result import ValidationResult
from .validate.workers import large_input
from .versioning import data_version_for_snapshot
from .write.csv import write_csv
from .write.descriptor import built_descriptor, write_json

SOURCE_PRIORITY = {"usaspending_api": 0, "usaspending_bulk": 1, "fpds_atom": 2}
CORE = ["sources", "transactions", "award_summaries", "awards", "rejects", "build_report"]


class BuildFailed(Exception):
    """The build did not pass; the previous data dir is untouched."""

    def __init__(self, message: str, results: list[ValidationResult] | None = None) -> None:
        super().__init__(message)
        self.results = results or []


@dataclass
class BuildResult:
    data_dir: Path
    data_version: str
    rows: dict[str, int]
    validation: list[ValidationResult]
    timings: dict[str, float] = field(default_factory=dict)


class Steps:
    """Progress of the build's steps on the console, with a timing per step."""

    def __init__(self, console: Console | None) -> None:
        self.console = console
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        if self.console:
            with self.console.status(f"[bold]{name}[/]…"):
                yield
        else:
            yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        if self.console:
            self.console.print(f"[green]✓[/] {name} [dim]({self.timings[name]:.1f} s)[/]")


def read_all(
    raw_root: Path, snapshot: str | None, bulk_files: list[Path], include_legacy: bool
) -> tuple[list[RawBatch], str]:
    """Every raw batch of the build and the snapshot read."""
    if (problem := raw_root_problem(raw_root)) is not None:
        raise RawInputError(raw_root, problem)
    snaps = cbp_ice.snapshots(raw_root)
    if not snaps and not snapshot:
        raise RawInputError(raw_root / cbp_ice.FAMILY / "manifest.csv", "lists no snapshot")
    snap = snapshot or snaps[-1]
    batches = [_rereadable(cbp_ice.read, raw_root, snap)]
    if include_legacy:
        if not (raw_root / ice_2018.FAMILY).exists():
            raise RawInputError(
                raw_root / ice_2018.FAMILY,
                "not found; pass --no-legacy to build without the FY2013-FY2018 summaries",
            )
        batches.append(_rereadable(ice_2018.read, raw_root))
    for i, b in enumerate(bulk.read_files(bulk_files, raw_root)):
        b.reread = partial(_nth, bulk.read_files, i, bulk_files, raw_root)
        batches.append(b)
    fpds = bulk.read_fpds(raw_root, snap)
    if fpds is not None:
        fpds.reread = partial(bulk.read_fpds, raw_root, snap)
        batches.append(fpds)
    return batches, snap


def _rereadable(read: Callable[..., RawBatch], *args: object) -> RawBatch:
    """A batch read, that can read itself again (RawBatch.reread)."""
    batch = read(*args)
    batch.reread = partial(read, *args)
    return batch


def _nth(read: Callable[..., list[RawBatch]], i: int, *args: object) -> RawBatch:
    return read(*args)[i]


def sources_frame(batches: list[RawBatch]) -> pd.DataFrame:
    res = metadata.resource("sources")
    rows = [{k: getattr(s, k) for k in res.field_names} for b in batches for s in b.sources]
    return pd.DataFrame(rows, columns=res.field_names)


def core_tables(batches: list[RawBatch]) -> dict[str, pd.DataFrame]:
    """Normalise every batch; reconcile transactions across systems; derive awards and report."""
    return with_awards(reconciled_tables(batches))


def with_awards(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The reconciled tables and the awards derived from them, in the package's order."""
    awards = awards_t.build_awards(tables["transactions"], tables["award_summaries"])
    return {name: awards if name == "awards" else tables[name] for name in CORE}


def reconciled_tables(batches: list[RawBatch]) -> dict[str, pd.DataFrame]:
    """Every core table but the awards: every batch normalised, transactions and award
    summaries reconciled across systems, the rows left out and the build report. The
    transactions are final here, before the awards are derived from them, so that the build
    can write and load them meanwhile. The raw rows are let go."""
    sources = sources_frame(batches)
    path_of = dict(zip(sources["source_id"], sources["path"], strict=True))
    by_source = {s.source_id: b for b in batches for s in b.sources}
    out: dict[str, list[pd.DataFrame]] = {"transactions": [], "award_summaries": []}
    removed: dict[str, list[Any]] = {"transactions": [], "award_summaries": []}
    rejects = []
    for b in batches:
        n = norm.normalise(b, path_of)
        out[b.kind].append(n.records)
        removed[b.kind].append((n.duplicates, n.rejects, b))
        rejects.append(n.rejects)
        if b.bad_rows:
            rejects.append(pd.DataFrame(b.bad_rows))
    tables: dict[str, pd.DataFrame] = {"sources": sources}
    events = []
    for kind, id_col, fy_col, amt, date_raw in [
        (
            "transactions",
            "transaction_id",
            "fiscal_year",
            "federal_action_obligation_usd",
            "action_date",
        ),
        (
            "award_summaries",
            "award_summary_id",
            "latest_action_fiscal_year",
            "latest_action_obligation_usd",
            "latest_action_date",
        ),
    ]:
        res = metadata.resource(kind)
        recs = _concat(out.pop(kind)) if out[kind] else _empty(res)
        kept, reconciled, coll = norm.collisions(recs, id_col, SOURCE_PRIORITY)
        del recs
        coll_rej = norm.collision_rejects(by_source, coll, kept, id_col, path_of)
        rejects.append(coll_rej)
        tables[kind] = in_one_chunk(kept)
        # only the columns the report reads: a filtered copy of every column of a million
        # transactions cost seconds and half a GB per batch
        report_cols = kept[["source_id", "agency_acronym", fy_col, amt, OUTSIDE]]
        for dups, rej, b in removed[kind]:
            events.append(
                report_t.events(
                    _of_batch(report_cols, b),
                    fy_col,
                    amt,
                    dups,
                    date_raw,
                    rej[rej["reason_code"] != "wrong_field_count"],
                    reconciled[reconciled["source_id"].isin([s.source_id for s in b.sources])],
                    b.date_formats,
                )
            )
            bad = pd.DataFrame(b.bad_rows)
            if len(bad):
                events.append(
                    report_t.events(
                        kept.iloc[0:0],
                        fy_col,
                        amt,
                        dups.iloc[0:0],
                        date_raw,
                        bad,
                        reconciled.iloc[0:0],
                        b.date_formats,
                    )
                )
        if len(coll_rej):
            events.append(
                report_t.events(
                    kept.iloc[0:0],
                    fy_col,
                    amt,
                    pd.DataFrame(),
                    date_raw,
                    coll_rej,
                    kept.iloc[0:0],
                    [],
                )
            )
    for b in batches:  # the raw rows are read no more: their memory goes before the awards'
        b.frames.clear()
    rej = (
        pd.concat([r for r in rejects if len(r)], ignore_index=True)
        if any(len(r) for r in rejects)
        else pd.DataFrame(columns=metadata.resource("rejects").field_names)
    )
    tables["rejects"] = rej
    retrieved = dict(zip(sources["source_id"], sources["retrieved_at"], strict=True))
    families = dict(zip(sources["source_id"], sources["source_family"], strict=True))
    ev = pd.concat(events, ignore_index=True)
    tables["build_report"] = report_t.summarise(ev, retrieved, families)
    return tables


OUTSIDE = "is_fiscal_year_outside_file"


def _of_batch(frame: pd.DataFrame, b: RawBatch) -> pd.DataFrame:
    """The rows of a frame that come from one batch (not copied when all of them do)."""
    mask = frame["source_id"].isin([s.source_id for s in b.sources])
    return frame if mask.all() else frame[mask]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One frame of all; a single frame is not copied (at a million rows a copy is 0.5 GB)."""
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    return pd.concat(frames, ignore_index=True)


def _empty(res: metadata.Resource) -> pd.DataFrame:
    return pd.DataFrame(columns=res.field_names + ["file_fiscal_year"])


def write_csvs(tables: dict[str, pd.DataFrame], out_dir: Path) -> None:
    """Each table as the CSV of its resource."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_csv(frame, metadata.resource(name), out_dir / f"{name}.csv")


def write_tables(
    tables: dict[str, pd.DataFrame],
    out_dir: Path,
    version: str,
    extra: dict[str, Any],
    database: str | None = None,
    written: tuple[str, ...] = (),
) -> dict[str, int]:
    """The CSVs (but those already `written`) and the descriptor; `database`: the SQLite file
    the build writes beside them."""
    write_csvs({n: f for n, f in tables.items() if n not in written}, out_dir)
    descriptor = built_descriptor(version, extra, list(tables), database)
    write_json(descriptor, out_dir / "datapackage.json")
    return {name: len(frame) for name, frame in tables.items()}


def build_package(
    raw_root: Path | None = None,
    data_dir: Path | None = None,
    snapshot: str | None = None,
    bulk_files: list[Path] | None = None,
    include_legacy: bool = True,
    patch: int = 0,
    write_db: bool = True,
    console: Console | None = None,
    expected_counts: Path | None = None,
    allow: list[str] | None = None,
) -> BuildResult:
    """Build, validate and publish into data_dir; raise BuildFailed and keep data_dir otherwise.

    allow: reviewed exceptions to the input checks, each KIND:TARGET=REASON (see
    readers/coverage.py); without them an empty, unlisted or incompletely fetched file and a
    missing agency x fiscal year fail the build."""
    raw_root = Path(raw_root or default_raw_root())
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    lock = data_dir_lock(data_dir)
    remove_stale_temporaries(data_dir)
    steps = Steps(console)
    tmp = data_dir.parent / f".{data_dir.name}.building-{os.getpid()}"
    failed = data_dir.parent / f".{data_dir.name}-failed"
    shutil.rmtree(tmp, ignore_errors=True)
    counts = Path(expected_counts or COUNTS_FILE)
    allowances = cov.Allowances.parse(allow)
    bounds: Path | None = None
    side: ProcessPoolExecutor | None = None
    db_started: runner.Submitted | None = None
    db_continued: runner.Submitted | None = None
    large = large_input(raw_root, snapshot, list(bulk_files or []))
    try:
        if not large:  # its workers' imports beside the build's reading, normalising, curating
            runner.start_workers_early()
        with steps.step("read raw files (checksums, headers, completeness)"):
            batches, snap = read_all(raw_root, snapshot, list(bulk_files or []), include_legacy)
            cov.check_files(batches, allowances)
        version = data_version_for_snapshot(snap, patch)
        with steps.step("normalise, deduplicate, quarantine, check coverage"):
            tables = reconciled_tables(batches)
            tables["build_report"] = check_coverage(
                tables["build_report"], batches, counts, allowances, include_legacy
            )
            allowances.check_all_used()
            bounds = effective_bounds(counts, allowances, data_dir)
            del batches
        extra = {"snapshot": snap}
        database = database_name() if write_db else None
        release_memory()  # the raw rows' memory, freed, goes back before the database
        first = ("sources", "transactions")  # final before the awards are derived
        with steps.step("write the sources' and transactions' CSVs"):
            write_csvs({name: tables[name] for name in first}, tmp)
        if large:  # not beside the build's largest steps: normalising, the transactions' CSV
            runner.start_workers_early(expectations=False)
        side = runner.worker_pool()  # the database's worker
        tables = with_columns_read(tables, awards_t.TX_READ)
        release_memory()  # the CSV writer's blocks and the columns let go, as the
        # database's worker begins beside the awards
        if write_db:  # the database begins with them on the other core, while awards are derived
            early = built_descriptor(version, extra, None, database)
            db_started = runner.submit_soon(side, start_database, tmp, early, first)
        with steps.step("derive awards"):
            tables = with_columns_read(with_awards(tables))
        release_memory()  # what the awards freed, before their CSV is written
        core = tuple(tables)
        with steps.step("write the other core tables' CSVs"):
            write_csvs({n: f for n, f in tables.items() if n not in first}, tmp)
        tables = counted_only(tables, ("awards",))
        release_memory()  # and what the CSVs freed, before curation
        if db_started is not None:  # the rest of the core tables, meanwhile
            db_continued = runner.submit_soon(side, continue_database, tmp, core, after=db_started)
        curated = curated_tables(tables, steps)
        if replaced := sorted(set(curated) & set(core)):  # they are written and loaded already
            raise RuntimeError(f"curation may not replace the core tables {replaced}")
        tables = {**tables, **curated}
        with steps.step("write CSVs and descriptor"):
            rows = write_tables(tables, tmp, version, extra, database, written=core)
            write_json(
                build_summary(tables, version, snap, steps.timings), tmp / "build_report.json"
            )
        label = "validate (frictionless, pandera, Great Expectations)"
        if write_db:
            label += "; meanwhile the SQLite database"
        summary = build_summary(tables, version, snap, steps.timings)
        del tables, curated  # the validators read the published CSVs; the frames can go
        release_memory()
        with steps.step(label):
            if db_continued is not None:  # the database's earlier steps are queued before its last
                db_continued.queued.wait()
            db = partial(write_database, tmp, version) if write_db else None
            results, db_seconds = runner.run_with(
                tmp, expected_counts=bounds or expected_counts, meanwhile=db, side=side
            )
            runner.write_results(results, tmp / "validation", version)
        if db_seconds is not None and db_started is not None and db_continued is not None:
            db_seconds = round(db_seconds + db_started.result() + db_continued.result(), 3)
            steps.timings["write SQLite database and Datasette metadata"] = db_seconds
        if not all(r.ok for r in results):
            raise BuildFailed(_failure_line(results), results)
        summary["timings_seconds"] = steps.timings
        summary["allowances"] = allowances.record()
        write_json(summary, tmp / "build_report.json")
        _swap(tmp, data_dir)
        shutil.rmtree(failed, ignore_errors=True)
        return BuildResult(data_dir, version, rows, results, steps.timings)
    except BaseException as exc:
        retarget_failure(exc, tmp, failed)
        _keep_issues(tmp, failed, exc)
        raise
    finally:
        if side is not None:  # a worker still loading a failed build's tables ends on its own
            side.shutdown(wait=False, cancel_futures=True)
        if bounds is not None:
            bounds.unlink(missing_ok=True)
        lock.release()


def check_coverage(
    report: pd.DataFrame,
    batches: list[RawBatch],
    counts: Path,
    allowances: cov.Allowances,
    include_legacy: bool,
) -> pd.DataFrame:
    """Every expected agency x fiscal year of every family in the build has published rows,
    or an allowance names it; build_report gains a flagged row for each allowed empty slice.

    The families are those read, plus the two the build always reads (usaspending-cbp-ice,
    and the FY2013-FY2018 summaries unless left out), so a family whose manifest lists no
    file cannot drop out of the check."""
    families = {s.source_family for b in batches for s in b.sources} | {cbp_ice.FAMILY}
    if include_legacy:
        families.add(ice_2018.FAMILY)
    expected = cov.expected_slices(counts, families)
    files = pd.DataFrame(
        [
            (s.source_id, s.source_family, s.file_fiscal_year or 0)
            for b in batches
            for s in b.sources
        ],
        columns=["source_id", "source_family", "file_fiscal_year"],
    )
    cov.check_publishable(report)
    return cov.check_slices(report, files, expected, allowances, _label(counts))


def effective_bounds(counts: Path, allowances: cov.Allowances, data_dir: Path) -> Path | None:
    """The row-count bounds without the slices an allowance lets be empty (written beside the
    data dir for the validators, removed after the build); None when nothing is left out."""
    if not any(a.kind == cov.MISSING_SLICE for a in allowances.items):
        return None
    table = read_text_csv(counts)
    path = data_dir.parent / f".{data_dir.name}.bounds-{os.getpid()}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    cov.without_slices(table, allowances).to_csv(path, index=False)
    return path


def _label(path: Path) -> str:
    """A reference table as a reader knows it: relative to the repository when it is there."""
    try:
        return path.resolve().relative_to(REFERENCE_DIR.parent.resolve()).as_posix()
    except ValueError:
        return str(path)


def retarget_failure(exc: BaseException, tmp: Path, failed: Path) -> None:
    """Messages that name the build's temporary folder (gone once the build failed) name the
    folder that keeps the failed run's issues instead."""
    if isinstance(exc, BuildFailed) and str(tmp) in str(exc):
        exc.args = (str(exc).replace(str(tmp), str(failed)),)
        for r in exc.results:
            for f in r.findings:
                f.message = f.message.replace(str(tmp), str(failed))


def curated_tables(core: dict[str, pd.DataFrame], steps: Steps) -> dict[str, pd.DataFrame]:
    """Curated resources: reviewed reference tables as published, attributions, system
    mentions, recipients, company totals, claims and review candidates (the reviewed tables
    loaded and checked first)."""
    from .curate import build_curated

    with steps.step("curate (attributions, systems, totals, claims)"):
        return build_curated(
            core["transactions"],
            core["awards"],
            REFERENCE_DIR,
            build_report=core["build_report"],
            award_summaries=core["award_summaries"],
        )


def with_columns_read(
    core: dict[str, pd.DataFrame], also: tuple[str, ...] = ()
) -> dict[str, pd.DataFrame]:
    """The core tables once their CSVs are written: the transactions keep only the columns
    curation reads, and those `also` named (the awards', until they are derived). The others
    are a third of the million transactions' memory; the build only counts their rows."""
    from .curate.build import TX_READ

    tx = core["transactions"]
    kept = dict.fromkeys([*TX_READ, *also])
    return {**core, "transactions": tx[[c for c in tx.columns if c in kept]]}


def counted_only(core: dict[str, pd.DataFrame], names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The tables `names`, once their CSVs are written, as frames of their rows without
    columns: the build counts their rows, and curation reads none of their columns (the
    awards are 0.13 GB of the million transactions' build)."""
    return {n: frame.iloc[:, :0] if n in names else frame for n, frame in core.items()}


def database_name() -> str:
    """The SQLite file's name in a built data dir (and a release): the package's name."""
    return f"{metadata.package_descriptor()['name']}.db"


def start_database(data_dir: Path, descriptor: dict[str, Any], names: tuple[str, ...]) -> float:
    """The database begun, in a worker, with the tables already written (see write_database);
    returns the seconds it took."""
    from .publish.sqlite import start_database as start_db

    return _seconds(start_db, data_dir, data_dir / database_name(), descriptor, names)


def continue_database(data_dir: Path, names: tuple[str, ...]) -> float:
    """More tables, written since, loaded into the database start_database began in this
    worker; returns the seconds it took."""
    from .publish.sqlite import continue_database as continue_db

    return _seconds(continue_db, data_dir, data_dir / database_name(), names)


def write_database(data_dir: Path, version: str) -> float:
    """The SQLite database and Datasette metadata, in the worker that began the database with
    the core tables (start_database) or, if none did, whole; returns the seconds it took."""
    from .publish.datasette_metadata import write_datasette_metadata
    from .publish.sqlite import finish_database

    def finish() -> None:
        finish_database(data_dir, data_dir / database_name())
        write_datasette_metadata(data_dir, data_dir / "metadata.json")

    return _seconds(finish)


def _seconds(step: Callable[..., object], *args: object) -> float:
    """The seconds step(*args) took (the database's steps report theirs to the build)."""
    start = time.perf_counter()
    step(*args)
    seconds = round(time.perf_counter() - start, 3)
    release_memory()  # what the step freed, held by the worker beside the build's next steps
    return seconds


def build_summary(
    tables: dict[str, pd.DataFrame], version: str, snapshot: str, timings: dict[str, float]
) -> dict[str, Any]:
    """build_report.json: the machine-readable summary of the run."""
    report = tables["build_report"]
    totals = {
        c: int(report[c].sum())
        for c in (
            "rows_read",
            "duplicate_rows_removed",
            "rows_quarantined",
            "rows_reconciled",
            "rows_published",
        )
    }
    flagged = report[report["coverage_flags"] != ""]
    return {
        "data_version": version,
        "snapshot": snapshot,
        "rows": {k: int(len(v)) for k, v in tables.items()},
        "raw_rows": totals,
        "coverage_flags": flagged[
            ["source_id", "agency_acronym", "fiscal_year", "coverage_flags", "coverage_bias"]
        ].to_dict(orient="records"),
        "timings_seconds": timings,
    }


def _failure_line(results: list[ValidationResult]) -> str:
    failed = [r for r in results if not r.ok]
    first = failed[0].errors[0].line() if failed and failed[0].errors else ""
    names = ", ".join(r.validator for r in failed)
    count = sum(len(r.errors) for r in failed)
    return f"validation failed ({names}: {count} errors); first: {first}"


def _swap(tmp: Path, data_dir: Path) -> None:
    """Replace data_dir with tmp, keeping the old one until the new one is in place."""
    old = data_dir.parent / f".{data_dir.name}.previous-{os.getpid()}"
    if data_dir.exists():
        data_dir.rename(old)
    tmp.rename(data_dir)
    shutil.rmtree(old, ignore_errors=True)


class DataDirLock:
    """An exclusive lock on `.<data dir>.lock` beside data_dir, so that one build at a time
    writes into it (held by build_package from start to end).

    Two builds into one data dir would each swap in their own output, the slower one last,
    whatever the snapshots. The lock is an flock on the file, released by the system when
    the holder ends, however it ends; the file keeps the holder's pid for the error message.
    Also a context manager.
    """

    def __init__(self, data_dir: Path) -> None:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.path = data_dir.parent / f".{data_dir.name}.lock"
        self.fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            self.release()
            raise BuildFailed(
                f"{data_dir}: another build (pid {holder}) is writing into this data dir;"
                f" wait for it to end (lock file {self.path})"
            ) from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        """Closing the only descriptor of the file releases the lock."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> DataDirLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


def data_dir_lock(data_dir: Path) -> DataDirLock:
    """Take the data dir's build lock, or raise BuildFailed naming the holder's pid."""
    return DataDirLock(Path(data_dir))


def remove_stale_temporaries(data_dir: Path) -> list[Path]:
    """Remove the temporary folders (`.<data dir>.building-<pid>`, `.previous-<pid>`) of
    builds whose process is gone, e.g. killed before they could clean up; called with the
    lock held, so no running build of this data dir is writing into them."""
    removed = []
    for kind in ("building", "previous"):
        for folder in data_dir.parent.glob(f".{data_dir.name}.{kind}-*"):
            pid = folder.name.rsplit("-", 1)[1]
            if pid.isdigit() and not _pid_running(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def _keep_issues(tmp: Path, failed: Path, exc: BaseException) -> None:
    """A failed run publishes its issues but no data."""
    shutil.rmtree(failed, ignore_errors=True)
    failed.mkdir(parents=True, exist_ok=True)
    if (tmp / "validation").exists():
        shutil.copytree(tmp / "validation", failed / "validation")
    (failed / "error.txt").write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
    shutil.rmtree(tmp, ignore_errors=True)
