"""Benchmark the build: real default snapshot and synthetic scale-ups, beside baselines.

For each size it prints build time, the time of each validator, rows per second and peak
memory (the whole process tree, sampled), and two baselines measured in the same run:
plain pandas.read_csv of the same raw rows, and stock `frictionless validate` of the same
built package, with the build's time as a multiple of each. Also the SQLite load time next to
frictionless validation (issue: loading must not take longer than validating).

For each synthetic size it then runs the DuckDB path (scripts/duckdb_scale.py: raw rows to
Parquet, the package's transaction rules as SQL over it) and checks that its published
transactions and obligations per agency and fiscal year equal the build's.

    python scripts/benchmark.py                 # real data, 250k and 1M transactions
    python scripts/benchmark.py --sizes 0       # real data only
    python scripts/benchmark.py --sizes 1000000,2000000,4000000 --stock-frictionless-max 1000000
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from ice_cbp_awards.paths import default_raw_root  # noqa: E402

FAMILY = "usaspending-cbp-ice"


def tree_pids(root_pid: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    pids, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def tree_rss_mb(pids: list[int]) -> float:
    """The sum of the processes' resident set sizes, in MB: an upper bound of their PSS (a
    process's proportional share of a page never exceeds the page), read in microseconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE_BYTES
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e6


