"""`awards verify`: is this downloaded release exactly what was published, and does it hold?

Checks, in order:
1. every file listed in SHA256SUMS is present with that checksum, and no other file is there;
2. datapackage.json's bytes and hash of each resource, Parquet and SQLite file match;
3. the versions agree: descriptor, release name, CITATION.cff and .zenodo.json;
4. every CSV against its Table Schema, by the package's own validators: frictionless checks
   structure, types, constraints, primary and unique keys and foreign keys against the
   release's descriptor (each distinct value once, as the build does), pandera the cross-field
   and cross-table rules; every value is also parsed to its exact type for the checks below;
5. each Parquet file has the Arrow schema its Table Schema gives and the same values as its
   CSV;
6. every table holds the same content in its CSV, its Parquet file and its SQLite table: the
   content digest of each (release.digest) equals the resource's `content_digest`;
7. the release digest computed from the files is the one CITATION.cff, .zenodo.json and
   README.md cite, and, when the reader gives one (`expect_digest`, taken from where the
   release is cited), the expected one;
8. with use_frictionless, stock frictionless validates the whole package row by row as well
   (`frictionless validate`, about a minute for the whole package).
A zip is extracted to a temporary folder first; it must hold one release folder.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from ..citation import cited_release_digests
from ..metadata import Resource, table_resources
from ..tables import SCHEMA_METADATA_KEY, TableTypeError, arrow_schema, read_csv_table
from ..validate import pandera_check
from ..validate.runner import values_and_keys
from ..versioning import VersionError, parse_data_version, release_name
from .archive import ArchiveError, extract_release
from .checksums import SUMS_NAME, ChecksumError, read_sums, release_files, sha256_file
from .digest import (
    CITING_FILES,
    DIGEST_KEY,
    DigestError,
    open_readonly,
    release_digest,
    sqlite_digest,
    table_digest,
)

MAX_SCHEMA_ERRORS = 20


@dataclass
class VerifyReport:
    target: str
    name: str = ""
    files_checked: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    release_digest: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    path: Path, use_frictionless: bool = False, expect_digest: str | None = None
) -> VerifyReport:
    """Verify a release folder or zip; the report lists every problem found.

    `expect_digest` is the release digest published beside the citation the reader holds.
    """
    if path.is_file() and (path.suffix == ".zip" or zipfile.is_zipfile(path)):
        with tempfile.TemporaryDirectory(prefix="verify-") as tmp:
            try:
                folder = extract_release(path, Path(tmp))
            except ArchiveError as exc:
                return VerifyReport(str(path), problems=[str(exc)])
            report = verify_folder(folder, use_frictionless, expect_digest)
            report.target = str(path)
            return report
    if path.is_dir():
        return verify_folder(path, use_frictionless, expect_digest)
    return VerifyReport(str(path), problems=[f"{path}: neither a release folder nor a zip"])


def _check_sums(folder: Path, report: VerifyReport) -> None:
    sums_path = folder / SUMS_NAME
    if not sums_path.is_file():
        report.problems.append(f"{SUMS_NAME}: missing; nothing can be checked against it")
        return
    try:
        sums = read_sums(sums_path)
    except ChecksumError as exc:
        report.problems.append(str(exc))
        return
    for rel, expected in sums.items():
        path = folder / rel
        if not path.is_file():
            report.problems.append(f"{rel}: missing (listed in {SUMS_NAME})")
            continue
        actual = sha256_file(path)
        report.files_checked += 1
        if actual != expected:
            report.problems.append(f"{rel}: sha256 {actual} differs from {SUMS_NAME} ({expected})")
    for rel in release_files(folder):
        if rel not in sums:
            report.problems.append(f"{rel}: not listed in {SUMS_NAME}, so not part of the release")


def _check_entry(folder: Path, entry: dict[str, Any], report: VerifyReport) -> bool:
    """bytes and hash of one descriptor entry; False when its file is missing."""
    rel = entry.get("path", "")
    path = folder / rel
    if not path.is_file():
        report.problems.append(f"{rel or entry.get('name')}: missing (listed in datapackage.json)")
        return False
    if entry.get("bytes") != path.stat().st_size:
        report.problems.append(
            f"{rel}: {path.stat().st_size} bytes, datapackage.json says {entry.get('bytes')}"
        )
    if entry.get("hash") != f"sha256:{sha256_file(path)}":
        report.problems.append(f"{rel}: sha256 differs from datapackage.json's hash")
    return True


def _check_versions(folder: Path, desc: dict[str, Any], report: VerifyReport) -> None:
    rel = desc.get("release", {})
    try:
        version = parse_data_version(desc.get("version", ""))
        name = release_name(desc["name"], desc["version"], desc.get("schema_version", ""))
    except (VersionError, KeyError) as exc:
        report.problems.append(f"datapackage.json: {exc}")
        return
    report.name = name
    if rel.get("name") != name or rel.get("data_version") != desc["version"]:
        report.problems.append(f"datapackage.json: release name {rel.get('name')!r} is not {name}")
    if rel.get("snapshot") != version.snapshot:
        report.problems.append(f"datapackage.json: snapshot {rel.get('snapshot')} is not {version}")
    if folder.name != name:
        report.warnings.append(f"folder is named {folder.name}, the release is {name}")
    for cff_name, load, key in (
        ("CITATION.cff", yaml.safe_load, "version"),
        (".zenodo.json", json.loads, "version"),
    ):
        path = folder / cff_name
        if not path.is_file():
            report.problems.append(f"{cff_name}: missing")
            continue
        found = str(load(path.read_text(encoding="utf-8")).get(key))
        if found != desc["version"]:
            report.problems.append(f"{cff_name}: version {found} is not {desc['version']}")


def _read_tables(folder: Path, desc: dict[str, Any], report: VerifyReport) -> dict[str, pa.Table]:
    """Every CSV parsed to its schema's types; a value that does not parse is a problem."""
    tables = {}
    for res in table_resources(desc):
        try:
            tables[res["name"]] = read_csv_table(folder / res["path"], res["schema"])
        except TableTypeError as exc:
            report.problems.append(str(exc).replace(str(folder) + "/", ""))
    return tables


