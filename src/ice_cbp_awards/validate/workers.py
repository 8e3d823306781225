"""The server the build's workers start from, and what it imports before the first of them.

Workers start from a small server process rather than forking the build: a fork would carry
(and count) every frame of the build in each worker. The server imports what the workers run
(the validators, Great Expectations among them, and the database loader: some 4 s of imports)
once, so that each worker is a fork with nothing left to import. This module imports nothing
heavy itself, so that a command can start the server before its own imports.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from ..paths import raw_input_bytes

CONTEXT = multiprocessing.get_context("forkserver")
EXPECTATIONS = "great_expectations"  # 1.6 s and 0.14 GB of the server's imports
WORKER_MODULES = [
    "ice_cbp_awards.validate.frictionless_check",
    "frictionless",
    "ice_cbp_awards.validate.pandera_check",
    "ice_cbp_awards.validate.gx_check",
    EXPECTATIONS,
    "ice_cbp_awards.publish.sqlite",
    "ice_cbp_awards.publish.datasette_metadata",
    "ice_cbp_awards.validate.server_exit",  # last: the server ends without tearing them down
]
CONTEXT.set_forkserver_preload(WORKER_MODULES)


# Raw input of this size or more (about 100,000 rows) makes a large build: it starts its
# workers' server only once its largest steps are done (build_package). A smaller build has it
# started first thing, before the command's own imports (1 s sooner on the real snapshot).
LARGE_INPUT_BYTES = 32 << 20


def large_input(raw_root: Path, snapshot: str | None, bulk_files: list[Path]) -> bool:
    """Whether a build of this raw input is large, judged from its files' size before reading
    them (paths.raw_input_bytes), the same for `awards build` and for build_package."""
    return raw_input_bytes(raw_root, snapshot, bulk_files) >= LARGE_INPUT_BYTES


def start_workers_early(expectations: bool = True) -> None:
    """Start the workers' server now, so that its imports run on the core the build leaves
    idle while it reads, normalises and curates (one process), not when validation begins.

    expectations=False leaves Great Expectations out of the server's imports: the one worker
    that runs it imports it when it begins. A large build starts the server so, once it has
    normalised its input and written the transactions (build_package): the server's memory
    is then held only beside the build's smaller steps, and 0.14 GB less of it until
    validation."""
    from multiprocessing import forkserver

    if not expectations:
        CONTEXT.set_forkserver_preload([m for m in WORKER_MODULES if m != EXPECTATIONS])
    forkserver.ensure_running()
