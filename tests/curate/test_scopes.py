"""Evidence scopes (per record, award-inherited, parent agreement), the flag on evidence dated
after its record, and the totals that keep them apart, on hand-made transactions."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ice_cbp_awards.curate import build_curated
from ice_cbp_awards.curate.reference import Reference, ReferenceError, load_reference
from ice_cbp_awards.paths import REFERENCE_DIR

from .conftest import make_tx
from .test_attribute import run

FOUR_POINTS = "FOUR POINTS TECHNOLOGY, L.L.C."
AWS_BPA = "70CTD022A00000004"  # reviewed in reference/parent_agreements.csv as AWS's


def test_inherited_evidence_dated_after_the_record_is_flagged(reference: Reference) -> None:
    """An order first described as AWS by its fifth modification: the base inherits it from
    a later record, and says so."""
    award = "70CTD023FC0000026"
    tx, att = run(
        reference,
        [
            {"recipient": FOUR_POINTS, "award": award, "mod": "0", "date": "2023-08-07",
             "description": "ICE CLOUD INFRASTRUCTURE HOSTING SUPPORT FOR ICE/OCIO", "amount": 5e6},
            {"recipient": FOUR_POINTS, "award": award, "mod": "P00005", "date": "2025-07-22",
             "description": "CLOUD INFRASTRUCTURE HOSTING SUPPORT IN THE AMAZON WEB SERVICES "
             "ENVIRONMENT", "amount": -1e4},
            {"recipient": FOUR_POINTS, "award": award, "mod": "P00006", "date": "2025-09-01",
             "description": "CLOSEOUT", "amount": 0.0},
        ],
    )  # fmt: skip
    by = att.set_index("transaction_id")
    t = tx["transaction_id"].tolist()
    assert by.loc[t[0], "evidence_scope"] == "award"
    assert bool(by.loc[t[0], "is_evidence_after_record"]) is True
    assert bool(by.loc[t[1], "is_evidence_after_record"]) is False  # its own words
    assert by.loc[t[2], "evidence_scope"] == "award"
    assert bool(by.loc[t[2], "is_evidence_after_record"]) is False  # evidence is earlier


def _bpa_rows(parent: str, proving: str) -> list[dict]:
    return [
        {"recipient": FOUR_POINTS, "award": proving, "parent": parent, "date": "2024-08-15",
         "description": "ICE CLOUD INFRASTRUCTURE HOSTING SUPPORT FOR THE AMAZON WEB SERVICES "
         "ENVIRONMENT", "amount": 9e6},
        {"recipient": FOUR_POINTS, "award": "70CTD022FC0000031", "parent": parent,
         "date": "2022-08-08", "amount": 6e6,
         "description": "ICE CLOUD INFRASTRUCTURE HOSTING SUPPORT FOR ICE/OCIO"},
        {"recipient": FOUR_POINTS, "award": "70CTD022FC0000031", "parent": parent, "mod": "P00003",
         "date": "2025-12-22", "description": "CLOSEOUT", "amount": 0.0},
    ]  # fmt: skip


def test_parent_agreement_attributes_silent_calls_of_a_reviewed_vehicle(
    reference: Reference,
) -> None:
    tx, att = run(reference, _bpa_rows(AWS_BPA, "70CTD024FC0000017"))
    t = tx["transaction_id"].tolist()
    by = att.set_index("transaction_id")
    assert by.loc[t[0], "evidence_scope"] == "transaction"
    for i in (1, 2):
        row = by.loc[t[i]]
        assert (row["company_id"], row["relationship"], row["evidence_scope"]) == (
            "aws",
            "reseller",
            "parent_agreement",
        )
        assert row["evidence_transaction_id"] == t[0]
        assert row["matched_text"] == "AMAZON WEB SERVICES"
        # the proof is the 2024 call: after the 2022 call, before its 2025 closeout
        assert bool(row["is_evidence_after_record"]) is (i == 1)


def test_parent_agreement_is_never_inferred(reference: Reference) -> None:
    """The same calls under a vehicle that no reviewed row names: nothing beyond the record."""
    tx, att = run(reference, _bpa_rows("70CTD022A00000099", "70CTD024FC0000017"))
    assert att["transaction_id"].tolist() == [tx["transaction_id"].iloc[0]]


def test_parent_agreement_needs_its_proof_in_the_records(reference: Reference) -> None:
    """A reviewed vehicle whose proving awards are not among the records applies to nothing:
    another call naming AWS is not one of the proofs the reviewer named."""
    tx, att = run(reference, _bpa_rows(AWS_BPA, "70CTD026FC0000999"))
    assert set(att["evidence_scope"]) == {"transaction"}


def test_parent_agreement_not_for_a_recipient_outside_the_relationship(
    reference: Reference,
) -> None:
    """The row says reseller: a call under the vehicle to a services firm is not attributed."""
    rows = _bpa_rows(AWS_BPA, "70CTD024FC0000017")
    rows[1]["recipient"] = "BOOZ ALLEN HAMILTON INC"
    tx, att = run(reference, rows)
    assert tx["transaction_id"].iloc[1] not in set(att["transaction_id"])


def test_parent_agreement_table_checked(reference_copy: Callable[[], Path]) -> None:
    ref_dir = reference_copy()
    path = ref_dir / "parent_agreements.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[0]["company_id"] = "four-points-technology"
    rows[1]["proving_award_piids"] = rows[1]["parent_award_id_piid"]
    _write(path, rows)
    with pytest.raises(ReferenceError) as err:
        load_reference(ref_dir)
    lines = str(err.value).splitlines()
    assert lines == [
        "reference/parent_agreements.csv line 2: 70CTD019A00000004: four-points-technology is "
        "not a technology company",
        "reference/parent_agreements.csv line 3: 70CTD022A00000002: the vehicle cannot prove "
        "itself; name its calls or orders",
    ]


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_company_totals_publish_the_three_figures_apart(reference: Reference) -> None:
    rows = _bpa_rows(AWS_BPA, "70CTD024FC0000017") + [
        {"recipient": FOUR_POINTS, "award": "70CTD024FC0000017", "parent": AWS_BPA,
         "mod": "P00001", "date": "2024-09-16", "description": "ADD FUNDING", "amount": 1e6},
    ]  # fmt: skip
    out = build_curated(make_tx(rows), pd.DataFrame(), REFERENCE_DIR, reference=reference)
    t = out["company_totals"].set_index(["agency_acronym", "company_id", "fiscal_year"])
    fy24 = t.loc[("ICE", "aws", 2024)]
    assert (fy24["obligation_per_record_usd"], fy24["transaction_count_per_record"]) == (9e6, 1)
    assert fy24["obligation_including_inherited_usd"] == 10e6
    assert fy24["transaction_count_including_inherited"] == 2
    assert (fy24["inherited_obligation_usd"], fy24["inherited_transaction_count"]) == (1e6, 1)
    assert fy24["parent_agreement_obligation_usd"] == 0
    fy22 = t.loc[("ICE", "aws", 2022)]
    assert (fy22["obligation_per_record_usd"], fy22["obligation_including_inherited_usd"]) == (0, 0)
    assert fy22["parent_agreement_obligation_usd"] == 6e6
    assert fy22["parent_agreement_transaction_count"] == 1


def _report(
    truncated: list[tuple[str, str, int]], flags: str = "suspected_truncation"
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"source_id": s, "agency_acronym": a, "fiscal_year": fy, "coverage_flags": flags}
            for s, a, fy in truncated
        ]
    )


def test_coverage_bias_follows_the_slices_of_the_records() -> None:
    """FY2022 ICE records all from a truncated slice: an upper bound. FY2024 from a truncated
    slice and a sound one: mixed. CBP: a minimum."""
    rows = [
        {"recipient": "PALANTIR TECHNOLOGIES INC.", "date": "2022-03-01", "amount": 10.0},
        {"recipient": "PALANTIR TECHNOLOGIES INC.", "date": "2024-03-01", "amount": 20.0},
        {"recipient": "PALANTIR TECHNOLOGIES INC.", "date": "2024-04-01", "amount": 30.0},
        {"recipient": "PALANTIR TECHNOLOGIES INC.", "date": "2024-04-01", "amount": 40.0,
         "agency": "CBP"},
    ]  # fmt: skip
    tx = make_tx(rows)
    tx["source_id"] = ["s/fy2022", "s/fy2024", "s/fy2024-bulk", "s/fy2024"]
    report = _report([("s/fy2022", "ICE", 2022), ("s/fy2024", "ICE", 2024)])
    out = build_curated(tx, pd.DataFrame(), REFERENCE_DIR, report)
    t = out["company_totals"].set_index(["agency_acronym", "fiscal_year"])
    assert t.loc[("ICE", 2022), "coverage_bias"] == "upper_bound_truncated_slice"
    assert t.loc[("ICE", 2022), "truncated_slice_ids"] == "s/fy2022 ICE"
    assert t.loc[("ICE", 2024), "coverage_bias"] == "mixed"
    assert t.loc[("ICE", 2024), "truncated_slice_ids"] == "s/fy2024 ICE"
    assert (t.loc[("CBP", 2024), "coverage_bias"], t.loc[("CBP", 2024), "truncated_slice_ids"]) == (
        "minimum",
        "",
    )
    fam = out["corporate_family_totals"].set_index(["agency_acronym", "fiscal_year"])
    assert fam.loc[("ICE", 2022), "coverage_bias"] == "upper_bound_truncated_slice"
    assert fam.loc[("ICE", 2024), "coverage_bias"] == "mixed"


def test_claims_leave_parent_agreement_records_out(reference: Reference) -> None:
    """The silent 2022 call under the AWS BPA is AWS's only through the reviewed vehicle: a
    claim about AWS money does not count it."""
    # a later record so that the claim's period (to 2026-03-03) lies inside the records
    rows = [*_bpa_rows(AWS_BPA, "70CTD024FC0000017"), {"date": "2026-06-01"}]
    out = build_curated(make_tx(rows), pd.DataFrame(), REFERENCE_DIR, reference=reference)
    att = out["attributions"]
    vehicle = set(att.loc[att["evidence_scope"] == "parent_agreement", "transaction_id"])
    assert len(vehicle) == 2
    records = out["claim_records"]
    counted = records.loc[records["claim_id"] == "aws-usually-through-four-points-or-westwind"]
    assert counted["transaction_id"].tolist() == [make_tx(rows)["transaction_id"].iloc[0]]
    assert not vehicle & set(records["transaction_id"])
