"""Claims logic on small hand-made inputs: partial coverage, records past a claim's scope, and
claims tested on the FY2013-FY2018 award summaries."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from ice_cbp_awards.curate.claims import (
    check_claims,
    covered_part,
    judge,
    past_scope,
    summary_claim,
)
from ice_cbp_awards.curate.reference import Reference

T = pd.Timestamp


def claim(**over: object) -> pd.Series:
    base = {
        "claim_id": "c",
        "measure": "obligation_usd",
        "claimed_value": 100.0,
        "comparison": "at_least",
        "tolerance_value": np.nan,
        "period_start_date": T("2021-01-01"),
        "period_end_date": T("2021-12-31"),
        "agency_acronym": "",
        "company_id": "",
        "relationships": "",
        "system_id": "",
        "award_id_piid": "",
        "recipient_company_ids": "",
        "evidence_source": "transactions",
        "not_covered_reason": "",
    }
    base.update(over)
    return pd.Series(base)


@pytest.mark.parametrize(
    ("cover", "part", "said"),
    [
        ((T("2020-10-01"), T("2026-08-01")), (T("2021-01-01"), T("2021-12-31")), ""),
        (
            (T("2021-06-01"), T("2026-08-01")),
            (T("2021-06-01"), T("2021-12-31")),
            "the claim covers 2021-01-01 to 2021-12-31; the package has records from "
            "2021-06-01 to 2026-08-01, so only 2021-06-01 to 2021-12-31 is tested",
        ),
        (
            (T("2023-01-01"), T("2026-08-01")),
            None,
            "the claim covers 2021-01-01 to 2021-12-31; the package has records from "
            "2023-01-01 to 2026-08-01",
        ),
        (None, None, "the claim covers 2021-01-01 to 2021-12-31; the package has no records"),
    ],
)
def test_covered_part(cover: object, part: object, said: str) -> None:
    assert covered_part(claim(), cover) == (part, said)


def test_a_partly_covered_claim_is_never_plainly_consistent() -> None:
    status, reason = judge(150.0, claim(), "only part is tested")
    assert status == "partly_covered"
    assert reason == (
        "only part is tested; over that part, consistent: package 150.00 USD is at least the "
        "claimed 100.00 USD"
    )
    assert judge(50.0, claim(), "") == (
        "differs",
        "package 50.00 USD is below the claimed 100.00 USD",
    )


def _tx(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transaction_id": [f"tx-{i:020x}" for i in range(len(rows))],
            "award_id_usaspending": [r[0] for r in rows],
            "award_id_piid": [r[0] for r in rows],
            "action_date": pd.to_datetime([r[1] for r in rows]),
            "agency_acronym": [r[2] for r in rows],
            "federal_action_obligation_usd": [r[3] for r in rows],
        }
    )


def test_past_scope_finds_later_transactions_of_the_counted_awards_only() -> None:
    tx = _tx(
        [
            ("A", "2021-04-01", "ICE", 100.0),  # counted
            ("A", "2021-09-01", "ICE", 5.0),  # same award, inside the period: not past scope
            ("A", "2022-03-01", "ICE", 40.0),  # same award, after the period: past scope
            ("A", "2022-04-01", "CBP", 1.0),  # another agency than the claim's
            ("B", "2022-05-01", "ICE", 9.0),  # another award
        ]
    )
    later = past_scope(claim(agency_acronym="ICE"), tx, np.array([0]))
    assert later.tolist() == [2]
    assert past_scope(claim(), tx, np.array([0])).tolist() == [2, 3]
    assert past_scope(claim(), tx, np.array([], dtype=int)).tolist() == []


def _summaries() -> pd.DataFrame:
    rows = [
        ("as-1", "CONT_AWD_HSCETC14C00002_7012_-NONE-_-NONE-", "HSCETC14C00002", "2017-09-25",
         709653.84, "PALANTIR USG, INC.", "WEB-ENABLED INVESTIGATING CASE MANAGEMENT (ICM) SYSTEM"),
        ("as-2", "CONT_AWD_HSCETC14C00002_7012_-NONE-_-NONE-", "HSCETC14C00002", "2018-05-04",
         1344000.0, "PALANTIR USG, INC.", "WEB-ENABLED INVESTIGATING CASE MANAGEMENT (ICM) SYSTEM"),
        ("as-3", "CONT_AWD_HSCETE11F00125_7012_-NONE-_-NONE-", "HSCETE11F00125", "2013-09-13",
         -2.32, "PALANTIR TECHNOLOGIES INC.", "CONTRACT CLOSE OUT"),
        ("as-4", "CONT_AWD_HSCETC16J00026_7012_-NONE-_-NONE-", "HSCETC16J00026", "2018-06-01",
         11601568.0, "DEV TECHNOLOGY GROUP, INC.", "ENFORCEMENT SYSTEMS O&M"),
        ("as-5", "CONT_AWD_HSCETC16J00099_7012_-NONE-_-NONE-", "HSCETC16J00099", "2016-06-01",
         5.0, "PALANTIRI ANALYTICS GROUP LLC", "ANALYTICS"),
    ]  # fmt: skip
    cols = [
        "award_summary_id",
        "award_id_usaspending",
        "award_id_piid",
        "latest_action_date",
        "latest_action_obligation_usd",
        "recipient_name",
        "award_description",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    frame["latest_action_date"] = pd.to_datetime(frame["latest_action_date"])
    return frame.assign(agency_acronym="ICE")


def test_summary_claim_counts_awards_of_the_company_by_recipient(reference: Reference) -> None:
    c = claim(
        measure="award_count",
        claimed_value=1.0,
        period_start_date=T("2011-01-01"),
        period_end_date=T("2026-03-03"),
        agency_acronym="ICE",
        company_id="palantir",
        evidence_source="award_summaries",
    )
    out = summary_claim(c, _summaries(), reference)
    # two Palantir awards (three rows); PALANTIRI ANALYTICS is not Palantir
    assert out["package_value"] == 2.0
    assert out["package_award_summary_ids"] == "as-1 ; as-2 ; as-3"
    assert out["status"] == "partly_covered"
    assert out["status_reason"].startswith(
        "FY2013-FY2018 award summaries: 2 awards, 3 summary rows, latest actions "
        "2,053,651.52 USD (a partial sum"
    )
    assert "so only 2013-09-13 to 2018-06-01 is tested" in out["status_reason"]


def test_summary_claim_by_recipient_company_and_system(reference: Reference) -> None:
    dev = claim(
        claimed_value=1e6,
        period_start_date=T("2012-10-01"),
        period_end_date=T("2018-10-23"),
        recipient_company_ids="dev-technology",
        evidence_source="award_summaries",
    )
    out = summary_claim(dev, _summaries(), reference)
    assert (out["package_value"], out["package_award_summary_ids"]) == (11601568.0, "as-4")
    icm = claim(
        measure="award_count",
        claimed_value=1.0,
        period_start_date=T("2014-01-01"),
        period_end_date=T("2018-06-01"),
        company_id="palantir",
        system_id="icm",
        evidence_source="award_summaries",
    )
    out = summary_claim(icm, _summaries(), reference)
    assert (out["status"], out["package_value"]) == ("consistent", 1.0)


def test_check_claims_routes_each_claim_to_its_records(reference: Reference) -> None:
    claims = reference.claims.set_index("claim_id")
    picked = claims.loc[["palantir-ice-since-2011", "ice-budget-over-8-billion"]].reset_index()
    ref = dataclasses.replace(reference, claims=picked)
    tx = _tx([("A", "2021-04-01", "ICE", 100.0)])
    att = pd.DataFrame(columns=["transaction_id", "company_id", "relationship"])
    mentions = pd.DataFrame(columns=["transaction_id", "system_id"])
    out, rec = check_claims(tx, att, mentions, np.array([""]), ref, "rs-000000000000", _summaries())
    out = out.set_index("claim_id")
    assert out.loc["palantir-ice-since-2011", "package_value"] == 2.0
    assert out.loc["palantir-ice-since-2011", "status"] == "partly_covered"
    assert out.loc["ice-budget-over-8-billion", "status"] == "not_covered"
    assert not out["has_records_past_scope"].any()
    assert rec.empty


def test_a_claim_drawing_on_a_truncated_slice_says_its_figure_is_an_upper_bound(
    reference: Reference,
) -> None:
    """A claim's figure carries the direction of its coverage bias, as company_totals do."""
    ref = dataclasses.replace(
        reference,
        claims=pd.DataFrame(
            [
                claim(claim_id="all-cut", period_end_date=T("2021-06-30")),
                claim(claim_id="some-cut"),
                claim(claim_id="none-cut", period_start_date=T("2021-07-01")),
            ]
        ).assign(
            claimed_value=1.0,
            relationships="",
            tolerance_value=np.nan,
        ),
    )
    tx = _tx([("A", "2021-04-01", "ICE", 100.0), ("B", "2021-08-01", "ICE", 50.0)])
    slices = np.array(["usaspending-cbp-ice/x/FY2021 ICE", ""], dtype=object)
    att = pd.DataFrame(columns=["transaction_id", "company_id", "relationship", "evidence_scope"])
    mentions = pd.DataFrame(columns=["transaction_id", "system_id"])
    out, _ = check_claims(
        tx, att, mentions, np.array(["", ""]), ref, "rs-000000000000", slices=slices
    )
    out = out.set_index("claim_id")
    assert out.loc["all-cut", "coverage_bias"] == "upper_bound_truncated_slice"
    assert out.loc["all-cut", "truncated_slice_ids"] == "usaspending-cbp-ice/x/FY2021 ICE"
    assert out.loc["some-cut", "coverage_bias"] == "mixed"
    assert out.loc["none-cut", "coverage_bias"] == "minimum"
    assert out.loc["none-cut", "truncated_slice_ids"] == ""


