"""A validator's verdict in one shape, so the build and `awards validate` can report all three."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Finding:
    resource: str
    check: str
    message: str
    row: int | None = None
    severity: str = "error"  # "error" blocks the build, "warning" only reports

    def line(self) -> str:
        where = f" row {self.row}" if self.row is not None else ""
        return f"[{self.severity}] {self.resource}{where}: {self.check}: {self.message}"


@dataclass
class ValidationResult:
    validator: str
    seconds: float = 0.0
    checks_run: int = 0
    findings: list[Finding] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        state = "passed" if self.ok else "FAILED"
        return (
            f"{self.validator}: {state} ({self.checks_run} checks, {len(self.errors)} errors,"
            f" {len(self.warnings)} warnings, {self.seconds:.1f} s)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "validator": self.validator,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "checks_run": self.checks_run,
            "findings": [f.__dict__ for f in self.findings],
            "details": self.details,
        }
