"""Errors a reader raises: one readable line naming the file and the problem."""

from __future__ import annotations

from pathlib import Path


class RawInputError(Exception):
    """A raw file cannot be used as a whole (checksum, header, missing file)."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class ChecksumMismatch(RawInputError):
    """The file's bytes differ from the manifest's sha256."""


class HeaderMismatch(RawInputError):
    """The file's columns differ from the columns the reader expects."""

    def __init__(self, path: Path | str, missing: list[str], unexpected: list[str]) -> None:
        parts = []
        if missing:
            parts.append("missing columns " + ", ".join(repr(c) for c in missing))
        if unexpected:
            parts.append("unexpected columns " + ", ".join(repr(c) for c in unexpected))
        if not parts:
            parts.append("columns are in an unexpected order")
        self.missing = missing
        self.unexpected = unexpected
        super().__init__(path, "header differs from the expected one: " + "; ".join(parts))
