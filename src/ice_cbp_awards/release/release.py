"""`awards release`: build a snapshot, then freeze it as dist/<release name>/ and one zip.

The release folder holds:

    datapackage.json     frozen descriptor: versions, created, per resource bytes and hash,
                         and under "release" the Parquet and SQLite files with theirs
    data/<resource>.csv  the build's CSVs, copied byte for byte
    parquet/<resource>.parquet
    exports/...          OCDS release and record packages, FollowTheMoney entities,
                         schema.org Dataset JSON-LD (docs/exports.md)
    <package>.db         the SQLite database the build wrote
    validation/...       the validation results of the build
    build_report.json    the build report
    CHANGELOG.md         this version's changelog entry
    changes/             with --previous-release only: what changed since that release
                         (changes.csv, release_comparison.csv; docs/datasette.md)
    CITATION.cff, .zenodo.json, README.md
    SHA256SUMS           every file above, `sha256sum -c` format

Re-running a release of the same inputs gives byte-identical files: every timestamp is the
snapshot date, every listing is sorted, JSON is written with fixed key order and indentation,
timings (which describe the machine, not the data) are dropped from the build's JSON, Parquet
and zip writers use fixed settings. A release that fails the schema guard, the build's
validators or its own verification is not written; an existing release is never overwritten
with different content.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..citation import citation_cff, cite_as, how_to_cite_markdown, with_doi, zenodo_json
from ..metadata import table_resources
from ..paths import DEFAULT_DIST_DIR
from ..tables import read_csv_table
from ..versioning import (
    data_version_for_snapshot,
    parse_data_version,
    parse_schema_version,
    release_name,
    release_timestamp,
)
from ..write.descriptor import DATABASE_RESOURCE, as_v2, database_resource
from . import schema_guard
from .archive import write_zip
from .changelog import CHANGELOG_PATH, entry_for
from .checksums import SUMS_NAME, sha256_file, sums_text, write_sums
from .digest import DIGEST_KEY, release_digest, table_digest
from .parquet import write_parquet

DESCRIPTOR = "datapackage.json"
DATA_DIR = "data"
PARQUET_DIR = "parquet"


class ReleaseError(RuntimeError):
    """A release that cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class ReleaseResult:
    name: str
    folder: Path
    zip_path: Path
    data_version: str
    schema_version: str
    written: bool  # False when an identical release was already there
    release_digest: str = ""  # what a reader cites beside the version (release.digest)


def write_json(obj: Any, path: Path) -> None:
    """JSON as every release file writes it: 2-space indent, UTF-8, trailing newline."""
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _without_timings(obj: Any) -> Any:
    """Drop wall-clock timings ("seconds", "*_seconds") so re-runs give the same bytes."""
    if isinstance(obj, dict):
        return {
            k: _without_timings(v)
            for k, v in obj.items()
            if not (k == "seconds" or k.endswith("_seconds"))
        }
    if isinstance(obj, list):
        return [_without_timings(v) for v in obj]
    return obj


_HTML_TIMING = re.compile(r",? ?\d+(?:\.\d+)? s(?=</)")


def _html_without_timings(text: str) -> str:
    """Drop "12.3 s" timings that end an element of the build's HTML reports."""
    return _HTML_TIMING.sub("", text)


def _file_entry(folder: Path, rel: str, **extra: Any) -> dict[str, Any]:
    path = folder / rel
    return {
        "path": rel,
        **extra,
        "bytes": path.stat().st_size,
        "hash": f"sha256:{sha256_file(path)}",
    }


# written beside the database by `awards serve`, not by the build: never part of a release
SERVE_CACHES = (".inspect.json",)


def _copy_build_files(data_dir: Path, folder: Path, skip: set[str]) -> list[str]:
    """Copy every other file of the build (database, reports); JSON and HTML without timings."""
    copied = []
    for src in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        rel = src.relative_to(data_dir).as_posix()
        if rel in skip or rel.endswith(SERVE_CACHES):
            continue
        dst = folder / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix == ".json":
            write_json(_without_timings(json.loads(src.read_text(encoding="utf-8"))), dst)
        elif src.suffix == ".html":
            text = _html_without_timings(src.read_text(encoding="utf-8"))
            dst.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(src, dst)
        copied.append(rel)
    return copied


