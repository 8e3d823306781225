"""Attribution quality against a hand-made gold set: what counts as a true positive, which
labels are evaluable, the precision floor that stops the build, and the gold set's checks."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ice_cbp_awards import metadata
from ice_cbp_awards.curate import build_curated
from ice_cbp_awards.curate.quality import (
    PRECISION_FLOOR,
    QualityError,
    check_precision,
    load_gold,
)
from ice_cbp_awards.curate.reference import ReferenceError

from .conftest import make_tx

ROWS = [
    # 0: direct Microsoft
    {"recipient": "MICROSOFT CORPORATION", "description": "PREMIER SUPPORT"},
    # 1: reseller Microsoft
    {"recipient": "DELL FEDERAL SYSTEMS L.P", "description": "MICROSOFT LICENSES"},
    # 2: platform_services Microsoft
    {"recipient": "ACME SERVICES LLC", "description": "AZURE SUPPORT SERVICES"},
    # 3: nothing attributes (LAWS is not AWS)
    {"recipient": "ACME GUARDS LLC", "description": "ENFORCING THE LAWS"},
    # 4: reseller Microsoft again
    {"recipient": "DELL FEDERAL SYSTEMS L.P", "description": "MICROSOFT 365 LICENSES"},
]
TX = make_tx(ROWS)
HEADER = metadata.resource("gold_set").field_names


def tid(i: int) -> str:
    return str(TX["transaction_id"].iloc[i])


def gold_row(i: int, company: str = "", relationship: str = "none", name: str = "") -> dict:
    return {
        "transaction_id": tid(i) if isinstance(i, int) else i,
        "award_id_usaspending": "CONT_AWD_X_7012_-NONE-_-NONE-",
        "modification_number": "0",
        "sample_stratum": "test",
        "expected_company_id": company,
        "expected_company_name": name,
        "expected_relationship": relationship,
        "rationale": "hand-made",
    }


@pytest.fixture
def gold_dir(reference_copy: Callable[[], Path]) -> Callable[[list[dict]], Path]:
    """A copy of reference/ whose gold_set.csv holds the given rows."""

    def make(rows: list[dict]) -> Path:
        ref = reference_copy()
        with (ref / "gold_set.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        return ref

    return make


def _quality(ref: Path) -> pd.DataFrame:
    return build_curated(TX, pd.DataFrame(), ref)["attribution_quality"].set_index("quality_id")


def test_true_positives_need_the_company_and_the_relationship_group(gold_dir) -> None:
    ref = gold_dir(
        [
            gold_row(0, "microsoft", "direct"),
            # the curator says reseller, the build says platform_services: wrong group
            gold_row(2, "microsoft", "reseller"),
            gold_row(1, "microsoft", "reseller"),
            # the build says reseller, the curator says direct: right for direct+reseller only
            gold_row(4, "microsoft", "direct"),
            gold_row(3),
        ]
    )
    q = _quality(ref)
    row = q.loc["all|direct+reseller"]
    assert (row.predicted_count, row.true_positive_count, row.gold_positive_count) == (3, 3, 4)
    assert row.precision_ratio == 1.0
    assert row.recall_ratio == 0.75
    ms = q.loc["microsoft|reseller"]
    assert (ms.predicted_count, ms.true_positive_count, ms.gold_positive_count) == (2, 1, 2)
    ps = q.loc["microsoft|platform_services"]
    assert (ps.predicted_count, ps.true_positive_count, ps.gold_positive_count) == (1, 0, 0)
    assert pd.isna(ps.recall_ratio) and ps.precision_ratio == 0.0
    anyrel = q.loc["microsoft|any"]
    assert (anyrel.predicted_count, anyrel.true_positive_count) == (4, 4)
    assert set(q["evaluable_record_count"]) == {5} and set(q["gold_record_count"]) == {5}


def test_label_of_a_company_not_in_the_map_is_counted_not_hidden(gold_dir) -> None:
    ref = gold_dir(
        [
            gold_row(0, "microsoft", "direct"),
            gold_row(1, "microsoft", "reseller"),
            # a company not in the map: outside precision and recall, counted with the
            # attribution the build made of it
            gold_row(4, "", "reseller", name="Acme Forensics"),
            gold_row(3, "", "reseller", name="Acme Analytics"),
        ]
    )
    q = _quality(ref)
    row = q.loc["all|direct+reseller"]
    assert (row.predicted_count, row.true_positive_count, row.gold_positive_count) == (2, 2, 2)
    assert set(q["evaluable_record_count"]) == {2}
    assert set(q["unmapped_label_count"]) == {2}
    assert set(q["unmapped_predicted_count"]) == {1}


def test_label_name_of_a_company_in_the_map_is_measured_as_that_company(gold_dir) -> None:
    ref = gold_dir(
        [
            gold_row(0, "", "direct", name="Microsoft Corporation"),
            gold_row(1, "", "reseller", name="MICROSOFT"),
            gold_row(4, "microsoft", "reseller"),
        ]
    )
    q = _quality(ref)
    row = q.loc["microsoft|direct+reseller"]
    assert (row.predicted_count, row.true_positive_count, row.gold_positive_count) == (3, 3, 3)
    assert set(q["unmapped_label_count"]) == {0}


def test_gold_records_missing_from_the_build_are_not_evaluable(gold_dir) -> None:
    ref = gold_dir(
        [gold_row(0, "microsoft", "direct"), gold_row("tx-" + "0" * 20, "microsoft", "direct")]
    )
    q = _quality(ref)
    assert set(q["gold_record_count"]) == {2}
    assert set(q["evaluable_record_count"]) == {1}
    assert q.loc["all|direct", "gold_positive_count"] == 1


def test_build_stops_below_the_precision_floor_with_one_line(gold_dir) -> None:
    # the build attributes 1 and 4 to Microsoft as reseller; the curator disagrees on one of
    # three direct+reseller attributions: 66.7% < 98%
    ref = gold_dir(
        [
            gold_row(0, "microsoft", "direct"),
            gold_row(1, "microsoft", "reseller"),
            gold_row(4),
        ]
    )
    with pytest.raises(QualityError) as exc:
        build_curated(TX, pd.DataFrame(), ref)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "direct+reseller precision 66.7% (2 of 3" in msg
    assert "below the 98% floor" in msg


def test_floor_is_inclusive_and_ignores_an_empty_evaluable_set() -> None:
    def frame(tp: int, n: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "quality_id": ["all|direct+reseller"],
                "predicted_count": [n],
                "true_positive_count": [tp],
                "precision_ratio": [tp / n if n else float("nan")],
            }
        )

    assert PRECISION_FLOOR == 0.98
    check_precision(frame(49, 50))  # exactly 98%
    check_precision(frame(0, 0))  # no gold record in this build: nothing to measure
    with pytest.raises(QualityError):
        check_precision(frame(97, 100))


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (gold_row(0, "microsoft", "none"), "relationship none must name no company"),
        (gold_row(0, "", "direct"), "give exactly one of expected_company_id"),
        (gold_row(0, "microsoft", "direct", name="Microsoft"), "give exactly one of"),
        (gold_row(0, "acme-corp", "direct"), "'acme-corp' is not a company_id"),
        ({**gold_row(0), "expected_relationship": "owner"}, "is not one of"),
    ],
)
def test_bad_gold_rows_are_named_by_file_and_line(gold_dir, row: dict, problem: str) -> None:
    ref = gold_dir([gold_row(1, "microsoft", "reseller"), row])
    with pytest.raises(ReferenceError) as exc:
        load_gold(ref)
    assert "reference/gold_set.csv line 3: " in str(exc.value)
    assert problem in str(exc.value)


def test_published_gold_set_holds_ids_and_labels_only() -> None:
    fields = set(metadata.resource("gold_set").field_names)
    assert not fields & {
        "federal_action_obligation_usd",
        "transaction_description",
        "recipient_name",
    }


def test_quality_page_quotes_the_figures_and_the_disagreements(gold_dir) -> None:
    from ice_cbp_awards.curate.quality_docs import quality_markdown

    ref = gold_dir(
        [
            gold_row(0, "microsoft", "direct"),
            gold_row(1, "microsoft", "reseller"),
            gold_row(2, "microsoft", "reseller"),  # the build says platform_services
            gold_row(3, "", "reseller", name="Acme Analytics"),  # unmapped, unattributed
        ]
    )
    out = build_curated(TX, pd.DataFrame(), ref)
    page = quality_markdown(
        out["attribution_quality"], out["gold_set"], out["attributions"], out["companies"]
    )
    assert "Direct+reseller precision over every company: **100.0%** (2 of 2)" in page
    assert "recall on the gold set 66.7% (2 of 3)" in page
    assert f"| `{tid(2)}` |" in page
    assert "| microsoft reseller | microsoft platform_services |" in page
    assert f"`{tid(3)}`" not in page
    assert "| Acme Analytics | reseller | 1 |" in page
