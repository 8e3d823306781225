"""Command line interface: `awards build`, `awards validate`, and the commands of each layer."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from .paths import DEFAULT_DATA_DIR
from .terminal import console, fail

# The row-count bounds: the build checks them, `awards validate` checks a build against them.
expected_counts_option = click.option(
    "--expected-counts",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="Row-count bounds to check against (default reference/expected_row_counts.csv); every"
    " slice with a positive minimum must have published rows.",
)


class OneLineErrors(click.Group):
    """Every command's unexpected failure as one readable line (a traceback only with
    --verbose); click's own usage errors and exits pass through unchanged."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the last net under every command
            fail(ctx, exc)


# Commands whose modules import the fetch clients or pandas, loaded when one of them is run or
# listed: `awards build` starts its workers' server before importing them (see build below).
LAZY_COMMANDS = {
    "fetch": "ice_cbp_awards.fetch.cli:fetch",
    "review": "ice_cbp_awards.curate.cli:review",
    "companies-doc": "ice_cbp_awards.curate.cli:companies_doc",
    "curate": "ice_cbp_awards.curate.cli:curate",
}


class Commands(OneLineErrors):
    """The `awards` group: its own commands, and LAZY_COMMANDS imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, name = LAZY_COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=Commands)
@click.option("--verbose", is_flag=True, help="Show full tracebacks and detail on errors.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Build, validate, publish and release the ICE & CBP technology award records package."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


@main.command()
@click.option(
    "--raw-root",
    type=click.Path(path_type=Path),
    default=None,
    help="Raw snapshots folder (default $AWARDS_RAW_ROOT or ../shared/raw).",
)
@click.option("--snapshot", default=None, help="usaspending-cbp-ice snapshot (default: newest).")
@click.option(
    "--bulk",
    "bulk_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Official USAspending bulk file(s) to add (award summaries or transactions).",
)
@click.option("--no-legacy", is_flag=True, help="Leave out the FY2013-FY2018 ICE award summaries.")
@click.option(
    "--data-dir", type=click.Path(path_type=Path), default=DEFAULT_DATA_DIR, show_default=True
)
@click.option("--patch", type=int, default=0, help="Re-release number of the same snapshot.")
@click.option("--no-db", is_flag=True, help="Skip the SQLite database.")
@expected_counts_option
@click.option(
    "--allow",
    "allow",
    multiple=True,
    metavar="KIND:TARGET=REASON",
    help="A reviewed exception to the input checks, recorded in build_report.json: KIND is"
    " empty-file, unlisted-file or incomplete-fetch (TARGET a path under the raw root) or"
    " missing-slice (TARGET family/AGENCY/FY, e.g. usaspending-cbp-ice/ICE/2024).",
)
@click.pass_context
def build(
    ctx: click.Context,
    raw_root: Path | None,
    snapshot: str | None,
    bulk_files: tuple[Path, ...],
    no_legacy: bool,
    data_dir: Path,
    patch: int,
    no_db: bool,
    expected_counts: Path | None,
    allow: tuple[str, ...],
) -> None:
    """Build the package from the raw snapshots, validate it, and publish it into DATA_DIR."""
    from .paths import default_raw_root
    from .validate.workers import large_input, start_workers_early

    # first, so that the workers' server imports the validators while this process imports
    # and reads; a large build starts it itself, after its largest steps (build_package)
    if not large_input(raw_root or default_raw_root(), snapshot, list(bulk_files)):
        start_workers_early()
    from .build import BuildFailed, build_package

    try:
        result = build_package(
            raw_root,
            data_dir,
            snapshot,
            list(bulk_files),
            include_legacy=not no_legacy,
            patch=patch,
            write_db=not no_db,
            console=console,
            expected_counts=expected_counts,
            allow=list(allow),
        )
    except BuildFailed as exc:
        for r in exc.results:
            console.print(r.summary())
            for f in r.errors[:10]:
                console.print("  " + f.line())
        fail(ctx, exc)
    except Exception as exc:  # noqa: BLE001 - one readable line for every failure
        fail(ctx, exc)
    else:
        for r in result.validation:
            console.print(r.summary())
        rows = ", ".join(f"{k} {v:,}" for k, v in result.rows.items())
        console.print(
            f"[bold green]built[/] {result.data_dir} version {result.data_version}: {rows}"
        )


@main.command()
def docs() -> None:
    """Regenerate what is written from the metadata: the Table Schemas in schemas/ (from the
    field registry, schemas/fields.yml and resources.yml), then the data dictionary."""
    from .docs import write_docs
    from .fields import write_schemas

    for path in [*write_schemas(), *write_docs()]:
        console.print(f"wrote {path}")


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, exists=True),
    default=DEFAULT_DATA_DIR,
    show_default=True,
)
@click.option(
    "--fast",
    is_flag=True,
    help="Frictionless checks each distinct value once (keys by pandera), as the build does.",
)
@expected_counts_option
@click.pass_context
def validate(ctx: click.Context, data_dir: Path, fast: bool, expected_counts: Path | None) -> None:
    """Run frictionless, pandera and Great Expectations on a built data dir.

    By default frictionless runs stock on the whole package, keys and foreign keys included.
    """
    from .validate import runner

    try:
        results = runner.run_all(data_dir, full=not fast, expected_counts=expected_counts)
    except Exception as exc:  # noqa: BLE001
        fail(ctx, exc)
        return
    for r in results:
        console.print(r.summary())
        for f in r.findings[:20]:
            console.print("  " + f.line())
    if not all(r.ok for r in results):
        console.print("[red]validation failed[/]")
        sys.exit(1)
    console.print("[green]all validators passed[/]")


from .commands.serve import serve  # noqa: E402 - build if needed, compare, serve

main.add_command(serve)

from .release.cli import register as register_release  # noqa: E402 - release, verify, diff

register_release(main)

from .commands.release import release_command  # noqa: E402 - build, then freeze a release

main.add_command(release_command)

from .rawarchive.cli import raw  # noqa: E402 - the raw inputs as an archive

main.add_command(raw)


if __name__ == "__main__":
    main()
