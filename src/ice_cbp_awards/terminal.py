"""How every command reports: one console on stderr, and errors as one readable line.

Commands of every layer use these, so that an error looks the same whichever command met it;
the traceback and a multi-line message's detail only with --verbose.
"""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.text import Text

console = Console(stderr=True)


def fail(ctx: click.Context, exc: BaseException) -> None:
    """One readable line (never wrapped, never read as markup); the traceback and the rest of
    a multi-line message only with --verbose."""
    verbose = bool(ctx.obj and ctx.obj.get("verbose"))
    if verbose:
        console.print_exception()
    console.print(Text.assemble(("error:", "red"), " ", error_line(exc, verbose)), soft_wrap=True)
    sys.exit(1)


def error_line(exc: BaseException, verbose: bool = False) -> str:
    """The message of an error on one line: its first line, the exception's type when the
    message is empty, and a pointer to --verbose when detail was left out."""
    text = str(exc).strip() or type(exc).__name__
    first, _, rest = text.partition("\n")
    if rest.strip() and not verbose:
        first += " (more with --verbose)"
    return first if not verbose else text.replace("\n", " | ")


def fail_with(message: str) -> None:
    """A command's own refusal, already one line (no exception behind it): print it, exit 1."""
    console.print(Text.assemble(("error:", "red"), " ", message), soft_wrap=True)
    sys.exit(1)
