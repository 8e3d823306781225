"""Run the three validators on a built data dir and write their results as JSON and HTML."""

from __future__ import annotations

import html
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..metadata import Resource, resources
from . import frictionless_check, gx_check, pandera_check
from .result import ValidationResult

VALIDATORS = ("frictionless", "pandera", "great_expectations")


def _frictionless(data_dir: Path) -> ValidationResult:
    return frictionless_check.validate_package(data_dir / "datapackage.json")


def built_resources(data_dir: Path) -> list[Resource]:
    """Resources present in a built data dir (its descriptor), with the repository's schemas."""
    names = [r["name"] for r in json.loads((data_dir / "datapackage.json").read_text())["resources"]]
    return [resources()[n] for n in names if n in resources()]


def run_all(data_dir: Path, parallel: bool = True) -> list[ValidationResult]:
    """All three validators. Frictionless runs in a second process beside the other two: it
    is the slowest and the machine has two cores."""
    res_list = built_resources(data_dir)
    if parallel:
        with ProcessPoolExecutor(max_workers=1) as pool:
            fut = pool.submit(_frictionless, data_dir)
            pan = pandera_check.validate_data_dir(data_dir, res_list)
            gxr = gx_check.validate_data_dir(data_dir, res_list)
            fri = fut.result()
    else:
        fri = _frictionless(data_dir)
        pan = pandera_check.validate_data_dir(data_dir, res_list)
        gxr = gx_check.validate_data_dir(data_dir, res_list)
    return [fri, pan, gxr]


def write_results(results: list[ValidationResult], out_dir: Path, version: str) -> None:
    """validation/results.json and validation/report.html (self-contained, no network)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"data_version": version, "ok": all(r.ok for r in results),
               "validators": [r.as_dict() for r in results]}  # fmt: skip
    (out_dir / "results.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    (out_dir / "report.html").write_text(render_html(results, version), encoding="utf-8")


def render_html(results: list[ValidationResult], version: str) -> str:
    esc = html.escape
    rows = []
    for r in results:
        state = "passed" if r.ok else "FAILED"
        rows.append(f"<h2>{esc(r.validator)}: <span class='{state}'>{state}</span></h2>"
                    f"<p>{r.checks_run} checks, {len(r.errors)} errors, {len(r.warnings)}"
                    f" warnings, {r.seconds:.1f} s</p>")  # fmt: skip
        if r.findings:
            rows.append("<table><tr><th>severity</th><th>resource</th><th>row</th><th>check</th>"
                        "<th>message</th></tr>")  # fmt: skip
            for f in r.findings:
                rows.append(f"<tr><td>{esc(f.severity)}</td><td>{esc(f.resource)}</td>"
                            f"<td>{'' if f.row is None else f.row}</td><td>{esc(f.check)}</td>"
                            f"<td>{esc(f.message)}</td></tr>")  # fmt: skip
            rows.append("</table>")
        suites = r.details.get("suites")
        if suites:
            rows.append("<h3>Expectation suites</h3><table><tr><th>suite</th><th>severity</th>"
                        "<th>expectations</th><th>successful</th></tr>")  # fmt: skip
            for s in suites:
                st = s.get("statistics", {})
                rows.append(f"<tr><td>{esc(s['suite'])}</td><td>{esc(s['severity'])}</td>"
                            f"<td>{st.get('evaluated_expectations')}</td>"
                            f"<td>{st.get('successful_expectations')}</td></tr>")  # fmt: skip
            rows.append("</table>")
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:"
             "collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
             ".passed{color:#060}.FAILED{color:#a00}")  # fmt: skip
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Validation report"
            f" {esc(version)}</title><style>{style}</style></head><body>"
            f"<h1>Validation report, data version {esc(version)}</h1>{''.join(rows)}"
            "</body></html>\n")  # fmt: skip
