"""The polite session against a local server: retries, Retry-After, timeouts, cut bodies."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from ice_cbp_awards.fetch.http import FetchError, RateLimiter, parse_retry_after

from .conftest import fast_config
from .fakes import Fault, json_reply

PATH = "/api/echo/"


def ok(req):  # noqa: ANN001, ANN201 - tiny route handler
    return json_reply({"results": [1, 2, 3], "echo": req.body})


def test_user_agent_names_package_and_homepage(upstream, make_session):
    upstream.route("POST", PATH, ok)
    make_session().post_json(upstream.url + PATH, {"a": 1})
    agent = upstream.calls(PATH)[0].headers["User-Agent"]
    assert agent.startswith("ice-cbp-tech-awards/")
    assert "(+https://github.com/" in agent


def test_429_then_success_honours_retry_after(upstream, make_session):
    upstream.route("POST", PATH, ok)
    upstream.fault(PATH, Fault("status", status=429, retry_after="7"))
    slept: list[float] = []
    session = make_session(config=fast_config(retry_after_max=600.0), sleep=slept.append)
    answer = session.post_json(upstream.url + PATH, {"q": "x"})
    assert answer["results"] == [1, 2, 3]
    assert [c.status for c in upstream.calls(PATH)] == [429, 200]
    assert max(slept) == pytest.approx(7.0)  # waited what the server asked, not the backoff


def test_5xx_is_retried_with_growing_backoff(upstream, make_session):
    upstream.route("POST", PATH, ok)
    upstream.fault(PATH, Fault("status", status=502), Fault("status", status=503))
    slept: list[float] = []
    session = make_session(
        config=fast_config(backoff_base=1.0, backoff_max=100.0), sleep=slept.append
    )
    session.post_json(upstream.url + PATH, {})
    backoffs = [s for s in slept if s >= 0.5]
    assert len(backoffs) == 2
    assert 0.5 <= backoffs[0] <= 1.0 and 1.0 <= backoffs[1] <= 2.0  # base*2^(n-1), jittered


@pytest.mark.integration
def test_timeout_then_success(upstream, make_session):
    upstream.route("POST", PATH, ok)
    upstream.fault(PATH, Fault("stall", seconds=1.2))
    retries: list[str] = []
    session = make_session(config=fast_config(read_timeout=0.5), on_retry=retries.append)
    assert session.post_json(upstream.url + PATH, {})["results"] == [1, 2, 3]
    assert len(upstream.calls(PATH)) == 2
    assert "timed out" in retries[0]


def test_truncated_body_is_retried(upstream, make_session):
    upstream.route("POST", PATH, ok)
    upstream.fault(PATH, Fault("truncate"))
    retries: list[str] = []
    session = make_session(on_retry=retries.append)
    assert session.post_json(upstream.url + PATH, {"z": 1})["echo"] == {"z": 1}
    assert len(upstream.calls(PATH)) == 2
    assert retries and ("body" in retries[0] or "connection" in retries[0])


def test_retries_are_bounded(upstream, make_session):
    upstream.route("POST", PATH, ok)
    upstream.persistent_faults[PATH] = Fault("status", status=503)
    with pytest.raises(FetchError, match=r"failed after 4 attempts: HTTP 503"):
        make_session().post_json(upstream.url + PATH, {})
    assert len(upstream.calls(PATH)) == 4


def test_client_error_fails_at_once_with_the_api_message(upstream, make_session):
    upstream.route("POST", PATH, lambda req: json_reply({"detail": "Field 'Foo' not valid"}, 400))
    with pytest.raises(FetchError) as info:
        make_session().post_json(upstream.url + PATH, {})
    assert "HTTP 400: Field 'Foo' not valid" in str(info.value)
    assert "\n" not in str(info.value)
    assert len(upstream.calls(PATH)) == 1


def test_rate_limiter_spaces_requests():
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()
    assert slept == pytest.approx([0.25, 0.25, 0.25, 0.25])


def test_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("soon") is None


@pytest.mark.integration
def test_no_request_at_import():
    """Importing every fetch module, in a fresh interpreter whose sockets refuse, works."""
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise SystemExit('network used at import')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "import ice_cbp_awards.fetch.cli, ice_cbp_awards.fetch.usaspending\n"
        "import ice_cbp_awards.fetch.usaspending_bulk, ice_cbp_awards.fetch.fpds\n"
        "print('imported')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported"


BODY = json.dumps({"results": list(range(20))}).encode()  # 79 bytes


def body(req):  # noqa: ANN001, ANN201
    return json_reply(json.loads(BODY))


@pytest.mark.integration
def test_a_drip_fed_body_fails_within_the_total_deadline(upstream, make_session):
    """1 byte a second: every read succeeds, so only a deadline over the whole body stops it."""
    upstream.route("GET", PATH, body)
    upstream.fault(PATH, Fault("drip", seconds=1.0))
    session = make_session(config=fast_config(total_timeout=1.5, read_timeout=5.0, max_attempts=1))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        session.get_json(upstream.url + PATH)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 0.4, elapsed
    message = str(caught.value)
    assert f"GET {upstream.url}{PATH}" in message and "\n" not in message
    assert "deadline of 1.5 s passed while reading the body (" in message


@pytest.mark.integration
def test_the_deadline_is_per_attempt_and_a_later_attempt_can_succeed(upstream, make_session):
    upstream.route("GET", PATH, body)
    upstream.fault(PATH, Fault("drip", seconds=1.0))
    retries: list[str] = []
    session = make_session(config=fast_config(total_timeout=0.8), on_retry=retries.append)
    started = time.monotonic()
    assert session.get_json(upstream.url + PATH)["results"] == list(range(20))
    assert time.monotonic() - started < 0.8 + 0.5
    assert "deadline of 0.8 s passed" in retries[0]


@pytest.mark.integration
def test_a_drip_fed_download_fails_within_the_deadline(upstream, make_session, tmp_path):
    upstream.route("GET", PATH, body)
    upstream.persistent_faults[PATH] = Fault("drip", seconds=1.0)
    session = make_session(config=fast_config(download_timeout=1.0, max_attempts=2))
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"failed after 2 attempts: deadline of 1 s passed"):
        session.download(upstream.url + PATH, tmp_path / "file.zip")
    assert time.monotonic() - started < 2 * 1.0 + 0.6
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fault", [None, "unsized"])
def test_a_body_over_the_size_cap_is_refused(upstream, make_session, fault):
    upstream.route("GET", PATH, body)
    if fault:
        upstream.persistent_faults[PATH] = Fault(fault)
    session = make_session(config=fast_config(max_body_bytes=50))
    with pytest.raises(FetchError) as caught:
        session.get_json(upstream.url + PATH)
    assert str(caught.value).startswith(f"GET {upstream.url}{PATH}: the body")
    assert "more than the limit of 50 bytes" in str(caught.value)
    assert len(upstream.calls(PATH)) == 1  # not retried: it would be as large again
    assert make_session().get_json(upstream.url + PATH)["results"] == list(range(20))


def test_a_download_over_its_cap_leaves_no_file(upstream, make_session, tmp_path):
    upstream.route("GET", PATH, body)
    upstream.persistent_faults[PATH] = Fault("unsized")
    session = make_session(config=fast_config(max_download_bytes=50))
    with pytest.raises(FetchError, match="more than the limit of 50 bytes"):
        session.download(upstream.url + PATH, tmp_path / "file.zip")
    assert list(tmp_path.iterdir()) == []
    assert make_session().download(upstream.url + PATH, tmp_path / "ok.zip") == len(BODY)


@pytest.mark.integration
def test_drip_fed_headers_fail_within_the_total_deadline(upstream, make_session):
    upstream.route("GET", PATH, body)
    upstream.persistent_faults[PATH] = Fault("drip_headers", seconds=1.0)
    session = make_session(config=fast_config(total_timeout=1.5, read_timeout=5.0, max_attempts=1))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        session.get_json(upstream.url + PATH)
    assert time.monotonic() - started < 1.5 + 0.4
    assert "deadline of 1.5 s passed before the answer's headers were read" in str(caught.value)
