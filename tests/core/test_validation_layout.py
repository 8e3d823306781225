"""How the validators share the two cores depends on the size of what they read."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_a_large_package_validated_two_reads_at_a_time_gives_the_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Laid out for a large package (the third worker begun at once, importing Great
    Expectations while the others run, its checks once either has ended), the validators give
    what they give three at once."""
    from rawfactory import make_cbp_ice_root, tx_row, write_counts

    from ice_cbp_awards.build import build_package

    root = make_cbp_ice_root(tmp_path / "raw", {2022: [tx_row(), tx_row(mod="P00001")]})
    counts = write_counts(tmp_path / "counts.csv", [("ICE", 2022, 1, 100)])
    data = build_package(root, tmp_path / "data", include_legacy=False, expected_counts=counts)
    at_once, _ = runner.run_with(data.data_dir, expected_counts=counts)
    monkeypatch.setattr(runner, "THREE_READS_BYTES", 0)
    assert not runner.fits_three_reads(data.data_dir)
    two_at_a_time, _ = runner.run_with(data.data_dir, expected_counts=counts)
    assert [r.validator for r in two_at_a_time] == ["frictionless", "pandera", "great_expectations"]
    for one, other in zip(at_once, two_at_a_time, strict=True):
        assert (one.findings, one.checks_run, one.details) == (
            other.findings,
            other.checks_run,
            other.details,
        )
        assert one.ok
