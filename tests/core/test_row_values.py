"""Row values the build must bound: agencies that contradict the key or the PIID, dates after
the retrieval date or outside the file's fiscal year, amounts that are not finite, too large
or not exact to the cent, and sums that cannot overflow (issue 11, points 3, 4 and 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from rawfactory import make_cbp_ice_root, tx_row, write_counts

from ice_cbp_awards.build import build_package

PATH = "usaspending-cbp-ice/2026-08-22/CBP_ICE_FY2022_Contract_Obligations.csv"
GOOD = [
    tx_row(),
    tx_row(mod="P00001", amount="-250.5", date="2022-07-03"),
    tx_row(
        agency="CBP",
        piid="70B04C22F00000001",
        recipient="FOUR POINTS TECHNOLOGY LLC",
        description="AWS GOVCLOUD",
    ),
]


def build(tmp_path: Path, rows: list[list[str]]) -> Path:
    root = make_cbp_ice_root(tmp_path / "raw", {2022: rows})
    counts = write_counts(tmp_path / "counts.csv", [("ICE", 2022, 1, 100), ("CBP", 2022, 1, 100)])
    result = build_package(
        root, tmp_path / "data", include_legacy=False, write_db=False, expected_counts=counts
    )
    assert all(r.ok for r in result.validation)
    return result.data_dir


def read(data_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False)


def rejected(data_dir: Path) -> pd.DataFrame:
    return read(data_dir, "rejects").set_index("raw_line_number")


@pytest.mark.integration
def test_ice_row_on_a_cbp_key_is_quarantined(tmp_path: Path) -> None:
    cbp_key = "CONT_AWD_70B04C22F00000009_7014_-NONE-_-NONE-"
    rows = GOOD + [tx_row(agency="ICE", piid="70B04C22F00000009", key=cbp_key)]
    data = build(tmp_path, rows)
    rej = rejected(data)
    assert rej.loc["5", "reason_code"] == "agency_mismatch"
    assert rej.loc["5", "reason_detail"] == (
        f"{PATH} line 5: agency ICE (7012) contradicts the award key's agency 7014 and the"
        " PIID prefix 70B (CBP, reference/piid_prefixes.csv)"
    )
    tx = read(data, "transactions")
    assert "70B04C22F00000009" not in set(tx["award_id_piid"])


@pytest.mark.integration
def test_ice_row_with_a_cbp_piid_on_an_ice_key_is_quarantined(tmp_path: Path) -> None:
    key = "CONT_AWD_70B04C22F00000009_7012_-NONE-_-NONE-"
    rows = GOOD + [tx_row(agency="ICE", piid="70B04C22F00000009", key=key)]
    rej = rejected(build(tmp_path, rows))
    assert rej.loc["5", "reason_code"] == "agency_mismatch"
    assert rej.loc["5", "reason_detail"] == (
        f"{PATH} line 5: agency ICE (7012) contradicts the PIID prefix 70B"
        " (CBP, reference/piid_prefixes.csv)"
    )


@pytest.mark.integration
def test_dates_after_the_retrieval_date_are_quarantined_not_a_crash(tmp_path: Path) -> None:
    rows = GOOD + [tx_row(mod="P00002", date="2099-03-01"), tx_row(mod="P00003", date="3024-03-01")]
    data = build(tmp_path, rows)
    rej = rejected(data)
    assert rej.loc["5", "reason_code"] == "date_after_retrieval"
    assert rej.loc["5", "reason_detail"] == (
        f"{PATH} line 5: action_date 2099-03-01 is after the file's retrieval date 2026-08-22"
    )
    assert rej.loc["6", "reason_code"] == "date_after_retrieval"
    assert rej.loc["6", "reason_detail"] == (
        f"{PATH} line 6: action_date 3024-03-01 is after the file's retrieval date 2026-08-22"
    )
    tx = read(data, "transactions")
    assert sorted(tx["fiscal_year"].unique()) == ["2022"]
    report = read(data, "build_report")
    assert report["rows_quarantined"].astype(int).sum() == 2


@pytest.mark.integration
def test_dates_before_the_first_fiscal_year_are_quarantined(tmp_path: Path) -> None:
    rows = GOOD + [tx_row(mod="P00002", date="1999-09-30"), tx_row(mod="P00003", date="1066-10-14")]
    rej = rejected(build(tmp_path, rows))
    assert rej.loc["5", "reason_code"] == "date_before_minimum"
    assert rej.loc["5", "reason_detail"] == (
        f"{PATH} line 5: action_date 1999-09-30 is before 1999-10-01, the first day of"
        " fiscal year 2000, the earliest the package publishes"
    )
    assert rej.loc["6", "reason_code"] == "date_before_minimum"


@pytest.mark.integration
def test_row_outside_its_files_fiscal_year_is_published_with_a_flag(tmp_path: Path) -> None:
    rows = GOOD + [tx_row(mod="P00002", date="2019-03-01", amount="10.0")]
    data = build(tmp_path, rows)
    tx = read(data, "transactions").set_index("raw_line_number")
    assert tx.loc["5", "fiscal_year"] == "2019"
    assert tx.loc["5", "is_fiscal_year_outside_file"] == "true"
    assert set(tx.drop(index="5")["is_fiscal_year_outside_file"]) == {"false"}
    report = read(data, "build_report").set_index("fiscal_year")
    assert report.loc["2019", "rows_fiscal_year_outside_file"] == "1"
    assert report.loc["2019", "rows_published"] == "1"
    assert set(report.drop(index="2019")["rows_fiscal_year_outside_file"]) == {"0"}


@pytest.mark.integration
def test_amounts_not_finite_too_large_or_below_a_cent_are_quarantined(tmp_path: Path) -> None:
    bad = {"5": "1.005", "6": "inf", "7": "-Infinity", "8": "NaN", "9": "9.88e16"}
    rows = GOOD + [tx_row(mod=f"P0000{i}", amount=a) for i, a in enumerate(bad.values(), 2)]
    data = build(tmp_path, rows)
    rej = rejected(data)
    codes = {line: rej.loc[line, "reason_code"] for line in bad}
    assert codes == {
        "5": "amount_not_exact_cents",
        "6": "non_finite_amount",
        "7": "non_finite_amount",
        "8": "non_finite_amount",
        "9": "amount_over_maximum",
    }
    assert rej.loc["5", "reason_detail"] == (
        f"{PATH} line 5: federal_action_obligation '1.005' is not a whole number of cents"
    )
    assert rej.loc["9", "reason_detail"] == (
        f"{PATH} line 9: federal_action_obligation '9.88e16' is beyond the maximum of"
        " 100,000,000,000 USD per record (transform/amounts.py)"
    )
    assert json.loads(rej.loc["9", "raw_values_json"])["Federal Action Obligation"] == "9.88e16"
    rec = read(data, "recipients").set_index("recipient_name")
    assert float(rec.loc["PALANTIR USG INC", "total_obligation_usd"]) == 749.5


@pytest.mark.integration
def test_exact_cents_in_other_spellings_are_kept(tmp_path: Path) -> None:
    rows = GOOD + [
        tx_row(mod="P00002", amount="1.100"),
        tx_row(mod="P00003", amount="2.5e2"),
        tx_row(mod="P00004", amount="+0.07"),
    ]
    tx = read(build(tmp_path, rows), "transactions").set_index("raw_line_number")
    amounts = tx["federal_action_obligation_usd"].astype(float)
    assert amounts[["5", "6", "7"]].tolist() == [1.1, 250.0, 0.07]


@pytest.mark.integration
def test_validator_findings_name_the_raw_file_and_line(tmp_path: Path) -> None:
    from ice_cbp_awards.validate import runner

    data = build(tmp_path, GOOD)
    tx_path = data / "transactions.csv"
    tx = pd.read_csv(tx_path, dtype=str, keep_default_na=False)
    row = tx.index[tx["raw_line_number"] == "3"][0]
    tx.loc[row, "fiscal_year"] = "2031"  # a published value the checks must catch
    tx.to_csv(tx_path, index=False)
    _, pan, _ = runner.run_all(data, full=True)
    fy = [f for f in pan.errors if f.resource == "transactions" and "fiscal_year" in f.check]
    assert fy, pan.errors
    published_line = row + 2
    assert f"transactions.csv line {published_line} ({PATH} line 3)" in fy[0].message


def _summary_batch(rows: list[dict[str, str]]):
    from ice_cbp_awards.readers.batch import SUMMARY_COLUMNS, RawBatch

    batch = RawBatch(
        kind="award_summaries",
        source_system="usaspending_custom_award_2018",
        date_formats=["%d/%m/%Y", "%d/%m/%y %H:%M"],
    )
    base = dict.fromkeys(SUMMARY_COLUMNS, "")
    frame = pd.DataFrame(
        [
            {
                **base,
                "agency_raw": "ICE",
                "award_id_piid": "HSCETC15C00001",
                "award_agency_code": "7012",
                "latest_modification_number": str(i),
                "latest_action_date": "01/03/2016",
                "latest_action_obligation": "10.00",
                "current_total_value_of_award": "20.00",
                "recipient_name": "PALANTIR USG INC",
                **row,
                "source_id": "ice-2018/fy16",
                "raw_line_number": i + 2,
                "retrieved_at": "2018-08-09T15:00:00Z",
                "file_fiscal_year": 2016,
            }
            for i, row in enumerate(rows)
        ]
    )
    batch.frames.append(frame)
    batch.column_maps["ice-2018/fy16"] = {c: c for c in SUMMARY_COLUMNS}
    return batch


def test_summary_values_are_bounded_like_transactions() -> None:
    from ice_cbp_awards.transform.normalise import normalise

    batch = _summary_batch(
        [
            {},
            {"current_total_value_of_award": "inf"},
            {"latest_action_obligation": "3.333"},
            {"latest_action_date": "01/03/2019"},  # after the 2018-08-09 retrieval
            {"latest_action_date": "01/03/2015"},  # FY2015 in the FY2016 file: flagged
        ]
    )
    out = normalise(batch, {"ice-2018/fy16": "usaspending-ice-awards-fy2013-2018/fy16.csv"})
    rej = out.rejects.set_index("raw_line_number")
    assert rej["reason_code"].to_dict() == {
        3: "non_finite_amount",
        4: "amount_not_exact_cents",
        5: "date_after_retrieval",
    }
    assert rej.loc[5, "reason_detail"] == (
        "usaspending-ice-awards-fy2013-2018/fy16.csv line 5: latest_action_date 2019-03-01 is"
        " after the file's retrieval date 2018-08-09"
    )
    pub = out.records.set_index("raw_line_number")
    assert pub["is_fiscal_year_outside_file"].to_dict() == {2: False, 6: True}
    assert pub.loc[6, "latest_action_fiscal_year"] == 2015
