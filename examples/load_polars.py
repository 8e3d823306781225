"""Read a release's Parquet files with polars: the Table Schemas' types, no conversion.

    python examples/load_polars.py dist/ice-cbp-tech-awards-2026.8.22-schema-1.0.0

Amounts are Decimal(20, 2), so sums are exact to the cent; codes such as `070` stay text;
dates are Date, retrieval times Datetime in UTC.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl


def main(release: Path) -> list[tuple]:
    """Transactions and obligations per agency, from this release's Parquet only."""
    tx = pl.read_parquet(release / "parquet" / "transactions.parquet")
    totals = (
        tx.group_by("agency_acronym")
        .agg(pl.len().alias("transactions"), pl.col("federal_action_obligation_usd").sum())
        .sort("agency_acronym")
    )
    rows = totals.rows()
    for row in rows:
        print(*row, sep="\t")
    return rows


if __name__ == "__main__":
    main(Path(sys.argv[1]))
