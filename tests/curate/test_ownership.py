"""Dated ownership, corporate families that count a dollar once, and recipient name variants."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ice_cbp_awards import metadata
from ice_cbp_awards.curate import build_curated
from ice_cbp_awards.curate.reference import Reference, ReferenceError, load_reference
from ice_cbp_awards.paths import REFERENCE_DIR

from .conftest import make_tx


def header(resource: str) -> str:
    """A reference table's header line, in its fields' order (from the metadata)."""
    return ",".join(metadata.resource(resource).field_names)


def _set_ownership(ref_dir: Path, lines: list[str]) -> None:
    (ref_dir / "ownership.csv").write_text(
        "\n".join([header("ownership"), *lines]) + "\n", encoding="utf-8"
    )


def _set_parent(ref_dir: Path, company: str, parent: str) -> None:
    path = ref_dir / "companies.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for r in rows:
        if r["company_id"] == company:
            r["parent_company_id"] = parent
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_an_acquisition_moves_later_records_only(reference_copy: Callable[[], Path]) -> None:
    """Palantir bought by Alphabet on 2024-06-01 (a made-up acquisition): its earlier records
    stay in its own family, later ones join Alphabet's, and its recipient says Alphabet."""
    ref_dir = reference_copy()
    _set_parent(ref_dir, "palantir", "alphabet")
    _set_ownership(
        ref_dir,
        [
            "google,alphabet,2015-10-02,,r,c",
            "palantir,alphabet,2024-06-01,,made-up acquisition,test",
        ],
    )
    rows = [
        {"recipient": "PALANTIR TECHNOLOGIES INC.", "date": "2024-03-01", "amount": 100.0},
        {"recipient": "PALANTIR TECHNOLOGIES INC.", "date": "2024-07-01", "amount": 200.0},
        {"recipient": "GOOGLE LLC", "date": "2024-07-02", "amount": 50.0},
    ]
    out = build_curated(make_tx(rows), pd.DataFrame(), ref_dir)
    fam = out["corporate_family_totals"].set_index("corporate_family_id")
    assert fam.loc["palantir", "obligation_per_record_usd"] == 100.0
    assert fam.loc["alphabet", "obligation_per_record_usd"] == 250.0
    assert fam.loc["alphabet", "member_company_ids"] == "google ; palantir"
    # company totals are unchanged by ownership
    ct = out["company_totals"].set_index("company_id")
    assert ct.loc["palantir", "obligation_per_record_usd"] == 300.0
    rec = out["recipients"].set_index("recipient_name")
    assert rec.loc["PALANTIR TECHNOLOGIES INC.", "parent_company_id"] == "alphabet"
    assert rec.loc["PALANTIR TECHNOLOGIES INC.", "corporate_family_id"] == "alphabet"


def test_a_family_counts_a_dollar_once(reference_copy: Callable[[], Path]) -> None:
    """A reseller record naming both AWS and Google, with Google made an Amazon subsidiary:
    two company attributions, one family dollar."""
    ref_dir = reference_copy()
    _set_parent(ref_dir, "google", "amazon")
    _set_ownership(ref_dir, ["google,amazon,,,made-up,test"])
    rows = [
        {"recipient": "FOUR POINTS TECHNOLOGY, L.L.C.", "amount": 1000.0,
         "description": "AWS AND GOOGLE CLOUD HOSTING"},
    ]  # fmt: skip
    out = build_curated(make_tx(rows), pd.DataFrame(), ref_dir)
    assert sorted(out["attributions"]["company_id"]) == ["aws", "google"]
    fam = out["corporate_family_totals"]
    assert fam["corporate_family_id"].tolist() == ["amazon"]
    assert fam["obligation_per_record_usd"].tolist() == [1000.0]
    assert fam["transaction_count_per_record"].tolist() == [1]
    assert fam["member_company_ids"].tolist() == ["aws ; google"]


def test_static_parent_holds_where_ownership_has_no_row() -> None:
    out = build_curated(
        make_tx([{"recipient": "DELL FEDERAL SYSTEMS L.P", "description": "AZURE LICENSES"}]),
        pd.DataFrame(),
        REFERENCE_DIR,
    )
    rec = out["recipients"].set_index("recipient_name")
    assert rec.loc["DELL FEDERAL SYSTEMS L.P", "parent_company_id"] == "dell-technologies"
    fam = out["corporate_family_totals"]
    assert fam["corporate_family_id"].tolist() == ["microsoft"]


def test_ownership_table_checked(reference_copy: Callable[[], Path]) -> None:
    ref_dir = reference_copy()
    _set_ownership(
        ref_dir,
        [
            "google,alphabet,2015-10-02,,r,c",
            "aws,amazon,2020-01-01,2019-01-01,r,c",
            "palantir,alphabet,2020-01-01,,r,c",
            "palantir,amazon,2021-01-01,2022-01-01,r,c",
        ],
    )
    with pytest.raises(ReferenceError) as err:
        load_reference(ref_dir)
    assert str(err.value).splitlines() == [
        "reference/ownership.csv line 3: aws: from_date is after to_date",
        "reference/ownership.csv line 3: aws: current owner none differs from companies.csv "
        "parent_company_id 'amazon'",
        "reference/ownership.csv line 5: palantir owned by alphabet and amazon at once",
        "reference/ownership.csv line 5: palantir: current owner ['alphabet'] differs from "
        "companies.csv parent_company_id ''",
    ]


