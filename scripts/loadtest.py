#!/usr/bin/env python
"""Load test of the Datasette site: throughput and p50/p95/p99 latency per page kind at 1, 10
and 50 clients.

Starts `awards serve --no-build` on a free loopback port (or uses --url, which must be
loopback), then, for each concurrency level, runs that many clients, each with one keep-alive
connection, over the home and database pages, the site's canned queries (with their example
parameters) and its table pages (HTML and JSON, plain, filtered, faceted and searched). Each
level stops at --max-requests or --max-seconds, whichever comes first. Before the levels, one
request per URL measures the cold cost (nothing cached yet) when the script started the
server itself.

Page kinds: home (`/` and the database page), table (a table page with its facets, plain or
filtered), canned (a canned query's page), search (full-text search), json (any JSON page).

    python scripts/loadtest.py --data-dir data
    python scripts/loadtest.py --data-dir data --no-cache --clients 10 --max-p95-ms 100
    python scripts/loadtest.py --url http://127.0.0.1:8001 --clients 1,10 --max-seconds 10

Prints a Markdown table for docs/datasette.md; --json writes the figures too. Exits 1 if any
request failed, or if --max-p95-ms is given and the 10-client p95 of any kind is above it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from ice_cbp_awards.publish.local import free_port, serve_argv

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


KINDS = ("home", "table", "canned", "search", "json")


@dataclass
class Target:
    kind: str  # one of KINDS
    path: str


def page_kind(path: str, canned: bool) -> str:
    """The kind a URL is counted under: search first, then JSON, then by what it shows."""
    if "_search=" in path or "/search_" in path:
        return "search"
    if ".json" in path.split("?")[0]:
        return "json"
    return "canned" if canned else "table"


@dataclass
class Result:
    label: str
    clients: int
    seconds: float
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    heavy_statuses: dict[int, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies_ms.values())


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, int]:
    conn.request("GET", path, headers={"Accept-Encoding": "identity"})
    resp = conn.getresponse()
    body = resp.read()
    return resp.status, len(body)


def get_json(host: str, port: int, path: str) -> object:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", path)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise SystemExit(f"GET {path}: HTTP {resp.status}")
    return json.loads(data)


def targets(host: str, port: int) -> list[Target]:
    """The canned queries the site publishes and its table pages, with realistic parameters."""
    from ice_cbp_awards.publish.queries import load_queries

    [db] = [d["name"] for d in get_json(host, port, "/-/databases.json")]
    info = get_json(host, port, f"/{db}.json")
    examples = load_queries()
    out = [Target("home", "/"), Target("home", f"/{db}")]
    for q in info["queries"]:
        params = urlencode(examples.get(q["name"], {}).get("example", {}))
        for path in (
            f"/{db}/{q['name']}?{params}",
            f"/{db}/{q['name']}.json?{params}&_shape=array",
        ):
            out.append(Target(page_kind(path, canned=True), path))
    for t in info["tables"]:
        if t["hidden"]:
            continue
        for path in (f"/{db}/{t['name']}", f"/{db}/{t['name']}.json?_size=50"):
            out.append(Target(page_kind(path, canned=False), path))
    tables = {t["name"] for t in info["tables"]}
    if "transactions" in tables:
        for path in (
            f"/{db}/transactions?agency_acronym=ICE&fiscal_year=2025",
            f"/{db}/transactions?_search=investigative+case+management",
            f"/{db}/transactions.json?_search=palantir&_shape=array",
            f"/{db}/transactions.json?_facet=recipient_name&agency_acronym=CBP",
        ):
            out.append(Target(page_kind(path, canned=False), path))
    return out


def run_level(
    host: str,
    port: int,
    urls: list[Target],
    clients: int,
    max_requests: int,
    max_seconds: float,
    label: str,
    heavy_sql: str | None = None,
    heavy_clients: int = 0,
) -> Result:
    """`clients` threads, each on its own connection, until the request or time budget ends;
    meanwhile `heavy_clients` more threads send the query `heavy_sql` again and again (their
    answers are counted by status, not timed: they are the load, not the measure)."""
    result = Result(label, clients, 0.0, {k: [] for k in KINDS})
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + max_seconds

    def client(offset: int) -> None:
        nonlocal issued
        conn = http.client.HTTPConnection(host, port, timeout=30)
        i = offset
        while True:
            with lock:
                if issued >= max_requests or time.monotonic() >= deadline:
                    break
                issued += 1
            target = urls[i % len(urls)]
            i += 1
            start = time.perf_counter()
            try:
                status, _ = get(conn, target.path)
            except (OSError, http.client.HTTPException) as exc:
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                error = f"{target.path}: {exc}"
            else:
                error = f"{target.path}: HTTP {status}" if status != 200 else ""
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                result.latencies_ms[target.kind].append(elapsed)
                if error:
                    result.errors.append(error)
        conn.close()

    def heavy() -> None:
        while time.monotonic() < deadline and issued < max_requests:
            conn = http.client.HTTPConnection(host, port, timeout=60)
            try:
                status, _ = get(conn, str(heavy_sql))
            except (OSError, http.client.HTTPException):
                status = 0
            conn.close()
            with lock:
                result.heavy_statuses[status] = result.heavy_statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(clients)]
    if heavy_sql:
        threads += [threading.Thread(target=heavy) for _ in range(heavy_clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - start
    return result


def heavy_sql_path(urls: list[Target]) -> str:
    """A query that counts without end, so that only the server's time limit stops it."""
    db = urls[1].path.strip("/")
    sql = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    return f"/{db}.json?" + urlencode({"sql": sql})


