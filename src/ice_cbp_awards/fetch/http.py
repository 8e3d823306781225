"""A polite HTTP session: User-Agent, timeouts, a rate limit and bounded retries with backoff.

Upstream services are shared public infrastructure: every request names the package and its
homepage, waits its turn under a requests-per-second limit, gives up after a timeout, and
retries only what can succeed on a second try (429, 5xx, timeouts, dropped connections,
truncated bodies), honouring the server's Retry-After. Everything else fails at once with one
readable line. Nothing here runs at import time.

A read timeout alone bounds each wait, not a request: a server that sends one byte a second
never trips it. So every attempt also has a total deadline over the headers and the whole
body (`total_timeout` for an answer held in memory, `download_timeout` for a file): until the
headers are in, a watchdog shuts the connection's socket down at the deadline; the body is
then read one receive at a time with the socket's timeout cut to what is left. A body larger
than `max_body_bytes` (in memory) or `max_download_bytes` (to a file) is refused, not read
to the end.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests
import requests.adapters
import urllib3

from .. import __version__

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_HOMEPAGE = "https://github.com/ice-cbp-tech-awards/ice-cbp-tech-awards"


class FetchError(Exception):
    """A fetch that cannot go on; its message is one line a user can act on."""


class TransientBody(Exception):
    """A 200 response whose body is incomplete or unreadable: worth another try."""


class DeadlinePassed(TransientBody):
    """An attempt that outlived its total deadline (a stalled or drip-fed answer)."""


def user_agent() -> str:
    """`ice-cbp-tech-awards/<version> (+<homepage>)`, the homepage read from datapackage.json."""
    homepage = DEFAULT_HOMEPAGE
    try:
        from ..metadata import package_descriptor

        homepage = package_descriptor().get("homepage") or homepage
    except (OSError, ValueError, KeyError):
        pass
    return f"ice-cbp-tech-awards/{__version__} (+{homepage})"


@dataclass
class HttpConfig:
    """Network discipline, all configurable (tests use tiny delays)."""

    requests_per_second: float = 2.0
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_attempts: int = 6
    total_timeout: float = 600.0  # one attempt at an answer held in memory, body included
    download_timeout: float = 6 * 3600.0  # one attempt at a download (files of gigabytes)
    max_body_bytes: int = 256 * 1024 * 1024  # an answer held in memory (JSON, XML)
    max_download_bytes: int = 20 * 1024 * 1024 * 1024  # a file written to disk
    backoff_base: float = 1.0
    backoff_max: float = 120.0
    retry_after_max: float = 600.0
    user_agent: str = field(default_factory=user_agent)


@dataclass
class Response:
    """What a caller needs from a finished request."""

    status: int
    url: str
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content.decode("utf-8"))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class RateLimiter:
    """At most `rate` request starts per second, across threads."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            if now < self._next:
                self.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


_CURRENT = threading.local()  # the attempt being made on this thread (see _HeaderWatchdog)


