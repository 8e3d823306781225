"""The release zip, written so that the same folder always gives the same bytes.

Entries are sorted, every entry has the same timestamp (the snapshot date), the same
permissions and the same creator system, paths are relative and start with the release
folder's name, and the compression level is fixed. Reading refuses absolute paths and `..`.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path, PurePosixPath

from .checksums import SUMS_NAME, release_files

COMPRESSION = zipfile.ZIP_DEFLATED
COMPRESS_LEVEL = 6
FILE_MODE = 0o644
UNIX_SYSTEM = 3


class ArchiveError(ValueError):
    """A zip that is not a single release folder or has unsafe paths."""


def write_zip(folder: Path, zip_path: Path, timestamp: dt.datetime) -> Path:
    """Zip `folder` as <folder name>/... with fixed metadata; returns the zip's path."""
    stamp = max(timestamp, dt.datetime(1980, 1, 1, tzinfo=timestamp.tzinfo)).timetuple()[:6]
    names = release_files(folder)
    if (folder / SUMS_NAME).exists():
        names = sorted([*names, SUMS_NAME])
    with zipfile.ZipFile(
        zip_path, "w", compression=COMPRESSION, compresslevel=COMPRESS_LEVEL
    ) as zf:
        for rel in names:
            info = zipfile.ZipInfo(f"{folder.name}/{rel}", date_time=stamp)
            info.compress_type = COMPRESSION
            info.create_system = UNIX_SYSTEM
            info.external_attr = (0o100000 | FILE_MODE) << 16
            zf.writestr(info, (folder / rel).read_bytes(), compress_type=COMPRESSION,
                        compresslevel=COMPRESS_LEVEL)  # fmt: skip
    return zip_path


def extract_release(zip_path: Path, into: Path) -> Path:
    """Extract a release zip safely; returns the one top-level release folder."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise ArchiveError(
            f"{zip_path}: not a readable zip file, cut short or damaged ({exc})"
        ) from None
    with zf:
        tops = set()
        for name in zf.namelist():
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                raise ArchiveError(f"{zip_path}: unsafe entry path {name!r}")
            tops.add(parts[0])
        if len(tops) != 1:
            raise ArchiveError(
                f"{zip_path}: expected one release folder at the top, found {sorted(tops)}"
            )
        zf.extractall(into)
    return into / tops.pop()
