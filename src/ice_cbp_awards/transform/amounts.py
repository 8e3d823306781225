"""USD amounts: the bounds a published amount must meet, and sums that are exact and cannot
overflow.

The maximum is stated here and nowhere else. $100 billion per record is about 40 times the
largest single transaction in the package (a $2.59 billion obligation) and more than the
whole annual discretionary budget of DHS, ICE's and CBP's parent department: one contract
action cannot obligate more, so a larger figure can only be a corrupted value. It also keeps
every accepted amount exact as float64 cents (below 2**53), so the cents of a published
amount are never approximated.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

MAX_ABS_AMOUNT_USD = 100_000_000_000
MAX_ABS_CENTS = MAX_ABS_AMOUNT_USD * 100
_INT64_MAX = int(np.iinfo(np.int64).max)
# text that may carry digits below the cent (or an exponent that hides them): checked exactly
_MAYBE_SUB_CENT = r"\.\d{3,}|[eE]"


def parse(values: pd.Series) -> pd.Series:
    """Amounts as float64 dollars; NaN where the text is empty or not a number (infinities
    stay infinite, for problems() to report)."""
    nums = pd.to_numeric(values.where(values != "", None), errors="coerce")
    return nums.astype("float64")


def problems(values: pd.Series) -> pd.Series:
    """Per amount text, the reason it cannot be published ("" when it can): not a number,
    not finite, beyond the maximum, or not a whole number of cents."""
    nums = parse(values)
    out = pd.Series("", index=values.index, dtype=object)
    # text inspected only where the number is missing or infinite (rare), not on every row
    odd = (nums.isna() | np.isinf(nums)) & (values.str.strip() != "")
    named = values[odd].str.strip().str.lower().str.lstrip("+-")
    is_named = named.isin(["inf", "infinity", "nan"])
    out[is_named[~is_named].index] = "non_numeric_amount"
    out[is_named[is_named].index] = "non_finite_amount"
    out[np.isinf(nums)] = "non_finite_amount"
    out[(out == "") & (nums.abs() > MAX_ABS_AMOUNT_USD)] = "amount_over_maximum"
    maybe = (out == "") & nums.notna() & values.str.contains(_MAYBE_SUB_CENT, regex=True)
    for i in maybe[maybe].index:  # rare: only texts with more than two decimals or exponents
        if not _exact_cents(values[i].strip()):
            out[i] = "amount_not_exact_cents"
    return out


def _exact_cents(text: str) -> bool:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    return value.is_finite() and value == value.quantize(Decimal("0.01"))


def to_cents(usd: pd.Series | np.ndarray) -> np.ndarray:
    """Finite USD amounts as integer cents: int64 (exact, as every amount within the maximum
    is below 2**53 cents) or, where an amount is beyond the maximum, Python integers."""
    arr = np.asarray(usd, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("amounts must be finite to be summed")
    if len(arr) == 0 or np.abs(arr).max() <= MAX_ABS_AMOUNT_USD:
        return np.rint(arr * 100).astype(np.int64)
    return np.array([round(v * 100) for v in arr.tolist()], dtype=object)


_SPLIT = 31  # cents = high * 2**31 + low, with 0 <= low < 2**31


def _int64_is_safe(cents: np.ndarray) -> bool:
    """A sum of n amounts is at most n x the largest of them in absolute value: int64 holds
    it when that bound does (at the stated maximum, any 922,337 rows)."""
    if cents.dtype == object:
        return False
    largest = int(np.abs(cents).max()) if len(cents) else 0
    return len(cents) * largest <= _INT64_MAX


def _split(cents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """High and low parts of each amount in cents. Below 2**31 rows neither part's sum can
    leave int64: low parts are under 2**31 each, high parts under 2**32 for any amount that
    float64 can carry in int64 cents."""
    if cents.dtype == object:
        ints = [int(c) for c in cents]
        return (
            np.array([c >> _SPLIT for c in ints], dtype=np.int64),
            np.array([c & ((1 << _SPLIT) - 1) for c in ints], dtype=np.int64),
        )
    return cents >> _SPLIT, cents & ((1 << _SPLIT) - 1)


def exact_cents_sum(usd: pd.Series | np.ndarray) -> int:
    """The exact sum in cents, as a Python integer."""
    cents = to_cents(usd)
    if _int64_is_safe(cents):
        return int(cents.sum())
    high, low = _split(cents)
    return (int(high.sum()) << _SPLIT) + int(low.sum())


def sum_usd_by(usd: pd.Series, keys: pd.Series | list[pd.Series]) -> pd.Series:
    """Sums of USD amounts per key, exact to the cent and free of overflow: int64 cents where
    the row count x the largest amount proves int64 enough; otherwise the high and low parts
    of each amount summed apart in int64 and joined as Python integers. Missing amounts
    count as zero."""
    cents = to_cents(usd.fillna(0.0))
    if _int64_is_safe(cents):
        sums = pd.Series(cents, index=usd.index).groupby(keys, sort=False).sum()
        return (sums / 100 + 0.0).astype("float64")
    high, low = _split(cents)
    parts = pd.DataFrame({"high": high, "low": low}, index=usd.index)
    g = parts.groupby(keys, sort=False).sum()
    totals = [
        ((int(h) << _SPLIT) + int(lo)) / 100 + 0.0
        for h, lo in zip(g["high"].tolist(), g["low"].tolist(), strict=True)
    ]
    return pd.Series(totals, index=g.index, dtype="float64")
