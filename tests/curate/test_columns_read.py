"""The build lets go of the transaction columns curation does not read (curate.build.TX_READ)
once the transactions are written; curation must give the same on what is left."""

from __future__ import annotations

import pandas as pd

from ice_cbp_awards.curate.build import TX_READ, transactions_frame
from ice_cbp_awards.metadata import resource


def test_curation_reads_only_the_transaction_columns_it_declares() -> None:
    names = resource("transactions").field_names
    row = {name: f"{name}-value" for name in names}
    row |= {
        "action_date": "2022-05-01",
        "fiscal_year": 2022,
        "federal_action_obligation_usd": 10.5,
        "parent_award_id_piid": "HSHQDC13D00024",
        "source_id": "usaspending-cbp-ice/2026-08-22/fy2022",
    }
    tx = pd.DataFrame([row, row])
    assert set(TX_READ) < set(tx.columns)
    narrowed = transactions_frame(tx[list(TX_READ)])
    pd.testing.assert_frame_equal(narrowed, transactions_frame(tx))
    assert narrowed.loc[0, "parent_award_id_piid"] == "HSHQDC13D00024"


def test_tables_counted_only_keep_their_rows_and_no_column() -> None:
    """Once written, the awards are held for their row count only; the others are unchanged."""
    from ice_cbp_awards.build import counted_only

    core = {"awards": pd.DataFrame({"a": [1, 2, 3]}), "transactions": pd.DataFrame({"b": [4]})}
    out = counted_only(core, ("awards",))
    assert len(out["awards"]) == 3
    assert list(out["awards"].columns) == []
    assert out["transactions"] is core["transactions"]
