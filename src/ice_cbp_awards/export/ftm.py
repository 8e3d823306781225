"""FollowTheMoney entities, one JSON object a line, as the `ftm` tools read them.

- `PublicBody`: each awarding sub-agency (ICE, CBP), by its FPDS code.
- `Company`: each recipient (by UEI when the record has one, else by name), and each company
  of the reviewed `companies` table (the technology companies and resellers).
- `Contract`: each award (its USAspending key), with its total as the package derives it.
- `ContractAward`: each transaction (a modification is one), between its award's contract and
  its recipient, with the obligation, the action date and the record's USAspending page.
- `UnknownLink`: each attribution, from the company it counts for to the award's contract,
  its role saying how (direct, reseller, platform_services), which rule matched what text.

Entity ids are derived from the package's own ids, so they are stable across versions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pandas as pd

Entity = dict[str, Any]


def _id(*parts: str) -> str:
    """An FtM id: `iccta-` and a digest of the package ids it stands for."""
    return "iccta-" + hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:20]


def entity(schema: str, ident: str, **props: Any) -> Entity:
    """An entity with non-empty properties only, each as a list of strings."""
    properties = {}
    for name, value in props.items():
        values = value if isinstance(value, list) else [value]
        values = [str(v) for v in values if v is not None and str(v) != ""]
        if values:
            properties[name] = values
    return {"id": ident, "schema": schema, "properties": properties}


def agency_id(code: str) -> str:
    return _id("agency", code)


def recipient_id(name: str, uei: str) -> str:
    return _id("recipient", f"uei:{uei}" if uei else f"name:{name}")


def contract_id(award_key: str) -> str:
    return _id("award", award_key)


def company_id(company: str) -> str:
    return _id("company", company)


def public_bodies(tx: pd.DataFrame) -> Iterator[Entity]:
    agencies = tx[["awarding_sub_agency_code", "awarding_sub_agency_name", "agency_acronym"]]
    for code, name, acronym in agencies.drop_duplicates().itertuples(index=False):
        yield entity("PublicBody", agency_id(code), name=name, alias=acronym, country="us",
                     jurisdiction="us", idNumber=code)  # fmt: skip


def recipients(tx: pd.DataFrame) -> Iterator[Entity]:
    pairs = tx[["recipient_name", "recipient_uei"]].drop_duplicates()
    for name, uei in pairs.itertuples(index=False):
        yield entity("Company", recipient_id(name, uei), name=name, uniqueEntityId=uei)


def companies(table: pd.DataFrame) -> Iterator[Entity]:
    for row in table.itertuples(index=False):
        yield entity("Company", company_id(row.company_id), name=row.company_name,
                     sourceUrl=row.source_url, description=row.role)  # fmt: skip


def contracts(awards: pd.DataFrame) -> Iterator[Entity]:
    for row in awards.itertuples(index=False):
        yield entity(
            "Contract", contract_id(row.award_id_usaspending),
            title=row.latest_description or row.award_id_piid,
            authority=agency_id(row.awarding_sub_agency_code),
            procedureNumber=row.award_id_piid, contractDate=row.first_action_date,
            sourceUrl=row.award_page_url, country="us",
        )  # fmt: skip
    # No Contract amount: the package holds only part of most awards' transactions (see
    # awards.transactions_obligation_sum_usd), so any sum here would read as the award's value;
    # each ContractAward carries its own transaction's obligation instead.


def contract_awards(tx: pd.DataFrame) -> Iterator[Entity]:
    for row in tx.itertuples(index=False):
        yield entity(
            "ContractAward", _id("transaction", row.transaction_id),
            contract=contract_id(row.award_id_usaspending),
            supplier=recipient_id(row.recipient_name, row.recipient_uei),
            amount=row.federal_action_obligation_usd, currency="USD",
            amountUsd=row.federal_action_obligation_usd, date=row.action_date,
            documentNumber=row.modification_number, recordId=row.transaction_id,
            amended="true" if row.modification_number not in ("", "0") else "",
            summary=row.transaction_description, sourceUrl=row.award_page_url,
            retrievedAt=row.retrieved_at,
        )  # fmt: skip


def attribution_links(attributions: pd.DataFrame) -> Iterator[Entity]:
    for row in attributions.itertuples(index=False):
        yield entity(
            "UnknownLink", _id("attribution", row.attribution_id),
            subject=company_id(row.company_id),
            object=contract_id(row.award_id_usaspending),
            role=f"{row.relationship} ({row.evidence_scope})",
            summary=f"rule {row.rule_id} matched {row.matched_field}: {row.matched_text}",
            recordId=row.attribution_id, date=row.action_date, sourceUrl=row.award_page_url,
        )  # fmt: skip


def ftm_entities(tables: dict[str, pd.DataFrame]) -> list[Entity]:
    """Every entity of the release, in a fixed order (by kind, then id)."""
    tx = tables["transactions"]
    kinds = [
        public_bodies(tx),
        recipients(tx),
        companies(tables["companies"]),
        contracts(tables["awards"]),
        contract_awards(tx),
        attribution_links(tables["attributions"]),
    ]
    out = []
    for kind in kinds:
        out += sorted(kind, key=lambda e: e["id"])
    return out


def dumps(entities: list[Entity]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entities)
