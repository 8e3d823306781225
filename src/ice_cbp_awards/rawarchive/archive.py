"""A deterministic tar.gz of a raw root: the same files give the same bytes, on any machine.

Entries are sorted by path, with fixed owner (0/0, no names), mode (0644 files, 0755
folders) and modification time (the epoch), and the gzip header carries no name or time. The
archive's sha256 is written beside it as `<archive>.sha256` in `sha256sum -c` format, which is
what `awards raw pull` checks a download against.
"""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

from ..hashing import sha256_file as sha256_of

SUFFIX = ".sha256"


class RawArchiveError(RuntimeError):
    """An archive that cannot be written, downloaded, verified or unpacked; says why."""


def _files(raw_root: Path) -> list[Path]:
    """Every file under the raw root, sorted; hidden files and folders left out."""
    return sorted(
        p for p in raw_root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(raw_root).parts)
    )  # fmt: skip


def _info(name: str, size: int = 0, folder: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.uid, info.gid, info.uname, info.gname = size, 0, 0, 0, "", ""
    info.type = tarfile.DIRTYPE if folder else tarfile.REGTYPE
    info.mode = 0o755 if folder else 0o644
    return info


def _write_tar(fileobj: gzip.GzipFile, raw_root: Path, files: list[Path]) -> None:
    """Folders first (each once, parents before children), then files, all sorted."""
    folders: list[str] = []
    for path in files:
        rel = path.parent.relative_to(raw_root)
        for parent in [*reversed(rel.parents[:-1]), rel] if rel != Path(".") else []:
            if parent.as_posix() not in folders:
                folders.append(parent.as_posix())
    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(folders):
            tar.addfile(_info(name, folder=True))
        for path in files:
            with path.open("rb") as fh:
                tar.addfile(_info(path.relative_to(raw_root).as_posix(), path.stat().st_size), fh)


def write_archive(raw_root: Path, out: Path) -> str:
    """Write raw_root as the deterministic archive `out` and `out.sha256`; returns the sha256."""
    raw_root = Path(raw_root)
    files = _files(raw_root)
    if not files:
        raise RawArchiveError(f"{raw_root}: no raw files to archive")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("wb") as raw_fh, gzip.GzipFile(filename="", mode="wb", fileobj=raw_fh,
                                                 mtime=0, compresslevel=9) as gz:  # fmt: skip
        _write_tar(gz, raw_root, files)
    tmp.replace(out)
    digest = sha256_of(out)
    out.with_name(out.name + SUFFIX).write_text(f"{digest}  {out.name}\n", encoding="utf-8")
    return digest
