"""Benchmark the SQLite database step alone on a built data dir, before and after a change.

Runs the build's database step (`build.write_database`: the SQLite database and the Datasette
metadata) in a fresh process, once with this checkout's code and, with --before-src, once with
another checkout's `src/`, and prints wall seconds and peak memory (PSS of the process tree)
of each, then whether the two databases hold the same content (the release's per-table content
digests). With --loaders it also times loading the typed rows alone (no index, no search) by
the ADBC SQLite driver (the build's loader), by `executemany` and, if installed, by sqlite-utils'
`insert_all`: the choice docs/performance.md reports (sqlite-utils is not a dependency of the
package: `pip install sqlite-utils` to run it). The ADBC time includes parsing the CSVs; the
other two load rows parsed beforehand.

    python scripts/bench_sqlite.py --data-dir DIR [--before-src OLD/src] [--loaders]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

from benchmark import run_measured  # noqa: E402

from ice_cbp_awards.metadata import package_descriptor  # noqa: E402

STEP = (
    "import sys; from pathlib import Path; from ice_cbp_awards.build import write_database; "
    "print(write_database(Path(sys.argv[1]), 'bench'))"
)


def database_step(data_dir: Path, src: Path) -> tuple[float, float]:
    """Wall seconds and peak MB of the database step run with the code in src."""
    seconds, peak, _ = run_measured(
        [sys.executable, "-c", STEP, str(data_dir)], {"PYTHONPATH": str(src)}
    )
    return seconds, peak


def digests(db_path: Path, data_dir: Path) -> dict[str, str]:
    """Content digest of every table of the database (release/digest.py)."""
    from ice_cbp_awards.metadata import table_resources
    from ice_cbp_awards.publish.plan import read_built_descriptor
    from ice_cbp_awards.release.digest import sqlite_digest

    tables = table_resources(read_built_descriptor(data_dir))
    conn = sqlite3.connect(db_path)
    try:
        return {e["name"]: sqlite_digest(conn, e["name"], e["schema"]) for e in tables}
    finally:
        conn.close()


def _tables(path: Path, plans: list) -> sqlite3.Connection:
    from ice_cbp_awards.publish import sqlite as publish_sqlite

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    for plan in plans:
        conn.execute(publish_sqlite.table_sql(plan))
    return conn


def _python_values(values) -> list:
    """A typed Arrow column as Python values, None where null, through NumPy (several times
    faster than `Array.to_pylist`): the loader the build used before the ADBC driver."""
    import pyarrow as pa

    if pa.types.is_string(values.type):
        return values.to_numpy(zero_copy_only=False).tolist()
    filled = values.fill_null(0).to_numpy(zero_copy_only=False)
    if not values.null_count:
        return filled.tolist()
    out = filled.astype(object)
    out[values.is_null().to_numpy(zero_copy_only=False)] = None
    return out.tolist()


def _executemany(conn: sqlite3.Connection, plan, batches: list, db) -> None:
    names = ", ".join("?" * len(plan.columns))
    for batch in batches:
        rows = zip(*(_python_values(c) for c in batch.columns), strict=True)
        conn.executemany(f'INSERT INTO "{plan.name}" VALUES ({names})', rows)


def _sqlite_utils(conn: sqlite3.Connection, plan, batches: list, db) -> None:
    for batch in batches:
        db[plan.name].insert_all(batch.to_pylist(), batch_size=1000)


def compare_loaders(data_dir: Path) -> None:
    """The same typed rows of every table loaded into tables made from the same DDL, three
    ways: the ADBC SQLite driver (the build's), `executemany` over Python tuples made through
    NumPy, and sqlite-utils' `insert_all` (not a dependency: `pip install sqlite-utils`)."""
    from ice_cbp_awards.publish import sqlite as publish_sqlite
    from ice_cbp_awards.publish.plan import table_plans

    try:
        import sqlite_utils
    except ImportError:
        sqlite_utils = None
    plans = table_plans(data_dir)
    batches = {p.name: list(publish_sqlite.typed_batches(p)) for p in plans}
    rows = sum(b.num_rows for bs in batches.values() for b in bs)
    loaders = {"ADBC SQLite driver": None, "executemany": _executemany}
    if sqlite_utils is not None:
        loaders["sqlite-utils insert_all"] = _sqlite_utils
    for label, load in loaders.items():
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.db"
            conn = _tables(path, plans)
            start = time.perf_counter()
            if load is None:
                publish_sqlite.insert_rows(path, plans)
            else:
                db = sqlite_utils.Database(conn) if sqlite_utils is not None else None
                conn.execute("BEGIN")
                for plan in plans:
                    load(conn, plan, batches[plan.name], db)
                conn.execute("COMMIT")
            seconds = time.perf_counter() - start
            conn.close()
        print(f"  load {rows:,} typed rows, {label}: {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a built data dir")
    parser.add_argument("--before-src", type=Path, help="src/ of the code to compare with")
    parser.add_argument("--loaders", action="store_true", help="also compare the row loaders")
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    db_path = data_dir / f"{package_descriptor()['name']}.db"
    runs = [("after", REPO / "src")]
    if args.before_src:
        runs.insert(0, ("before", args.before_src.resolve()))
    kept: dict[str, Path] = {}
    for label, src in runs:
        seconds, peak = database_step(data_dir, src)
        kept[label] = db_path.with_suffix(f".{label}.db")
        os.replace(db_path, kept[label])
        print(f"database step, {label}: {seconds:.1f} s, peak {peak:,.0f} MB ({src})")
    if len(kept) == 2:
        before, after = (digests(kept[k], data_dir) for k in ("before", "after"))
        differ = sorted(t for t in before if before[t] != after.get(t))
        print(f"content digests: {len(before)} tables, differing: {differ or 'none'}")
    if args.loaders:
        compare_loaders(data_dir)


if __name__ == "__main__":
    main()
