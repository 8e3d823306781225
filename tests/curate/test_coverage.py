"""The direction of a slice's bias, and of a figure drawing on several slices."""

from __future__ import annotations

import pandas as pd
import pytest

from ice_cbp_awards.curate.coverage import figure_bias, truncated_slices
from ice_cbp_awards.transform.report import bias_of_flags


@pytest.mark.parametrize(
    ("flags", "bias"),
    [
        ("", "minimum"),
        ("partial_fiscal_year", "minimum"),
        ("suspected_truncation", "upper_bound_truncated_slice"),
        ("partial_fiscal_year; suspected_truncation", "mixed"),
        ("partial_fiscal_year; latest_action_only", "not_transactions"),
        ("unknown_agency_rows", "minimum"),
    ],
)
def test_bias_of_flags(flags: str, bias: str) -> None:
    assert bias_of_flags(flags) == bias


def test_figure_bias() -> None:
    assert figure_bias(["", ""]) == ("minimum", "")
    assert figure_bias(["a ICE", "a ICE"]) == ("upper_bound_truncated_slice", "a ICE")
    assert figure_bias(["b CBP", "", "a ICE"]) == ("mixed", "a ICE ; b CBP")
    assert figure_bias([]) == ("minimum", "")


def test_truncated_slices_per_transaction() -> None:
    tx = pd.DataFrame(
        {
            "source_id": ["s/fy22", "s/fy22", "s/fy23", "s/fy22"],
            "agency_acronym": ["ICE", "CBP", "ICE", "ICE"],
            "fiscal_year": [2022, 2022, 2023, 2023],
        }
    )
    report = pd.DataFrame(
        {
            "source_id": ["s/fy22", "s/fy22", "s/fy23"],
            "agency_acronym": ["ICE", "CBP", "ICE"],
            "fiscal_year": [2022, 2022, 2023],
            "coverage_flags": ["suspected_truncation", "", "partial_fiscal_year"],
        }
    )
    assert truncated_slices(tx, report).tolist() == ["s/fy22 ICE", "", "", ""]
    assert truncated_slices(tx, None).tolist() == ["", "", "", ""]


def test_truncated_slices_match_all_three_keys_of_each_flagged_slice() -> None:
    """Every flagged slice labels exactly its rows: same source, agency and fiscal year; a
    missing agency matches no slice."""
    tx = pd.DataFrame(
        {
            "source_id": ["a", "a", "b", "b", "a", "b"],
            "agency_acronym": pd.array(["ICE", "CBP", "CBP", None, "ICE", "CBP"], dtype="str"),
            "fiscal_year": [2021, 2021, 2021, 2021, 2022, 2022],
        }
    )
    report = pd.DataFrame(
        {
            "source_id": ["a", "b", "b", "a"],
            "agency_acronym": ["ICE", "CBP", "ICE", "CBP"],
            "fiscal_year": ["2021", "2021", "2021", "2022"],
            "coverage_flags": ["suspected_truncation"] * 3 + [""],
        }
    )
    assert truncated_slices(tx, report).tolist() == ["a ICE", "", "b CBP", "", "", ""]
