"""The id formula gives the same ids whichever way the digests are computed."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from ice_cbp_awards import ids

KEYS = ["CONT_AWD_70CDCR20F00000001_7012_GS35F0119Y_4732", "", "a|b", "é ✓ 中文", " x ", "0"]
MODS = ["0", "P00001", "", "A|B", "é", "00"]


def by_hashlib(prefix: str, *columns: list[str]) -> list[str]:
    joined = ["|".join(parts) for parts in zip(*columns, strict=True)]
    return [f"{prefix}-{hashlib.sha256(j.encode()).hexdigest()[:20]}" for j in joined]


@pytest.mark.parametrize("duckdb_from", [1, 10**9], ids=["duckdb", "hashlib"])
def test_both_ways_give_the_formula(monkeypatch: pytest.MonkeyPatch, duckdb_from: int) -> None:
    monkeypatch.setattr(ids, "DUCKDB_FROM", duckdb_from)
    index = pd.RangeIndex(10, 16)
    got = ids.stable_ids(
        "tx", pd.Series(KEYS, index=index, dtype=str), pd.Series(MODS, dtype=str, index=index)
    )
    assert got.tolist() == by_hashlib("tx", KEYS, MODS)
    assert got.index.equals(index)
    assert got.dtype == "str"
    assert got.tolist()[0] == ids.stable_id("tx", KEYS[0], MODS[0])


def test_large_inputs_are_hashed_by_duckdb_to_the_same_ids() -> None:
    n = ids.DUCKDB_FROM + 3
    keys = pd.Series([f"k{i}é" for i in range(n)], dtype=str)
    assert ids.stable_ids("at", keys).tolist()[-3:] == by_hashlib("at", keys.tolist()[-3:])


def test_a_prefix_that_is_not_a_word_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "DUCKDB_FROM", 1)
    with pytest.raises(ValueError, match="prefix"):
        ids.stable_ids("x'; --", pd.Series(["a"], dtype=str))