def release_readme(descriptor: dict[str, Any], release_digest: str | None = None) -> str:
    """README.md of a release: what it is, what is in it, how to cite, check and load it."""
    rel = descriptor["release"]
    lines = [
        f"# {descriptor['title']} {descriptor['version']}",
        "",
        descriptor.get("description", ""),
        "",
        f"- Data version: {descriptor['version']} (upstream snapshot {rel['snapshot']})",
        f"- Schema version: {descriptor['schema_version']}",
        f"- Release: {rel['name']}",
        "",
        "| Resource | CSV | Parquet | Description |",
        "| --- | --- | --- | --- |",
    ]
    parquet = {f["resource"]: f["path"] for f in rel["files"] if f.get("format") == "parquet"}
    for res in table_resources(descriptor):
        lines.append(
            f"| {res['name']} | `{res['path']}` | `{parquet.get(res['name'], '')}` | "
            f"{res.get('description', '')} |"
        )
    changes = [f["path"] for f in rel["files"] if f.get("changes")]
    if changes:
        lines += [
            "",
            "What changed since the previous release (records added, removed, revised; totals "
            f"that moved): {', '.join(f'`{c}`' for c in changes)}; `awards serve` of this "
            "folder shows them as pages and Atom feeds.",
        ]
    lines += [
        "",
        how_to_cite_markdown(descriptor, release_digest),
        "## Check what you downloaded",
        "",
        "`sha256sum -c SHA256SUMS` in this folder, or `awards verify <this folder or its zip>`, "
        "which also checks every file against its schema and that every table holds the same "
        "content in its CSV, Parquet file and SQLite table.",
        "",
    ]
    return "\n".join(lines)


def check_schema_guard(descriptor: dict[str, Any], lock_path: Path) -> None:
    """The schema guard on what the build wrote: every locked resource, no silent change."""
    schema_version = descriptor["schema_version"]
    lock = schema_guard.read_lock(lock_path)
    built = schema_guard.resources_of(descriptor)
    unbuilt = [r for r in lock.get(schema_version, {}) if r not in built]
    if unbuilt:
        raise ReleaseError(
            f"schema {schema_version} has resources the build did not write: {', '.join(unbuilt)}"
        )
    problems = schema_guard.check(schema_version, built, lock)
    if problems:
        raise ReleaseError("schema guard: " + "; ".join(problems))


def _freeze_resources(descriptor: dict[str, Any], data_dir: Path, folder: Path) -> list[dict]:
    """Copy each resource's CSV into data/, record its bytes and hash, write its Parquet.

    Returns the Parquet files' entries for the descriptor's "release" section.
    """
    meta = {"data_version": descriptor["version"], "schema_version": descriptor["schema_version"]}
    files = []
    for res in table_resources(descriptor):
        src = data_dir / res["path"]
        if not src.is_file():
            raise ReleaseError(f"{src}: resource {res['name']} is missing from the build")
        rel = f"{DATA_DIR}/{Path(res['path']).name}"
        shutil.copyfile(src, folder / rel)
        res["path"] = rel
        res["bytes"] = (folder / rel).stat().st_size
        res["hash"] = f"sha256:{sha256_file(folder / rel)}"
        pq_rel = f"{PARQUET_DIR}/{res['name']}.parquet"
        write_parquet(
            folder / rel, res["schema"], folder / pq_rel, {**meta, "resource": res["name"]}
        )
        files.append(_file_entry(folder, pq_rel, resource=res["name"], format="parquet",
                                 mediatype="application/vnd.apache.parquet"))  # fmt: skip
    return files


PARQUET_SUFFIX = "-parquet"  # a table name never holds "-": no Parquet name meets a table's


# The format of the Parquet resources: the subtype of their IANA media type, not "parquet",
# so that frictionless checks them as files (see parquet_resource).
PARQUET_FORMAT = "vnd.apache.parquet"


