"""The validators' cross-field rules on small frames: the agency of a row must agree with its
award key and its PIID prefix on every row (issue 11, point 3)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from ice_cbp_awards.validate.pandera_check import piid_agrees_with_agency


def frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "award_id_piid",
            "award_agency_code",
            "awarding_sub_agency_code",
            "agency_acronym",
        ],
    )


def failing(df: pd.DataFrame) -> list[int]:
    schema = pa.DataFrameSchema(checks=[piid_agrees_with_agency()])
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return sorted(int(i) for i in exc.failure_cases["index"].dropna().unique())
    return []


GOOD = [
    ("70CTD022FR0000170", "7012", "7012", "ICE"),
    ("70B04C22F00000001", "7014", "7014", "CBP"),
    ("70RDAD21F00000001", "7012", "7012", "ICE"),  # DHS procurement office: either agency
    ("47QTCA22D003G", "4732", "7012", "ICE"),  # an award on another agency's numbering
]


def test_consistent_rows_pass() -> None:
    assert failing(frame(GOOD)) == []


@pytest.mark.parametrize(
    "row",
    [
        ("70B04C22F00000009", "7014", "7012", "ICE"),  # ICE row on a CBP key and CBP PIID
        ("70B04C22F00000009", "7012", "7012", "ICE"),  # CBP PIID on an ICE key
        ("47QTCA22D003G", "7014", "7012", "ICE"),  # ICE row on a CBP key, unknown prefix
    ],
)
def test_every_contradicting_row_fails(row: tuple[str, str, str, str]) -> None:
    assert failing(frame(GOOD + [row])) == [len(GOOD)]


def _run(checks: list[pa.Check], df: pd.DataFrame) -> list[int]:
    try:
        pa.DataFrameSchema(checks=checks).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return sorted(int(i) for i in exc.failure_cases["index"].dropna().unique())
    return []


def test_published_date_after_retrieval_fails() -> None:
    from ice_cbp_awards.validate.pandera_check import date_not_after_retrieval

    df = pd.DataFrame(
        {
            "action_date": pd.to_datetime(["2026-08-22", "2026-08-23", None]),
            "retrieved_at": ["2026-08-22T10:00:00Z"] * 3,
        }
    )
    assert _run([date_not_after_retrieval("action_date")], df) == [1]


def test_award_figures_come_with_their_source() -> None:
    from ice_cbp_awards.validate.pandera_check import award_figures_have_a_source

    df = pd.DataFrame(
        {
            "transaction_count": pd.array([2, 0, 0, 1], dtype="Int64"),
            "transactions_obligation_sum_usd": [5.0, None, 3.0, None],
            "award_summary_id": ["", "as-1", "as-2", ""],
            "summary_current_total_value_of_award_usd": [None, 9.0, None, 4.0],
            "summary_latest_action_obligation_usd": [None, 1.0, 1.0, None],
            "summary_total_obligation_usd": [None, None, None, None],
        }
    )
    # row 2: a sum without transactions; row 3: summary figures without a summary
    assert _run(award_figures_have_a_source(), df) == [2, 3]


def test_every_cross_field_rule_applies_to_the_package_itself() -> None:
    """A rule is skipped only for a table of another shape: the package's own tables have the
    columns of every rule, so none is skipped in a build."""
    from ice_cbp_awards.metadata import resources
    from ice_cbp_awards.validate.pandera_check import CROSS_FIELD, cross_field_checks

    for name, rules in CROSS_FIELD.items():
        res = resources()[name]
        for needed, _ in rules:
            assert set(needed) <= set(res.field_names), (name, needed)
        assert len(cross_field_checks(name, res.field_names)) == len(cross_field_checks(name))
