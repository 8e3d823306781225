"""Amounts as exact cents and sums that cannot overflow (issue 11, point 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ice_cbp_awards.transform import amounts


def test_maximum_is_stated_once_and_fits_exact_float_cents() -> None:
    assert amounts.MAX_ABS_AMOUNT_USD == 100_000_000_000
    assert amounts.MAX_ABS_CENTS < 2**53  # every accepted amount is exact in float64 cents


def test_checks_classify_each_problem() -> None:
    text = pd.Series(["1.005", "inf", "9.88e16", "12.30", "-7", "", "abc", "1e-3", "0.10"])
    got = amounts.problems(text)
    assert got.tolist() == [
        "amount_not_exact_cents",
        "non_finite_amount",
        "amount_over_maximum",
        "",
        "",
        "",
        "non_numeric_amount",
        "amount_not_exact_cents",
        "",
    ]


def test_group_sums_of_the_issue_amount_do_not_overflow() -> None:
    # 9.88e16 USD is 9.88e18 cents: in int64 one such value is fine, two overflow
    values = pd.Series([9.88e16, 9.88e16, 0.01])
    keys = pd.Series(["a", "a", "b"])
    got = amounts.sum_usd_by(values, keys)
    assert got["a"] == 2 * 9.88e16 and got["a"] > 0
    assert got["b"] == 0.01


def test_sums_of_many_maximum_amounts_stay_exact() -> None:
    n = 1_000_000  # n * maximum is beyond int64: the sum falls back to Python integers
    values = pd.Series(np.full(n, float(amounts.MAX_ABS_AMOUNT_USD)))
    values.iloc[-1] = 0.01
    got = amounts.sum_usd_by(values, pd.Series(np.zeros(n, dtype=np.int64)))
    assert got[0] == (n - 1) * amounts.MAX_ABS_AMOUNT_USD + 0.01
    assert amounts.exact_cents_sum(values) == (n - 1) * amounts.MAX_ABS_CENTS + 1


def test_sums_are_exact_in_cents_where_floats_drift() -> None:
    values = pd.Series([0.1] * 10 + [0.2] * 10)
    assert amounts.sum_usd_by(values, pd.Series(["x"] * 20))["x"] == 3.0