def parquet_resource(table: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """A table's Parquet file as a resource, with its bytes and hash: `table_resource` names
    the table whose Table Schema it has (also embedded in the file, metadata key
    `frictionless:schema`).

    Not `type: table`, and not `format: parquet`, which frictionless 5.21 opens as a table
    whatever the descriptor says: it reads Parquet through pandas, where a missing number
    arrives as NaN (its pandas reader converts only the `np.nan` object itself to null), which
    fails the schema's `minimum` and integer types (claims, attribution quality, transactions'
    `piid_fiscal_year`); without the schema it infers USD decimals as integers from the first
    100 rows (awards); and it cannot count the bytes of a file pyarrow reads. Measured on the
    2026-08-22 release: every Parquet table read that way fails. As a file of media type
    application/vnd.apache.parquet it validates (bytes and hash), and `awards verify` checks
    its Arrow types against the table's schema and every value against the CSV.
    """
    return {
        "name": f"{table['name']}{PARQUET_SUFFIX}",
        "title": f"{table.get('title', table['name'])} (Parquet)",
        "description": f"The {table['name']} table as Parquet, typed from its Table Schema "
        "(USD amounts as decimal128(20, 2)); the same content as its CSV.",
        "path": entry["path"],
        "format": PARQUET_FORMAT,
        "mediatype": entry["mediatype"],
        "bytes": entry["bytes"],
        "hash": entry["hash"],
        "table_resource": table["name"],
    }


def with_file_resources(descriptor: dict[str, Any], files: list[dict[str, Any]]) -> dict:
    """The release's descriptor in Data Package v2: the CSV tables, the SQLite database (with
    its bytes and hash) and each table's Parquet file, as resources."""
    tables = {r["name"]: r for r in table_resources(descriptor)}
    out = [r for r in descriptor["resources"] if r["name"] != DATABASE_RESOURCE]
    for entry in files:
        if entry.get("format") == "sqlite":
            db = {**database_resource(entry["path"]), "bytes": entry["bytes"],
                  "hash": entry["hash"]}  # fmt: skip
            out.append(db)
    out += [parquet_resource(tables[f["resource"]], f)
            for f in files if f.get("format") == "parquet"]  # fmt: skip
    return as_v2({**descriptor, "resources": out})


def add_content_digests(descriptor: dict[str, Any], folder: Path) -> None:
    """Each resource's content digest, from its released CSV: what Parquet and SQLite must hold."""
    for res in table_resources(descriptor):
        table = read_csv_table(folder / res["path"], res["schema"])
        res[DIGEST_KEY] = table_digest(table, res["schema"])


def write_citations(descriptor: dict[str, Any], folder: Path) -> str:
    """CITATION.cff, .zenodo.json and README.md, each giving the release digest; returns it.

    Written after every other file but SHA256SUMS: the digest covers those files.
    """
    digest = release_digest(folder)
    (folder / "CITATION.cff").write_text(citation_cff(descriptor, digest), encoding="utf-8")
    (folder / ".zenodo.json").write_text(zenodo_json(descriptor, digest), encoding="utf-8")
    (folder / "README.md").write_text(release_readme(descriptor, digest), encoding="utf-8")
    return digest


CHANGES_DIR = "changes"


def changes_files(data_dir: Path, previous: Path, folder: Path) -> list[dict[str, Any]]:
    """changes/changes.csv and changes/release_comparison.csv: what changed since the previous
    release (verified first, refused if it fails), as the site serves it
    (publish/changes_site.py, docs/datasette.md); returns their entries."""
    from ..publish.changes_site import COMPARISON
    from .changes_tables import write_comparison

    names = write_comparison(data_dir, previous, folder / CHANGES_DIR)
    return [
        _file_entry(folder, f"{CHANGES_DIR}/{name}", format="csv", mediatype="text/csv",
                    changes="release_comparison" if name == f"{COMPARISON}.csv" else "changes")
        for name in names
    ]  # fmt: skip


def export_files(folder: Path, descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """Write the exports (OCDS, FollowTheMoney, schema.org JSON-LD; see docs/exports.md) into
    the release folder; returns their entries for the descriptor's "release" files."""
    from ..export.release_files import write_exports

    return [_file_entry(folder, rel, export=kind, mediatype=mediatype)
            for kind, rel, mediatype in write_exports(folder, descriptor)]  # fmt: skip


def assemble(
    data_dir: Path,
    out_parent: Path,
    doi: str | None = None,
    changelog: Path = CHANGELOG_PATH,
    lock_path: Path = schema_guard.LOCK_PATH,
    previous: Path | None = None,
) -> Path:
    """Freeze a built data dir as a release folder under out_parent; returns the folder.

    The data dir is what the build writes: datapackage.json with inlined schemas and the
    data version, one CSV per resource, and any other files (database, reports). Given a
    previous release (verified first), the release also carries what changed since it.
    """
    descriptor = json.loads((data_dir / DESCRIPTOR).read_text(encoding="utf-8"))
    version = descriptor.get("version", "")
    schema_version = descriptor.get("schema_version", "")
    parse_data_version(version)
    parse_schema_version(schema_version)
    check_schema_guard(descriptor, lock_path)
    entry = entry_for(version, changelog)
    name = release_name(descriptor["name"], version, schema_version)
    folder = out_parent / name
    if folder.exists():
        raise ReleaseError(f"{folder} exists; assemble into an empty folder")
    (folder / DATA_DIR).mkdir(parents=True)
    skip = {DESCRIPTOR} | {Path(r["path"]).as_posix() for r in table_resources(descriptor)}
    files = _freeze_resources(descriptor, data_dir, folder)
    add_content_digests(descriptor, folder)
    for rel in _copy_build_files(data_dir, folder, skip):
        if rel.endswith((".db", ".sqlite")):
            files.append(_file_entry(folder, rel, format="sqlite",
                                     mediatype="application/vnd.sqlite3"))  # fmt: skip
    descriptor = with_file_resources(descriptor, files)
    descriptor["created"] = release_timestamp(version).strftime("%Y-%m-%dT%H:%M:%SZ")
    with_doi(descriptor, doi)
    files += export_files(folder, descriptor)
    if previous is not None:
        files += changes_files(data_dir, previous, folder)
    v = parse_data_version(version)
    descriptor["release"] = {
        "name": name,
        "data_version": version,
        "schema_version": schema_version,
        "snapshot": v.snapshot,
        "patch": v.patch,
        "cite_as": cite_as(descriptor),
        "files": files,
    }
    (folder / "CHANGELOG.md").write_text(
        f"# Changelog: {descriptor['title']} {version}\n\n{entry}", encoding="utf-8"
    )
    write_json(descriptor, folder / DESCRIPTOR)
    write_citations(descriptor, folder)
    write_sums(folder)
    return folder


def _same_release(a_folder: Path, a_zip: Path, b_folder: Path, b_zip: Path) -> bool:
    """True when b (already in dist) holds exactly the bytes of a (just made)."""
    if not (b_folder.is_dir() and b_zip.is_file() and (b_folder / SUMS_NAME).is_file()):
        return False
    new_sums = (a_folder / SUMS_NAME).read_text(encoding="utf-8")
    return (
        (b_folder / SUMS_NAME).read_text(encoding="utf-8") == new_sums
        and sums_text(b_folder) == new_sums
        and sha256_file(a_zip) == sha256_file(b_zip)
    )


def publish(folder: Path, zip_path: Path, dist_dir: Path) -> tuple[Path, Path, bool]:
    """Move a verified release into dist; never replace a different one under the same name."""
    final, final_zip = dist_dir / folder.name, dist_dir / zip_path.name
    if final.exists() or final_zip.exists():
        if _same_release(folder, zip_path, final, final_zip):
            return final, final_zip, False
        v = parse_data_version(json.loads((folder / DESCRIPTOR).read_text())["version"])
        raise ReleaseError(
            f"{final} already exists with other content; releases are immutable: re-release "
            f"this snapshot as --patch {v.patch + 1}, or remove the unpublished folder and zip"
        )
    os.replace(folder, final)
    os.replace(zip_path, final_zip)
    return final, final_zip, True


# build(raw_root, data_dir, snapshot=..., patch=...): the package's is build.build_package
BuildFn = Callable[..., Any]


def run_build(build: BuildFn, raw_root: Path | None, data_dir: Path, snapshot: str | None,
              patch: int) -> None:  # fmt: skip
    """Call the build (given by the caller: `pipeline.make_release` gives the package's)."""
    kwargs: dict[str, Any] = {"snapshot": snapshot, "patch": patch}
    if raw_root is None:
        from ..paths import default_raw_root

        raw_root = default_raw_root()
    build(raw_root, data_dir, **kwargs)


def make_release(
    snapshot: str | None = None,
    raw_root: Path | None = None,
    dist_dir: Path = DEFAULT_DIST_DIR,
    patch: int = 0,
    doi: str | None = None,
    changelog: Path = CHANGELOG_PATH,
    lock_path: Path = schema_guard.LOCK_PATH,
    *,
    build: BuildFn,
    previous: Path | None = None,
) -> ReleaseResult:
    """Build `snapshot`, assemble, verify and zip it, then publish it into dist_dir; with
    what changed since `previous` (a release, verified first) when given."""
    from .verify import verify_folder

    dist_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".release-", dir=dist_dir) as tmp:
        data_dir = Path(tmp) / "build"
        run_build(build, raw_root, data_dir, snapshot, patch)
        descriptor = json.loads((data_dir / DESCRIPTOR).read_text(encoding="utf-8"))
        built = descriptor.get("version", "")
        if snapshot is not None and built != data_version_for_snapshot(snapshot, patch):
            raise ReleaseError(
                f"the build wrote version {built!r}, expected "
                f"{data_version_for_snapshot(snapshot, patch)} for snapshot {snapshot}"
            )
        if parse_data_version(built).patch != patch:
            raise ReleaseError(f"the build wrote version {built}, expected patch {patch}")
        folder = assemble(data_dir, Path(tmp) / "staging", doi, changelog, lock_path, previous)
        zip_path = write_zip(folder, Path(tmp) / f"{folder.name}.zip", release_timestamp(built))
        report = verify_folder(folder)
        if not report.ok:
            raise ReleaseError("release failed its own verification: " + "; ".join(report.problems))
        final, final_zip, written = publish(folder, zip_path, dist_dir)
    return ReleaseResult(
        name=final.name,
        folder=final,
        zip_path=final_zip,
        data_version=built,
        schema_version=descriptor["schema_version"],
        written=written,
        release_digest=report.release_digest,
    )
