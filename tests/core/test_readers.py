"""Readers: checksums, headers, line numbers, column maps, on hand-made and real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from rawfactory import HEADER, make_cbp_ice_root, tx_row, write_csv

from ice_cbp_awards.readers import bulk, cbp_ice, ice_2018
from ice_cbp_awards.readers.errors import ChecksumMismatch, HeaderMismatch, RawInputError


def test_cbp_ice_reads_rows_with_lines_and_provenance(tmp_path: Path) -> None:
    root = make_cbp_ice_root(tmp_path, {2022: [tx_row(), tx_row(mod="P00001")]})
    batch = cbp_ice.read(root)
    frame = batch.frame()
    assert frame["raw_line_number"].tolist() == [2, 3]
    assert frame["modification_number"].tolist() == ["0", "P00001"]
    src = batch.sources[0]
    assert src.source_id == "usaspending-cbp-ice/2026-08-22/fy2022"
    assert src.rows == 2 and src.retrieved_at == "2026-08-22T10:00:00Z"


def test_checksum_mismatch_names_file_and_hashes(tmp_path: Path) -> None:
    root = make_cbp_ice_root(tmp_path, {2022: [tx_row()]})
    f = root / "usaspending-cbp-ice/2026-08-22/CBP_ICE_FY2022_Contract_Obligations.csv"
    f.write_text(f.read_text().replace("1000.0", "1000.1"))
    with pytest.raises(
        ChecksumMismatch,
        match=r"CBP_ICE_FY2022_Contract_Obligations\.csv: sha256 "
        r"mismatch: manifest says [0-9a-f]{64}, file has [0-9a-f]{64}",
    ):
        cbp_ice.read(root)


def test_changed_header_names_missing_and_unexpected(tmp_path: Path) -> None:
    header = [("Award Amount" if c == "Federal Action Obligation" else c) for c in HEADER]
    root = make_cbp_ice_root(tmp_path, {2022: [tx_row()]}, header=header)
    with pytest.raises(HeaderMismatch) as err:
        cbp_ice.read(root)
    assert str(err.value).endswith(
        "header differs from the expected one: missing columns "
        "'Federal Action Obligation'; unexpected columns 'Award Amount'"
    )


def test_unknown_snapshot_lists_the_available_ones(tmp_path: Path) -> None:
    root = make_cbp_ice_root(tmp_path, {2022: [tx_row()]})
    with pytest.raises(RawInputError, match="no snapshot '2020-01-01'; available: 2026-08-22"):
        cbp_ice.read(root, "2020-01-01")


def test_record_with_wrong_field_count_is_kept_aside(tmp_path: Path) -> None:
    root = make_cbp_ice_root(tmp_path, {2022: [tx_row(), tx_row()[:-1] + ["x", "y"]]})
    batch = cbp_ice.read(root)
    assert len(batch.frame()) == 1
    assert batch.bad_rows[0]["raw_line_number"] == 3
    assert batch.bad_rows[0]["reason_code"] == "wrong_field_count"


@pytest.mark.slow  # reads the real raw root
def test_default_snapshot_is_the_newest(raw_root: Path) -> None:
    assert cbp_ice.read(raw_root).sources[0].snapshot == "2026-08-22"
    assert cbp_ice.snapshots(raw_root) == ["2026-03-02", "2026-05-05", "2026-08-22"]


@pytest.mark.slow  # reads the real raw root
def test_legacy_summaries_mapped_through_dictionary(raw_root: Path) -> None:
    batch = ice_2018.read(raw_root)
    frame = batch.frame()
    assert len(frame) == 157 + 193 + 444 + 936 + 1739 + 2203
    fy14 = frame[frame["source_id"] == "usaspending-ice-awards-fy2013-2018/fy14"]
    first = fy14.iloc[0]
    # fy14.csv has no header: its first data row is on line 1
    assert first["raw_line_number"] == 1
    assert first["award_id_piid"] == "HSCEDM14F00011"
    assert first["latest_action_date"] == "27/03/2014"
    assert frame[frame["source_id"].str.endswith("fy13")]["raw_line_number"].min() == 2


@pytest.mark.slow  # reads the real raw root
def test_bulk_summaries_sample(raw_root: Path) -> None:
    path = next((raw_root / "usaspending-bulk-award-summaries-sample").glob("Contracts_*.csv"))
    (batch,) = bulk.read_files([path], raw_root)
    assert batch.kind == "award_summaries"
    frame = batch.frame()
    # 31 IDV keys (CONT_IDV_{piid}_{agency}) are not award keys: kept aside with their values
    assert len(frame) == 1338 and len(batch.bad_rows) == 31
    assert {b["reason_code"] for b in batch.bad_rows} == {"malformed_award_key"}
    assert batch.sources[0].rows == 1369
    assert frame["award_id_usaspending"].iloc[0] == "CONT_AWD_70CDCR18P00000017_7012_-NONE-_-NONE-"
    # checksum came from the sample's manifest, provenance names the intermediary
    assert batch.sources[0].intermediary_repository == "alyssc/mn_ice_contracts"
    assert "recipient_address_line_1" not in batch.raw_values_json(frame.head(1)).iloc[0]


def test_bulk_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "Contracts_PrimeTransactions_2025-01-01_H00M00S00_1.csv"
    write_csv(path, ["contract_award_unique_key", "award_id_piid"], [["a", "b"]])
    with pytest.raises(HeaderMismatch, match="missing columns 'modification_number'"):
        bulk.read_files([path], tmp_path)
