"""File-level checks that a checksum cannot make: a file with no rows, a file in a snapshot
folder that the manifest does not list, a fetch the manifest itself calls incomplete, a row
count that differs from the manifest's, and award keys whose parts are not what USAspending
writes. The readers note problems of the first three kinds; the build refuses them unless a
reviewed allowance names the file (see coverage.py), so that nothing is left out silently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import RawInputError

EMPTY_FILE = "empty-file"
UNLISTED_FILE = "unlisted-file"
INCOMPLETE_FETCH = "incomplete-fetch"


@dataclass
class FileProblem:
    """A whole file that cannot be used as it is; `target` is its path under the raw root."""

    kind: str
    target: str
    message: str

    def line(self) -> str:
        return f"{self.target}: {self.message}"


def record_problems(rel: str, entry: dict[str, str] | None, records: int) -> list[FileProblem]:
    """Problems of one listed file, given the records read from it (header excluded)."""
    entry = entry or {}
    listed = str(entry.get("rows", "")).strip()
    if listed.isdigit() and int(listed) != records:
        raise RawInputError(rel, f"the manifest lists {listed} rows, the file holds {records}")
    out = []
    if records == 0:
        out.append(FileProblem(EMPTY_FILE, rel, "no data rows (header only)"))
    status = str(entry.get("completeness", "")).strip()
    if status and status != "complete":
        api = entry.get("api_reported_rows") or "no count"
        out.append(
            FileProblem(
                INCOMPLETE_FETCH,
                rel,
                f"incomplete fetch: the manifest says {status!r} ({records} rows fetched,"
                f" the API reported {api})",
            )
        )
    return out


def unlisted_files(
    family_dir: Path, listed: list[str], raw_root: Path, listed_all: list[str] | None = None
) -> list[FileProblem]:
    """Files the manifest does not list: beside the files read (same folders), and in any
    sub-folder of the family that the manifest does not mention at all (a snapshot whose rows
    were all dropped would otherwise leave the build on an older snapshot without a word)."""
    listed_paths = {(family_dir / p).resolve() for p in [*listed, *(listed_all or [])]}
    folders = {(family_dir / p).resolve().parent for p in listed} | {family_dir.resolve()}
    known = {p.parent for p in listed_paths}
    folders |= {d.resolve() for d in family_dir.iterdir() if d.is_dir()} - known
    out = []
    for folder in sorted(folders):
        for p in sorted(folder.iterdir()):
            if not p.is_file() or p.name == "manifest.csv" or p.name.startswith("."):
                continue
            if p.suffix.lower() not in {".csv", ".zip", ".gz", ".json", ".xml"}:
                continue
            if p.resolve() not in listed_paths:
                rel = p.resolve().relative_to(raw_root.resolve()).as_posix()
                out.append(
                    FileProblem(
                        UNLISTED_FILE,
                        rel,
                        "in the snapshot folder but not in the manifest (no checksum: not read)",
                    )
                )
    return out


AGENCY = re.compile(r"^[0-9A-Z]{4}$")
PIID = re.compile(r"^[0-9A-Z-]+$")


def _key_problem(key: str) -> str:
    """Why an award key is not CONT_AWD_{piid}_{agency}_{parent piid}_{parent agency}, or ""."""
    parts = key.split("_")
    if len(parts) != 6 or parts[0] != "CONT" or parts[1] not in ("AWD", "IDV"):
        return "is not CONT_AWD_{piid}_{agency}_{parent piid}_{parent agency}"
    piid, agency, parent, parent_agency = parts[2:]
    if not PIID.match(piid) or piid == "-NONE-":
        return f"PIID {piid!r} is not a PIID"
    if not AGENCY.match(agency):
        return f"agency code {agency!r} is not a 4-character agency code"
    if parent != "-NONE-" and not PIID.match(parent):
        return f"parent PIID {parent!r} is not a PIID or -NONE-"
    if parent_agency != "-NONE-" and not AGENCY.match(parent_agency):
        return f"parent agency code {parent_agency!r} is not a 4-character agency code or -NONE-"
    if parent == "-NONE-" and parent_agency != "-NONE-":
        return f"parent agency code {parent_agency!r} without a parent PIID"
    if parent != "-NONE-" and parent_agency == "-NONE-":
        return f"parent PIID {parent!r} with parent agency -NONE-"
    return ""


def award_key_problems(keys: pd.Series) -> pd.Series:
    """Per given award key (an empty key is assembled later, from the PIID columns): why it is
    malformed, or "". A key cut short (the last bytes of a file lost) fails here instead of
    publishing a phantom award."""
    problems = pd.Series("", index=keys.index, dtype=object)
    found = {k: p for k in keys.unique() if k and (p := _key_problem(k))}
    if found:  # each key is checked once; the rows of the few malformed ones are looked up
        bad = keys.isin(list(found))
        problems[bad] = keys[bad].map(found)
    return problems
