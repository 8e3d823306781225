"""The server the build's workers start from, and what it imports before the first of them.

Workers start from a small server process rather than forking the build: a fork would carry
(and count) every frame of the build in each worker. The server imports what the workers run
(the validators, Great Expectations among them, and the database loader: some 4 s of imports)
once, so that each worker is a fork with nothing left to import. This module imports nothing
heavy itself, so that a command can start the server before its own imports.
"""

from __future__ import annotations

import multiprocessing

CONTEXT = multiprocessing.get_context("forkserver")
WORKER_MODULES = [
    "ice_cbp_awards.validate.frictionless_check",
    "frictionless",
    "ice_cbp_awards.validate.pandera_check",
    "ice_cbp_awards.validate.gx_check",
    "great_expectations",
    "ice_cbp_awards.publish.sqlite",
    "ice_cbp_awards.publish.datasette_metadata",
    "ice_cbp_awards.validate.server_exit",  # last: the server ends without tearing them down
]
CONTEXT.set_forkserver_preload(WORKER_MODULES)


def start_workers_early() -> None:
    """Start the workers' server now, so that its imports run on the core the build leaves
    idle while it reads, normalises and curates (one process), not when validation begins."""
    from multiprocessing import forkserver

    forkserver.ensure_running()
