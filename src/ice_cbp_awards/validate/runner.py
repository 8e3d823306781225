"""Run the three validators on a built data dir and write their results as JSON and HTML."""

from __future__ import annotations

import html
import json
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..metadata import Resource, resources
from . import frictionless_check, gx_check, pandera_check
from .result import ValidationResult

# Workers start from a small server process rather than forking this one: a fork would carry
# (and count) every frame of the build in each worker.
_CONTEXT = multiprocessing.get_context("forkserver")

VALIDATORS = ("frictionless", "pandera", "great_expectations")


def _frictionless(data_dir: Path) -> ValidationResult:
    return frictionless_check.validate_package(data_dir / "datapackage.json")


def built_resources(data_dir: Path) -> list[Resource]:
    """Resources present in a built data dir (its descriptor), with the repository's schemas."""
    names = [
        r["name"] for r in json.loads((data_dir / "datapackage.json").read_text())["resources"]
    ]
    return [resources()[n] for n in names if n in resources()]


def _gx(data_dir: Path, expected_counts: Path | None) -> ValidationResult:
    return gx_check.validate_data_dir(data_dir, built_resources(data_dir), None, expected_counts)


def run_all(
    data_dir: Path,
    full: bool = False,
    expected_counts: Path | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[ValidationResult]:
    """All three validators, spread over the machine's cores.

    Great Expectations runs in a worker process; frictionless row checks run in chunks on the
    workers; pandera runs in this process meanwhile. With full=True (`awards validate`)
    frictionless runs stock on the whole descriptor instead, keys and foreign keys included.
    """
    res_list = built_resources(data_dir)
    # one worker more than cores: Great Expectations holds one for its whole run
    workers = (os.cpu_count() or 2) + 1
    with (
        tempfile.TemporaryDirectory(prefix="fl-chunks-") as tmp,
        ProcessPoolExecutor(max_workers=workers, mp_context=_CONTEXT) as pool,
    ):
        gx_future = pool.submit(_gx, data_dir, expected_counts)
        start = time.perf_counter()
        if full:
            fl_futures = [pool.submit(_frictionless, data_dir)]
        else:
            jobs = frictionless_check.chunk_jobs(data_dir, Path(tmp))
            fl_futures = [pool.submit(frictionless_check.validate_chunk, j) for j in jobs]
        pan = pandera_check.validate_data_dir(data_dir, res_list)
        if meanwhile is not None:
            meanwhile()  # e.g. the database, kept only if every validator passes
        if full:
            fri = fl_futures[0].result()
        else:
            chunks = [f.result() for f in fl_futures]
            fri = frictionless_check.collect(chunks, time.perf_counter() - start)
        gxr = gx_future.result()
    return [fri, pan, gxr]


def write_results(results: list[ValidationResult], out_dir: Path, version: str) -> None:
    """validation/results.json and validation/report.html (self-contained, no network)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "data_version": version,
        "ok": all(r.ok for r in results),
        "validators": [r.as_dict() for r in results],
    }
    (out_dir / "results.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    (out_dir / "report.html").write_text(render_html(results, version), encoding="utf-8")


def render_html(results: list[ValidationResult], version: str) -> str:
    esc = html.escape
    rows = []
    for r in results:
        state = "passed" if r.ok else "FAILED"
        rows.append(
            f"<h2>{esc(r.validator)}: <span class='{state}'>{state}</span></h2>"
            f"<p>{r.checks_run} checks, {len(r.errors)} errors, {len(r.warnings)}"
            f" warnings, {r.seconds:.1f} s</p>"
        )
        if r.findings:
            rows.append(
                "<table><tr><th>severity</th><th>resource</th><th>row</th><th>check</th>"
                "<th>message</th></tr>"
            )
            for f in r.findings:
                rows.append(
                    f"<tr><td>{esc(f.severity)}</td><td>{esc(f.resource)}</td>"
                    f"<td>{'' if f.row is None else f.row}</td><td>{esc(f.check)}</td>"
                    f"<td>{esc(f.message)}</td></tr>"
                )
            rows.append("</table>")
        suites = r.details.get("suites")
        if suites:
            rows.append(
                "<h3>Expectation suites</h3><table><tr><th>suite</th><th>severity</th>"
                "<th>expectations</th><th>successful</th></tr>"
            )
            for s in suites:
                st = s.get("statistics", {})
                rows.append(
                    f"<tr><td>{esc(s['suite'])}</td><td>{esc(s['severity'])}</td>"
                    f"<td>{st.get('evaluated_expectations')}</td>"
                    f"<td>{st.get('successful_expectations')}</td></tr>"
                )
            rows.append("</table>")
    style = (
        "body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:"
        "collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
        ".passed{color:#060}.FAILED{color:#a00}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Validation report"
        f" {esc(version)}</title><style>{style}</style></head><body>"
        f"<h1>Validation report, data version {esc(version)}</h1>{''.join(rows)}"
        "</body></html>\n"
    )
