"""Normalise a usaspending-cbp-ice snapshot with DuckDB, the path past one pandas process.

The raw CSV rows are written once to Parquet under their canonical column names, and the
package's transaction rules (src/ice_cbp_awards/transform/duckdb_sql.py, the same SQL the
tests hold equal to the pandas path) run over the Parquet file, spilling to disk past the
memory limit. Prints, and writes as JSON with --json, the time of each step and the published
transactions and exact obligations per agency and fiscal year.

    python scripts/duckdb_scale.py RAW_ROOT --work /tmp/duck --json totals.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from ice_cbp_awards.transform import duckdb_sql  # noqa: E402

DATE_FORMATS = ["%Y-%m-%d"]  # the usaspending-cbp-ice reader's (readers/batch.py default)


def run(raw_root: Path, work: Path, memory_limit: str) -> dict:
    """Raw CSV -> Parquet -> normalised Parquet, timed; totals of the published rows."""
    work.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(work / "scratch.duckdb"))
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{work / 'spill'}'")
    con.execute("SET preserve_insertion_order = true")
    raw = work / "raw_transactions.parquet"
    out = work / "transactions.parquet"
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    select = duckdb_sql.raw_select(duckdb_sql.cbp_ice_files(raw_root))
    con.execute(f"COPY ({select}) TO '{raw}' (FORMAT parquet, COMPRESSION zstd)")
    seconds["raw CSV to Parquet"] = time.perf_counter() - start
    start = time.perf_counter()
    duckdb_sql.normalise_sql(con, f"read_parquet('{raw}')", DATE_FORMATS)
    con.execute(
        "COPY (SELECT transaction_id, award_key AS award_id_usaspending, acronym AS"
        " agency_acronym, action_day AS action_date, fiscal_year, federal_action_obligation_usd,"
        f" source_id, raw_line_number FROM tx_published) TO '{out}' (FORMAT parquet)"
    )
    seconds["normalise (SQL over Parquet) to Parquet"] = time.perf_counter() - start
    start = time.perf_counter()
    counts = con.sql(
        f"SELECT count(*) FROM read_parquet('{raw}') UNION ALL "
        f"SELECT count(*) FROM read_parquet('{out}')"
    ).fetchall()
    totals = con.sql(
        "SELECT agency_acronym, fiscal_year, count(*) AS transaction_count,"
        " CAST(sum(CAST(round(federal_action_obligation_usd * 100) AS HUGEINT)) AS VARCHAR)"
        f" AS obligation_cents FROM read_parquet('{out}') GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    seconds["totals per agency and fiscal year"] = time.perf_counter() - start
    return {
        "raw_rows": counts[0][0],
        "transactions": counts[1][0],
        "raw_parquet_mb": raw.stat().st_size / 1e6,
        "seconds": seconds,
        "totals": [[a, int(fy), int(n), int(c)] for a, fy, n, c in totals],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("raw_root", type=Path)
    ap.add_argument("--work", type=Path, required=True, help="directory for the Parquet files")
    ap.add_argument("--memory-limit", default="2GB", help="DuckDB's limit before it spills")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()
    result = run(args.raw_root, args.work, args.memory_limit)
    for step, secs in result["seconds"].items():
        print(f"{step:<45} {secs:7.1f} s")
    print(f"{result['raw_rows']:,} raw rows -> {result['transactions']:,} transactions")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
