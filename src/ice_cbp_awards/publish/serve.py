"""Serve the built package with Datasette: read-only, immutable, with an inspect file.

`make_datasette` is the one place the site is configured; the `awards serve` command, the test
client tests and the load test all use it, so what is tested is what is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasette.plugins import pm

from . import plugin
from .datasette_metadata import build_metadata, release_mounts
from .datasette_site import ImmutableDatabase, Site
from .plan import PublishError, read_built_descriptor

TEMPLATES_DIR = Path(__file__).with_name("templates")

# Arbitrary SQL is allowed but stopped after sql_time_limit_ms; facets give up after
# facet_time_limit_ms rather than slow a page; no facet suggestions (each one is a query per
# column on every table page). The database is immutable, so pages can be cached by browsers.
SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    "suggest_facets": False,
    "default_cache_ttl": 3600,
    "allow_download": True,
    "allow_csv_stream": True,
    "num_sql_threads": 4,
    "default_page_size": 50,
}


@dataclass(frozen=True)
class SiteFiles:
    data_dir: Path
    package_name: str
    db_path: Path
    inspect_path: Path
    metadata_path: Path


def site_files(data_dir: Path) -> SiteFiles:
    """Where the database and its companions are in a built data dir."""
    data_dir = Path(data_dir)
    name = read_built_descriptor(data_dir)["name"]
    return SiteFiles(
        data_dir=data_dir,
        package_name=name,
        db_path=data_dir / f"{name}.db",
        inspect_path=data_dir / f"{name}.inspect.json",
        metadata_path=data_dir / "metadata.json",
    )


def inspect_database(db_path: Path) -> dict[str, Any]:
    """Table counts and hash of the immutable database, as `datasette inspect` computes them."""
    from datasette.cli import inspect_

    return asyncio.run(inspect_([str(db_path)], []))


def ensure_inspect_file(files: SiteFiles) -> dict[str, Any]:
    """The inspect data, so Datasette need not count rows on start: read from the inspect file
    beside the database, or computed and written there when missing or older than the
    database (kept in memory only when the folder is read-only, e.g. an unpacked release)."""
    if not files.db_path.is_file():
        raise PublishError(f"{files.db_path}: not found; run `awards build` first")
    path = files.inspect_path
    if path.is_file() and path.stat().st_mtime >= files.db_path.stat().st_mtime:
        data = json.loads(path.read_text(encoding="utf-8"))
        entry = data.get(files.db_path.stem, {})
        if entry.get("size") == files.db_path.stat().st_size:
            return data
    data = inspect_database(files.db_path)
    with contextlib.suppress(OSError):  # a read-only folder: keep the data in memory only
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data


def register_plugin() -> None:
    """Register the site's plugin with Datasette's plugin manager (once per process).

    Also stops Datasette's default error handler from printing a rich traceback with all
    local variables for every 400 and 404: that floods the log under load, and for a 404 that
    no view raised it fails itself ("Value for 'trace' required"), turning the 404 into a 500.
    Real errors (500) are still printed, as plain tracebacks.
    """
    # Imported here, after datasette.app: importing it first registers it half-initialised.
    importlib.import_module("datasette.handle_exception").rich = None
    if not pm.is_registered(plugin):
        pm.register(plugin, name=plugin.PLUGIN_NAME)


def make_datasette(data_dir: Path, response_cache: bool = True) -> Site:
    """The configured, read-only Datasette for the built package in data_dir.

    `response_cache` keeps rendered pages in memory (see cache.py); tests that measure or
    inspect rendering turn it off.
    """
    files = site_files(data_dir)
    inspect_data = ensure_inspect_file(files)
    register_plugin()
    metadata = build_metadata(files.data_dir)
    metadata["plugins"][plugin.PLUGIN_NAME]["response_cache"] = response_cache
    ds = Site(
        [],
        immutables=[str(files.db_path)],
        inspect_data=inspect_data,
        metadata=metadata,
        template_dir=str(TEMPLATES_DIR),
        settings=SETTINGS,
        static_mounts=release_mounts(files.data_dir),
    )
    name = files.db_path.stem
    ds.remove_database(name)
    ds.add_database(ImmutableDatabase(ds, str(files.db_path)), name=name)
    return ds


def run_server(ds: Site, host: str, port: int) -> None:
    """Serve until interrupted."""
    import uvicorn

    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
