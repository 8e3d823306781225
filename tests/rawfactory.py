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
