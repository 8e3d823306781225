"""The review aid ranks candidates by expected value: obligation x the gold-set probability of
their strongest signal."""

from __future__ import annotations

import pandas as pd
import pytest

from ice_cbp_awards.curate import build_curated
from ice_cbp_awards.curate.reference import Reference
from ice_cbp_awards.curate.review import SIGNAL_EVIDENCE, signal_probability
from ice_cbp_awards.paths import REFERENCE_DIR

from .conftest import make_tx

ROWS = [
    {"recipient": "ACME HOSTING LLC", "description": "CLOUD HOSTING", "amount": 100_000},
    {"recipient": "ACME DATA LLC", "description": "ATLASSIAN MAINTENANCE", "amount": 60_000},
    {"recipient": "ACME DATA LLC", "description": "ATLASSIAN MAINTENANCE", "amount": -90_000},
    {"recipient": "ACME GUARDS LLC", "description": "GUARD SERVICES", "amount": 500_000},
]


@pytest.fixture(scope="module")
def candidates(reference: Reference) -> pd.DataFrame:
    out = build_curated(make_tx(ROWS), pd.DataFrame(), REFERENCE_DIR)["review_candidates"]
    return out.sort_values("candidate_rank").reset_index(drop=True)


def test_named_product_outranks_a_larger_bare_cloud(candidates: pd.DataFrame) -> None:
    # 60,000 x 17/18 = 56,667 beats 100,000 x 4/8 = 50,000; a de-obligation ranks last
    assert candidates["federal_action_obligation_usd"].tolist() == [60_000, 100_000, -90_000]
    assert candidates["candidate_rank"].tolist() == [1, 2, 3]


def test_expected_value_is_obligation_times_probability(candidates: pd.DataFrame) -> None:
    p = candidates["technology_probability_ratio"].tolist()
    assert p == pytest.approx([17 / 18, 4 / 8, 17 / 18])
    ev = candidates["federal_action_obligation_usd"] * candidates["technology_probability_ratio"]
    assert candidates["expected_value_usd"].tolist() == pytest.approx(ev.round(2).tolist())


def test_record_without_signal_is_not_a_candidate(candidates: pd.DataFrame) -> None:
    assert "GUARD SERVICES" not in set(candidates["transaction_description"])


def test_probabilities_are_smoothed_shares() -> None:
    for label, (k, n) in SIGNAL_EVIDENCE.items():
        assert 0 < signal_probability(label) < 1
        assert signal_probability(label) == (k + 1) / (n + 2)


def test_a_licence_line_an_integrator_passes_through_is_found_by_review(
    reference: Reference,
) -> None:
    """An integrator's order for a platform's licences is attributed as platform_services (not
    product money); review surfaces it so that a curator decides, rather than letting it count
    silently. An integrator's services line naming the platform is not surfaced."""
    rows = [
        {"recipient": "DELOITTE CONSULTING LLP", "description": "AZURE LICENSES RENEWAL"},
        {"recipient": "DELOITTE CONSULTING LLP", "description": "AZURE SUPPORT SERVICES"},
    ]
    tx = make_tx(rows)
    out = build_curated(tx, pd.DataFrame(), REFERENCE_DIR)
    att = out["attributions"]
    assert set(att["relationship"]) == {"platform_services"}
    cand = out["review_candidates"]
    assert cand["transaction_description"].tolist() == ["AZURE LICENSES RENEWAL"]
    assert "integrator recipient: deloitte" in cand["signals"].iloc[0]