class _HeaderWatchdog:
    """Shuts the socket of one attempt down at its deadline while its headers are awaited.

    A blocked receive cannot be interrupted otherwise: a read timeout restarts with every
    byte. The connection pools below tell the attempt on their thread which connection it got.
    """

    def __init__(self, seconds: float) -> None:
        self.connection: Any = None
        self.fired = False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def __enter__(self) -> _HeaderWatchdog:
        _CURRENT.watchdog = self
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        _CURRENT.watchdog = None

    def _fire(self) -> None:
        self.fired = True
        sock = getattr(self.connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _tell_watchdog(conn: Any) -> Any:
    watchdog = getattr(_CURRENT, "watchdog", None)
    if watchdog is not None:
        watchdog.connection = conn
    return conn


class _HTTPPool(urllib3.HTTPConnectionPool):
    def _get_conn(self, timeout: float | None = None) -> Any:
        return _tell_watchdog(super()._get_conn(timeout))


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    def _get_conn(self, timeout: float | None = None) -> Any:
        return _tell_watchdog(super()._get_conn(timeout))


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with connection pools that report their connections to the watchdog."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class PoliteSession:
    """requests.Session with the package's User-Agent, rate limit, timeouts and retries."""

    def __init__(
        self,
        config: HttpConfig | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config or HttpConfig()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.on_retry = on_retry
        self.limiter = RateLimiter(self.config.requests_per_second, sleep=sleep)
        self.session = requests.Session()
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, _WatchedAdapter())
        self.session.headers["User-Agent"] = self.config.user_agent
        self.requests_sent = 0

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public verbs -------------------------------------------------------------------

    def post_json(self, url: str, body: dict[str, Any]) -> Any:
        """POST a JSON body and return the decoded JSON answer (retrying truncated ones)."""
        return self._request("POST", url, json_body=body, decode=_decode_json).value

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return self._request("GET", url, params=params, decode=_decode_json).value

    def get_decoded(
        self,
        url: str,
        decode: Callable[[bytes], Any],
        params: dict[str, Any] | None = None,
    ) -> Any:
        """GET a body and decode it; `decode` raises TransientBody on an incomplete one."""
        return self._request("GET", url, params=params, decode=decode).value

    def download(self, url: str, dest: Path, check: Callable[[Path], None] | None = None) -> int:
        """Stream a (large) file to dest via a .part file; returns its size in bytes.

        `check` looks at the finished .part file and raises TransientBody when it is
        damaged (e.g. a zip whose central directory is missing): the download is retried.
        """
        part = dest.with_name(dest.name + ".part")
        try:
            written = self._request("GET", url, stream_to=part, check_file=check).value
        except FetchError:
            part.unlink(missing_ok=True)
            raise
        part.replace(dest)
        return int(written)

    # -- machinery ----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
        decode: Callable[[bytes], Any] | None = None,
        stream_to: Path | None = None,
        check_file: Callable[[Path], None] | None = None,
    ) -> _Result:
        cfg = self.config
        last_problem = ""
        for attempt in range(1, cfg.max_attempts + 1):
            self.limiter.wait()
            self.requests_sent += 1
            wait: float | None = None
            budget = cfg.download_timeout if stream_to is not None else cfg.total_timeout
            deadline = time.monotonic() + budget
            raw = None
            try:
                with _HeaderWatchdog(budget) as watchdog:
                    try:
                        raw = self.session.request(
                            method,
                            url,
                            params=params,
                            json=json_body,
                            timeout=(cfg.connect_timeout, min(cfg.read_timeout, budget)),
                            stream=True,
                        )
                    finally:
                        if watchdog.fired:  # whatever the request made of a dead socket
                            if raw is not None:
                                raw.close()
                            raise DeadlinePassed(
                                f"deadline of {budget:g} s passed before the answer's headers "
                                "were read"
                            )
            except DeadlinePassed as exc:
                last_problem = str(exc)
            except requests.Timeout:
                last_problem = "timed out"
            except requests.exceptions.ChunkedEncodingError as exc:
                last_problem = f"body interrupted ({_short(exc)})"
            except requests.ConnectionError as exc:
                last_problem = f"connection failed ({_reason(exc)})"
            else:
                try:
                    if raw.status_code in RETRY_STATUSES:
                        last_problem = f"HTTP {raw.status_code}"
                        wait = parse_retry_after(raw.headers.get("Retry-After"))
                        raw.close()
                    elif raw.status_code >= 400:
                        detail = _error_detail(raw)
                        raise FetchError(
                            f"{method} {url} answered HTTP {raw.status_code}"
                            + (f": {detail}" if detail else "")
                        )
                    else:
                        body = _Body(method, url, deadline, budget, cfg)
                        return self._finish(raw, decode, stream_to, check_file, body)
                except DeadlinePassed as exc:
                    last_problem = str(exc)
                except TransientBody as exc:
                    last_problem = f"incomplete body ({exc})"
                except (
                    requests.ConnectionError,
                    requests.Timeout,
                    requests.exceptions.ChunkedEncodingError,
                ) as exc:
                    last_problem = f"body interrupted ({_short(exc)})"
                finally:
                    raw.close()
            if attempt == cfg.max_attempts:
                break
            delay = self._backoff(attempt)
            if wait is not None:
                delay = max(delay, min(wait, cfg.retry_after_max))
            if self.on_retry:
                self.on_retry(
                    f"{method} {url}: {last_problem}; retry {attempt}/{cfg.max_attempts - 1}"
                    f" in {delay:.2f}s"
                )
            self.sleep(delay)
        raise FetchError(f"{method} {url} failed after {cfg.max_attempts} attempts: {last_problem}")

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: base * 2^(attempt-1), scaled by 0.5..1.0."""
        cfg = self.config
        ceiling = min(cfg.backoff_max, cfg.backoff_base * (2 ** (attempt - 1)))
        return ceiling * (0.5 + 0.5 * self.rng.random())

    def _finish(
        self,
        raw: requests.Response,
        decode: Callable[[bytes], Any] | None,
        stream_to: Path | None,
        check_file: Callable[[Path], None] | None,
        body: _Body,
    ) -> _Result:
        headers = {k.lower(): v for k, v in raw.headers.items()}
        if stream_to is not None:
            written = _stream(raw, stream_to, body)
            if check_file:
                check_file(stream_to)
            return _Result(Response(raw.status_code, raw.url, headers, b""), written)
        buffer = bytearray()
        body.read(raw, buffer.extend, self.config.max_body_bytes, "max_body_bytes")
        content = bytes(buffer)
        value = decode(content) if decode else None
        return _Result(Response(raw.status_code, raw.url, headers, content), value)


@dataclass
class _Result:
    response: Response
    value: Any


def _decode_json(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransientBody(f"not valid JSON: {exc.msg if hasattr(exc, 'msg') else exc}") from exc


def _stream(raw: requests.Response, dest: Path, body: _Body) -> int:
    """Write a streamed body to dest, failing (transiently) on a short read."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as fh:
        return body.read(raw, fh.write, body.config.max_download_bytes, "max_download_bytes")


