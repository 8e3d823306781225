"""Unit tests of the value parsers."""

from __future__ import annotations

import pandas as pd

from ice_cbp_awards.ids import stable_ids
from ice_cbp_awards.transform import amounts, parse


def test_fiscal_year_turns_on_1_october() -> None:
    dates = pd.Series(pd.to_datetime(["2021-09-30", "2021-10-01", "2022-01-15"]))
    assert parse.fiscal_year(dates).tolist() == [2021, 2022, 2022]


def test_dates_in_family_formats() -> None:
    raw = pd.Series(["27/03/2014", "01/05/14 00:00", "2014-03-27", ""])
    out = parse.parse_dates(raw, ["%d/%m/%Y", "%d/%m/%y %H:%M"])
    assert out.iloc[0] == pd.Timestamp("2014-03-27")
    assert out.iloc[1] == pd.Timestamp("2014-05-01")
    assert pd.isna(out.iloc[2]) and pd.isna(out.iloc[3])


def test_amounts_keep_sign_and_cents_and_reject_text() -> None:
    out = amounts.parse(pd.Series(["-2.32", "850361073.0", "12,5", "abc", ""]))
    assert out.iloc[0] == -2.32 and out.iloc[1] == 850361073.0
    assert out.iloc[2:].isna().all()


def test_award_key_parts_and_none() -> None:
    keys = pd.Series(
        [
            "CONT_AWD_70B01C25F00001121_7014_70B01C23D00000009_7014",
            "CONT_AWD_70CTD022FR0000170_7012_-NONE-_-NONE-",
            "garbage",
        ]
    )
    parts = parse.parse_award_keys(keys)
    assert parts.iloc[0][
        ["award_id_piid", "award_agency_code", "parent_award_id_piid", "parent_award_agency_code"]
    ].tolist() == ["70B01C25F00001121", "7014", "70B01C23D00000009", "7014"]
    assert parts.iloc[1]["parent_award_id_piid"] == ""
    assert parts["is_valid"].tolist() == [True, True, False]


def test_award_key_built_like_usaspending() -> None:
    key = parse.build_award_keys(
        pd.Series(["HSCEDM14F00011"]),
        pd.Series(["7012"]),
        pd.Series(["GS21F0017Y"]),
        pd.Series(["4732"]),
    )
    assert key.iloc[0] == "CONT_AWD_HSCEDM14F00011_7012_GS21F0017Y_4732"
    none = parse.build_award_keys(
        pd.Series(["X1"]), pd.Series(["7012"]), pd.Series([""]), pd.Series(["4732"])
    )
    assert none.iloc[0] == "CONT_AWD_X1_7012_-NONE-_-NONE-"


def test_piid_structure_only_where_it_applies() -> None:
    out = parse.parse_piids(pd.Series(["70CTD022FR0000170", "HSCEDM14F00011"]))
    assert out.iloc[0][
        ["piid_office_code", "piid_fiscal_year", "piid_instrument_code"]
    ].tolist() == ["70CTD0", 2022, "F"]
    assert out.iloc[1]["piid_office_code"] == "" and pd.isna(out.iloc[1]["piid_fiscal_year"])


def test_ids_are_stable_and_prefixed() -> None:
    a = stable_ids("tx", pd.Series(["CONT_AWD_X_7012_-NONE-_-NONE-"]), pd.Series(["0"]))
    b = stable_ids("tx", pd.Series(["CONT_AWD_X_7012_-NONE-_-NONE-"]), pd.Series(["0"]))
    assert a.iloc[0] == b.iloc[0]
    # sha256("CONT_AWD_X_7012_-NONE-_-NONE-|0")[:20], a published contract
    import hashlib

    assert a.iloc[0] == "tx-" + hashlib.sha256(b"CONT_AWD_X_7012_-NONE-_-NONE-|0").hexdigest()[:20]
