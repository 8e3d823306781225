"""`awards release`: build a snapshot, then freeze it as a release (release/release.py). A
command on top of the layers: the build is given to the release layer, never imported by it."""

from __future__ import annotations

from pathlib import Path

import click

from ..paths import DEFAULT_DIST_DIR
from ..terminal import console, fail_with


@click.command("release")
@click.option("--snapshot", default=None, help="usaspending-cbp-ice snapshot, YYYY-MM-DD "
              "(default: newest).")  # fmt: skip
@click.option("--raw-root", type=click.Path(path_type=Path), default=None,
              help="Raw snapshots folder (default $AWARDS_RAW_ROOT or ../shared/raw).")  # fmt: skip
@click.option("--dist", "dist_dir", type=click.Path(path_type=Path), default=DEFAULT_DIST_DIR,
              show_default=True, help="Where release folders and zips are written.")  # fmt: skip
@click.option(
    "--patch",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Re-release number of the same snapshot (2026.8.22.1 is patch 1).",
)
@click.option("--doi", default=None, help="DOI of this version (e.g. 10.5281/zenodo.1234567), "
              "written into CITATION.cff, .zenodo.json and datapackage.json.")  # fmt: skip
@click.option(
    "--update-root-citation",
    is_flag=True,
    help="Copy the release's CITATION.cff and .zenodo.json to the repository root.",
)
@click.option("--previous-release", "previous", type=click.Path(exists=True, path_type=Path),
              default=None, help="The previous release (zip or folder), verified first: the "
              "release then carries what changed since it in changes/, which `awards serve` "
              "shows.")  # fmt: skip
def release_command(snapshot: str | None, raw_root: Path | None, dist_dir: Path, patch: int,
                    doi: str | None, update_root_citation: bool,
                    previous: Path | None) -> None:  # fmt: skip
    """Build a snapshot and freeze it as an immutable, verifiable release in DIST."""
    import shutil

    from ..paths import REPO_ROOT
    from ..pipeline import make_release

    try:
        result = make_release(snapshot, raw_root, dist_dir, patch, doi, previous=previous)
    except Exception as exc:  # noqa: BLE001 - one readable line for every failure
        fail_with(str(exc))
    if update_root_citation:
        for name in ("CITATION.cff", ".zenodo.json"):
            shutil.copyfile(result.folder / name, REPO_ROOT / name)
    state = "written" if result.written else "unchanged (identical release already there)"
    console.print(f"[bold green]release[/] {result.name}: {state}")
    console.print(f"  folder {result.folder}")
    console.print(f"  zip    {result.zip_path}")
    console.print(f"  release digest {result.release_digest} (publish it beside the citation)")