def cold_pass(host: str, port: int, urls: list[Target]) -> Result:
    """One request per URL, one at a time: the cost before anything is cached."""
    return run_level(host, port, urls, 1, len(urls), 600, "cold (first request per URL)")


def summary(r: Result) -> dict[str, object]:
    every = [v for values in r.latencies_ms.values() for v in values]
    row: dict[str, object] = {
        "run": r.label,
        "clients": r.clients,
        "requests": r.count,
        "errors": len(r.errors),
        "seconds": round(r.seconds, 2),
        "throughput_rps": round(r.count / r.seconds, 1) if r.seconds else 0.0,
        "heavy_sql_statuses": {str(k): v for k, v in sorted(r.heavy_statuses.items())},
    }
    for name, values in (("all", every), *((k, r.latencies_ms[k]) for k in KINDS)):
        row[f"{name}_requests"] = len(values)
        for p in (50, 95, 99):
            row[f"{name}_p{p}_ms"] = round(percentile(values, p), 1)
    return row


def markdown(rows: list[dict[str, object]]) -> str:
    """One line per run; each page kind as `p50 / p95` in ms."""
    kinds = ("all", *KINDS)
    head = "| run | clients | requests | errors | req/s | server CPU ms/req | " + " | ".join(
        f"{k} p50 / p95 ms" for k in kinds
    )
    lines = [head + " |", "|" + "---|" * (6 + len(kinds))]
    for r in rows:
        cells = " | ".join(f"{r[f'{k}_p50_ms']} / {r[f'{k}_p95_ms']}" for k in kinds)
        lines.append(
            f"| {r['run']} | {r['clients']} | {r['requests']} | {r['errors']} | "
            f"{r['throughput_rps']} | {r.get('server_cpu_ms_per_request', '')} | {cells} |"
        )
    return "\n".join(lines)


def process_tree(pid: int) -> list[int]:
    """pid and every process below it (the server's worker processes), from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def server_cpu_seconds(proc: subprocess.Popen | None) -> float | None:
    """CPU time the server has used (user + system, its worker processes included), from
    /proc: divided by the requests served, the cost of a request whatever else the machine
    was doing. Only processes alive at both readings count: a worker does not end mid-run."""
    if proc is None:
        return None
    total = 0.0
    for pid in process_tree(proc.pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def start_server(
    data_dir: Path, cache: bool, workers: int | None = None
) -> tuple[subprocess.Popen, str, int]:
    port = free_port()
    cmd = serve_argv(data_dir, port, cache, workers)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"awards serve exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, "127.0.0.1", port
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("awards serve did not start within 60 s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=Path("data"),
        help="Built data dir to serve (when --url is not given).",
    )
    ap.add_argument("--url", help="A running site to test; must be a loopback address.")
    ap.add_argument("--clients", default="1,10,50", help="Concurrency levels, comma separated.")
    ap.add_argument("--max-requests", type=int, default=3000, help="Per level.")
    ap.add_argument("--max-seconds", type=float, default=20.0, help="Per level.")
    ap.add_argument(
        "--no-cache",
        action="store_true",
        help="Start the server with its response cache off (every request renders).",
    )
    ap.add_argument(
        "--workers",
        type=int,
        help="Server processes (default: what `awards serve` starts, one per CPU core).",
    )
    ap.add_argument(
        "--heavy-sql-clients",
        type=int,
        default=0,
        help="Also run this many clients sending a query that runs until the time limit.",
    )
    ap.add_argument("--json", type=Path, help="Also write the figures to this file.")
    ap.add_argument("--max-p95-ms", type=float, help="Fail if the 10-client p95 is above it.")
    args = ap.parse_args(argv)

    proc = None
    if args.url:
        parts = urlsplit(args.url)
        if parts.hostname not in LOOPBACK:
            ap.error(f"--url must be a loopback address ({', '.join(sorted(LOOPBACK))})")
        host, port = parts.hostname, parts.port or 80
    else:
        proc, host, port = start_server(args.data_dir, not args.no_cache, args.workers)
    try:
        urls = targets(host, port)
        rows = []
        if proc is not None:
            rows.append(summary(cold_pass(host, port, urls)))
        for clients in (int(c) for c in args.clients.split(",")):
            cpu = server_cpu_seconds(proc)
            r = run_level(
                host,
                port,
                urls,
                clients,
                args.max_requests,
                args.max_seconds,
                f"{clients} client{'s' if clients > 1 else ''}"
                + (f" + {args.heavy_sql_clients} heavy SQL" if args.heavy_sql_clients else ""),
                heavy_sql=heavy_sql_path(urls),
                heavy_clients=args.heavy_sql_clients,
            )
            rows.append(summary(r))
            if cpu is not None and r.count:
                used = server_cpu_seconds(proc) - cpu  # type: ignore[operator]
                rows[-1]["server_cpu_ms_per_request"] = round(used * 1000 / r.count, 1)
            if r.heavy_statuses:
                print(f"{r.label}: heavy SQL answers by status {r.heavy_statuses}")
            for e in r.errors[:5]:
                print(f"error: {e}", file=sys.stderr)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
    counts = ", ".join(f"{sum(u.kind == k for u in urls)} {k}" for k in KINDS)
    print(f"{len(urls)} URLs: {counts}")
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    failed = any(r["errors"] for r in rows)
    if args.max_p95_ms is not None:
        ten = [r for r in rows if r["clients"] == 10 and not str(r["run"]).startswith("cold")]
        for kind in KINDS if ten else ():
            if float(ten[0][f"{kind}_p95_ms"]) > args.max_p95_ms:
                print(
                    f"{kind} p95 at 10 clients is {ten[0][f'{kind}_p95_ms']} ms,"
                    f" above {args.max_p95_ms} ms",
                    file=sys.stderr,
                )
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
