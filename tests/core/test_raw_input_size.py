"""The size of a build's raw input, judged before reading it (`awards build` starts its workers'
server before its own imports only for a small input)."""

from __future__ import annotations

from pathlib import Path

from ice_cbp_awards.paths import raw_input_bytes


def test_the_newest_or_named_snapshot_and_the_bulk_files_are_counted(tmp_path: Path) -> None:
    family = tmp_path / "raw" / "usaspending-cbp-ice"
    for snapshot, sizes in {"2026-03-02": [100, 200], "2026-05-05": [1000, 30]}.items():
        (family / snapshot).mkdir(parents=True)
        for i, size in enumerate(sizes):
            (family / snapshot / f"f{i}.csv").write_bytes(b"x" * size)
    (family / "2026-05-05" / "notes.txt").write_bytes(b"x" * 5000)  # not a CSV
    (family / "manifest.csv").write_bytes(b"x" * 7000)  # not in a snapshot's folder
    bulk = tmp_path / "bulk.csv"
    bulk.write_bytes(b"x" * 4)
    root = tmp_path / "raw"
    assert raw_input_bytes(root, None, []) == 1030
    assert raw_input_bytes(root, "2026-03-02", [bulk]) == 304
    assert raw_input_bytes(root, "2099-01-01", [bulk, tmp_path / "missing.csv"]) == 4
    assert raw_input_bytes(tmp_path / "nowhere", None, [bulk]) == 4