@dataclass
class _Body:
    """Reads one answer's body under its attempt's deadline and a size limit."""

    method: str
    url: str
    deadline: float
    budget: float  # seconds the attempt was given, for the message
    config: HttpConfig

    def _where(self) -> str:
        return f"{self.method} {self.url}"

    def _passed(self, got: int) -> DeadlinePassed:
        return DeadlinePassed(
            f"deadline of {self.budget:g} s passed while reading the body ({got} bytes read)"
        )

    def _too_large(self, size: int | str, setting: str, limit: int) -> FetchError:
        return FetchError(
            f"{self._where()}: the body is {size} bytes, more than the limit of {limit} bytes "
            f"({setting}); refused"
        )

    def read(self, raw: requests.Response, sink: Callable[[bytes], Any], limit: int,
             setting: str) -> int:  # fmt: skip
        """Feed the body to sink one receive at a time; returns the bytes read.

        Each receive may wait only until the deadline, so a drip-fed body ends there; a body
        that is (or declares itself) over `limit` is refused; a short one is transient.
        """
        declared = raw.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(declared, setting, limit)
        got = 0
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise self._passed(got)
            _set_read_timeout(raw, min(self.config.read_timeout, left))
            try:
                chunk = raw.raw.read1(1 << 16, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError:
                if time.monotonic() >= self.deadline:
                    raise self._passed(got) from None
                raise requests.Timeout(f"read timed out after {got} bytes") from None
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
                raise TransientBody(f"body interrupted after {got} bytes: {_short(exc)}") from None
            if not chunk:
                break
            got += len(chunk)
            if got > limit:
                raise self._too_large(f"over {limit}", setting, limit)
            sink(chunk)
        wire = raw.raw.tell()  # bytes on the wire: Content-Length counts those, not decoded ones
        if declared.isdigit() and int(declared) != wire:
            raise TransientBody(f"{wire} of {declared} bytes")
        return got


def _set_read_timeout(raw: requests.Response, seconds: float) -> None:
    """Cut the socket's timeout for the next receive (urllib3 keeps the socket on the
    connection while a streamed body is read)."""
    connection = getattr(raw.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def _error_detail(raw: requests.Response) -> str:
    """The API's own message for a refused request, shortened to one line."""
    try:
        payload = raw.json()
    except ValueError:
        return _short(raw.text)
    if isinstance(payload, dict):
        for key in ("detail", "message", "messages", "error"):
            if payload.get(key):
                return _short(str(payload[key]))
    return _short(json.dumps(payload))


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def _reason(exc: Exception) -> str:
    """The operating system's words for a failed connection ("Connection refused"), if any."""
    found = _ERRNO.search(str(exc))
    return found.group(1).strip() if found else _short(exc, 120)


def _short(value: object, limit: int = 200) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
