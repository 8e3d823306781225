"""A large batch's rows are checked and typed in slices at once (transform/normalise.py,
SLICES_FROM); the result must be the one the whole batch gives in one piece: the same typed
records with the same index, the same rows quarantined in the same order with the same
reasons, the same exact duplicates. The input holds every check's failing case in both halves
and an exact duplicate whose first row is in the other half."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rawfactory import make_cbp_ice_root, tx_row

from ice_cbp_awards.readers import cbp_ice
from ice_cbp_awards.transform.frames import COLUMN_THREADS, row_slices
from ice_cbp_awards.transform.normalise import normalise

FAILING = [
    tx_row(agency="FEMA"),  # unknown agency
    tx_row(recipient=""),  # missing recipient
    tx_row(date="2022-13-40"),  # unparseable date
    tx_row(date="2030-01-01"),  # after retrieval
    tx_row(date="1990-01-01"),  # before the first fiscal year
    tx_row(amount="abc"),  # not a number
    tx_row(amount="inf"),  # not finite
    tx_row(amount="100000000000.01"),  # over the maximum
    tx_row(amount="1.005"),  # not whole cents
    tx_row(key="CONT_AWD_70CTD022FR0000999_7012_-NONE-_-NONE-"),  # key's PIID differs
    tx_row(agency="CBP"),  # CBP row on an ICE key
    tx_row(agency="ICE", piid="70B01C22F00000999"),  # CBP office prefix
    tx_row(date="2022-10-02"),  # FY2023 in an FY2022 file: published with a flag
]


def _half(first_mod: int) -> list[list[str]]:
    """The failing cases and good rows between them, each with a modification number of its
    own (the rows of the two halves differ, so that none is an exact duplicate by chance)."""
    rows = []
    for i, row in enumerate(FAILING):
        good = tx_row(amount=f"{i + 1}.25", mod=f"P{first_mod + 2 * i:05d}")
        rows.append(good)
        rows.append([*row[:5], f"P{first_mod + 2 * i + 1:05d}", *row[6:]])
    return rows


@pytest.fixture(scope="module")
def batch_and_paths(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    first, second = _half(100), _half(200)
    second.append(first[0])  # an exact duplicate of a row of the first half
    root = make_cbp_ice_root(tmp_path_factory.mktemp("raw"), {2022: first + second})
    batch = cbp_ice.read(root)
    path_of = {s.source_id: s.path for s in batch.sources}
    return batch, path_of


def test_slices_give_the_whole_batchs_result(batch_and_paths: tuple) -> None:
    batch, path_of = batch_and_paths
    whole = normalise(batch, path_of, slices_from=10**9)
    sliced = normalise(batch, path_of, slices_from=1)
    pd.testing.assert_frame_equal(sliced.records, whole.records)
    pd.testing.assert_frame_equal(sliced.rejects, whole.rejects)
    pd.testing.assert_frame_equal(sliced.duplicates, whole.duplicates)


def test_the_input_fails_every_check_in_both_halves(batch_and_paths: tuple) -> None:
    """The comparison above is only worth its input: every check quarantines a row in each
    half, and the duplicate spans the halves."""
    batch, path_of = batch_and_paths
    whole = normalise(batch, path_of, slices_from=10**9)
    half = len(batch.frame()) // 2
    rej = whole.rejects
    codes = set(rej["reason_code"])
    assert len(codes) == 11
    line_of_half = rej["raw_line_number"].astype(int) <= half + 1  # line 1 is the header
    for code in codes:
        in_code = rej["reason_code"] == code
        assert (in_code & line_of_half).any() and (in_code & ~line_of_half).any(), code
    assert len(whole.duplicates) == 1
    assert whole.records["is_fiscal_year_outside_file"].sum() == 2
    assert len(whole.records) == len(batch.frame()) - len(rej) - 1


def test_a_batch_below_the_threshold_is_one_piece() -> None:
    """Small batches are not sliced; large ones are, in COLUMN_THREADS slices that cover every
    row once, in order."""
    assert row_slices(99, slices_from=100) == [(0, 99)]
    assert row_slices(0, slices_from=1) == [(0, 0)]
    for rows in (100, 101, 1_000_001):
        slices = row_slices(rows, slices_from=100)
        assert len(slices) == COLUMN_THREADS
        assert slices[0][0] == 0 and slices[-1][1] == rows
        assert all(a[1] == b[0] for a, b in zip(slices, slices[1:], strict=False))


def test_no_rows(tmp_path: Path) -> None:
    root = make_cbp_ice_root(tmp_path / "raw", {2022: []})
    batch = cbp_ice.read(root)
    path_of = {s.source_id: s.path for s in batch.sources}
    out = normalise(batch, path_of, slices_from=1)
    assert out.records.empty and out.rejects.empty


def _three_files(root_dir: Path) -> Path:
    """Three fiscal years' files, each with every check's failing case; the FY2023 file
    repeats a row of the FY2022 file exactly (a duplicate across files)."""
    first, second, third = _half(100), _half(300), _half(500)
    second.append(first[0])
    return make_cbp_ice_root(root_dir, {2022: first, 2023: second, 2024: third})


def test_raw_rows_let_go_file_by_file_give_the_same_result(tmp_path: Path) -> None:
    """A batch that can read itself again (reread) lets go of its raw rows, and each file's
    slice is typed apart; the result is the one in one piece, and the raw rows can be read
    again (for the collisions' raw values)."""
    root = _three_files(tmp_path / "raw")
    whole_batch = cbp_ice.read(root)
    path_of = {s.source_id: s.path for s in whole_batch.sources}
    whole = normalise(whole_batch, path_of, slices_from=10**9)
    batch = cbp_ice.read(root)
    batch.reread = lambda: cbp_ice.read(root)
    by_file = normalise(batch, path_of, slices_from=1)
    assert batch.frames == [] and len(batch.file_rows) == 3
    pd.testing.assert_frame_equal(by_file.records, whole.records)
    pd.testing.assert_frame_equal(by_file.rejects, whole.rejects)
    pd.testing.assert_frame_equal(by_file.duplicates, whole.duplicates)
    assert len(set(whole.rejects["source_id"])) == 3 and len(whole.duplicates) == 1
    pd.testing.assert_frame_equal(batch.raw_frame(), whole_batch.frame())


def test_slices_follow_the_files_when_the_raw_rows_are_let_go() -> None:
    """Whole files, joined until a slice holds half the threshold; halves for one file (or
    too few slices); one piece when small."""
    from ice_cbp_awards.transform.normalise import work_slices

    assert work_slices([3, 4, 5], 12, slices_from=1, by_file=True) == [(0, 3), (3, 7), (7, 12)]
    assert work_slices([3, 0, 5], 8, slices_from=1, by_file=True) == [(0, 3), (3, 8)]
    assert work_slices([3, 4, 5], 12, slices_from=1, by_file=False) == row_slices(12, 1)
    assert work_slices([12], 12, slices_from=1, by_file=True) == row_slices(12, 1)
    assert work_slices([3, 4, 5], 12, slices_from=100, by_file=True) == [(0, 12)]
    many = [1_000] * 300  # a bulk input of many small files: slices of at least 50,000 rows
    slices = work_slices(many, 300_000, slices_from=100_000, by_file=True)
    assert len(slices) == 6 and all(b - a == 50_000 for a, b in slices)
    assert work_slices([60_000, 1_000], 61_000, slices_from=100, by_file=True) == [
        (0, 60_000),
        (60_000, 61_000),
    ]
