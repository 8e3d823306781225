"""The validation workers' server ends at once when the build that started it has ended.

The server is multiprocessing's fork server; it imports the validators, Great Expectations and
the database loader (`workers.WORKER_MODULES`, this module last). When the build exits, the
server leaves through the interpreter's normal shutdown, which tears down every module it
imported: 1.2 s during which it still held the build's standard output and error open, so that
`awards build | tee build.log` (and any caller reading the output to its end) waited for it.
Imported by the server, this module ends it without that teardown; imported anywhere else it
does nothing. The workers forked from the server never run it: they leave through `os._exit`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys


def in_fork_server() -> bool:
    """Whether this is the fork server importing its preloaded modules (multiprocessing's
    `forkserver.main` is on the stack)."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.endswith(
            os.path.join("multiprocessing", "forkserver.py")
        ):
            return True
        frame = frame.f_back
    return False


def _end_now() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


if in_fork_server():
    atexit.register(_end_now)
