"""Reading the package's own CSV tables (built, released, reviewed) as text, in one place.

Every cell is read as the text it is ("" where empty, never NaN, UTF-8), so that a value is
what was published until a caller converts it on purpose. Writing is `write.csv`; the typed
Arrow reader of a release is `release.parquet.read_csv_table`; the validators read with their
own tolerant readers, since they must report values that do not convert rather than fail.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


class BuiltTableMissing(FileNotFoundError):
    """A table the command needs was not built (yet)."""


def read_text_csv(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A CSV of the package with every cell as text."""
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8", usecols=columns
    )


def write_text_csv(frame: pd.DataFrame, path: Path) -> None:
    """A frame of text as CSV: UTF-8, header, \\n line endings, no index. (Published tables are
    written by `write.csv`, which also orders and types them by their schema.)"""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def read_built(data_dir: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """A built table of data_dir (`<name>.csv`) as text; a clear error when it is not there."""
    path = Path(data_dir) / f"{name}.csv"
    if not path.exists():
        raise BuiltTableMissing(f"{path}: not found; run `awards build` first")
    return read_text_csv(path, columns)
