"""The validators' cross-field rules on small frames: the agency of a row must agree with its
award key and its PIID prefix on every row (issue 11, point 3)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from ice_cbp_awards.validate.pandera_check import _piid_agrees_with_agency


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
    schema = pa.DataFrameSchema(checks=[_piid_agrees_with_agency()])
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