def _check_constraints(folder: Path, desc: dict[str, Any], report: VerifyReport) -> None:
    """The package's validators on the release's CSVs and its own descriptor: frictionless
    (values, keys, foreign keys), then pandera (cross-field and cross-table rules)."""
    for name, _, errors, _ in values_and_keys(folder):
        for etype, message, row in errors[:MAX_SCHEMA_ERRORS]:
            where = f", row {row}" if row else ""
            report.problems.append(f"{name}{where}: {etype}: {message}")
    tables = table_resources(desc)
    res_list = [Resource(e["name"], e, e["schema"]) for e in tables]
    data_dirs = {(folder / e["path"]).parent for e in tables}
    if len(data_dirs) != 1 or any(Path(e["path"]).name != f"{e['name']}.csv" for e in tables):
        report.problems.append("datapackage.json: resources are not data/<name>.csv")
        return
    result = pandera_check.validate_data_dir(data_dirs.pop(), res_list)
    report.problems += [f"{f.resource}: {f.check}: {f.message}" for f in result.errors]


def _check_parquet(
    folder: Path,
    desc: dict[str, Any],
    tables: dict[str, pa.Table],
    report: VerifyReport,
    read: dict[str, pa.Table] | None = None,
) -> None:
    """Types and values of each Parquet file; the tables read are kept in `read`."""
    by_resource = {res["name"]: res for res in table_resources(desc)}
    for entry in desc.get("release", {}).get("files", []):
        if entry.get("format") != "parquet" or not (folder / entry["path"]).is_file():
            continue
        res = by_resource.get(entry.get("resource", ""))
        if res is None:
            report.problems.append(f"{entry['path']}: resource {entry.get('resource')} unknown")
            continue
        try:
            table = pq.read_table(folder / entry["path"])
        except (pa.ArrowException, OSError) as exc:
            report.problems.append(f"{entry['path']}: not a readable Parquet file ({exc})")
            continue
        expected = arrow_schema(res["schema"])
        if not table.schema.equals(expected, check_metadata=False) or (
            (table.schema.metadata or {}).get(SCHEMA_METADATA_KEY)
            != expected.metadata[SCHEMA_METADATA_KEY]
        ):
            report.problems.append(f"{entry['path']}: Arrow schema differs from {res['name']}'s")
            continue
        if read is not None:
            read[res["name"]] = table
        if res["name"] in tables and not table.equals(tables[res["name"]]):
            report.problems.append(f"{entry['path']}: values differ from {res['path']}")


def _sqlite_digests(folder: Path, desc: dict[str, Any], report: VerifyReport) -> dict:
    """{resource: (label, digest or None)} for every resource, from each SQLite file."""
    out: dict[str, list[tuple[str, str | None]]] = {}
    for entry in desc.get("release", {}).get("files", []):
        if entry.get("format") != "sqlite" or not (folder / entry["path"]).is_file():
            continue
        label = f"SQLite table in {entry['path']}"
        try:
            conn = open_readonly(folder / entry["path"])
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            report.problems.append(f"{entry['path']}: not a readable SQLite database ({exc})")
            continue
        with conn:
            for res in table_resources(desc):
                try:
                    digest = sqlite_digest(conn, res["name"], res["schema"])
                except (DigestError, sqlite3.DatabaseError) as exc:
                    report.problems.append(f"{res['name']}: the {label} cannot be read: {exc}")
                    digest = None
                out.setdefault(res["name"], []).append((label, digest))
        conn.close()
    return out


