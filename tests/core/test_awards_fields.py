"""Awards say what they total (issue 10, point 4): the sum of the package's transactions under
a name that says so, whether the base action is among them, and the upstream summary's own
figures apart."""

from __future__ import annotations

import pandas as pd

from ice_cbp_awards.metadata import resource
from ice_cbp_awards.transform.awards import build_awards

KEY_A = "CONT_AWD_70CTD022FR0000170_7012_-NONE-_-NONE-"  # base action in the package
KEY_B = "CONT_AWD_HSCETC15C00001_7012_-NONE-_-NONE-"  # 2015 award: later mods + 2018 summary
KEY_C = "CONT_AWD_HSCETC16C00002_7012_-NONE-_-NONE-"  # known from a summary only


def _common(key: str, line: int, retrieved: str) -> dict[str, object]:
    piid = key.split("_")[2]
    return {
        "award_id_usaspending": key,
        "award_id_piid": piid,
        "award_agency_code": "7012",
        "parent_award_id_piid": "",
        "parent_award_agency_code": "",
        "awarding_sub_agency_code": "7012",
        "agency_acronym": "ICE",
        "recipient_name": "PALANTIR USG INC",
        "piid_office_code": "",
        "piid_instrument_code": "",
        "award_page_url": f"https://www.usaspending.gov/award/{key}/",
        "source_id": "s",
        "raw_line_number": line,
        "retrieved_at": retrieved,
    }


def tx(key: str, mod: str, amount: float, day: str, line: int) -> dict[str, object]:
    return {
        **_common(key, line, "2026-08-22T10:00:00Z"),
        "modification_number": mod,
        "action_date": pd.Timestamp(day),
        "federal_action_obligation_usd": amount,
        "transaction_description": f"mod {mod}",
    }


def summary(key: str, day: str, latest: float, current: float, line: int) -> dict[str, object]:
    return {
        **_common(key, line, "2019-01-15T00:00:00Z"),
        "award_summary_id": f"as-{line:020d}",
        "latest_action_date": pd.Timestamp(day),
        "latest_action_obligation_usd": latest,
        "total_obligation_usd": float("nan"),
        "current_total_value_of_award_usd": current,
        "award_description": "summary",
    }


def awards() -> pd.DataFrame:
    t = pd.DataFrame(
        [
            tx(KEY_A, "0", 1000.0, "2022-05-01", 2),
            tx(KEY_A, "P00001", -250.5, "2022-10-03", 3),
            tx(KEY_B, "P00007", 0.1, "2021-01-05", 4),
            tx(KEY_B, "P00008", 0.2, "2021-02-05", 5),
        ]
    )
    s = pd.DataFrame(
        [
            summary(KEY_B, "2018-06-01", 5000.0, 9_000_000.0, 2),
            summary(KEY_C, "2017-03-01", 10.0, 20.0, 3),
        ]
    )
    return build_awards(t, s).set_index("award_id_usaspending")


def test_no_award_field_can_be_taken_for_the_awards_value() -> None:
    names = resource("awards").field_names
    assert "total_obligation_usd" not in names
    assert {
        "transactions_obligation_sum_usd",
        "has_base_action_in_package",
        "summary_latest_action_obligation_usd",
        "summary_total_obligation_usd",
        "summary_current_total_value_of_award_usd",
    } <= set(names)


def test_transactions_sum_and_base_action() -> None:
    a = awards()
    assert a.loc[KEY_A, "transactions_obligation_sum_usd"] == 749.5
    assert a.loc[KEY_A, "has_base_action_in_package"]
    assert a.loc[KEY_B, "transactions_obligation_sum_usd"] == 0.3  # exact cents, not 0.30000004
    assert not a.loc[KEY_B, "has_base_action_in_package"]
    assert a.loc[KEY_A, "transactions_as_of_date"] == pd.Timestamp("2026-08-22")


def test_summary_figures_stay_apart_from_the_transactions_sum() -> None:
    a = awards()
    b = a.loc[KEY_B]
    assert (b["transaction_count"], b["transactions_obligation_sum_usd"]) == (2, 0.3)
    assert b["summary_latest_action_obligation_usd"] == 5000.0
    assert b["summary_current_total_value_of_award_usd"] == 9_000_000.0
    assert pd.isna(b["summary_total_obligation_usd"])
    assert b["summary_latest_action_date"] == pd.Timestamp("2018-06-01")
    assert b["summary_as_of_date"] == pd.Timestamp("2019-01-15")
    assert b["award_summary_id"] == "as-00000000000000000002"
    c = a.loc[KEY_C]
    assert c["transaction_count"] == 0 and pd.isna(c["transactions_obligation_sum_usd"])
    assert not c["has_base_action_in_package"]
    assert pd.isna(c["transactions_as_of_date"])
    assert c["summary_current_total_value_of_award_usd"] == 20.0
    assert pd.isna(a.loc[KEY_A, "summary_current_total_value_of_award_usd"])
    assert a.loc[KEY_A, "award_summary_id"] == ""