def tree_pss_mb(pids: list[int]) -> float:
    """Memory of the processes, in MB: the sum of their proportional set sizes (shared pages
    split between the processes sharing them, so nothing counts twice)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total / 1e6


def sample_peak(root_pid: int, peak: float) -> float:
    """The peak after one more sample of the tree's PSS. Reading a process's PSS makes the
    kernel walk its page tables (about 5 ms a process mid-build, 0.7 s of CPU in a 7 s build
    sampled every 0.2 s, taken from the build's own two cores), so it is read only when the
    tree's resident size, its upper bound, is above the peak so far: a sample skipped could
    not have raised the peak."""
    pids = tree_pids(root_pid)
    if tree_rss_mb(pids) <= peak:
        return peak
    return max(peak, tree_pss_mb(pids))


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds and peak tree memory (MB) of a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = sample_peak(proc.pid, peak)
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{out[-3000:]}")
    return time.perf_counter() - start, peak, out


def synthetic_root(raw_root: Path, target_rows: int, out: Path) -> Path:
    """A raw root whose newest usaspending-cbp-ice snapshot is scaled to about target_rows.

    Copy k of every row gets modification number '{mod}S{k}' (a new transaction of the same
    award) and, on every other copy, the PIID and award key get the suffix 'X{k}' (a new
    award), so that awards grow too (about one award per four transactions)."""
    src_manifest = list(csv.DictReader((raw_root / FAMILY / "manifest.csv").open()))
    snap = max(r["snapshot"] for r in src_manifest)
    rows = [r for r in src_manifest if r["snapshot"] == snap]
    base = sum(int(r["rows"]) for r in rows)
    copies = max(1, -(-target_rows // base))  # enough copies to reach the target
    fam = out / FAMILY
    (fam / snap).mkdir(parents=True, exist_ok=True)
    manifest = []
    for entry in rows:
        with (raw_root / FAMILY / entry["path"]).open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            data = list(reader)
        path = fam / entry["path"]
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            for k in range(copies):
                for r in data:
                    r = list(r)
                    if k:
                        r[5] = f"{r[5]}S{k}"
                        if k % 2:
                            piid, key = r[1], r[9]
                            tail = key[len("CONT_AWD_") + len(piid) :]
                            r[1] = f"{piid}X{k}"
                            r[9] = f"CONT_AWD_{r[1]}{tail}"
                    w.writerow(r)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest.append(
            {
                **entry,
                "rows": str(len(data) * copies),
                "bytes": str(path.stat().st_size),
                "sha256": digest,
            }
        )
    with (fam / "manifest.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(manifest)
    shutil.copytree(
        raw_root / "usaspending-ice-awards-fy2013-2018", out / "usaspending-ice-awards-fy2013-2018"
    )
    return out


def pandas_baseline(raw_root: Path) -> tuple[float, int]:
    import pandas as pd

    entries = list(csv.DictReader((raw_root / FAMILY / "manifest.csv").open()))
    snap = max(r["snapshot"] for r in entries)
    start, n = time.perf_counter(), 0
    for e in entries:
        if e["snapshot"] == snap:
            n += len(pd.read_csv(raw_root / FAMILY / e["path"], dtype=str))
    return time.perf_counter() - start, n


def measure(
    label: str, raw_root: Path, work: Path, stock_frictionless: bool, repeat: int = 1
) -> dict:
    """Build (and optionally stock frictionless) of one raw root, with the baselines. With
    repeat > 1 the build runs that many times and the run of median wall time is reported,
    with every run's wall time beside it (the machine's own speed moves by a quarter)."""
    py = sys.executable
    data = work / "data"
    read_s, raw_rows = pandas_baseline(raw_root)
    runs = []
    for _ in range(max(1, repeat)):
        shutil.rmtree(data, ignore_errors=True)
        build_s, build_mb, _ = run_measured(
            [
                py,
                "-m",
                "ice_cbp_awards.cli",
                "build",
                "--raw-root",
                str(raw_root),
                "--data-dir",
                str(data),
            ],
            {"AWARDS_RAW_ROOT": str(raw_root)},
        )
        report = json.loads((data / "build_report.json").read_text())
        results = json.loads((data / "validation" / "results.json").read_text())
        runs.append((build_s, build_mb, report, results))
    build_s, build_mb, report, results = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    row = {
        "label": label,
        "raw_rows": raw_rows,
        "tx_rows": report["rows"]["transactions"],
        "awards_rows": report["rows"]["awards"],
        "build_s": build_s,
        "build_runs_s": [r[0] for r in runs],
        "build_peak_mb": max(r[1] for r in runs),
        "pandas_read_csv_s": read_s,
        "timings": report["timings_seconds"],
        "validators": {v["validator"]: v["seconds"] for v in results["validators"]},
    }
    if stock_frictionless:
        code = (
            "import frictionless,sys; r=frictionless.validate(sys.argv[1]);"
            " sys.exit(0 if r.valid else 1)"
        )
        fl_s, fl_mb, _ = run_measured([py, "-c", code, str(data / "datapackage.json")])
        row.update(stock_frictionless_s=fl_s, stock_frictionless_peak_mb=fl_mb)
    return row


def build_totals(data: Path) -> list[list]:
    """Published transactions and exact obligations (cents) per agency and fiscal year of a
    built package, read from its transactions.csv."""
    import duckdb

    rows = duckdb.sql(
        "SELECT agency_acronym, fiscal_year, count(*), CAST(sum(CAST(round("
        "CAST(federal_action_obligation_usd AS DOUBLE) * 100) AS HUGEINT)) AS VARCHAR)"
        f" FROM read_csv('{data / 'transactions.csv'}', all_varchar = true)"
        " GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return [[a, int(fy), int(n), int(c)] for a, fy, n, c in rows]


def measure_duckdb(raw_root: Path, work: Path, data: Path | None) -> dict:
    """The DuckDB path over the same raw rows, in its own process (time, peak memory), and
    whether its totals equal the build's (when the build ran on them)."""
    out = work / "duckdb.json"
    secs, peak, _ = run_measured(
        [
            sys.executable,
            str(REPO / "scripts" / "duckdb_scale.py"),
            str(raw_root),
            "--work",
            str(work / "duckdb"),
            "--json",
            str(out),
        ]
    )
    result = json.loads(out.read_text())
    result.update(wall_s=secs, peak_mb=peak)
    if data is not None:
        result["totals_equal_build"] = result["totals"] == build_totals(data)
    shutil.rmtree(work / "duckdb")
    return result


