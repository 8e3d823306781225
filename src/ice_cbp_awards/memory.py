"""Freed memory handed back to the system between the build's steps.

Arrow's pool and the C allocator keep what a step freed, for the next allocation; at a
million transactions that is hundreds of MB the process holds, and counts, while the next
step (or a worker beside it) allocates anew."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc

import pyarrow as pa


def release_memory() -> None:
    """Collect Python's garbage, then hand back Arrow's pool's and the C allocator's free
    memory."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    libc = ctypes.util.find_library("c")
    if libc:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(libc).malloc_trim(0)
