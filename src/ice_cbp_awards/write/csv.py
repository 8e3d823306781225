"""CSV writing in the package's one format: UTF-8, header, "" for missing, ISO dates,
rows sorted by primary key, \\n line endings, each column as metadata.types reads its field.
Same frame in, same bytes out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..metadata import Resource
from ..metadata.types import DATE_FORMAT, pandas_dtype


def to_published(frame: pd.DataFrame, res: Resource) -> pd.DataFrame:
    """The frame with exactly the schema's columns, in order, sorted by primary key."""
    missing = [c for c in res.field_names if c not in frame.columns]
    if missing:
        raise ValueError(f"{res.name}: frame lacks schema fields {', '.join(missing)}")
    out = frame[res.field_names]
    if res.primary_key:
        out = out.sort_values(res.primary_key, kind="stable")
    return out.reset_index(drop=True)


def write_csv(frame: pd.DataFrame, res: Resource, path: Path) -> None:
    out = to_published(frame, res).copy()
    for f in res.fields:
        col, dtype = out[f["name"]], pandas_dtype(f)
        if dtype == "datetime64[ns]" and pd.api.types.is_datetime64_any_dtype(col):
            out[f["name"]] = col.dt.strftime(DATE_FORMAT).fillna("")
        elif dtype == "Int64" and not pd.api.types.is_integer_dtype(col):
            out[f["name"]] = pd.to_numeric(col, errors="coerce").astype(dtype)
        elif dtype == "boolean":
            out[f["name"]] = col.map({True: "true", False: "false"}).fillna("")
    table = pa.Table.from_pandas(out, preserve_index=False)
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    pacsv.write_csv(table, str(path), write_options=options)
