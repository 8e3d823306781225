"""Starting a server command for a test and waiting until its home page answers: one way for
every test that needs a real `awards serve` process."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests


@contextmanager
def started_server(
    cmd: list[str],
    base: str,
    seconds: float = 60,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `cmd` until the block ends; fail the test with the server's output if it exits or
    does not answer 200 at `base`/ within `seconds`. The output goes to a file, never to a pipe
    nobody reads (a full pipe would stall the server)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)

        def output() -> str:
            out.seek(0)
            return out.read().decode("utf-8", "replace")[-3000:]

        try:
            deadline = time.monotonic() + seconds
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"the server exited: {output()}")
                try:
                    if requests.get(base + "/", timeout=1).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):
                    pass  # not listening yet, or listening while its processes start
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer within {seconds:g} s: {output()}")
                time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
