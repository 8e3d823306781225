"""How the validators share the two cores depends on the size of what they read."""

from __future__ import annotations

from pathlib import Path

from ice_cbp_awards.validate import runner


def test_small_packages_are_read_three_times_at_once_large_ones_twice(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    assert runner.fits_three_reads(tmp_path)
    with (tmp_path / "transactions.csv").open("wb") as big:  # sparse: no disk used
        big.truncate(runner.THREE_READS_BYTES)
    assert not runner.fits_three_reads(tmp_path)
    (tmp_path / "transactions.csv").unlink()
    (tmp_path / "report.json").write_bytes(b"")  # only the CSVs count
    with (tmp_path / "report.json").open("wb") as other:
        other.truncate(runner.THREE_READS_BYTES * 2)
    assert runner.fits_three_reads(tmp_path)
