"""Load a release's CSVs into pandas with the dtypes their Table Schemas give.

    python examples/load_pandas.py dist/ice-cbp-tech-awards-2026.8.22-schema-1.0.0

Needs only pandas. Dates become datetime64, datetimes UTC datetime64, integers nullable
Int64, amounts float64, text pandas strings; the CSVs' missing value "" becomes <NA>.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

# Table Schema type -> pandas dtype; booleans are read as text and mapped (true/false).
DTYPES = {"string": "string", "integer": "Int64", "year": "Int64", "number": "float64",
          "boolean": "string"}  # fmt: skip


def read_resource(release: Path, name: str) -> pd.DataFrame:
    """One resource of a release folder as a typed DataFrame."""
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    entry = next(r for r in descriptor["resources"] if r["name"] == name)
    types = {f["name"]: f["type"] for f in entry["schema"]["fields"]}
    dtypes = {n: DTYPES.get(t, "string") for n, t in types.items() if t not in ("date", "datetime")}
    frame = pd.read_csv(release / entry["path"], dtype=dtypes, keep_default_na=False,
                        na_values=[""])  # fmt: skip
    for col, kind in types.items():
        if kind in ("date", "datetime"):
            frame[col] = pd.to_datetime(frame[col], format="ISO8601", utc=kind == "datetime")
        elif kind == "boolean":
            frame[col] = frame[col].map({"true": True, "false": False}).astype("boolean")
    return frame


def main(release: Path) -> pd.DataFrame:
    """Obligations per agency and fiscal year, from the transactions CSV."""
    tx = read_resource(release, "transactions")
    totals = (
        tx.groupby(["agency_acronym", tx["action_date"].dt.year.rename("calendar_year")])
        ["federal_action_obligation_usd"].agg(["count", "sum"]).round(2)
    )  # fmt: skip
    print(tx.dtypes.to_string())
    print(totals.to_string())
    return tx


if __name__ == "__main__":
    main(Path(sys.argv[1]))
