"""Benchmark the SQLite database step alone on a built data dir, before and after a change.

Runs the build's database step (`build.write_database`: the SQLite database and the Datasette
metadata) in a fresh process, once with this checkout's code and, with --before-src, once with
another checkout's `src/`, and prints wall seconds and peak memory (PSS of the process tree)
of each, then whether the two databases hold the same content (the release's per-table content
digests). With --loaders it also times loading the typed rows alone (no index, no search) by
`executemany` and by sqlite-utils' `insert_all`, the choice docs/performance.md reports
(sqlite-utils is not a dependency of the package: `pip install sqlite-utils` to run it).

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


def compare_loaders(data_dir: Path) -> None:
    """Typed rows of every table loaded into tables made from the same DDL, two ways."""
    try:
        import sqlite_utils
    except ImportError:
        raise SystemExit("--loaders compares with sqlite-utils: pip install sqlite-utils") from None

    from ice_cbp_awards.publish import sqlite as publish_sqlite
    from ice_cbp_awards.publish.plan import table_plans

    plans = table_plans(data_dir)
    blocks = {p.name: [list(b) for b in publish_sqlite._row_blocks(p)] for p in plans}
    rows = sum(len(b) for bs in blocks.values() for b in bs)
    for label in ("executemany", "sqlite-utils insert_all"):
        with tempfile.TemporaryDirectory() as tmp:
            conn = sqlite3.connect(Path(tmp) / "x.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            db = sqlite_utils.Database(conn)
            start = time.perf_counter()
            conn.execute("BEGIN")
            for plan in plans:
                conn.execute(publish_sqlite.table_sql(plan))
                sql = publish_sqlite.insert_sql(plan.name, len(plan.columns))
                for block in blocks[plan.name]:
                    if label == "executemany":
                        conn.executemany(sql, block)
                    else:
                        db[plan.name].insert_all([plan.column_names, *block], batch_size=1000)
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
