"""Resumable paged queries: a checkpoint per query in the snapshot folder's `.partial/`.

Each query (a request body without its page number) gets a key, the first 16 hex digits of
the sha256 of its canonical JSON. Its pages are appended to `<key>.pages.jsonl` (one line per
page, flushed and fsynced) and only then is `<key>.json` (pages done, rows so far) replaced
atomically. On a rerun, page lines beyond the checkpoint (written, but not yet recorded when
the run was interrupted) are dropped before fetching resumes at the next page, so no page is
ever stored twice. The files are removed when the whole fetch they belong to is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..jsonfiles import atomic_write_text, canonical_json, write_json

PARTIAL_DIR = ".partial"


canonical = canonical_json  # equal request bodies give equal keys


def query_key(query: Any) -> str:
    return hashlib.sha256(canonical(query).encode("utf-8")).hexdigest()[:16]


@dataclass
class PagedCheckpoint:
    """Progress of one paged query; `pages_done` pages are safely stored."""

    folder: Path
    query: Any
    label: str = ""
    pages_done: int = 0
    rows: int = 0
    finished: bool = False
    extra: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return query_key(self.query)

    @property
    def state_path(self) -> Path:
        return self.folder / f"{self.key}.json"

    @property
    def pages_path(self) -> Path:
        return self.folder / f"{self.key}.pages.jsonl"

    @classmethod
    def open(cls, folder: Path, query: Any, label: str = "") -> PagedCheckpoint:
        """Load the checkpoint of this query, or start a new one; repair the page file."""
        cp = cls(folder=folder, query=query, label=label)
        if cp.state_path.exists():
            state = json.loads(cp.state_path.read_text(encoding="utf-8"))
            if state.get("query") != json.loads(canonical(query)):
                raise ValueError(f"checkpoint {cp.state_path} belongs to another query")
            cp.pages_done = int(state["pages_done"])
            cp.rows = int(state["rows"])
            cp.finished = bool(state.get("finished", False))
            cp.extra = state.get("extra")
        cp._truncate_pages()
        return cp

    def _truncate_pages(self) -> None:
        """Keep exactly the recorded pages: drop a torn last line and any unrecorded page."""
        if not self.pages_path.exists():
            if self.pages_done:
                raise ValueError(f"checkpoint {self.state_path} has lost its page file")
            return
        kept: list[str] = []
        with self.pages_path.open("r", encoding="utf-8") as fh:
            for line in fh:
                if not line.endswith("\n"):
                    break
                page = json.loads(line)
                if page["page"] != len(kept) + 1 or page["page"] > self.pages_done:
                    break
                kept.append(line)
        if len(kept) != self.pages_done:
            raise ValueError(
                f"checkpoint {self.state_path} records {self.pages_done} pages, "
                f"its page file holds {len(kept)}"
            )
        atomic_write_text(self.pages_path, "".join(kept))

    def add_page(
        self, page: int, results: list[Any], *, finished: bool, extra: dict[str, Any] | None
    ) -> None:
        """Store one page durably, then record it (in that order)."""
        if page != self.pages_done + 1:
            raise ValueError(f"page {page} after {self.pages_done}: pages must come in order")
        self.folder.mkdir(parents=True, exist_ok=True)
        line = canonical({"page": page, "results": results}) + "\n"
        with self.pages_path.open("a", encoding="utf-8", newline="") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self.pages_done = page
        self.rows += len(results)
        self.finished = finished
        self.extra = extra
        self.save()

    def mark_finished(self, extra: dict[str, Any] | None = None) -> None:
        self.finished = True
        if extra is not None:
            self.extra = extra
        self.save()

    def save(self) -> None:
        state = {
            "label": self.label,
            "query": json.loads(canonical(self.query)),
            "pages_done": self.pages_done,
            "rows": self.rows,
            "finished": self.finished,
            "extra": self.extra,
        }
        write_json(self.state_path, state, indent=1, sort_keys=True)

    def results(self) -> Iterator[Any]:
        """Every stored result, page by page."""
        if not self.pages_path.exists():
            return
        with self.pages_path.open("r", encoding="utf-8") as fh:
            for line in fh:
                yield from json.loads(line)["results"]

    def remove(self) -> None:
        for path in (self.state_path, self.pages_path):
            path.unlink(missing_ok=True)


def load_json(path: Path) -> Any | None:
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def save_json(path: Path, value: Any) -> None:
    write_json(path, value, indent=1, sort_keys=True)


def remove_partial_dir(folder: Path) -> None:
    """Remove `.partial/` once nothing is left in it."""
    with contextlib.suppress(OSError):
        folder.rmdir()
