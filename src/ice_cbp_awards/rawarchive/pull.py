"""`awards raw pull URL`: download a raw archive, resuming, verify its sha256, unpack it.

The expected sha256 is given (`--sha256`) or read from `URL.sha256`, which `awards raw
archive` writes beside the archive. The download goes to `<raw root>.download/<name>.part`
and resumes from the bytes already there (an HTTP Range request; a server that answers the
whole file again restarts it). A download whose sha256 differs is deleted and refused, and
the raw root is not touched. The archive is unpacked into a temporary folder beside the raw
root (no entry may leave it: no absolute paths, no `..`, no links) and then moved in place,
file by file, so a failed unpack leaves the raw root as it was.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import requests

from .archive import SUFFIX, RawArchiveError, sha256_of

CHUNK = 1 << 16
TIMEOUT = 60


def expected_sha256(url: str, given: str | None) -> str:
    """The sha256 to check: the one given, else the first word of URL.sha256."""
    if given:
        return given.lower()
    resp = requests.get(url + SUFFIX, timeout=TIMEOUT)
    if resp.status_code != 200:
        raise RawArchiveError(f"{url}{SUFFIX}: HTTP {resp.status_code}; give --sha256 instead")
    return resp.text.split()[0].lower()


def download(url: str, part: Path, say: Callable[[str], None] = print) -> Path:
    """Download url into part, resuming from the bytes already in it."""
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT) as resp:
        if resp.status_code == 416:  # the part is already complete
            return part
        if resp.status_code not in (200, 206):
            raise RawArchiveError(f"{url}: HTTP {resp.status_code}")
        resume = resp.status_code == 206
        say(f"resuming {url} at byte {have}" if resume else f"downloading {url}")
        with part.open("ab" if resume else "wb") as fh:
            for block in resp.iter_content(CHUNK):
                fh.write(block)
    return part


def _safe_members(tar: tarfile.TarFile, archive: Path) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for m in members:
        path = PurePosixPath(m.name)
        if path.is_absolute() or ".." in path.parts or not (m.isfile() or m.isdir()):
            raise RawArchiveError(f"{archive}: entry {m.name!r} would leave the raw root")
    return members


def unpack(archive: Path, raw_root: Path) -> list[str]:
    """Unpack into a temporary folder beside raw_root, then move each file into raw_root."""
    raw_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".raw-unpack-", dir=raw_root.parent) as tmp:
        with tarfile.open(archive, "r:gz") as tar:
            members = _safe_members(tar, archive)
            tar.extractall(tmp, members=members, filter="data")
        files = sorted(m.name for m in members if m.isfile())
        for name in files:
            dst = raw_root / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / name), dst)
    return files


def pull(url: str, raw_root: Path, sha256: str | None = None,
         say: Callable[[str], None] = print) -> list[str]:  # fmt: skip
    """Download, verify and unpack the archive at url into raw_root; returns the files."""
    raw_root = Path(raw_root)
    want = expected_sha256(url, sha256)
    name = url.rstrip("/").rsplit("/", 1)[-1] or "raw.tar.gz"
    part = raw_root.parent / f".{raw_root.name}.download" / f"{name}.part"
    download(url, part, say)
    got = sha256_of(part)
    if got != want:
        part.unlink()
        raise RawArchiveError(
            f"{url}: sha256 {got} is not the expected {want}; the download was deleted and "
            f"{raw_root} left as it was"
        )
    files = unpack(part, raw_root)
    shutil.rmtree(part.parent, ignore_errors=True)
    say(f"unpacked {len(files)} files into {raw_root} (sha256 {got})")
    return files
