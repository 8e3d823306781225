"""Command-line options that several commands share, declared once so that `--data-dir` or
`--reference-dir` reads the same (type, default, help) in every command that takes it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .paths import DEFAULT_DATA_DIR, REFERENCE_DIR

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def data_dir_option(help: str = "Built data dir to read.", *, exists: bool = False) -> Decorator:
    """`--data-dir`: the build's output folder (by default the package's `data/`)."""
    return click.option(
        "--data-dir",
        type=click.Path(path_type=Path, exists=exists),
        default=DEFAULT_DATA_DIR,
        show_default=True,
        help=help,
    )


def reference_dir_option(help: str = "Reviewed tables to use.") -> Decorator:
    """`--reference-dir`: the reviewed tables (by default the package's `reference/`)."""
    return click.option(
        "--reference-dir",
        type=click.Path(path_type=Path),
        default=REFERENCE_DIR,
        show_default=True,
        help=help,
    )


def page_option(default: Path) -> Decorator:
    """`--out`: the documentation page a command writes."""
    return click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=default,
        show_default=True,
        help="Page to write.",
    )