def test_reviewed_name_variants_fold_into_one_recipient(reference: Reference) -> None:
    rows = [
        {"recipient": "UNI FIRST CORP", "amount": 10.0},
        {"recipient": "UNIFIRST CORPORATION", "amount": 20.0},
        {"recipient": "UNIFIRST CORP", "amount": 30.0},
        {"recipient": "PEN-LINK, LIMITED", "amount": 1.0},
        {"recipient": "PEN-LINK, LTD", "amount": 2.0},
    ]
    rec = build_curated(make_tx(rows), pd.DataFrame(), REFERENCE_DIR, reference=reference)[
        "recipients"
    ]
    rec = rec.set_index("recipient_name_folded")
    assert rec.loc["UNIFIRST", "recipient_name_variants"] == (
        "UNI FIRST CORP ; UNIFIRST CORP ; UNIFIRST CORPORATION"
    )
    assert rec.loc["UNIFIRST", "transaction_count"] == 3
    assert rec.loc["PEN LINK", "recipient_name_variants"] == "PEN-LINK, LIMITED ; PEN-LINK, LTD"
    assert rec.loc["PEN LINK", "company_id"] == "penlink"
    assert len(rec) == 2


def test_name_variant_table_checked(reference_copy: Callable[[], Path]) -> None:
    ref_dir = reference_copy()
    (ref_dir / "recipient_name_variants.csv").write_text(
        header("recipient_name_variants") + '\nPEN-LINK LIMITED,"PEN-LINK, LTD",r,c\n',
        encoding="utf-8",
    )
    with pytest.raises(ReferenceError, match="line 2: 'PEN-LINK LIMITED' folds to its canonical"):
        load_reference(ref_dir)


def _edit_csv(path: Path, change: Callable[[list[dict]], list[dict]]) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    fields = list(rows[0])
    rows = change(rows)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _with_mandiant(ref_dir: Path) -> None:
    """Mandiant as its own company, owned by Google from 2022-09-12 (the acquisition's close)."""

    def companies(rows: list[dict]) -> list[dict]:
        for r in rows:
            if r["company_id"] == "google":
                r["recipient_aliases"] = ""
        mandiant = {k: "" for k in rows[0]}
        mandiant.update(
            company_id="mandiant",
            company_name="Mandiant",
            role="technology_company",
            sector="it_platform_software",
            parent_company_id="google",
            recipient_aliases="MANDIANT, INC.",
            rationale="r",
            citation="c",
        )
        return [*rows, mandiant]

    def rules(rows: list[dict]) -> list[dict]:
        rule = dict(next(r for r in rows if r["rule_id"] == "google-mandiant-recipient"))
        rule.update(rule_id="mandiant-recipient", company_id="mandiant", effective_start_date="")
        return [*rows, rule]

    _edit_csv(ref_dir / "companies.csv", companies)
    _edit_csv(ref_dir / "attribution_rules.csv", rules)
    _set_ownership(
        ref_dir,
        ["google,alphabet,2015-10-02,,r,c", "mandiant,google,2022-09-12,,acquisition closed,c"],
    )


def test_mandiant_joins_google_on_the_acquisition_date(reference_copy: Callable[[], Path]) -> None:
    """Mandiant's 2021 order is Mandiant's alone; its 2024 order is Mandiant's and, through the
    dated Google rule, Google's: the Alphabet family counts its dollars once."""
    ref_dir = reference_copy()
    _with_mandiant(ref_dir)
    rows = [
        {"recipient": "MANDIANT, INC.", "date": "2021-09-16", "amount": 650000.0},
        {"recipient": "MANDIANT, INC.", "date": "2024-08-02", "amount": 40480.0},
    ]
    out = build_curated(make_tx(rows), pd.DataFrame(), ref_dir)
    att = out["attributions"]
    by_year = att.groupby(att["action_date"].dt.year)["company_id"].agg(sorted).to_dict()
    assert by_year == {2021: ["mandiant"], 2024: ["google", "mandiant"]}
    fam = out["corporate_family_totals"].set_index(["corporate_family_id", "fiscal_year"])
    assert fam.loc[("mandiant", 2021), "obligation_per_record_usd"] == 650000.0
    assert fam.loc[("alphabet", 2024), "obligation_per_record_usd"] == 40480.0
    assert fam.loc[("alphabet", 2024), "transaction_count_per_record"] == 1
    assert fam.loc[("alphabet", 2024), "member_company_ids"] == "google ; mandiant"
    assert ("mandiant", 2024) not in fam.index and ("alphabet", 2021) not in fam.index
    rec = out["recipients"].set_index("recipient_name")
    assert rec.loc["MANDIANT, INC.", "company_id"] == "mandiant"
    assert rec.loc["MANDIANT, INC.", "parent_company_id"] == "google"  # on its last action date
    assert rec.loc["MANDIANT, INC.", "corporate_family_id"] == "alphabet"
