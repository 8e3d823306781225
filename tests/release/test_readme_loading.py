"""Every loading line of the README runs, exactly as written, in a small real release."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ice_cbp_awards.paths import REPO_ROOT

pytestmark = pytest.mark.integration  # loads a small release built end to end

SECTION = "## Load it in one line"


def readme_loading_lines(readme: Path = REPO_ROOT / "README.md") -> list[str]:
    """The lines of the Python code blocks in the README's loading section."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    blocks = re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def release_folder(small_release) -> Path:
    return small_release.folder


@pytest.fixture(scope="module")
def loaded(release_folder: Path) -> dict:
    """Run each line in the release folder, as a reader would; keep what they defined."""
    namespace: dict = {}
    here = Path.cwd()
    os.chdir(release_folder)
    try:
        for line in readme_loading_lines():
            exec(compile(line, "README.md", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(here)
    return namespace


def csv_text(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "data" / "transactions.csv", dtype=str, keep_default_na=False)


def test_the_readme_names_every_tool() -> None:
    text = "\n".join(readme_loading_lines())
    for tool in ("pd.read_parquet", "pd.read_csv", "duckdb.sql", "pl.read_parquet",
                 "Package(", "sqlite3.connect"):  # fmt: skip
        assert tool in text
    assert "dist/*" not in text  # a glob over releases counts a record once per release


def test_pandas_keeps_the_schema_types(loaded, release_folder) -> None:
    tx = loaded["tx"]
    assert len(tx) == len(csv_text(release_folder)) == 4
    assert set(tx["awarding_agency_code"]) == {"070"}
    assert str(tx["awarding_agency_code"].dtype).startswith("string")
    assert "decimal128" in str(tx["federal_action_obligation_usd"].dtype)
    assert "date32" in str(tx["action_date"].dtype)
    assert set(loaded["tx_text"]["awarding_agency_code"]) == {"070"}


def test_duckdb_reads_one_release_once(loaded, release_folder) -> None:
    text = csv_text(release_folder)
    expected = {
        agency: (
            len(part),
            sum((Decimal(v) for v in part["federal_action_obligation_usd"]), Decimal(0)),
        )  # fmt: skip
        for agency, part in text.groupby("agency_acronym")
    }
    got = {a: (n, usd) for a, n, usd in loaded["per_agency"]}
    assert got == expected
    assert expected["ICE"] == (3, Decimal("5749.75"))


def test_polars_frictionless_and_sqlite(loaded, release_folder) -> None:
    tx_pl = loaded["tx_pl"]
    assert tx_pl.height == 4 and set(tx_pl["awarding_agency_code"]) == {"070"}
    package = loaded["package"]
    assert "transactions" in package.resource_names
    assert (
        package.get_resource("transactions").schema.get_field("awarding_agency_code").type
        == "string"
    )
    db = loaded["db"]
    assert db.execute("select count(*) from transactions").fetchone() == (4,)
    assert {r[0] for r in db.execute("select awarding_agency_code from transactions")} == {"070"}
