"""Great Expectations asks about the data as a whole: the reviewed profile of fill ratios,
shares of rows and medians (reference/expected_profile.csv) warns when the data leaves it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ice_cbp_awards.metadata import resource
from ice_cbp_awards.paths import REFERENCE_DIR
from ice_cbp_awards.tables import read_text_csv
from ice_cbp_awards.validate import gx_check

PROFILE = """resource,column_name,statistic,value,min_value,max_value,rationale
transactions,naics_description,fill_ratio,,0.9,,at least 90% described
transactions,agency_acronym,share_of_rows,CBP,0.4,0.7,CBP between 40% and 70%
transactions,federal_action_obligation_usd,median,,10,100,median between 10 and 100 USD
"""


def _run(tmp_path: Path, frame: pd.DataFrame):
    path = tmp_path / "profile.csv"
    path.write_text(PROFILE, encoding="utf-8")
    return gx_check.validate_data_dir(
        tmp_path, [resource("transactions")], {"transactions": frame}, profile_path=path
    )


def _frame(cbp: int, described: int, amount: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agency_acronym": ["CBP"] * cbp + ["ICE"] * (10 - cbp),
            "naics_description": ["SOFTWARE"] * described + [None] * (10 - described),
            "federal_action_obligation_usd": [amount] * 10,
        }
    )


def test_a_profile_within_bounds_passes(tmp_path: Path) -> None:
    result = _run(tmp_path, _frame(cbp=5, described=10, amount=50.0))
    assert result.checks_run == 4 and result.findings == []


def test_each_statistic_out_of_bounds_warns(tmp_path: Path) -> None:
    result = _run(tmp_path, _frame(cbp=8, described=8, amount=500.0))
    assert result.ok  # a profile asks a reviewer to look; it does not fail the build
    checks = sorted(f.check for f in result.warnings)
    assert checks == [
        "expect_column_median_to_be_between",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_not_be_null",
    ], result.findings
    assert all(f.resource == "transactions" for f in result.warnings)


def test_the_reviewed_profile_names_published_columns_and_gives_reasons() -> None:
    profile = read_text_csv(REFERENCE_DIR / "expected_profile.csv")
    for row in profile.itertuples():
        assert row.column_name in resource(row.resource).field_names, row
        assert row.rationale, row
    assert sum(len(gx_check.profile_expectations(profile, n)) for n in profile["resource"].unique())
