"""Open Contracting Data Standard 1.1: a release package and a record package.

One contracting process (ocid) per USAspending award; one OCDS release per transaction
(a modification is a transaction). A release's id is the transaction id plus a digest of the
values it publishes, so an unchanged transaction keeps its release id across versions and a
revised one (upstream changed an amount, a date, a description) becomes a new release. The
obligation of each transaction is in `contracts[].implementation.transactions[]`: obligations,
not outlays (a negative amount is a de-obligation). An order placed under another agency's
vehicle (a parent PIID) names that vehicle as a related process (`framework`).

The ocid prefix is not registered with the Open Contracting Partnership yet: the default
`ocds-pending` says so, and `$AWARDS_OCID_PREFIX` (or the `prefix` argument) sets another.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..versioning import parse_data_version

OCDS_VERSION = "1.1"
Row = Mapping[str, str]  # one published row, as the CSV's text
DEFAULT_OCID_PREFIX = "ocds-pending"
OCID_PREFIX_ENV = "AWARDS_OCID_PREFIX"
AWARD_PAGE = "https://www.usaspending.gov/award/{key}/"
# Identifier schemes of the data; neither is in org-id.guide's register, hence "X-".
AGENCY_SCHEME = "X-US-FPDS-AGENCY"
UEI_SCHEME = "X-US-SAM-UEI"
# The values a release publishes: a change in any of them makes a new release.
CONTENT_FIELDS = (
    "award_id_usaspending", "modification_number", "action_date",
    "federal_action_obligation_usd", "recipient_name", "recipient_uei",
    "transaction_description", "awarding_sub_agency_code", "awarding_sub_agency_name",
    "awarding_office_code", "parent_award_id_piid", "parent_award_agency_code",
    "award_type_code", "product_or_service_code", "naics_code",
)  # fmt: skip


def ocid_prefix(prefix: str | None = None) -> str:
    """The ocid prefix: the argument, else $AWARDS_OCID_PREFIX, else the pending default."""
    return prefix or os.environ.get(OCID_PREFIX_ENV) or DEFAULT_OCID_PREFIX


def _digest(values: Iterable[str], n: int = 12) -> str:
    return hashlib.sha256("\x1f".join(values).encode("utf-8")).hexdigest()[:n]


def release_id(row: Row) -> str:
    """Transaction id and a digest of the published values: stable until upstream revises."""
    return f"{row['transaction_id']}-{_digest(str(row.get(f, '')) for f in CONTENT_FIELDS)}"


def _datetime(date: str) -> str:
    return f"{date}T00:00:00Z"


def buyer_party(row: Row) -> dict[str, Any]:
    code = row["awarding_sub_agency_code"]
    name = row["awarding_sub_agency_name"] or row["agency_acronym"]
    return {
        "id": f"{AGENCY_SCHEME}-{code}",
        "name": name,
        "identifier": {"scheme": AGENCY_SCHEME, "id": code, "legalName": name},
        "roles": ["buyer", "procuringEntity"],
    }


def supplier_party(row: Row) -> dict[str, Any]:
    """The recipient, identified by its UEI when the record has one, else by its name."""
    name, uei = row["recipient_name"], row.get("recipient_uei", "")
    party: dict[str, Any] = {"name": name, "roles": ["supplier", "payee"]}
    if uei:
        party["id"] = f"{UEI_SCHEME}-{uei}"
        party["identifier"] = {"scheme": UEI_SCHEME, "id": uei, "legalName": name}
    else:
        party["id"] = f"recipient-name-{_digest([name])}"
    return party


def _ref(party: dict[str, Any]) -> dict[str, str]:
    return {"id": party["id"], "name": party["name"]}


def related_vehicle(row: Row, prefix: str) -> list[dict[str, Any]]:
    """The parent vehicle (GSA schedule, GWAC, agency IDV) as a related process."""
    piid, agency = row.get("parent_award_id_piid", ""), row.get("parent_award_agency_code", "")
    if not piid:
        return []
    key = f"CONT_IDV_{piid}_{agency or '-NONE-'}"
    return [{
        "id": "parent-vehicle",
        "relationship": ["framework"],
        "title": f"Parent award {piid}" + (f" (agency {agency})" if agency else ""),
        "scheme": "ocid",
        "identifier": f"{prefix}-{key}",
        "uri": AWARD_PAGE.format(key=key),
    }]  # fmt: skip


def ocds_release(row: Row, prefix: str) -> dict[str, Any]:
    """One OCDS release for one transaction (all values as the CSV publishes them)."""
    buyer, supplier = buyer_party(row), supplier_party(row)
    key, mod = row["award_id_usaspending"], row["modification_number"]
    date = _datetime(row["action_date"])
    transaction = {
        "id": row["transaction_id"],
        "source": row["award_page_url"],
        "date": date,
        "value": {"amount": float(row["federal_action_obligation_usd"]), "currency": "USD"},
        "payer": _ref(buyer),
        "payee": _ref(supplier),
        "uri": row["award_page_url"],
    }
    contract: dict[str, Any] = {
        "id": key,
        "awardID": key,
        "description": row["transaction_description"],
        "implementation": {"transactions": [transaction]},
    }
    base = mod in ("", "0")
    if not base:
        contract["amendments"] = [
            {"id": mod, "date": date, "description": row["transaction_description"]}
        ]
    release: dict[str, Any] = {
        "ocid": f"{prefix}-{key}",
        "id": release_id(row),
        "date": date,
        "tag": ["award", "contract"] if base else ["contractAmendment"],
        "initiationType": "tender",
        "language": "en",
        "parties": [buyer, supplier],
        "buyer": _ref(buyer),
        "awards": [{"id": key, "suppliers": [_ref(supplier)]}],
        "contracts": [contract],
    }
    related = related_vehicle(row, prefix)
    if related:
        release["relatedProcesses"] = related
    return release


def ocds_releases(transactions: pd.DataFrame, prefix: str | None = None) -> list[dict[str, Any]]:
    """Every transaction as an OCDS release, ordered by ocid, date and release id."""
    prefix = ocid_prefix(prefix)
    releases = [ocds_release(row, prefix) for row in transactions.to_dict("records")]
    return sorted(releases, key=lambda r: (r["ocid"], r["date"], r["id"]))


def package_uri(descriptor: dict[str, Any], kind: str) -> str:
    """A URI naming a package of this version: a URN, not a URL, since nothing serves the
    file at a fixed address (it is in the release zip)."""
    return f"urn:{descriptor['name']}:{descriptor['version']}:{kind}"


def package_metadata(descriptor: dict[str, Any]) -> dict[str, Any]:
    """uri, publisher, publishedDate and licence of a package, from the release descriptor."""
    homepage = descriptor.get("homepage", "")
    licenses = [lic["path"] for lic in descriptor.get("licenses", []) if lic.get("path")]
    meta: dict[str, Any] = {
        "uri": package_uri(descriptor, "ocds-release-package"),
        "version": OCDS_VERSION,
        "publishedDate": descriptor.get("created")
        or f"{parse_data_version(descriptor['version']).snapshot}T00:00:00Z",
        "publisher": {"name": descriptor.get("title", descriptor["name"])},
    }
    if homepage:
        meta["publisher"]["uri"] = homepage
    if licenses:
        meta["license"] = licenses[0]
    meta["publicationPolicy"] = f"{homepage}/blob/main/docs/exports.md" if homepage else ""
    return {k: v for k, v in meta.items() if v != ""}


def release_package(releases: list[dict[str, Any]], descriptor: dict[str, Any]) -> dict:
    return {**package_metadata(descriptor), "releases": releases}


def linked_release(release: dict[str, Any], descriptor: dict[str, Any]) -> dict[str, Any]:
    """A record's link to a release of the release package (its URI and the release id)."""
    url = f"{package_uri(descriptor, 'ocds-release-package')}#{release['id']}"
    return {"url": url, "date": release["date"], "tag": release["tag"]}