@pytest.mark.parametrize("storage", ["str", object])
def test_claim_text_columns_compare_and_take_as_numpy_arrays_do(storage: object) -> None:
    """The claims' text columns stay in their own storage: equal to a text, and the values of
    some rows, exactly as the column made into a NumPy array gives them (a missing value equal
    to nothing)."""
    from ice_cbp_awards.curate.claims import claim_columns

    tx = pd.DataFrame(
        {
            "action_date": pd.to_datetime(["2024-01-01"] * 5),
            "agency_acronym": pd.array(["ICE", "CBP", None, "ICE", "ice"], dtype=storage),
            "award_id_piid": pd.array(["P1", "P2", "P1", None, "P3"], dtype=storage),
            "award_id_usaspending": pd.array(["A1", "A2", "A1", "A4", "A5"], dtype=storage),
            "transaction_id": pd.array(["t1", "t2", "t3", "t4", "t5"], dtype=storage),
            "federal_action_obligation_usd": [1.0, 2.0, 3.0, 4.0, 5.0],
        },
        index=[9, 8, 7, 6, 5],
    )
    cols = claim_columns(tx)
    for name, column in (("agency", "agency_acronym"), ("piid", "award_id_piid")):
        plain = tx[column].to_numpy()
        for text in ("ICE", "P1", "missing"):
            assert np.array_equal(cols[name] == text, plain == text)
    rows = np.array([4, 0, 2])
    assert cols["transaction"][rows].tolist() == ["t5", "t1", "t3"]
    assert cols["award"][rows].tolist() == tx["award_id_usaspending"].to_numpy()[rows].tolist()
