"""`awards raw archive` and `awards raw pull URL`."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def raw() -> None:
    """The raw inputs as a checksummed archive: write one, or pull one into a raw root."""


@raw.command("archive")
@click.option(
    "--raw-root",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="Raw root to archive (default $AWARDS_RAW_ROOT or ../shared/raw).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="The archive to write (e.g. dist/raw.tar.gz); its .sha256 goes beside it.",
)
@click.pass_context
def archive_cmd(ctx: click.Context, raw_root: Path | None, out: Path) -> None:  # fmt: skip
    """Write the raw root as one deterministic, checksummed tar.gz."""
    from ..paths import default_raw_root
    from ..terminal import console, fail
    from .archive import write_archive

    try:
        digest = write_archive(raw_root or default_raw_root(), out)
    except Exception as exc:  # noqa: BLE001 - one readable line
        fail(ctx, exc)
        return
    console.print(f"wrote {out} (sha256 {digest}) and {out.name}.sha256")


@raw.command("pull")
@click.argument("url", required=False, envvar="AWARDS_RAW_URL")
@click.option(
    "--raw-root",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to unpack (default $AWARDS_RAW_ROOT or ../shared/raw).",
)
@click.option("--sha256", default=None, help="Expected sha256 (default: read URL.sha256).")
@click.option(
    "--if-missing", is_flag=True, help="Do nothing when the raw root already holds raw snapshots."
)
@click.pass_context
def pull_cmd(ctx: click.Context, url: str | None, raw_root: Path | None, sha256: str | None,
             if_missing: bool) -> None:  # fmt: skip
    """Download a raw archive (resuming), verify its sha256 and unpack it into the raw root.

    URL defaults to $AWARDS_RAW_URL.
    """
    from ..paths import default_raw_root, raw_root_problem
    from ..terminal import console, fail
    from .pull import pull

    root = raw_root or default_raw_root()
    if if_missing and raw_root_problem(root) is None:
        console.print(f"raw root {root} holds raw snapshots: nothing to pull")
        return
    if not url:
        fail(ctx, ValueError("no URL: give one, or set $AWARDS_RAW_URL"))
        return
    console.print(f"pulling the raw archive {url} into {root}")
    try:
        pull(url, root, sha256, say=console.print)
    except Exception as exc:  # noqa: BLE001 - one readable line
        fail(ctx, exc)
