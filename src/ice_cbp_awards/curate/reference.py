"""The reviewed reference tables: read, check against their Table Schemas, check their rules.

Every problem is reported as one line naming the file, the line and what is wrong, e.g.
`reference/companies.csv line 7: parent_company_id 'acme' is not a company_id of companies.csv`.
The tables are checked in two passes: frictionless checks each against its Table Schema and the
foreign keys the schemas declare between them, then the rules of this module check what a Table
Schema cannot say (parent chains without loops, twin rules, examples, ownership spans). A build
stops at the first pass with problems, listing all of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from .. import metadata
from ..tables import TableError, read_checked_csvs
from .names import fold_name
from .textmatch import PatternError, check_pattern, match_each

LIST_SEP = " ; "
EXAMPLE_SEP = " ;; "
CLAIM_COMPUTED_FIELDS = (
    "package_value",
    "package_obligation_usd",
    "package_transaction_count",
    "status",
    "status_reason",
    "has_records_past_scope",
    "past_scope_transaction_count",
    "past_scope_obligation_usd",
    "package_award_summary_ids",
    "coverage_bias",
    "truncated_slice_ids",
    "rule_set_version",
)
# The reviewed tables curation reads together (their foreign keys to each other are checked as
# one package), each with the fields of its schema that the build fills.
REVIEWED_TABLES: dict[str, tuple[str, ...]] = {
    "companies": (),
    "attribution_rules": (),
    "systems": (),
    "offices": (),
    "claims": CLAIM_COMPUTED_FIELDS,
    "parent_agreements": (),
    "ownership": (),
    "recipient_name_variants": (),
}
RESELLER_TWIN = {"reseller": "platform_services", "platform_services": "reseller"}
# The sector a role implies: a reseller's sector is reseller, an integrator's it_services, and no
# technology company may claim either (it would hide a reseller or an integrator as a vendor).
ROLE_SECTOR = {"reseller": "reseller", "integrator": "it_services"}


class ReferenceError(ValueError):
    """A reviewed table that is not valid; the message lists every problem, one per line."""


@dataclass(frozen=True)
class Reference:
    """The reviewed tables, typed as their schemas say, rows sorted by primary key."""

    companies: pd.DataFrame
    attribution_rules: pd.DataFrame
    systems: pd.DataFrame
    offices: pd.DataFrame
    claims: pd.DataFrame
    parent_agreements: pd.DataFrame
    ownership: pd.DataFrame
    recipient_name_variants: pd.DataFrame


def split_list(value: str, sep: str = LIST_SEP) -> list[str]:
    """Items of a ' ; '-separated cell, stripped, empty items dropped."""
    return [v.strip() for v in value.split(sep.strip()) if v.strip()] if value else []


def load_reference(reference_dir: Path) -> Reference:
    """Read and check every reviewed table in reference_dir."""
    reference_dir = Path(reference_dir)
    key = _content_key(reference_dir, REVIEWED_TABLES)
    if key in _LOADED:
        return _copy(_LOADED[key])
    t = read_tables(reference_dir, REVIEWED_TABLES)
    problems: list[str] = []
    problems += check_companies(
        t["companies"], t["attribution_rules"], _label(reference_dir, "companies")
    )
    problems += check_rules(
        t["attribution_rules"], t["companies"], _label(reference_dir, "attribution_rules")
    )
    problems += check_systems(t["systems"], _label(reference_dir, "systems"))
    problems += check_claims(t["claims"], t["companies"], _label(reference_dir, "claims"))
    problems += check_parent_agreements(
        t["parent_agreements"], t["companies"], _label(reference_dir, "parent_agreements")
    )
    problems += check_ownership(t["ownership"], t["companies"], _label(reference_dir, "ownership"))
    problems += check_name_variants(
        t["recipient_name_variants"], _label(reference_dir, "recipient_name_variants")
    )
    if problems:
        raise ReferenceError("\n".join(problems))
    _keep(_LOADED, key, _copy(Reference(**t)))
    return Reference(**t)


def _copy(ref: Reference) -> Reference:
    return Reference(**{f.name: getattr(ref, f.name).copy() for f in fields(Reference)})


def _label(reference_dir: Path, name: str) -> str:
    return f"{reference_dir.name}/{name}.csv"


def _line(frame: pd.DataFrame, i: int) -> int:
    """Physical line of row i in its CSV (header is line 1)."""
    return int(frame["_line"].iloc[i]) if "_line" in frame else i + 2


def read_tables(
    reference_dir: Path, tables: Mapping[str, tuple[str, ...]]
) -> dict[str, pd.DataFrame]:
    """Reviewed CSVs, checked together against their Table Schemas and the foreign keys between
    them through the package's one reader of reviewed tables (tables.read_checked_csvs); then the
    reviewed tables' own rule that no cell has leading or trailing spaces. `tables` maps each name
    to the fields of its schema that the build fills and the file must not have. Rows are sorted
    by primary key, with `_line` the line each came from."""
    key = _content_key(reference_dir, tables)
    if key in _CHECKED:
        return {name: frame.copy() for name, frame in _CHECKED[key].items()}
    labels = {name: _label(reference_dir, name) for name in tables}
    specs = {name: (metadata.resource(name), computed) for name, computed in tables.items()}
    try:
        frames = read_checked_csvs(reference_dir, specs, labels)
    except TableError as exc:
        raise ReferenceError(str(exc)) from None
    problems = [
        f"{labels[name]} line {i + 2}: {col} has leading or trailing spaces"
        for name, out in frames.items()
        for col in out.columns
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype)
        for i, v in enumerate(out[col])
        if isinstance(v, str) and v != v.strip()
    ]
    if problems:
        raise ReferenceError("\n".join(problems))
    for name, out in frames.items():
        out["_line"] = out.index + 2
        frames[name] = out.sort_values(specs[name][0].primary_key, kind="stable").reset_index(
            drop=True
        )
    _keep(_CHECKED, key, {name: frame.copy() for name, frame in frames.items()})
    return frames


# Reviewed tables this process has checked already, by the bytes of their files: a process that
# curates many times from the same tables (the tests, the `awards curate` commands) has
# frictionless check them once. A failed check is not kept; callers get copies.
CHECKED_KEPT = 32
_CHECKED: dict[tuple[object, ...], dict[str, pd.DataFrame]] = {}
_LOADED: dict[tuple[object, ...], Reference] = {}  # the same for load_reference's own rules


def _keep(cache: dict[tuple[object, ...], Any], key: tuple[object, ...], value: Any) -> None:
    """Keep value under key, the oldest entry going once CHECKED_KEPT are kept."""
    while len(cache) >= CHECKED_KEPT:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _content_key(reference_dir: Path, tables: Mapping[str, tuple[str, ...]]) -> tuple[object, ...]:
    files = [Path(reference_dir) / f"{name}.csv" for name in tables]
    digests = tuple(hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else "" for f in files)
    return (tuple(tables.items()), digests)


def _check_patterns(frame: pd.DataFrame, label: str, key: str) -> list[str]:
    """Patterns compile, and every example behaves as the row says."""
    problems = []
    for i in range(len(frame)):
        row = frame.iloc[i]
        ok = True
        for col in ("pattern", "exclude_pattern"):
            if row[col]:
                try:
                    check_pattern(row[col])
                except PatternError as exc:
                    problems.append(f"{label} line {_line(frame, i)}: {col} of {row[key]}: {exc}")
                    ok = False
        if not ok:
            continue
        pos = split_list(row["positive_examples"], EXAMPLE_SEP)
        neg = split_list(row["negative_examples"], EXAMPLE_SEP)
        hits = match_each(pos + neg, row["pattern"], row["exclude_pattern"])
        for ex, hit in zip(pos, hits[: len(pos)], strict=True):
            if hit is None:
                problems.append(
                    f"{label} line {_line(frame, i)}: {row[key]} does not match its "
                    f"positive example {ex[:80]!r}"
                )
        for ex, hit in zip(neg, hits[len(pos) :], strict=True):
            if hit is not None:
                problems.append(
                    f"{label} line {_line(frame, i)}: {row[key]} matches {hit!r} in "
                    f"its negative example {ex[:80]!r}"
                )
    return problems


def check_companies(companies: pd.DataFrame, rules: pd.DataFrame, label: str) -> list[str]:
    """Parents exist without cycles; aliases fold to one company only; every alias of a
    technology company is matched by one of its direct rules (aliases and rules agree)."""
    problems: list[str] = []
    parent = dict(zip(companies["company_id"], companies["parent_company_id"], strict=True))
    for i, cid in enumerate(companies["company_id"]):
        seen, cur = {cid}, parent.get(cid, "")
        while cur and cur in parent:
            if cur in seen:
                problems.append(f"{label} line {_line(companies, i)}: parent chain of {cid} loops")
                break
            seen.add(cur)
            cur = parent[cur]
    problems += _check_sectors(companies, label)
    owner: dict[str, str] = {}
    direct = rules[rules["relationship"] == "direct"]
    for i in range(len(companies)):
        row = companies.iloc[i]
        aliases = split_list(row["recipient_aliases"])
        for alias in aliases:
            key = fold_name(alias)
            if key in owner and owner[key] != row["company_id"]:
                problems.append(
                    f"{label} line {_line(companies, i)}: alias {alias!r} folds to "
                    f"{key!r}, already an alias of {owner[key]}"
                )
            owner[key] = row["company_id"]
        if row["role"] != "technology_company" or not aliases:
            continue
        own = direct[direct["company_id"] == row["company_id"]]
        matched = [False] * len(aliases)
        for p, x in zip(own["pattern"], own["exclude_pattern"], strict=True):
            hits = match_each(aliases, p, x)
            matched = [m or h is not None for m, h in zip(matched, hits, strict=True)]
        for alias, ok in zip(aliases, matched, strict=True):
            if not ok:
                problems.append(
                    f"{label} line {_line(companies, i)}: alias {alias!r} of "
                    f"{row['company_id']} is matched by none of its direct rules"
                )
    return problems


def _check_sectors(companies: pd.DataFrame, label: str) -> list[str]:
    """Role and sector agree: resellers are sector reseller, integrators it_services, and a
    technology company is neither."""
    problems = []
    for i in range(len(companies)):
        role, sector = companies["role"].iloc[i], companies["sector"].iloc[i]
        want = ROLE_SECTOR.get(role)
        wrong = sector != want if want else sector in ROLE_SECTOR.values()
        if wrong:
            need = f"must be {want}" if want else "may not be reseller or it_services"
            problems.append(
                f"{label} line {_line(companies, i)}: sector {sector!r} of "
                f"{companies['company_id'].iloc[i]} ({role}) {need}"
            )
    return problems


def check_rules(rules: pd.DataFrame, companies: pd.DataFrame, label: str) -> list[str]:
    """Companies exist and are technology companies; field agrees with relationship; reseller and
    platform_services rules come in twins with the same pattern; patterns and examples work."""
    role = dict(zip(companies["company_id"], companies["role"], strict=True))
    problems: list[str] = []
    signatures = set(
        zip(
            rules["company_id"],
            rules["relationship"],
            rules["pattern"],
            rules["exclude_pattern"],
            strict=True,
        )
    )
    for i in range(len(rules)):
        r = rules.iloc[i]
        where = f"{label} line {_line(rules, i)}: {r['rule_id']}"
        if r["company_id"] in role and role[r["company_id"]] != "technology_company":
            problems.append(
                f"{where}: attributes to {r['company_id']}, whose role is "
                f"{role[r['company_id']]}; only technology companies receive "
                "attributions"
            )
        want = "recipient_name" if r["relationship"] == "direct" else "transaction_description"
        if r["field"] != want:
            problems.append(f"{where}: a {r['relationship']} rule must look at {want}")
        s, e = r["effective_start_date"], r["effective_end_date"]
        if pd.notna(s) and pd.notna(e) and s > e:
            problems.append(f"{where}: effective_start_date is after effective_end_date")
        if r["relationship"] in RESELLER_TWIN:
            twin = (
                r["company_id"],
                RESELLER_TWIN[r["relationship"]],
                r["pattern"],
                r["exclude_pattern"],
            )
            if twin not in signatures:
                problems.append(
                    f"{where}: no {RESELLER_TWIN[r['relationship']]} rule of "
                    f"{r['company_id']} with the same pattern and exclusion (the "
                    "relationship is decided by the recipient, not the words)"
                )
    return problems + _check_patterns(rules, label, "rule_id")


def check_systems(systems: pd.DataFrame, label: str) -> list[str]:
    return _check_patterns(systems, label, "system_id")


def check_claims(claims: pd.DataFrame, companies: pd.DataFrame, label: str) -> list[str]:
    """Listed recipients exist; relationships are known; a measurable claim has a value."""
    company_ids = set(companies["company_id"])
    problems: list[str] = []
    rel_enum = set(
        metadata.resource("attribution_rules").field("relationship")["constraints"]["enum"]
    )
    checks: list[tuple[str, Callable[[pd.Series], bool]]] = [
        (
            "relationships must be direct, reseller or platform_services",
            lambda r: set(split_list(r["relationships"])) <= rel_enum,
        ),
        (
            "recipient_company_ids must be company_ids",
            lambda r: set(split_list(r["recipient_company_ids"])) <= company_ids,
        ),
        (
            "claimed_value is required unless not_covered_reason says why the records cannot "
            "test the claim",
            lambda r: bool(r["not_covered_reason"]) or pd.notna(r["claimed_value"]),
        ),
        (
            "tolerance_value is required for comparison approximately",
            lambda r: (
                r["comparison"] != "approximately"
                or bool(r["not_covered_reason"])
                or pd.notna(r["tolerance_value"])
            ),
        ),
        (
            "via_recipients_share_ratio needs company_id and recipient_company_ids",
            lambda r: (
                r["measure"] != "via_recipients_share_ratio"
                or bool(r["company_id"] and r["recipient_company_ids"])
            ),
        ),
        (
            "via_recipients_share_ratio can only be measured on transactions",
            lambda r: (
                r["measure"] != "via_recipients_share_ratio"
                or r["evidence_source"] == "transactions"
            ),
        ),
        (
            "period_start_date is after period_end_date",
            lambda r: r["period_start_date"] <= r["period_end_date"],
        ),
    ]
    for i in range(len(claims)):
        row = claims.iloc[i]
        for message, ok in checks:
            if not ok(row):
                problems.append(f"{label} line {_line(claims, i)}: {row['claim_id']}: {message}")
    return problems


def check_parent_agreements(
    agreements: pd.DataFrame, companies: pd.DataFrame, label: str
) -> list[str]:
    """The platform is a technology company and the row names the records that prove it."""
    role = dict(zip(companies["company_id"], companies["role"], strict=True))
    problems: list[str] = []
    for i in range(len(agreements)):
        row = agreements.iloc[i]
        where = f"{label} line {_line(agreements, i)}: {row['parent_award_id_piid']}"
        if role.get(row["company_id"], "technology_company") != "technology_company":
            problems.append(f"{where}: {row['company_id']} is not a technology company")
        proofs = split_list(row["proving_award_piids"])
        if not proofs:
            problems.append(f"{where}: proving_award_piids names no award")
        if row["parent_award_id_piid"] in proofs:
            problems.append(f"{where}: the vehicle cannot prove itself; name its calls or orders")
    return problems


def check_ownership(ownership: pd.DataFrame, companies: pd.DataFrame, label: str) -> list[str]:
    """Dates are in order; one subsidiary has one owner at a time; the owner without an end
    date is the one companies.csv gives as parent_company_id."""
    problems: list[str] = []
    parent = dict(zip(companies["company_id"], companies["parent_company_id"], strict=True))
    lo, hi = pd.Timestamp.min, pd.Timestamp.max
    for sub, rows in ownership.groupby("subsidiary_company_id", sort=True):
        spans = sorted(
            (r["from_date"] if pd.notna(r["from_date"]) else lo,
             r["to_date"] if pd.notna(r["to_date"]) else hi,
             r["parent_company_id"], int(r["_line"]))
            for r in rows.to_dict("records")
        )  # fmt: skip
        for start, end, _, line in spans:
            if start > end:
                problems.append(f"{label} line {line}: {sub}: from_date is after to_date")
        for (_, end_a, pa, _), (start_b, _, pb, line) in zip(spans, spans[1:], strict=False):
            if start_b <= end_a:
                problems.append(f"{label} line {line}: {sub} owned by {pa} and {pb} at once")
        current = [p for _, end, p, _ in spans if end == hi]
        want = parent.get(sub, "")
        if current != ([want] if want else []):
            problems.append(
                f"{label} line {spans[-1][3]}: {sub}: current owner {current or 'none'} "
                f"differs from companies.csv parent_company_id {want!r}"
            )
    return problems


def check_name_variants(variants: pd.DataFrame, label: str) -> list[str]:
    """A variant folds to something else than its canonical name, and a canonical name is not
    itself a variant (one step, no chains)."""
    problems = []
    variant_keys = {fold_name(v) for v in variants["variant_name"]}
    for i in range(len(variants)):
        row = variants.iloc[i]
        where = f"{label} line {_line(variants, i)}: {row['variant_name']!r}"
        if fold_name(row["variant_name"]) == fold_name(row["canonical_name"]):
            problems.append(f"{where} folds to its canonical name already; the row is not needed")
        elif fold_name(row["canonical_name"]) in variant_keys:
            problems.append(f"{where}: canonical name {row['canonical_name']!r} is a variant too")
    return problems


def published(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """A reviewed table as published: exactly its schema's columns, sorted by primary key."""
    res = metadata.resource(name)
    return frame[res.field_names].sort_values(res.primary_key, kind="stable").reset_index(drop=True)
