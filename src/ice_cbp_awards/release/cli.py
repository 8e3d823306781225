"""Click commands of the release layer: `verify`, `diff` and `schema-lock` (`awards release`,
which builds first, is in commands/release.py).

Registered on the main `awards` group by ice_cbp_awards.cli (see `register`).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..paths import DEFAULT_DIST_DIR
from ..terminal import console, fail_with


def _release_digest_option(ctx: click.Context, param: click.Parameter, value: str | None):
    """--expect-digest: `sha256:` and 64 hex digits (as cited), or nothing."""
    from ..citation import CitationError, check_release_digest

    if value is None:
        return None
    try:
        return check_release_digest(value.strip().lower())
    except CitationError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("verify")
@click.argument("release", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--frictionless",
    "use_frictionless",
    is_flag=True,
    help="Also run frictionless, the reference validator (about a minute).",
)
@click.option(
    "--expect-digest",
    default=None,
    callback=_release_digest_option,
    help="The release digest published beside the citation you hold (sha256:...): the "
    "release must be exactly that one.",
)
def verify_command(release: Path, use_frictionless: bool, expect_digest: str | None) -> None:
    """Check a downloaded release (folder or zip): checksums, schemas, the same content in
    CSV, Parquet and SQLite, and (with --expect-digest) that it is the release you cite."""
    from .verify import verify

    report = verify(release, use_frictionless, expect_digest)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    for problem in report.problems:
        console.print(f"[red]problem:[/] {problem}")
    if not report.ok:
        fail_with(
            f"{release}: {len(report.problems)} problems; this is not the release as published"
        )
    what = "checksums, versions, schemas, Parquet, table contents" + (
        ", frictionless" if use_frictionless else ""
    )
    console.print(
        f"[bold green]verified[/] {report.name}: {report.files_checked} files; {what} all match",
        soft_wrap=True,
    )
    pinned = "the one expected" if expect_digest else "pin it with --expect-digest"
    console.print(f"release digest {report.release_digest} ({pinned})", soft_wrap=True)


@click.command("diff")
@click.argument("releases", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder (default DIST/<package>-changes-<first>-to-<last>).",
)
@click.option("--dist", "dist_dir", type=click.Path(path_type=Path), default=DEFAULT_DIST_DIR,
              show_default=True)  # fmt: skip
@click.option("--doc", type=click.Path(exists=True, path_type=Path), default=None,
              help="Also write the report into this Markdown file's generated block "
              "(e.g. docs/history.md).")  # fmt: skip
def diff_command(releases: tuple[Path, ...], out_dir: Path | None, dist_dir: Path,
                 doc: Path | None) -> None:  # fmt: skip
    """Compare releases OLD NEW [NEWER ...] (oldest first): changes and record history."""
    from contextlib import ExitStack

    from .compare import default_out_dir, diff_releases, embed_report, report_markdown
    from .loading import load_release

    try:
        if out_dir is None:
            with ExitStack() as stack:
                ends = [load_release(p, stack) for p in (releases[0], releases[-1])]
                versions = [r.version for r in ends]
                out_dir = default_out_dir(dist_dir, ends[-1].descriptor["name"], versions)
        result = diff_releases(list(releases), out_dir)
        if doc is not None:
            embed_report(doc, report_markdown(result))
    except Exception as exc:  # noqa: BLE001
        fail_with(str(exc))
    for pair in result.pairs:
        counts = "; ".join(
            f"{r.resource} +{r.added:,} -{r.removed:,} ~{r.changed_records:,}"
            for r in pair.resources
        )
        console.print(
            f"{pair.old_version} -> {pair.new_version}: {counts}; totals moved "
            f"{pair.totals.moved:,}"
        )
    console.print(f"[bold green]diff[/] written to {out_dir} (diff_report.md, data/changes.csv)")


@click.command("schema-lock")
@click.option("--replace", is_flag=True, help="Re-lock the current schema_version with the "
              "current fields: only for a version that was never released.")  # fmt: skip
def schema_lock_command(replace: bool) -> None:
    """Record the current schemas under datapackage.json's schema_version in the lock file."""
    from ..metadata import package_descriptor
    from .schema_guard import LOCK_PATH, SchemaGuardError, add_to_lock, current_fields

    version = package_descriptor()["schema_version"]
    try:
        added = add_to_lock(version, current_fields(), replace=replace)
    except SchemaGuardError as exc:
        fail_with(str(exc))
    state = "locked" if added else "already locked, unchanged"
    console.print(f"schema {version}: {state} in {LOCK_PATH}")


COMMANDS = [verify_command, diff_command, schema_lock_command]


def register(group: click.Group) -> None:
    """Add the release commands to the main `awards` group."""
    for command in COMMANDS:
        group.add_command(command)
