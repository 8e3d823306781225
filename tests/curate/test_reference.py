"""The reviewed tables: every rule's and system's examples, and the checks that stop a bad row."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from ice_cbp_awards.curate.names import fold_name
from ice_cbp_awards.curate.reference import (
    EXAMPLE_SEP,
    ReferenceError,
    load_reference,
    split_list,
)
from ice_cbp_awards.curate.textmatch import matches_text
from ice_cbp_awards.paths import REFERENCE_DIR

RULES = list(csv.DictReader((REFERENCE_DIR / "attribution_rules.csv").open(encoding="utf-8")))
SYSTEMS = list(csv.DictReader((REFERENCE_DIR / "systems.csv").open(encoding="utf-8")))


def _examples(rows: list[dict], key: str, column: str) -> list[tuple[str, str, str, str]]:
    return [
        (r[key], r["pattern"], r["exclude_pattern"], ex)
        for r in rows
        for ex in split_list(r[column], EXAMPLE_SEP)
    ]


@pytest.mark.parametrize(
    ("rule_id", "pattern", "exclude", "text"), _examples(RULES, "rule_id", "positive_examples")
)
def test_rule_positive_example(rule_id: str, pattern: str, exclude: str, text: str) -> None:
    assert matches_text(text, pattern, exclude) is not None, rule_id


@pytest.mark.parametrize(
    ("rule_id", "pattern", "exclude", "text"), _examples(RULES, "rule_id", "negative_examples")
)
def test_rule_negative_example(rule_id: str, pattern: str, exclude: str, text: str) -> None:
    assert matches_text(text, pattern, exclude) is None, rule_id


@pytest.mark.parametrize(
    ("system_id", "pattern", "exclude", "text"),
    _examples(SYSTEMS, "system_id", "positive_examples"),
)
def test_system_positive_example(system_id: str, pattern: str, exclude: str, text: str) -> None:
    assert matches_text(text, pattern, exclude) is not None, system_id


@pytest.mark.parametrize(
    ("system_id", "pattern", "exclude", "text"),
    _examples(SYSTEMS, "system_id", "negative_examples"),
)
def test_system_negative_example(system_id: str, pattern: str, exclude: str, text: str) -> None:
    assert matches_text(text, pattern, exclude) is None, system_id


def test_every_rule_has_examples_of_both_kinds() -> None:
    for r in RULES + SYSTEMS:
        assert split_list(r["positive_examples"], EXAMPLE_SEP), r
        assert split_list(r["negative_examples"], EXAMPLE_SEP), r


def test_brief_named_cases() -> None:
    """The brief's own examples: AWS is not LAWS; DYNAMICS alone is not Microsoft."""
    rules = {r["rule_id"]: r for r in RULES}
    aws, dyn = rules["aws-abbrev-resale"], rules["microsoft-dynamics-resale"]
    assert matches_text("LAWS LIBRARY", aws["pattern"], aws["exclude_pattern"]) is None
    assert matches_text("AWS GOVCLOUD", aws["pattern"], aws["exclude_pattern"]) == "AWS"
    for text in ("GENERAL DYNAMICS LAPTOPS", "NEW APP DYNAMICS", "DYNAMICS"):
        assert matches_text(text, dyn["pattern"], dyn["exclude_pattern"]) is None
    assert matches_text("DYNAMICS 365 LICENSES", dyn["pattern"], dyn["exclude_pattern"])


def test_reference_loads_and_is_consistent() -> None:
    ref = load_reference(REFERENCE_DIR)
    companies = ref.companies.set_index("company_id")
    for name in (
        "palantir",
        "microsoft",
        "aws",
        "google",
        "dell-federal-systems",
        "four-points-technology",
        "westwind-computer-products",
        "carahsoft",
        "cdw-government",
        "shi-international",
        "dell-marketing",
    ):
        assert name in companies.index, name
    assert companies.loc["dell-federal-systems", "role"] == "reseller"
    assert companies.loc["aws", "parent_company_id"] == "amazon"
    tech = companies[companies["role"] == "technology_company"]
    assert tech.loc[["anduril", "cellebrite", "babel-street", "talton"], "sector"].tolist() == [
        "border_sensing_surveillance",
        "forensics",
        "osint_social_media",
        "detention_communications",
    ]
    assert companies.loc[["caci", "deloitte", "peraton"], "role"].eq("integrator").all()
    assert companies.loc["tribalco", "role"] == "reseller"
    assert companies.loc["cobwebs", "parent_company_id"] == "penlink"
    for sid in (
        "icm",
        "immigrationos",
        "elite",
        "falcon",
        "raven",
        "ice-cloud",
        "leis",
        "prime",
        "eid",
        "tecs",
        "sevis",
        "mage",
        "integrated-fixed-towers",
        "swift",
        "coplink",
        "clear",
    ):
        assert sid in set(ref.systems["system_id"]), sid
    assert {"70CTD0", "70B04C", "TE000"} <= set(ref.offices["office_code"])
    owners: dict[str, set[str]] = {}
    for cid, aliases in zip(
        ref.companies["company_id"], ref.companies["recipient_aliases"], strict=True
    ):
        for alias in split_list(aliases):
            owners.setdefault(fold_name(alias), set()).add(cid)
    assert owners and all(len(v) == 1 for v in owners.values())


