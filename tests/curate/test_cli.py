"""`awards review` and `awards companies-doc` on a small built data dir."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from ice_cbp_awards import metadata
from ice_cbp_awards.cli import main
from ice_cbp_awards.curate import build_curated
from ice_cbp_awards.curate.cli import companies_doc
from ice_cbp_awards.curate.reference import Reference
from ice_cbp_awards.paths import REFERENCE_DIR
from ice_cbp_awards.write.csv import write_csv

from .conftest import make_tx

ROWS = [
    {"recipient": "CARAHSOFT TECHNOLOGY CORP", "description": "CROWDSTRIKE LICENSE RENEWAL",
     "amount": 9000.0},
    {"recipient": "ACME DATA LLC", "description": "CLOUD HOSTING", "amount": 700.0},
    {"recipient": "DELL FEDERAL SYSTEMS L.P", "description": "MICROSOFT LICENSES", "amount": 50.0},
    {"recipient": "PALANTIR TECHNOLOGIES INC.", "description": "ICM O&M", "amount": 10.0},
]  # fmt: skip


def built_dir(tmp_path: Path, reference: Reference) -> Path:
    tx = make_tx(ROWS)
    data = tmp_path / "data"
    data.mkdir()
    write_csv(tx.assign(**{c: "" for c in metadata.resource("transactions").field_names
                           if c not in tx}), metadata.resource("transactions"),
              data / "transactions.csv")  # fmt: skip
    for name, frame in build_curated(
        tx, pd.DataFrame(), REFERENCE_DIR, reference=reference
    ).items():
        write_csv(frame, metadata.resource(name), data / f"{name}.csv")
    return data


def test_review_prints_candidates_largest_first(tmp_path: Path, reference: Reference) -> None:
    data = built_dir(tmp_path, reference)
    result = CliRunner().invoke(main, ["review", "--data-dir", str(data), "--limit", "5"],
                                env={"COLUMNS": "250"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "CARAHSOFT TECHNOLOGY CORP" in result.output
    assert result.output.index("CARAHSOFT") < result.output.index("ACME DATA LLC")
    assert "DELL FEDERAL" not in result.output  # attributed: not a candidate


def test_review_from_transactions_uses_current_rules(tmp_path: Path, reference: Reference) -> None:
    data = built_dir(tmp_path, reference)
    (data / "review_candidates.csv").unlink()
    result = CliRunner().invoke(main, ["review", "--data-dir", str(data), "--from-transactions"],
                                env={"COLUMNS": "250"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "CROWDSTRIKE LICENSE RENEWAL" in result.output


def test_review_without_build_fails_with_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["review", "--data-dir", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "review_candidates.csv: not found; run `awards build` first" in result.output


def test_companies_doc_writes_the_page(tmp_path: Path, reference: Reference) -> None:
    data = built_dir(tmp_path, reference)
    out = tmp_path / "companies.md"
    result = CliRunner().invoke(companies_doc, ["--data-dir", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    # per record, its count, including inherited, parent agreement, direct, reseller per record
    assert "| Palantir Technologies (`palantir`) |  | 10 | 1 | 10 | 0 | 10 | 0 |" in page
    assert "| Microsoft (`microsoft`) |  | 50 | 1 | 50 | 0 | 0 | 50 |" in page
