"""The orchestration on top of the layers: a release built by the build, a site compared with
a previous release. The layers below take what they need as arguments (the release layer a
build function, the publish layer the comparison tables), so imports only point down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .build import build_package
from .publish.changes_site import site_with_tables
from .release import release as release_layer
from .release.changes_tables import compare_with_previous


def make_release(snapshot: str | None = None, raw_root: Path | None = None,
                 dist_dir: Path | None = None, patch: int = 0, doi: str | None = None,
                 **kwargs: Any) -> release_layer.ReleaseResult:  # fmt: skip
    """`release.release.make_release` with the package's build (unless a test gives another)."""
    kwargs.setdefault("build", build_package)
    if dist_dir is not None:
        kwargs["dist_dir"] = dist_dir
    return release_layer.make_release(snapshot, raw_root, patch=patch, doi=doi, **kwargs)


def site_with_changes(data_dir: Path, previous: Path, out_dir: Path, verify: bool = True) -> Path:
    """A site folder in out_dir serving data_dir plus what changed since `previous` (a
    release, verified first unless verify=False, for tests of bare folders)."""
    changes, comparison = compare_with_previous(data_dir, previous, verify)
    return site_with_tables(data_dir, changes, comparison, out_dir)