def _edit(path: Path, key: str, value: str, column: str, new: str) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    fields = list(rows[0])
    for r in rows:
        if r[key] == value:
            r[column] = new
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _line_of(path: Path, key: str, value: str) -> int:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    return next(i + 2 for i, r in enumerate(rows) if r[key] == value)


@pytest.mark.parametrize(
    ("table", "key", "value", "column", "new", "message"),
    [
        (
            "companies",
            "company_id",
            "aws",
            "parent_company_id",
            "nobody",
            "parent_company_id 'nobody' is not a company_id",
        ),
        ("companies", "company_id", "aws", "role", "vendor", "role 'vendor' is not one of"),
        ("companies", "company_id", "aws", "sector", "shop", "sector 'shop' is not one of"),
        (
            "companies",
            "company_id",
            "carahsoft",
            "sector",
            "cloud",
            "sector 'cloud' of carahsoft (reseller) must be reseller",
        ),
        (
            "companies",
            "company_id",
            "caci",
            "sector",
            "cloud",
            "sector 'cloud' of caci (integrator) must be it_services",
        ),
        (
            "companies",
            "company_id",
            "anduril",
            "sector",
            "reseller",
            "sector 'reseller' of anduril (technology_company) may not be reseller or it_services",
        ),
        (
            "companies",
            "company_id",
            "palantir",
            "recipient_aliases",
            "PALANTEER INC",
            "alias 'PALANTEER INC' of palantir is matched by none of its direct rules",
        ),
        (
            "companies",
            "company_id",
            "carahsoft",
            "recipient_aliases",
            "PEN-LINK, LIMITED",
            "already an alias of",
        ),
        (
            "attribution_rules",
            "rule_id",
            "aws-abbrev-resale",
            "pattern",
            "AWS(",
            "not a valid RE2 pattern",
        ),
        (
            "attribution_rules",
            "rule_id",
            "aws-abbrev-resale",
            "exclude_pattern",
            "",
            "no platform_services rule of aws with the same pattern",
        ),
        (
            "attribution_rules",
            "rule_id",
            "aws-abbrev-services",
            "positive_examples",
            "LAWS LIBRARY",
            "does not match its positive example 'LAWS LIBRARY'",
        ),
        (
            "attribution_rules",
            "rule_id",
            "aws-abbrev-services",
            "negative_examples",
            "AWS SUPPORT",
            "matches 'AWS' in its negative example",
        ),
        (
            "attribution_rules",
            "rule_id",
            "palantir-recipient",
            "field",
            "transaction_description",
            "a direct rule must look at recipient_name",
        ),
        (
            "attribution_rules",
            "rule_id",
            "palantir-recipient",
            "company_id",
            "carahsoft",
            "only technology companies receive attributions",
        ),
        (
            "attribution_rules",
            "rule_id",
            "google-mandiant-recipient",
            "effective_start_date",
            "12/09/2022",
            "is not a valid date",
        ),
        (
            "systems",
            "system_id",
            "icm",
            "negative_examples",
            "ICM LICENSES",
            "icm matches 'ICM' in its negative example",
        ),
        (
            "offices",
            "office_code",
            "TE000",
            "successor_office_code",
            "ZZ999",
            "successor_office_code 'ZZ999' is not an office_code",
        ),
        ("offices", "office_code", "TE000", "code_kind", "", "code_kind is required"),
        (
            "offices",
            "office_code",
            "TE000",
            "office_code",
            "te000",
            "office_code 'te000' does not match [0-9A-Z]{5,6}",
        ),
        (
            "offices",
            "office_code",
            "TE000",
            "office_code",
            "70CTD0",
            "office_code '70CTD0' is not unique",
        ),
        (
            "offices",
            "office_code",
            "TE000",
            "rationale",
            " padded ",
            "rationale has leading or trailing spaces",
        ),
        (
            "claims",
            "claim_id",
            "palantir-no-cbp-work",
            "claimed_value",
            "",
            "claimed_value is required unless not_covered_reason",
        ),
        (
            "claims",
            "claim_id",
            "palantir-no-cbp-work",
            "relationships",
            "direct ; bought",
            "relationships must be direct, reseller or platform_services",
        ),
    ],
)
def test_bad_rows_stop_with_file_line_and_problem(
    reference_copy: Callable[[], Path],
    table: str,
    key: str,
    value: str,
    column: str,
    new: str,
    message: str,
) -> None:
    ref_dir = reference_copy()
    path = ref_dir / f"{table}.csv"
    line = _line_of(path, key, value)
    _edit(path, key, value, column, new)
    with pytest.raises(ReferenceError) as err:
        load_reference(ref_dir)
    text = str(err.value)
    assert message in text
    if table != "companies" or "already" not in message:
        assert f"reference/{table}.csv line {line}:" in text


def test_wrong_columns_are_named(reference_copy: Callable[[], Path]) -> None:
    ref_dir = reference_copy()
    path = ref_dir / "systems.csv"
    text = path.read_text(encoding="utf-8").replace("vendor_name,", "vendor,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceError, match=r"reference/systems.csv: columns must be exactly"):
        load_reference(ref_dir)


def test_missing_file_is_named(reference_copy: Callable[[], Path]) -> None:
    ref_dir = reference_copy()
    (ref_dir / "offices.csv").unlink()
    with pytest.raises(ReferenceError, match=r"reference/offices.csv: file not found"):
        load_reference(ref_dir)