def _content_problems(name: str, expected: str, found: list[tuple[str, str]]) -> list[str]:
    """Which formats of one table hold other content than its content_digest."""
    wrong = [label for label, digest in found if digest != expected]
    if not wrong:
        return []
    if len(wrong) == len(found) > 1 and len({d for _, d in found}) == 1:
        labels = [found[0][0], *[label.split(" in ")[0].split(" (")[0] for label, _ in found[1:]]]
        together = "the " + ", the ".join(labels[:-1]) + " and the " + labels[-1]
        return [f"{name}: {together} agree, but not with datapackage.json's {DIGEST_KEY}"]
    csv_ok = found[0][0].startswith("CSV") and found[0][1] == expected
    than = "the CSV and " if csv_ok else ""
    return [
        f"{name}: the {label} holds other content than {than}datapackage.json's {DIGEST_KEY}"
        for label in wrong
    ]


def _check_content(
    folder: Path,
    desc: dict[str, Any],
    tables: dict[str, pa.Table],
    parquet: dict[str, pa.Table],
    report: VerifyReport,
) -> None:
    """Every table's content digest from its CSV, Parquet file and SQLite table."""
    sqlite = _sqlite_digests(folder, desc, report)
    pq_paths = {
        e.get("resource"): e["path"]
        for e in desc.get("release", {}).get("files", [])
        if e.get("format") == "parquet"
    }
    for res in table_resources(desc):
        name = res["name"]
        found: list[tuple[str, str]] = []
        for label, table in (
            (f"CSV ({res['path']})", tables.get(name)),
            (f"Parquet file ({pq_paths.get(name)})", parquet.get(name)),
        ):
            if table is not None:
                found.append((label, table_digest(table, res["schema"])))
        found += [(label, d) for label, d in sqlite.get(name, []) if d is not None]
        expected = res.get(DIGEST_KEY)
        if not expected:
            report.problems.append(f"{name}: datapackage.json gives no {DIGEST_KEY}")
            continue
        report.problems += _content_problems(name, expected, found)


def _check_release_digest(folder: Path, report: VerifyReport, expect_digest: str | None) -> None:
    """The release digest from the files: cited by the release, and the one the reader holds.

    Whether the release's own citations give it is checked only when the checksums hold: a
    changed file already is a problem, and would only repeat itself here.
    """
    sums_ok = not report.problems
    listed = None
    if (folder / SUMS_NAME).is_file():
        with contextlib.suppress(ChecksumError):  # a malformed file is already a problem
            listed = read_sums(folder / SUMS_NAME)
    digest = release_digest(folder, listed)
    report.release_digest = digest
    for name in CITING_FILES if sums_ok else ():
        path = folder / name
        if not path.is_file():
            continue
        cited = cited_release_digests(path.read_text(encoding="utf-8"))
        if not cited:
            report.problems.append(f"{name}: gives no release digest")
        for other in sorted(set(cited) - {digest}):
            report.problems.append(f"{name}: cites release digest {other}, the files give {digest}")
    if expect_digest and expect_digest != digest:
        report.problems.append(
            f"release digest {digest} is not the expected {expect_digest}: "
            "this is not the release you cite"
        )


def _check_frictionless(folder: Path, report: VerifyReport) -> None:
    import frictionless

    result = frictionless.validate(str(folder / "datapackage.json"))
    for task in result.tasks:
        for err in task.errors[:MAX_SCHEMA_ERRORS]:
            row = getattr(err, "row_number", None)
            where = f", row {row}" if row else ""
            report.problems.append(f"{task.name}{where}: {err.type}: {err.message}")
    for err in result.errors[:MAX_SCHEMA_ERRORS]:
        report.problems.append(f"datapackage.json: {err.type}: {err.message}")


def verify_folder(
    folder: Path, use_frictionless: bool = False, expect_digest: str | None = None
) -> VerifyReport:
    """Verify an extracted release folder (see the module docstring for the checks)."""
    report = VerifyReport(str(folder))
    _check_sums(folder, report)
    _check_release_digest(folder, report, expect_digest)
    desc_path = folder / "datapackage.json"
    if not desc_path.is_file():
        report.problems.append("datapackage.json: missing")
        return report
    try:
        desc = json.loads(desc_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        report.problems.append(f"datapackage.json: not JSON ({exc})")
        return report
    complete = True
    for entry in [*desc.get("resources", []), *desc.get("release", {}).get("files", [])]:
        complete = _check_entry(folder, entry, report) and complete
    _check_versions(folder, desc, report)
    if not complete:
        report.problems.append("schemas not checked: files are missing")
        return report
    tables = _read_tables(folder, desc, report)
    _check_constraints(folder, desc, report)
    parquet: dict[str, pa.Table] = {}
    _check_parquet(folder, desc, tables, report, parquet)
    _check_content(folder, desc, tables, parquet, report)
    if use_frictionless:
        _check_frictionless(folder, report)
    return report
