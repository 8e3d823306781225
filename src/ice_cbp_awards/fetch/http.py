"""A polite HTTP session: User-Agent, timeouts, a rate limit and bounded retries with backoff.

Upstream services are shared public infrastructure: every request names the package and its
homepage, waits its turn under a requests-per-second limit, gives up after a timeout, and
retries only what can succeed on a second try (429, 5xx, timeouts, dropped connections,
truncated bodies), honouring the server's Retry-After. Everything else fails at once with one
readable line. Nothing here runs at import time.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests

from .. import __version__

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_HOMEPAGE = "https://github.com/ice-cbp-tech-awards/ice-cbp-tech-awards"


class FetchError(Exception):
    """A fetch that cannot go on; its message is one line a user can act on."""


class TransientBody(Exception):
    """A 200 response whose body is incomplete or unreadable: worth another try."""


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
        written = self._request("GET", url, stream_to=part, check_file=check).value
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
            try:
                raw = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    timeout=(cfg.connect_timeout, cfg.read_timeout),
                    stream=stream_to is not None,
                )
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
                        return self._finish(raw, decode, stream_to, check_file)
                except TransientBody as exc:
                    last_problem = f"incomplete body ({exc})"
                except (
                    requests.ConnectionError,
                    requests.Timeout,
                    requests.exceptions.ChunkedEncodingError,
                ) as exc:
                    last_problem = f"body interrupted ({_short(exc)})"
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
        check_file: Callable[[Path], None] | None = None,
    ) -> _Result:
        headers = {k.lower(): v for k, v in raw.headers.items()}
        if stream_to is not None:
            written = _stream(raw, stream_to)
            if check_file:
                check_file(stream_to)
            return _Result(Response(raw.status_code, raw.url, headers, b""), written)
        content = raw.content  # raises ChunkedEncodingError on a cut body
        expected = headers.get("content-length")
        if expected and expected.isdigit() and int(expected) != len(content):
            raise TransientBody(f"{len(content)} of {expected} bytes")
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


def _stream(raw: requests.Response, dest: Path) -> int:
    """Write a streamed body to dest, failing (transiently) on a short read."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with dest.open("wb") as fh:
        for chunk in raw.iter_content(chunk_size=1 << 16):
            fh.write(chunk)
            written += len(chunk)
    expected = raw.headers.get("Content-Length")
    if expected and expected.isdigit() and int(expected) != written:
        raise TransientBody(f"{written} of {expected} bytes")
    return written


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