def test_an_awards_latest_row_is_by_date_then_modification_then_line_in_any_row_order() -> None:
    """The latest transaction gives the award's description (and its other latest fields),
    whatever order the rows come in and whatever their index."""
    rows = [
        tx(KEY_A, "P00002", 1.0, "2023-01-05", 9),  # latest: the latest date, the highest mod
        tx(KEY_B, "P00001", 2.0, "2021-03-01", 7),  # latest of B: the later line of a tie
        tx(KEY_A, "0", 3.0, "2022-05-01", 2),
        tx(KEY_B, "P00001", 4.0, "2021-03-01", 3),
        tx(KEY_A, "P00001", 5.0, "2023-01-05", 4),
        tx(KEY_B, "0", 6.0, "2021-01-01", 8),
    ]
    t = pd.DataFrame(rows, index=[40, 7, 3, 12, 5, 30])  # a filtered frame's index has gaps
    t.loc[7, "transaction_description"] = "B latest"
    t.loc[12, "transaction_description"] = "B earlier line"
    a = build_awards(t, t.iloc[0:0]).set_index("award_id_usaspending")
    assert list(a.index) == [KEY_A, KEY_B]
    assert a.loc[KEY_A, "latest_description"] == "mod P00002"
    assert a.loc[KEY_A, "raw_line_number"] == 9
    assert a.loc[KEY_B, "latest_description"] == "B latest"
    assert (a.loc[KEY_B, "raw_line_number"], a.loc[KEY_B, "transaction_count"]) == (7, 3)
    assert a.loc[KEY_B, "first_action_date"] == pd.Timestamp("2021-01-01")
    assert a.loc[KEY_A, "last_action_date"] == pd.Timestamp("2023-01-05")
    assert a.loc[KEY_B, "transactions_obligation_sum_usd"] == 12.0


def test_the_awards_read_only_the_transaction_columns_they_declare() -> None:
    """The build lets go of the other columns before the awards are derived (TX_READ)."""
    from ice_cbp_awards.transform.awards import TX_READ

    t = pd.DataFrame(
        [
            tx(KEY_A, "0", 1000.0, "2022-05-01", 2),
            tx(KEY_A, "P00001", -250.5, "2022-10-03", 3),
            tx(KEY_B, "P00007", 0.1, "2021-01-05", 4),
        ]
    ).assign(unread="x")
    s = pd.DataFrame([summary(KEY_B, "2018-06-01", 5000.0, 9_000_000.0, 2)])
    assert set(TX_READ) < set(t.columns)
    pd.testing.assert_frame_equal(build_awards(t[list(TX_READ)], s), build_awards(t, s))


def test_awards_agree_with_a_plain_sort_and_group_on_ties_and_missing_values() -> None:
    """The awards' order of rows (ranks and a stable lexsort) against pandas' own stable sort,
    missing dates and retrieval times included: the latest row, first and last dates, counts,
    sums and as-of dates of every award."""
    import numpy as np

    rng = np.random.default_rng(7)
    keys = [f"CONT_AWD_70CTD022FR{i:07d}_7012_-NONE-_-NONE-" for i in range(12)]
    rows = []
    for line in rng.permutation(300):
        key = keys[int(rng.integers(len(keys)))]
        day = "NaT" if rng.random() < 0.1 else f"2022-0{int(rng.integers(1, 4))}-01"
        row = tx(key, f"P{int(rng.integers(3)):05d}", float(rng.integers(-5, 9)), day, int(line))
        row["retrieved_at"] = None if rng.random() < 0.1 else f"2026-0{int(rng.integers(1, 9))}-02"
        row["transaction_description"] = f"line {line}"
        rows.append(row)
    t = pd.DataFrame(rows)
    got = build_awards(t, t.iloc[0:0]).set_index("award_id_usaspending")
    ordered = t.sort_values(
        ["award_id_usaspending", "action_date", "modification_number", "raw_line_number"],
        kind="stable",
    )
    g = ordered.groupby("award_id_usaspending", sort=True)
    latest = g.tail(1).set_index("award_id_usaspending")
    assert list(got.index) == sorted(set(t["award_id_usaspending"]))
    assert list(got["latest_description"]) == list(latest["transaction_description"])
    assert list(got["raw_line_number"]) == list(latest["raw_line_number"])
    pd.testing.assert_series_equal(
        got["first_action_date"], g["action_date"].min(), check_names=False
    )
    pd.testing.assert_series_equal(
        got["last_action_date"], g["action_date"].max(), check_names=False
    )
    assert list(got["transaction_count"]) == list(g.size())
    assert list(got["transactions_obligation_sum_usd"]) == list(
        g["federal_action_obligation_usd"].sum()
    )
    as_of = pd.to_datetime(g["retrieved_at"].max().str[:10], format="%Y-%m-%d")
    pd.testing.assert_series_equal(got["transactions_as_of_date"], as_of, check_names=False)


def test_sorted_a_column_at_a_time_is_pandas_stable_sort() -> None:
    """The awards sorted by key a column at a time are the frame pandas' stable sort gives:
    ties keep their order, missing keys go last, every dtype is kept."""
    import numpy as np

    from ice_cbp_awards.tables import TEXT_DTYPE
    from ice_cbp_awards.transform.awards import sorted_by

    rng = np.random.default_rng(7)
    n = 500
    keys = pd.Series(rng.choice(["b", "a", "c", None], n), dtype=TEXT_DTYPE)
    frame = pd.DataFrame(
        {
            "key": keys,
            "n": pd.array(rng.integers(0, 5, n), dtype="Int64"),
            "x": rng.normal(size=n),
            "d": pd.to_datetime("2022-01-01") + pd.to_timedelta(rng.integers(0, 9, n), "D"),
            "flag": rng.integers(0, 2, n).astype(bool),
            "row": np.arange(n),
        },
        index=pd.RangeIndex(n),
    )
    expected = frame.sort_values("key", kind="stable").reset_index(drop=True)
    got = sorted_by(frame.copy(), "key")
    pd.testing.assert_frame_equal(got, expected)
    assert got["key"].isna().tail(1).all()
