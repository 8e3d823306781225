"""How a fetch tells its user what it is doing, without tying the clients to a terminal.

The clients call a Reporter; the CLI passes one that draws rich progress bars, tests pass a
RecordingReporter and look at what was said (warnings above all: a completeness mismatch
must reach the user).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class Reporter:
    """Silent base: every hook is optional."""

    def task(self, label: str, total: int | None) -> None:
        """A new unit of work (one query) starts; total in pages when known."""

    def advance(self, n: int = 1) -> None:
        """The current unit of work made n steps (pages, polls, files)."""

    def info(self, message: str) -> None:
        """Something worth a line in the log."""

    def warn(self, message: str) -> None:
        """Something the user must see: a completeness mismatch, a retry, a skipped record."""


@dataclass
class RecordingReporter(Reporter):
    """Keeps everything said, for tests."""

    tasks: list[tuple[str, int | None]] = field(default_factory=list)
    steps: int = 0
    infos: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def task(self, label: str, total: int | None) -> None:
        self.tasks.append((label, total))

    def advance(self, n: int = 1) -> None:
        self.steps += n

    def info(self, message: str) -> None:
        self.infos.append(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)


class RichReporter(Reporter):
    """Progress bars on stderr with rich; warnings in yellow, kept for the final summary."""

    def __init__(self, console: Console | None = None, verbose: bool = False) -> None:
        self.console = console or Console(stderr=True)
        self.verbose = verbose
        self.warnings: list[str] = []
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def task(self, label: str, total: int | None) -> None:
        self._task = self.progress.add_task(label, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self.progress.advance(self._task, n)

    def info(self, message: str) -> None:
        if self.verbose:
            self.progress.console.print(message, style="dim")

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.progress.console.print(f"warning: {message}", style="yellow")