def record_package(releases: list[dict[str, Any]], descriptor: dict[str, Any]) -> dict:
    """One record per ocid: links to its releases in the release package (not copies, which
    would double the file) and the compiled release, the process's latest state."""
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for rel in releases:
        by_ocid.setdefault(rel["ocid"], []).append(rel)
    records = [
        {"ocid": ocid, "releases": [linked_release(r, descriptor) for r in rels],
         "compiledRelease": compile_releases(rels)}
        for ocid, rels in sorted(by_ocid.items())
    ]  # fmt: skip
    meta = package_metadata(descriptor)
    meta["uri"] = package_uri(descriptor, "ocds-record-package")
    meta["packages"] = [package_uri(descriptor, "ocds-release-package")]
    return {**meta, "records": records}


def compile_releases(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """OCDS's merge of a process's releases, for the fields these releases use: newest value
    of each field; arrays of objects merged by id (transactions, amendments, parties)."""
    ordered = sorted(releases, key=lambda r: (r["date"], r["id"]))
    compiled: dict[str, Any] = {}
    for rel in ordered:
        compiled = _merge(compiled, {k: v for k, v in rel.items() if k not in ("id", "tag")})
    compiled["id"] = f"{compiled['ocid']}-{ordered[-1]['date']}"
    compiled["tag"] = ["compiled"]
    return compiled


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for k, v in new.items():
            out[k] = _merge(old.get(k), v) if k in old else v
        return out
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and all(isinstance(x, dict) and "id" in x for x in old + new)
    ):
        merged = {x["id"]: x for x in old}
        for x in new:
            merged[x["id"]] = _merge(merged[x["id"]], x) if x["id"] in merged else x
        return list(merged.values())
    return new


def dumps(package: dict[str, Any]) -> str:
    """Compact JSON, UTF-8, one trailing newline: the packages run to hundreds of megabytes
    for the whole package, and indentation would add a third."""
    return json.dumps(package, ensure_ascii=False, separators=(",", ":")) + "\n"