def show(row: dict) -> None:
    t, v = row["timings"], row["validators"]
    db = next((s for k, s in t.items() if k.startswith("write SQLite")), None)
    print(
        f"\n== {row['label']}: {row['raw_rows']:,} raw rows -> {row['tx_rows']:,} transactions,"
        f" {row['awards_rows']:,} awards"
    )
    print(
        f"  build, validated, published : {row['build_s']:7.1f} s  "
        f"{row['raw_rows'] / row['build_s']:9,.0f} raw rows/s  peak {row['build_peak_mb']:,.0f} MB"
    )
    if len(runs := row.get("build_runs_s", [])) > 1:
        print(
            f"    median of {len(runs)} builds (each run: "
            f"{', '.join(f'{r:.1f}' for r in runs)} s); its steps below, the peak of all"
        )
    for step, secs in t.items():
        print(f"    {step:<52} {secs:7.1f} s")
    for name, secs in v.items():
        print(f"    validator {name:<42} {secs:7.1f} s")
    print(
        f"  baseline pandas.read_csv     : {row['pandas_read_csv_s']:7.1f} s  "
        f"{row['raw_rows'] / row['pandas_read_csv_s']:9,.0f} rows/s"
    )
    print(
        f"  build / pandas.read_csv      : {row['build_s'] / row['pandas_read_csv_s']:7.1f} x"
        " (same raw rows, same run)"
    )
    if "stock_frictionless_s" in row:
        total = sum(r for r in [row["tx_rows"], row["awards_rows"]])
        print(
            f"  baseline frictionless validate (stock, whole package): "
            f"{row['stock_frictionless_s']:7.1f} s  {total / row['stock_frictionless_s']:,.0f}"
            f" rows/s  peak {row['stock_frictionless_peak_mb']:,.0f} MB"
        )
        print(
            f"  build / stock frictionless   : "
            f"{row['build_s'] / row['stock_frictionless_s']:7.2f} x"
            " (same package, same run)"
        )
        if db is not None:
            verdict = "OK" if db <= row["stock_frictionless_s"] else "SLOWER"
            print(
                f"  SQLite load {db:.1f} s vs stock frictionless {row['stock_frictionless_s']:.1f}"
                f" s: {verdict}"
            )


def show_duckdb(d: dict) -> None:
    print(
        f"  DuckDB path (raw CSV -> Parquet -> SQL rules): {d['wall_s']:7.1f} s"
        f"  {d['raw_rows'] / d['wall_s']:9,.0f} raw rows/s  peak {d['peak_mb']:,.0f} MB"
        f"  ({d['raw_rows']:,} raw rows -> {d['transactions']:,} transactions,"
        f" raw Parquet {d['raw_parquet_mb']:,.0f} MB)"
    )
    for step, secs in d["seconds"].items():
        print(f"    {step:<52} {secs:7.1f} s")
    if "totals_equal_build" in d:
        verdict = "EQUAL" if d["totals_equal_build"] else "DIFFERENT"
        print(f"    totals per agency and fiscal year vs the build: {verdict}")


def sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sizes",
        type=sizes,
        nargs="*",
        default=[[250_000, 1_000_000]],
        help="synthetic transaction counts, by spaces or commas (0 for none)",
    )
    ap.add_argument("--no-stock-frictionless", action="store_true")
    ap.add_argument(
        "--stock-frictionless-max",
        type=int,
        default=None,
        help="run stock frictionless only on sizes up to this many (it takes minutes per 1M)",
    )
    ap.add_argument("--no-duckdb", action="store_true", help="leave the DuckDB path out")
    ap.add_argument(
        "--repeat-real",
        type=int,
        default=3,
        help="builds of the real snapshot, the median reported (default 3)",
    )
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    raw = default_raw_root()
    rows = []
    with tempfile.TemporaryDirectory(prefix="awards-bench-") as tmp:
        work = Path(tmp)
        rows.append(
            measure(
                "real default snapshot",
                raw,
                work / "real",
                not args.no_stock_frictionless,
                args.repeat_real,
            )
        )
        show(rows[-1])
        for size in [s for group in args.sizes for s in group if s]:
            root = synthetic_root(raw, size, work / f"raw-{size}")
            stock = not args.no_stock_frictionless and (
                args.stock_frictionless_max is None or size <= args.stock_frictionless_max
            )
            rows.append(measure(f"synthetic {size:,}", root, work / f"s{size}", stock))
            show(rows[-1])
            if not args.no_duckdb:
                rows[-1]["duckdb"] = measure_duckdb(
                    root, work / f"d{size}", work / f"s{size}" / "data"
                )
                show_duckdb(rows[-1]["duckdb"])
            shutil.rmtree(root)
            shutil.rmtree(work / f"s{size}")
            if args.json:
                args.json.write_text(json.dumps(rows, indent=2))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
