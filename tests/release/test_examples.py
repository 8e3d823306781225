"""The loading examples in examples/ run against a release and give the same numbers."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from ice_cbp_awards.paths import REPO_ROOT

EXAMPLES = REPO_ROOT / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def agency_totals(release: Path) -> dict[str, tuple[int, Decimal]]:
    """The reference numbers, straight from the CSV text."""
    tx = pd.read_csv(release / "data" / "transactions.csv", dtype=str, keep_default_na=False)
    out = {}
    for agency, part in tx.groupby("agency_acronym"):
        total = sum((Decimal(v) for v in part["federal_action_obligation_usd"]), Decimal(0))
        out[agency] = (len(part), total.quantize(Decimal("0.01")))
    return out


def check_examples(release: Path) -> None:
    expected = agency_totals(release)
    duck = load("load_duckdb").main(release)
    assert {a: (n, s) for a, n, s in duck} == expected  # exact DECIMAL sums
    polars_rows = load("load_polars").main(release)
    assert {a: (n, s) for a, n, s in polars_rows} == expected  # exact Decimal sums
    lite = load("load_sqlite").main(release)
    assert {a: (n, Decimal(str(s)).quantize(Decimal("0.01"))) for a, n, s in lite} == expected
    tx = load("load_pandas").main(release)
    assert str(tx["federal_action_obligation_usd"].dtype) == "float64"
    assert str(tx["action_date"].dtype).startswith("datetime64")
    assert str(tx["retrieved_at"].dtype).startswith("datetime64") and "UTC" in str(
        tx["retrieved_at"].dtype
    )
    assert str(tx["raw_line_number"].dtype) == "Int64"
    sums = tx.groupby("agency_acronym")["federal_action_obligation_usd"].sum().round(2)
    assert {a: (int((tx["agency_acronym"] == a).sum()), Decimal(str(v)).quantize(Decimal("0.01")))
            for a, v in sums.items()} == expected  # fmt: skip
    rows = load("load_frictionless").main(release)
    sources = pd.read_csv(release / "data" / "sources.csv", dtype=str, keep_default_na=False)
    assert [r["source_id"] for r in rows] == sources["source_id"].head(5).tolist()


def test_examples_on_a_fake_release(fake_release) -> None:
    check_examples(fake_release().folder)


@pytest.mark.integration
def test_examples_run_as_scripts(fake_release) -> None:
    folder = fake_release().folder
    for name in ("load_pandas", "load_duckdb", "load_polars", "load_frictionless", "load_sqlite"):
        done = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), str(folder)],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip()


@pytest.mark.slow
def test_examples_on_the_real_release(real_releases) -> None:
    check_examples(real_releases["2026-08-22"].folder)
