"""Starting `awards serve` in its own process on a free loopback port, for the browser test and
the load test: one way to do it, so both measure the server the README starts."""

from __future__ import annotations

import socket
import sys
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_argv(
    data_dir: Path, port: int, cache: bool = True, workers: int | None = None
) -> list[str]:
    """The command line of `awards serve --no-build` for an already built data dir (with
    `awards serve`'s default number of processes unless `workers` is given)."""
    return [
        sys.executable,
        "-c",
        "from ice_cbp_awards.cli import main; main()",
        "serve",
        "--no-build",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        "--cache" if cache else "--no-cache",
        *(["--workers", str(workers)] if workers else []),
    ]
