"""Query a release's Parquet files with DuckDB: one view per resource.

    python examples/load_duckdb.py dist/ice-cbp-tech-awards-2026.8.22-schema-1.0.0

Amounts are DECIMAL(20,2), so sums are exact to the cent; dates are DATE, retrieval times
TIMESTAMP WITH TIME ZONE.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def connect(release: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view per Parquet file of the release."""
    con = duckdb.connect()
    for path in sorted((release / "parquet").glob("*.parquet")):
        quoted = str(path).replace("'", "''")
        con.execute(f"CREATE VIEW \"{path.stem}\" AS SELECT * FROM read_parquet('{quoted}')")
    return con


def main(release: Path) -> list[tuple]:
    """Transactions and obligations per agency."""
    con = connect(release)
    rows = con.sql(
        "SELECT agency_acronym, count(*) AS transactions, "
        "sum(federal_action_obligation_usd) AS obligation_usd "
        "FROM transactions GROUP BY agency_acronym ORDER BY agency_acronym"
    ).fetchall()
    for row in rows:
        print(*row, sep="\t")
    return rows


if __name__ == "__main__":
    main(Path(sys.argv[1]))
