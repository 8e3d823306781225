"""`awards serve`: build the package if needed, compare it with a previous release if one is
given, then serve it read-only with Datasette. A command on top of the layers (build, release
comparison, publish), so that none of them needs to import another upward."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console

from ..paths import DEFAULT_DATA_DIR

console = Console(stderr=True)


def _database_path(data_dir: Path) -> Path | None:
    """The database of a built data dir, or None when there is no built package there."""
    from ..publish.plan import PublishError
    from ..publish.serve import site_files

    try:
        path = site_files(data_dir).db_path
    except PublishError:
        return None
    return path if path.is_file() else None


def _with_changes(data_dir: Path, previous: Path | None, tmp: Path) -> Path:
    """The folder to serve: data_dir itself, or a site folder with what changed since a
    previous release: the one given, else the comparison a release folder carries (made by
    `awards release --previous-release`). changes_site.py; data_dir is never written."""
    from ..pipeline import site_with_changes
    from ..publish.changes_site import release_changes_dir, site_with_release_changes

    if previous is None:
        if release_changes_dir(data_dir) is None:
            return data_dir
        console.print(f"{data_dir} carries what changed since its previous release: serving it")
        return site_with_release_changes(data_dir, tmp)

    console.print(f"verifying {previous} and comparing it with {data_dir}")
    return site_with_changes(data_dir, previous, tmp)


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on (loopback by default).",
)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="Built data dir holding the database.",
)
@click.option(
    "--build/--no-build",
    "build",
    default=None,
    help="Build the package first (default: only when the database is missing).",
)
@click.option(
    "--cache/--no-cache",
    "cache",
    default=True,
    show_default=True,
    help="Keep rendered pages in memory (the database never changes while served).",
)
@click.option(
    "--previous-release",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A previous release (zip or folder), verified first: the site then says what changed "
    "since it and gives Atom feeds of the new records (docs/datasette.md).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes sharing the port [default: one per usable CPU core].",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    data_dir: Path,
    build: bool | None,
    cache: bool,
    previous_release: Path | None,
    workers: int | None,
) -> None:
    """Serve the built package with Datasette at http://HOST:PORT/ (read-only, immutable)."""
    verbose = bool(ctx.obj and ctx.obj.get("verbose"))
    try:
        if build or (build is None and _database_path(data_dir) is None):
            from ..build import build_package

            console.print(f"building the package into {data_dir} (default snapshot)")
            build_package(data_dir=data_dir, console=console)
        elif _database_path(data_dir) is None:
            raise click.ClickException(
                f"{data_dir}: no built database; run `awards build` or drop --no-build"
            )
        from ..publish.serve import make_datasette, run_server, usable_cores

        with tempfile.TemporaryDirectory(prefix="awards-site-") as tmp:
            site_dir = _with_changes(data_dir, previous_release, Path(tmp))
            # Fails here, with one line, on a broken data dir, before the server starts.
            ds = make_datasette(site_dir, response_cache=cache)
            workers = workers or usable_cores()
            processes = f"{workers} process{'es' if workers > 1 else ''}"
            console.print(
                f"serving {data_dir} at http://{host}:{port}/ ({processes}; Ctrl+C stops)"
            )
            run_server(ds, host, port, workers)
    except click.ClickException:
        raise
    except Exception as exc:  # noqa: BLE001 - one readable line unless --verbose
        if verbose:
            console.print_exception()
        console.print(f"[red]error:[/] {exc}")
        sys.exit(1)
