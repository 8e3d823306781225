"""Frictionless validation of the built package.

Two ways to run it:
- `validate_package`: stock frictionless on the whole descriptor, keys and foreign keys
  included, exactly what `frictionless validate datapackage.json` does. `awards validate`
  runs this by default.
- `validate_package_parallel`: what the build runs. Stock frictionless checks every row's
  types and constraints, on row chunks spread over all cores; primary keys, unique fields and
  foreign keys, which frictionless checks with one pass in one process, are checked on whole
  columns by the pandera validator instead. Frictionless row checks are the slowest part of
  validation (a few thousand rows a second for a 32-field table), so this is where the build's
  time goes; see docs/performance.md.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .result import Finding, ValidationResult

MAX_FINDINGS = 200
CHUNK_ROWS = 12_000


def validate_package(descriptor_path: Path) -> ValidationResult:
    """Run stock frictionless on the built descriptor, as `frictionless validate` would."""
    import frictionless

    start = time.perf_counter()
    report = frictionless.validate(str(descriptor_path))
    result = ValidationResult("frictionless")
    for task in report.tasks:
        result.checks_run += 1
        for err in task.errors[:MAX_FINDINGS]:
            row = getattr(err, "row_number", None)
            result.findings.append(Finding(task.name or "", err.type, err.message, row))
    for err in report.errors[:MAX_FINDINGS]:
        result.findings.append(Finding("package", err.type, err.message))
    result.details = {"mode": "stock", "rows": {t.name: t.stats.get("rows") for t in report.tasks}}
    result.seconds = time.perf_counter() - start
    return result


def row_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without the checks that need the whole table (keys, unique)."""
    s = copy.deepcopy(schema)
    s.pop("primaryKey", None)
    s.pop("foreignKeys", None)
    for f in s["fields"]:
        f.get("constraints", {}).pop("unique", None)
    return s


def _chunks(path: Path, rows: int, out_dir: Path) -> list[tuple[Path, int]]:
    """Split a CSV into header+rows chunk files, when every record is one line."""
    with path.open("rb") as fh:
        data = fh.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) - 1 != rows or rows <= CHUNK_ROWS:
        return [(path, 0)]  # records with embedded newlines (or a small file): one piece
    header, body = lines[0], lines[1:]
    out = []
    for i, start in enumerate(range(0, len(body), CHUNK_ROWS)):
        piece = out_dir / f"{path.stem}.{i:04d}.csv"
        piece.write_bytes(header + b"\n" + b"\n".join(body[start : start + CHUNK_ROWS]) + b"\n")
        out.append((piece, start))
    return out


def validate_chunk(args: tuple[str, str, dict[str, Any], int]) -> tuple[str, int, list[tuple]]:
    import frictionless

    name, path, schema, offset = args
    res = frictionless.Resource(
        path=os.path.basename(path),
        basepath=os.path.dirname(path),
        schema=frictionless.Schema.from_descriptor(schema),
    )
    report = res.validate()
    task = report.tasks[0]
    errs = [
        (e.type, e.message, (getattr(e, "row_number", None) or 0) + offset or None)
        for e in task.errors[:MAX_FINDINGS]
    ]
    return name, int(task.stats.get("rows") or 0), errs


def chunk_jobs(data_dir: Path, tmp: Path) -> list[tuple[str, str, dict[str, Any], int]]:
    """Row-check jobs for every resource of a built data dir, largest first."""
    desc = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    jobs = []
    for entry in desc["resources"]:
        path = data_dir / entry["path"]
        n = sum(1 for _ in path.open("rb")) - 1
        for piece, offset in _chunks(path, n, tmp):
            jobs.append((entry["name"], str(piece), row_schema(entry["schema"]), offset))
    jobs.sort(key=lambda j: -os.path.getsize(j[1]))
    return jobs


def collect(results: list[tuple[str, int, list[tuple]]], seconds: float) -> ValidationResult:
    result = ValidationResult("frictionless")
    rows: dict[str, int] = {}
    for name, n_rows, errs in results:
        result.checks_run += 1
        rows[name] = rows.get(name, 0) + n_rows
        for etype, message, row in errs:
            result.findings.append(Finding(name, etype, message, row))
    result.details = {"mode": "parallel row checks; keys checked by pandera", "rows": rows}
    result.seconds = seconds
    return result


def validate_package_parallel(data_dir: Path, workers: int | None = None) -> ValidationResult:
    """Frictionless row checks of every resource, chunked over processes."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fl-chunks-") as tmp:
        jobs = chunk_jobs(data_dir, Path(tmp))
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
            results = list(pool.map(validate_chunk, jobs))
    return collect(results, time.perf_counter() - start)
