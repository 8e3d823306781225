"""Frictionless validation of the built package: types, constraints, keys and foreign keys."""

from __future__ import annotations

import time
from pathlib import Path

from .result import Finding, ValidationResult

MAX_FINDINGS = 200


def validate_package(descriptor_path: Path) -> ValidationResult:
    """Run frictionless on the built descriptor, as `frictionless validate` would."""
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
    result.details = {"rows": {t.name: t.stats.get("rows") for t in report.tasks}}
    result.seconds = time.perf_counter() - start
    return result
