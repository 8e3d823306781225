"""Small hand-made raw roots for tests, in the layout of ../shared/raw."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

HEADER = [
    "Agency",
    "Award ID",
    "Recipient Name",
    "Federal Action Obligation",
    "Action Date",
    "Modification",
    "Product/Service Description",
    "NAICS Description",
    "Transaction Description",
    "Generated Award ID",
]


def tx_row(
    agency: str = "ICE",
    piid: str = "70CTD022FR0000170",
    amount: str = "1000.0",
    date: str = "2022-05-01",
    mod: str = "0",
    recipient: str = "PALANTIR USG INC",
    description: str = "INVESTIGATIVE CASE MANAGEMENT (ICM) O&M",
    key: str | None = None,
) -> list[str]:
    code = "7012" if agency == "ICE" else "7014"
    key = key or f"CONT_AWD_{piid}_{code}_-NONE-_-NONE-"
    return [
        agency,
        piid,
        recipient,
        amount,
        date,
        mod,
        "IT AND TELECOM - SOFTWARE",
        "SOFTWARE PUBLISHERS",
        description,
        key,
    ]


def write_csv(path: Path, header: list[str] | None, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        if header:
            w.writerow(header)
        w.writerows(rows)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_cbp_ice_root(
    root: Path,
    files: dict[int, list[list[str]]],
    snapshot: str = "2026-08-22",
    header: list[str] | None = None,
) -> Path:
    """A raw root holding one usaspending-cbp-ice snapshot: {fiscal year: rows}."""
    fam = root / "usaspending-cbp-ice"
    manifest = [
        [
            "snapshot",
            "path",
            "fiscal_year",
            "rows",
            "bytes",
            "sha256",
            "retrieved_at",
            "intermediary_commit",
        ]
    ]
    for fy, rows in sorted(files.items()):
        rel = f"{snapshot}/CBP_ICE_FY{fy}_Contract_Obligations.csv"
        write_csv(fam / rel, header or HEADER, rows)
        p = fam / rel
        manifest.append(
            [
                snapshot,
                rel,
                str(fy),
                str(len(rows)),
                str(p.stat().st_size),
                sha(p),
                f"{snapshot}T10:00:00+00:00",
                "0" * 40,
            ]
        )
    write_csv(fam / "manifest.csv", None, manifest)
    return root


def write_counts(path: Path, rows: list[tuple[str, int, int, int]]) -> Path:
    """An expected_row_counts file for usaspending-cbp-ice transactions: (agency, fy, min, max)."""
    lines = [
        [
            "resource",
            "source_family",
            "agency_acronym",
            "fiscal_year",
            "min_rows",
            "max_rows",
            "rationale",
        ]
    ]
    lines += [
        ["transactions", "usaspending-cbp-ice", a, str(fy), str(lo), str(hi), "test"]
        for a, fy, lo, hi in rows
    ]
    write_csv(path, None, lines)
    return path


def rehash(root: Path, family: str = "usaspending-cbp-ice", recount: bool = False) -> None:
    """Re-hash a family's manifest after its files were changed, as an adversary would, so that
    only the content checks stand between the change and a release. With recount, the
    manifest's row counts follow the files too."""
    fam = root / family
    with (fam / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        p = fam / row["path"]
        if not p.exists():
            continue
        row["sha256"], row["bytes"] = sha(p), str(p.stat().st_size)
        if recount and "rows" in row:
            with p.open(newline="", encoding="utf-8") as fh:
                row["rows"] = str(max(sum(1 for _ in csv.reader(fh)) - 1, 0))
    header = list(rows[0]) if rows else []
    write_csv(fam / "manifest.csv", None, [header] + [[r[c] for c in header] for r in rows])


def drop_manifest_rows(root: Path, fiscal_year: int, family: str = "usaspending-cbp-ice") -> None:
    """Remove a fiscal year's rows from a family's manifest (the file stays in the folder)."""
    fam = root / family
    with (fam / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    kept = [r for r in rows if r["fiscal_year"] != str(fiscal_year)]
    write_csv(fam / "manifest.csv", None, [header] + [[r[c] for c in header] for r in kept])


def set_manifest_column(
    root: Path, column: str, value: str, family: str = "usaspending-cbp-ice"
) -> None:
    """Set a manifest column (added when absent) on every row, e.g. a fetch's completeness."""
    fam = root / family
    with (fam / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0]) + ([column] if column not in rows[0] else [])
    for r in rows:
        r[column] = value
    write_csv(fam / "manifest.csv", None, [header] + [[r[c] for c in header] for r in rows])
