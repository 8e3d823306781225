"""SHA256SUMS: one line per file of a release, in the format `sha256sum -c` reads."""

from __future__ import annotations

import re
from pathlib import Path

from ..hashing import sha256_file

SUMS_NAME = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


class ChecksumError(ValueError):
    """A SHA256SUMS file that cannot be read."""


def release_files(root: Path) -> list[str]:
    """Every file under root as a POSIX relative path, sorted, except SHA256SUMS itself."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix() != SUMS_NAME
    )


def sums_text(root: Path) -> str:
    """The SHA256SUMS content for every file under root, sorted by path."""
    return "".join(f"{sha256_file(root / rel)}  {rel}\n" for rel in release_files(root))


def write_sums(root: Path) -> Path:
    path = root / SUMS_NAME
    path.write_text(sums_text(root), encoding="utf-8", newline="\n")
    return path


def read_sums(path: Path) -> dict[str, str]:
    """{relative path: sha256} from a SHA256SUMS file; a malformed line is an error."""
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = _LINE.match(line)
        if not m:
            raise ChecksumError(f"{path}, line {number}: not '<sha256>  <path>': {line[:80]!r}")
        sums[m[2]] = m[1]
    return sums
