"""`awards raw archive` and `awards raw pull`: deterministic, checksummed, resumable, refusing
a bad checksum; served by a server on 127.0.0.1 that honours Range requests."""

from __future__ import annotations

import hashlib
import http.server
import os
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rawfactory import make_cbp_ice_root, tx_row

from ice_cbp_awards.rawarchive.archive import RawArchiveError, write_archive
from ice_cbp_awards.rawarchive.pull import pull


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


def raw_root(path: Path) -> Path:
    return make_cbp_ice_root(path, {2022: [tx_row(), tx_row(mod="P00001", amount="-1.5")],
                                    2023: [tx_row(date="2023-01-02")]})  # fmt: skip


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, with single-range requests answered 206; records every Range asked."""

    ranges: list[str] = []

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        rng = self.headers.get("Range")
        if not rng or not path.is_file():
            return super().do_GET()
        self.ranges.append(rng)
        data = path.read_bytes()
        start = int(rng.removeprefix("bytes=").split("-")[0])
        if start >= len(data):
            self.send_response(416)
            self.end_headers()
            return
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A server on 127.0.0.1 serving tmp_path/www; yields its base URL and folder."""
    www = tmp_path / "www"
    www.mkdir()
    RangeHandler.ranges = []
    handler = lambda *a, **k: RangeHandler(*a, directory=str(www), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # a short poll interval: shutdown() waits for one poll, half a second by default
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", www
    server.shutdown()
    server.server_close()


def test_the_archive_is_deterministic(tmp_path: Path) -> None:
    root = raw_root(tmp_path / "raw")
    first = write_archive(root, tmp_path / "a" / "raw.tar.gz")
    for p in root.rglob("*"):
        os.utime(p, (1_000_000, 1_000_000))  # other times, same content
    second = write_archive(root, tmp_path / "b" / "raw.tar.gz")
    assert first == second
    assert (tmp_path / "a" / "raw.tar.gz").read_bytes() == (
        tmp_path / "b" / "raw.tar.gz"
    ).read_bytes()
    assert (tmp_path / "a" / "raw.tar.gz.sha256").read_text() == f"{first}  raw.tar.gz\n"
    with tarfile.open(tmp_path / "a" / "raw.tar.gz") as tar:
        members = tar.getmembers()
    assert {m.mtime for m in members} == {0} and {m.uid for m in members} == {0}
    assert [m.name for m in members if m.isfile()] == sorted(tree(root))


def test_pull_downloads_verifies_and_unpacks(tmp_path: Path, served) -> None:
    url, www = served
    root = raw_root(tmp_path / "raw")
    write_archive(root, www / "raw.tar.gz")
    target = tmp_path / "clone" / "raw"
    files = pull(f"{url}/raw.tar.gz", target, say=lambda _: None)
    assert tree(target) == tree(root) and sorted(files) == sorted(tree(root))
    assert not (tmp_path / "clone" / ".raw.download").exists()


def test_pull_resumes_a_partial_download(tmp_path: Path, served) -> None:
    url, www = served
    write_archive(raw_root(tmp_path / "raw"), www / "raw.tar.gz")
    data = (www / "raw.tar.gz").read_bytes()
    target = tmp_path / "clone" / "raw"
    part = tmp_path / "clone" / ".raw.download" / "raw.tar.gz.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(data[: len(data) // 2])
    said: list[str] = []
    pull(f"{url}/raw.tar.gz", target, say=said.append)
    assert RangeHandler.ranges == [f"bytes={len(data) // 2}-"]
    assert any("resuming" in s for s in said)
    assert tree(target) == tree(tmp_path / "raw")


def test_pull_refuses_a_bad_checksum(tmp_path: Path, served) -> None:
    url, www = served
    write_archive(raw_root(tmp_path / "raw"), www / "raw.tar.gz")
    (www / "raw.tar.gz.sha256").write_text("0" * 64 + "  raw.tar.gz\n")
    target = tmp_path / "clone" / "raw"
    with pytest.raises(RawArchiveError, match="sha256 .* is not the expected 0000"):
        pull(f"{url}/raw.tar.gz", target, say=lambda _: None)
    assert not target.exists()
    assert not (tmp_path / "clone" / ".raw.download" / "raw.tar.gz.part").exists()


def test_pull_refuses_an_entry_that_leaves_the_raw_root(tmp_path: Path, served) -> None:
    url, www = served
    evil = www / "evil.tar.gz"
    (tmp_path / "x.csv").write_text("a\n")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(tmp_path / "x.csv", arcname="../outside.csv")
    digest = hashlib.sha256(evil.read_bytes()).hexdigest()
    with pytest.raises(RawArchiveError, match="would leave the raw root"):
        pull(f"{url}/evil.tar.gz", tmp_path / "clone" / "raw", sha256=digest, say=lambda _: None)
    assert not (tmp_path / "clone" / "outside.csv").exists()


def test_the_cli_archives_and_pulls(tmp_path: Path, served) -> None:
    from click.testing import CliRunner

    from ice_cbp_awards.cli import main

    url, www = served
    root = raw_root(tmp_path / "raw")
    runner = CliRunner()
    done = runner.invoke(main, ["raw", "archive", "--raw-root", str(root),
                                "--out", str(www / "raw.tar.gz")])  # fmt: skip
    assert done.exit_code == 0, done.output
    target = tmp_path / "elsewhere"
    done = runner.invoke(main, ["raw", "pull", f"{url}/raw.tar.gz", "--raw-root", str(target)])
    assert done.exit_code == 0, done.output
    assert tree(target) == tree(root)


def test_pull_if_missing_skips_a_present_raw_root_and_fills_an_empty_one(
    tmp_path: Path, served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from ice_cbp_awards.cli import main

    url, www = served
    root = raw_root(tmp_path / "raw")
    write_archive(root, www / "raw.tar.gz")
    monkeypatch.setenv("AWARDS_RAW_URL", f"{url}/raw.tar.gz")
    runner = CliRunner()
    done = runner.invoke(main, ["raw", "pull", "--if-missing", "--raw-root", str(root)])
    assert done.exit_code == 0 and RangeHandler.ranges == []
    assert "nothing to pull" in " ".join(done.output.split())
    empty = tmp_path / "new-raw"
    done = runner.invoke(main, ["raw", "pull", "--if-missing", "--raw-root", str(empty)])
    assert done.exit_code == 0, done.output
    assert tree(empty) == tree(root)
