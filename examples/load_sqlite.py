"""Query a release's SQLite database with the standard library.

python examples/load_sqlite.py dist/ice-cbp-tech-awards-2026.8.22-schema-1.0.0
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path


def main(release: Path) -> list[tuple]:
    """Transactions and obligations per agency, from the release's database (read-only)."""
    db = next(release.glob("*.db"))
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT agency_acronym, count(*), round(sum(federal_action_obligation_usd), 2) "
        "FROM transactions GROUP BY agency_acronym ORDER BY agency_acronym"
    ).fetchall()
    con.close()
    for row in rows:
        print(*row, sep="\t")
    return rows


if __name__ == "__main__":
    main(Path(sys.argv[1]))
