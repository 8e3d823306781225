"""Fixtures for the fetch tests: a local upstream on 127.0.0.1 and a fast, polite session."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from ice_cbp_awards.fetch.http import HttpConfig, PoliteSession

from .fakes import FakeUpstream


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    up = FakeUpstream().start()
    yield up
    up.stop()


def fast_config(**overrides: float) -> HttpConfig:
    """Real retry logic with tiny delays, so a test with retries takes milliseconds."""
    values = {
        "requests_per_second": 1000.0,
        "connect_timeout": 1.0,
        "read_timeout": 5.0,  # tests of timeouts set their own, shorter
        "max_attempts": 4,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "retry_after_max": 0.05,
    }
    values.update(overrides)
    return HttpConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_session() -> Iterator[Callable[..., PoliteSession]]:
    sessions: list[PoliteSession] = []

    def make(**kwargs: object) -> PoliteSession:
        config = kwargs.pop("config", None) or fast_config()
        session = PoliteSession(config, **kwargs)  # type: ignore[arg-type]
        sessions.append(session)
        return session

    yield make
    for s in sessions:
        s.close()


@pytest.fixture(autouse=True)
def only_local_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to somewhere other than 127.0.0.1 fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if not isinstance(address, tuple):  # a unix socket path: local by definition
            return real_connect(self, address)
        if address[0] not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"test tried to reach {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
