"""A small built package for the publish tests, written from the repository's schemas.

Rows are chosen to exercise the site: the Palantir ICM award (PIID 70CTD022FR0000170) with a
description naming Investigative Case Management, a reseller order naming Azure, a CBP order,
a de-obligation. Columns come from the schemas: a value is given here only where the tests need
a particular one; every other column gets a plain value of its type, so a schema that gains a
column still yields a loadable package.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ice_cbp_awards.metadata import package_descriptor, resources

VERSION = "2026.8.22"
RETRIEVED = "2026-08-22T10:00:00Z"
SOURCE = "usaspending-cbp-ice/2026-08-22/fy2025"
PALANTIR_PIID = "70CTD022FR0000170"
PALANTIR_KEY = f"CONT_AWD_{PALANTIR_PIID}_7012_GS35F0086U_4730"
DELL_KEY = "CONT_AWD_70CTD024FR0000031_7012_47QTCA22D003G_4732"
CBP_KEY = "CONT_AWD_70B04C25F00000123_7014_-NONE-_-NONE-"
LEGACY_KEY = "CONT_AWD_HSCETC15C00004_7012_-NONE-_-NONE-"


def _url(key: str) -> str:
    return f"https://www.usaspending.gov/award/{key}/"


def _tx(
    n: int,
    key: str,
    mod: str,
    date: str,
    fy: int,
    amount: float,
    recipient: str,
    description: str,
    agency: str = "ICE",
) -> dict[str, Any]:
    piid = key.split("_")[2]
    parent = key.split("_")[4]
    return {
        "transaction_id": f"tx-{n:020x}",
        "award_id_usaspending": key,
        "award_id_piid": piid,
        "award_agency_code": "7012" if agency == "ICE" else "7014",
        "parent_award_id_piid": "" if parent == "-NONE-" else parent,
        "parent_award_agency_code": "" if parent == "-NONE-" else key.split("_")[5],
        "modification_number": mod,
        "action_date": date,
        "fiscal_year": fy,
        "federal_action_obligation_usd": amount,
        "recipient_name": recipient,
        "transaction_description": description,
        "product_or_service_description": "IT AND TELECOM - BUSINESS APPLICATION SOFTWARE",
        "naics_description": "SOFTWARE PUBLISHERS",
        "awarding_agency_code": "070",
        "awarding_agency_name": "Department of Homeland Security",
        "awarding_sub_agency_code": "7012" if agency == "ICE" else "7014",
        "awarding_sub_agency_name": (
            "U.S. Immigration and Customs Enforcement"
            if agency == "ICE"
            else "U.S. Customs and Border Protection"
        ),
        "agency_acronym": agency,
        "piid_office_code": piid[:6] if piid.startswith("70") else "",
        "piid_fiscal_year": 2000 + int(piid[6:8]) if piid.startswith("70") else "",
        "piid_instrument_code": piid[8] if piid.startswith("70") else "",
        "award_page_url": _url(key),
        "source_system": "usaspending_api",
        "source_id": SOURCE,
        "raw_line_number": n + 1,
        "retrieved_at": RETRIEVED,
    }


TRANSACTIONS = [
    _tx(
        1,
        PALANTIR_KEY,
        "0",
        "2022-09-26",
        2022,
        95_900_000.0,
        "PALANTIR USG INC",
        "INVESTIGATIVE CASE MANAGEMENT (ICM) OPERATIONS AND MAINTENANCE SUPPORT SERVICES",
    ),
    _tx(
        2,
        PALANTIR_KEY,
        "P00009",
        "2025-04-11",
        2025,
        29_898_236.0,
        "PALANTIR USG INC",
        "THIS MODIFICATION ADDS LICENSES, CONFIGURATION AND ENGINEERING SERVICES FOR THE "
        "INVESTIGATIVE CASE MANAGEMENT SYSTEM",
    ),
    _tx(
        3,
        PALANTIR_KEY,
        "P00010",
        "2025-06-30",
        2025,
        -2.32,
        "PALANTIR USG INC",
        "ADMINISTRATIVE DE-OBLIGATION OF REMAINING FUNDS",
    ),
    _tx(
        4,
        DELL_KEY,
        "0",
        "2024-03-15",
        2024,
        4_100_000.5,
        "DELL FEDERAL SYSTEMS L.P.",
        "MICROSOFT AZURE CLOUD SUBSCRIPTION AND MICROSOFT 365 LICENSES FOR ICE OCIO",
    ),
    _tx(
        5,
        DELL_KEY,
        "P00001",
        "2025-01-10",
        2025,
        0.0,
        "DELL FEDERAL SYSTEMS L.P.",
        "ADMINISTRATIVE MODIFICATION TO UPDATE THE POINT OF CONTACT",
    ),
    _tx(
        6,
        CBP_KEY,
        "0",
        "2025-02-03",
        2025,
        1_250_000.0,
        "FOUR POINTS TECHNOLOGY, L.L.C.",
        "AWS GOVCLOUD HOSTING FOR CBP ENTERPRISE CLOUD SERVICES",
        agency="CBP",
    ),
]


def award(key: str, txs: list[dict], summary_id: str = "") -> dict[str, Any]:
    mine = [t for t in txs if t["award_id_usaspending"] == key]
    last = max(mine, key=lambda t: t["action_date"])
    return {
        **{
            k: last[k]
            for k in (
                "award_id_usaspending",
                "award_id_piid",
                "award_agency_code",
                "parent_award_id_piid",
                "parent_award_agency_code",
                "awarding_sub_agency_code",
                "agency_acronym",
                "recipient_name",
                "piid_office_code",
                "piid_instrument_code",
                "award_page_url",
                "source_id",
                "raw_line_number",
                "retrieved_at",
            )
        },
        "first_action_date": min(t["action_date"] for t in mine),
        "last_action_date": last["action_date"],
        "transaction_count": len(mine),
        "transactions_obligation_sum_usd": round(
            sum(t["federal_action_obligation_usd"] for t in mine), 2
        ),
        "has_base_action_in_package": any(t["modification_number"] == "0" for t in mine),
        "transactions_as_of_date": "2026-08-22",
        "latest_description": last["transaction_description"],
        "award_summary_id": summary_id,
    }


LEGACY_SUMMARY = {
    "award_summary_id": "as-0000000000000000abcd",
    "award_id_usaspending": LEGACY_KEY,
    "award_id_piid": "HSCETC15C00004",
    "award_agency_code": "7012",
    "latest_action_date": "2018-03-01",
    "latest_action_fiscal_year": 2018,
    "latest_action_obligation_usd": 1_500_000.0,
    "recipient_name": "PALANTIR TECHNOLOGIES INC.",
    "award_type_code": "D",
    "award_description": "FALCON SEARCH AND ANALYSIS SYSTEM OPERATIONS AND MAINTENANCE",
    "awarding_sub_agency_code": "7012",
    "agency_acronym": "ICE",
    "awarding_office_code": "TE000",
    "award_page_url": _url(LEGACY_KEY),
    "source_system": "usaspending_custom_award_2018",
    "source_id": "usaspending-ice-awards-fy2013-2018/2018-08-09/fy18",
    "raw_line_number": 12,
    "retrieved_at": "2018-08-09T15:00:00Z",
}

ROWS: dict[str, list[dict[str, Any]]] = {
    "sources": [
        {
            "source_id": SOURCE,
            "source_family": "usaspending-cbp-ice",
            "snapshot": "2026-08-22",
            "path": "usaspending-cbp-ice/2026-08-22/CBP_ICE_FY2025_Contract_Obligations.csv",
            "sha256": "a" * 64,
            "bytes": 3_500_000,
            "rows": 10_878,
            "retrieved_at": RETRIEVED,
            "upstream_system": "USAspending",
            "upstream_endpoint": "https://api.usaspending.gov/api/v2/search/spending_by_transaction/",
            "intermediary_repository": "wrags81/cbp-ice-dashboard",
            "license": "other-pd",
        },
        {
            "source_id": "usaspending-ice-awards-fy2013-2018/2018-08-09/fy18",
            "source_family": "usaspending-ice-awards-fy2013-2018",
            "snapshot": "2018-08-09",
            "path": "usaspending-ice-awards-fy2013-2018/fy18.csv",
            "sha256": "b" * 64,
            "bytes": 900_000,
            "rows": 2_203,
            "retrieved_at": "2018-08-09T15:00:00Z",
            "upstream_system": "USAspending",
            "upstream_endpoint": "https://www.usaspending.gov/download_center/custom_award_data",
            "intermediary_repository": "xpmethod/torn-apart",
            "license": "other-pd",
        },
    ],
    "transactions": TRANSACTIONS,
    "award_summaries": [LEGACY_SUMMARY],
    "awards": sorted(
        [
            award(PALANTIR_KEY, TRANSACTIONS),
            award(DELL_KEY, TRANSACTIONS),
            award(CBP_KEY, TRANSACTIONS),
            {
                **{
                    k: LEGACY_SUMMARY[k]
                    for k in (
                        "award_id_usaspending",
                        "award_id_piid",
                        "award_agency_code",
                        "awarding_sub_agency_code",
                        "agency_acronym",
                        "recipient_name",
                        "award_page_url",
                        "source_id",
                        "raw_line_number",
                        "retrieved_at",
                        "award_summary_id",
                    )
                },
                "first_action_date": "2018-03-01",
                "last_action_date": "2018-03-01",
                "transaction_count": 0,
                "has_base_action_in_package": False,
                "summary_latest_action_date": LEGACY_SUMMARY["latest_action_date"],
                "summary_latest_action_obligation_usd": LEGACY_SUMMARY[
                    "latest_action_obligation_usd"
                ],
                "summary_as_of_date": "2018-08-09",
                "latest_description": LEGACY_SUMMARY["award_description"],
            },
        ],
        key=lambda r: r["award_id_usaspending"],
    ),
    "rejects": [
        {
            "source_id": SOURCE,
            "raw_line_number": 4_321,
            "reason_code": "unparseable_date",
            "reason_detail": "Action Date '2025-13-01' is not a date",
            "raw_values_json": '{"Action Date": "2025-13-01"}',
        }
    ],
    "build_report": [
        {
            "source_id": source,
            "agency_acronym": agency,
            "fiscal_year": fy,
            "rows_read": n,
            "duplicate_rows_removed": 0,
            "rows_quarantined": 0,
            "rows_reconciled": 0,
            "rows_published": n,
            "negative_amount_count": 0,
            "zero_amount_count": 0,
            "total_obligation_usd": 1.0,
            "coverage_flags": flags,
            "coverage_bias": bias,
            "coverage_note": note,
        }
        # The CBP FY2025 slice is flagged as a truncated pull: its figures are upper bounds.
        # FY2023 is absent; FY2018 holds award summaries only, retrieved before the year ended.
        for source, agency, fy, n, flags, bias, note in (
            (
                SOURCE,
                "CBP",
                2025,
                1,
                "suspected_truncation",
                "upper_bound_truncated_slice",
                "exactly 100 rows and no negative amounts",
            ),
            (SOURCE, "ICE", 2022, 1, "", "minimum", ""),
            (SOURCE, "ICE", 2024, 2, "", "minimum", ""),
            (SOURCE, "ICE", 2025, 3, "", "minimum", ""),
            (
                LEGACY_SUMMARY["source_id"],
                "ICE",
                2018,
                1,
                "partial_fiscal_year; latest_action_only",
                "not_transactions",
                "award summaries: one row per award at its latest modification",
            ),
        )  # fmt: skip
    ],
}


RULE_SET = "rs-000000000abc"
RECIPIENT_IDS = {
    "PALANTIR USG INC": "rc-00000000000000000001",
    "DELL FEDERAL SYSTEMS L.P.": "rc-00000000000000000002",
    "FOUR POINTS TECHNOLOGY, L.L.C.": "rc-00000000000000000003",
}
_TX = {t["transaction_id"]: t for t in TRANSACTIONS}
# (transaction, company, relationship, rule, field, matched text, scope, evidence transaction)
_ATTRIBUTIONS = [
    (
        "tx-00000000000000000001",
        "palantir",
        "direct",
        "palantir-recipient",
        "recipient_name",
        "PALANTIR",
        "transaction",
        "tx-00000000000000000001",
    ),
    (
        "tx-00000000000000000002",
        "palantir",
        "direct",
        "palantir-recipient",
        "recipient_name",
        "PALANTIR",
        "transaction",
        "tx-00000000000000000002",
    ),
    (
        "tx-00000000000000000003",
        "palantir",
        "direct",
        "palantir-recipient",
        "recipient_name",
        "PALANTIR",
        "transaction",
        "tx-00000000000000000003",
    ),
    (
        "tx-00000000000000000004",
        "microsoft",
        "reseller",
        "microsoft-azure-resale",
        "transaction_description",
        "MICROSOFT AZURE",
        "transaction",
        "tx-00000000000000000004",
    ),
    (
        "tx-00000000000000000005",
        "microsoft",
        "reseller",
        "microsoft-azure-resale",
        "transaction_description",
        "MICROSOFT AZURE",
        "award",
        "tx-00000000000000000004",
    ),
    (
        "tx-00000000000000000006",
        "aws",
        "reseller",
        "aws-resale",
        "transaction_description",
        "AWS GOVCLOUD",
        "transaction",
        "tx-00000000000000000006",
    ),
]


def _copied(tx: dict[str, Any]) -> dict[str, Any]:
    return {
        k: tx[k]
        for k in (
            "award_id_usaspending",
            "agency_acronym",
            "action_date",
            "fiscal_year",
            "federal_action_obligation_usd",
            "award_page_url",
        )
    }


ATTRIBUTIONS = [
    {
        **_copied(_TX[tx]),
        "attribution_id": f"at-{i:020x}",
        "transaction_id": tx,
        "company_id": company,
        "relationship": rel,
        "rule_id": rule,
        "matched_field": field,
        "matched_text": text,
        "evidence_scope": scope,
        "evidence_transaction_id": evidence,
        "is_evidence_after_record": str(
            _TX[evidence]["action_date"] > _TX[tx]["action_date"]
        ).lower(),
        "recipient_id": RECIPIENT_IDS[_TX[tx]["recipient_name"]],
        "rule_set_version": RULE_SET,
    }
    for i, (tx, company, rel, rule, field, text, scope, evidence) in enumerate(_ATTRIBUTIONS, 1)
]

SYSTEM_MENTIONS = [
    {
        **_copied(_TX[tx]),
        "mention_id": f"sm-{i:020x}",
        "transaction_id": tx,
        "system_id": "icm",
        "matched_field": "transaction_description",
        "matched_text": "INVESTIGATIVE CASE MANAGEMENT",
        "rule_set_version": RULE_SET,
    }
    for i, tx in enumerate(["tx-00000000000000000001", "tx-00000000000000000002"], 1)
]


COMPANY_TOTAL_PARTS = {
    # part: (usd column, count column, relationships, evidence scopes)
    "per_record": (
        "obligation_per_record_usd",
        "transaction_count_per_record",
        ("direct", "reseller"),
        ("transaction",),
    ),
    "including_inherited": (
        "obligation_including_inherited_usd",
        "transaction_count_including_inherited",
        ("direct", "reseller"),
        ("transaction", "award"),
    ),
    "inherited": (
        "inherited_obligation_usd",
        "inherited_transaction_count",
        ("direct", "reseller"),
        ("award",),
    ),
    "parent_agreement": (
        "parent_agreement_obligation_usd",
        "parent_agreement_transaction_count",
        ("direct", "reseller"),
        ("parent_agreement",),
    ),
    "direct": ("direct_obligation_usd", "direct_transaction_count", ("direct",), None),
    "reseller_per_record": (
        "reseller_per_record_obligation_usd",
        "reseller_per_record_transaction_count",
        ("reseller",),
        ("transaction",),
    ),
    "platform_services": (
        "platform_services_obligation_usd",
        "platform_services_transaction_count",
        ("platform_services",),
        None,
    ),
}


def _company_totals() -> list[dict[str, Any]]:
    out: dict[tuple, dict[str, Any]] = {}
    for a in ATTRIBUTIONS:
        key = (a["agency_acronym"], a["company_id"], a["fiscal_year"])
        row = out.setdefault(
            key,
            {
                "agency_acronym": key[0],
                "company_id": key[1],
                "fiscal_year": key[2],
                **{c: 0 for u, n, _, _ in COMPANY_TOTAL_PARTS.values() for c in (u, n)},
                "inherited_evidence_after_record_transaction_count": 0,
                "coverage_bias": "minimum",
                "truncated_slice_ids": "",
                **(
                    {
                        "coverage_bias": "upper_bound_truncated_slice",
                        "truncated_slice_ids": f"{SOURCE} CBP",
                    }
                    if key[:1] == ("CBP",) and key[2] == 2025
                    else {}
                ),
                "rule_set_version": RULE_SET,
            },
        )
        amount = a["federal_action_obligation_usd"]
        for usd_col, count_col, rels, scopes in COMPANY_TOTAL_PARTS.values():
            if a["relationship"] in rels and (scopes is None or a["evidence_scope"] in scopes):
                row[usd_col] = round(row[usd_col] + amount, 2)
                row[count_col] += 1
    return [out[k] for k in sorted(out)]


def _review(field: str) -> dict[str, str]:
    return {"rationale": f"Sample {field} for the publish tests.", "citation": "Test fixture"}


CURATED: dict[str, list[dict[str, Any]]] = {
    "companies": [
        {
            "company_id": "aws",
            "company_name": "Amazon Web Services",
            "role": "technology_company",
            **_review("company"),
        },
        {
            "company_id": "dell-federal-systems",
            "company_name": "Dell Federal Systems",
            "role": "reseller",
            "recipient_aliases": "DELL FEDERAL SYSTEMS LP",
            **_review("company"),
        },
        {
            "company_id": "four-points-technology",
            "company_name": "Four Points Technology",
            "role": "reseller",
            "recipient_aliases": "FOUR POINTS TECHNOLOGY LLC",
            **_review("company"),
        },
        {
            "company_id": "microsoft",
            "company_name": "Microsoft",
            "role": "technology_company",
            **_review("company"),
        },
        {
            "company_id": "palantir",
            "company_name": "Palantir Technologies",
            "role": "technology_company",
            "recipient_aliases": "PALANTIR USG INC",
            **_review("company"),
        },
    ],
    "attribution_rules": [
        {
            "rule_id": rule,
            "company_id": company,
            "relationship": rel,
            "field": field,
            "pattern": pattern,
            "positive_examples": pos,
            "negative_examples": neg,
            **_review("rule"),
        }
        for rule, company, rel, field, pattern, pos, neg in [
            (
                "aws-resale",
                "aws",
                "reseller",
                "transaction_description",
                r"\bAWS\b",
                "AWS GOVCLOUD",
                "LAWS",
            ),
            (
                "microsoft-azure-resale",
                "microsoft",
                "reseller",
                "transaction_description",
                r"\bMICROSOFT AZURE\b",
                "MICROSOFT AZURE",
                "AZURE BLUE PAINT",
            ),
            (
                "palantir-recipient",
                "palantir",
                "direct",
                "recipient_name",
                r"\bPALANTIR\b",
                "PALANTIR USG INC",
                "PALANTINE",
            ),
        ]
    ],
    "systems": [
        {
            "system_id": "icm",
            "system_name": "Investigative Case Management",
            "acronym": "ICM",
            "system_kind": "agency_system",
            "owner_agency_acronym": "ICE",
            "vendor_company_id": "palantir",
            "vendor_name": "Palantir Technologies",
            "description": "HSI's case management system, built on Palantir Gotham.",
            "pattern": r"\bINVESTIGATIVE CASE MANAGEMENT\b|\bICM\b",
            "positive_examples": "INVESTIGATIVE CASE MANAGEMENT",
            "negative_examples": "ICMP",
            **_review("system"),
        },
    ],
    "offices": [
        {
            "office_code": "70CTD0",
            "agency_acronym": "ICE",
            "code_kind": "piid_office_code",
            "office_name": "ICE Information Technology Division",
            **_review("office"),
        },
    ],
    "recipients": [
        {
            "recipient_id": rid,
            "recipient_name_folded": name.upper(),
            "recipient_name": name,
            "recipient_name_variants": name,
            "company_id": company,
            "company_link_basis": "alias",
            "transaction_count": sum(1 for t in TRANSACTIONS if t["recipient_name"] == name),
            "total_obligation_usd": round(
                sum(
                    t["federal_action_obligation_usd"]
                    for t in TRANSACTIONS
                    if t["recipient_name"] == name
                ),
                2,
            ),
            "first_action_date": min(
                t["action_date"] for t in TRANSACTIONS if t["recipient_name"] == name
            ),
            "last_action_date": max(
                t["action_date"] for t in TRANSACTIONS if t["recipient_name"] == name
            ),
            "rule_set_version": RULE_SET,
        }
        for name, rid, company in [
            ("PALANTIR USG INC", RECIPIENT_IDS["PALANTIR USG INC"], "palantir"),
            (
                "DELL FEDERAL SYSTEMS L.P.",
                RECIPIENT_IDS["DELL FEDERAL SYSTEMS L.P."],
                "dell-federal-systems",
            ),
            (
                "FOUR POINTS TECHNOLOGY, L.L.C.",
                RECIPIENT_IDS["FOUR POINTS TECHNOLOGY, L.L.C."],
                "four-points-technology",
            ),
        ]
    ],
    "attributions": ATTRIBUTIONS,
    "system_mentions": SYSTEM_MENTIONS,
    "company_totals": _company_totals(),
    "claims": [
        {
            "claim_id": "palantir-icm-2025",
            "claim_text": "ICE paid Palantir for ICM in 2025.",
            "source_publisher": "Test",
            "source_title": "Fixture",
            "source_date": "2026-03-03",
            "measure": "obligation_usd",
            "claimed_value": 29_900_000.0,
            "comparison": "approximately",
            "tolerance_value": 500_000.0,
            "period_start_date": "2024-10-01",
            "period_end_date": "2025-09-30",
            "agency_acronym": "ICE",
            "company_id": "palantir",
            "system_id": "icm",
            "rationale": "Transactions of ICM in FY2025.",
            "package_value": 29_898_236.0,
            "package_obligation_usd": 29_898_236.0,
            "package_transaction_count": 1,
            "status": "consistent",
            "status_reason": "29,898,236 is within 500,000 of 29,900,000",
            "rule_set_version": RULE_SET,
        },
        {
            "claim_id": "zz-budget",
            "claim_text": "A budget line the records cannot test.",
            "source_publisher": "Test",
            "source_title": "Fixture",
            "source_date": "2026-03-03",
            "measure": "obligation_usd",
            "comparison": "approximately",
            "period_start_date": "2024-10-01",
            "period_end_date": "2025-09-30",
            "not_covered_reason": "A budget, not obligations.",
            "rationale": "Not testable.",
            "package_transaction_count": 0,
            "status": "not_covered",
            "status_reason": "A budget, not obligations.",
            "rule_set_version": RULE_SET,
        },
    ],
    "claim_records": [
        {
            "claim_id": "palantir-icm-2025",
            "transaction_id": "tx-00000000000000000002",
            "record_role": "counted",
            "federal_action_obligation_usd": 29_898_236.0,
        },
    ],
    "review_candidates": [
        {
            **_copied(_TX["tx-00000000000000000004"]),
            "transaction_id": "tx-00000000000000000004",
            "candidate_rank": 1,
            "recipient_name": "DELL FEDERAL SYSTEMS L.P.",
            "recipient_company_id": "dell-federal-systems",
            "transaction_description": _TX["tx-00000000000000000004"]["transaction_description"],
            "signals": "cloud ; licence",
            "rule_set_version": RULE_SET,
        },
    ],
}
ROWS.update(CURATED)


def _default(field: dict[str, Any], index: int) -> Any:
    """A plain value of the field's type for columns the tests do not care about."""
    constraints = field.get("constraints", {})
    if constraints.get("enum"):
        return constraints["enum"][0]
    if not constraints.get("required") and not constraints.get("unique"):
        return ""
    return {
        "integer": index + 1,
        "number": 1.0,
        "boolean": "true",
        "date": "2025-01-01",
        "datetime": RETRIEVED,
        "year": 2025,
    }.get(field.get("type", "string"), f"{field['name']}-{index + 1}")


def write_sample_package(data_dir: Path, rows: dict[str, list[dict]] | None = None) -> Path:
    """Write a built package (descriptor + CSVs) for every resource of the repository."""
    rows = ROWS if rows is None else rows
    data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = json.loads(json.dumps(package_descriptor()))
    descriptor["version"] = VERSION
    descriptor["resources"] = []
    for name, res in resources().items():
        entry = {**res.descriptor, "path": f"{name}.csv", "schema": res.schema}
        descriptor["resources"].append(entry)
        fields = res.fields
        with (data_dir / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(res.field_names)
            for i, row in enumerate(rows.get(name, [])):
                writer.writerow([row.get(f["name"], _default(f, i)) for f in fields])
    (data_dir / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    return data_dir
