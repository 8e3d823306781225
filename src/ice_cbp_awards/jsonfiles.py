"""How the package writes JSON and small text files, in one place: the same encoding, the same
layout and the same never-half-a-file write everywhere.

- `json_text`: a document people read (descriptors, metadata, reports): UTF-8 as is,
  2-space indent, a final newline.
- `canonical_json`: text that is compared or hashed (cache keys, digests, schemas inside
  Parquet): sorted keys, no spaces, so equal values give equal text.
- `atomic_write_text` / `write_json`: written next to the target and renamed over it, so a
  reader (or a crash) never sees half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def json_text(obj: Any, *, indent: int = 2, sort_keys: bool = False) -> str:
    """A JSON document for people to read: indented, non-ASCII kept, newline at the end."""
    return json.dumps(obj, indent=indent, sort_keys=sort_keys, ensure_ascii=False) + "\n"


def canonical_json(obj: Any) -> str:
    """Stable JSON text: sorted keys, no spaces, so equal values give equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and os.replace: never half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_json(path: Path, obj: Any, *, indent: int = 2, sort_keys: bool = False) -> None:
    """`json_text` of obj written atomically to path."""
    atomic_write_text(path, json_text(obj, indent=indent, sort_keys=sort_keys))
