"""docs/companies.md: the companies, resellers and systems with their counts, from a built data
dir. Generated, never edited by hand: `awards companies-doc` rewrites it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..tables import read_built
from .reference import split_list


def _read(data_dir: Path, name: str) -> pd.DataFrame:
    return read_built(data_dir, name)


def _usd(x: float) -> str:
    return f"{x:,.0f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def companies_markdown(data_dir: Path) -> str:
    """The page's text, from the built companies, attributions, recipients, systems and
    system_mentions of data_dir."""
    companies = _read(data_dir, "companies")
    att = _read(data_dir, "attributions")
    rec = _read(data_dir, "recipients")
    systems = _read(data_dir, "systems")
    mentions = _read(data_dir, "system_mentions")
    version = att["rule_set_version"].iloc[0] if len(att) else ""
    att["usd"] = att["federal_action_obligation_usd"].astype(float)
    rec["usd"] = rec["total_obligation_usd"].astype(float)
    rec["n"] = rec["transaction_count"].astype(int)
    mentions["usd"] = mentions["federal_action_obligation_usd"].astype(float)
    names = dict(zip(companies["company_id"], companies["company_name"], strict=True))
    lines = [
        "# Companies, resellers and systems",
        "",
        "Generated from the built package by `awards companies-doc`; do not edit by hand.",
        f"Rule set `{version}`. Amounts are sums of obligations in USD over the package's "
        "transactions; which way each can be wrong (minimum, or upper bound where records come "
        "from a truncated slice) is in company_totals.coverage_bias (see "
        "[methodology](methodology.md)).",
        "",
        "## Technology companies",
        "",
        "Direct + reseller is money for the company's products. Per record (the headline): the "
        "record itself names the company. Including inherited: plus the records that inherit "
        "it from another transaction of their award. Parent agreement: records attributed only "
        "through a reviewed parent vehicle, in neither. Platform services are kept apart.",
        "",
        "| Company | Parent | Per record USD | Per record transactions "
        "| Including inherited USD | Parent agreement USD | Direct USD | Reseller per record USD "
        "| Platform services USD | Platform services transactions |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    tech = companies[companies["role"] == "technology_company"]
    for _, c in tech.iterrows():
        a = att[att["company_id"] == c["company_id"]]
        prod = a[a["relationship"].isin(["direct", "reseller"])]
        own = prod[prod["evidence_scope"] == "transaction"]
        inclusive = prod[prod["evidence_scope"].isin(["transaction", "award"])]
        vehicle = prod[prod["evidence_scope"] == "parent_agreement"]
        resold = own[own["relationship"] == "reseller"]
        ps = a[a["relationship"] == "platform_services"]
        lines.append(
            f"| {_cell(c['company_name'])} (`{c['company_id']}`) "
            f"| {_cell(names.get(c['parent_company_id'], ''))} | {_usd(own['usd'].sum())} "
            f"| {len(own)} | {_usd(inclusive['usd'].sum())} | {_usd(vehicle['usd'].sum())} "
            f"| {_usd(a.loc[a['relationship'] == 'direct', 'usd'].sum())} "
            f"| {_usd(resold['usd'].sum())} | {_usd(ps['usd'].sum())} | {len(ps)} |"
        )
    for role, title in (("reseller", "Resellers"), ("integrator", "Integrators")):
        lines += [
            "",
            f"## {title}",
            "",
            "| Company | Recipient names in the records | Transactions | Total USD "
            "| Attributed to a technology company (USD) |",
            "|---|---|---:|---:|---:|",
        ]
        for _, c in companies[companies["role"] == role].iterrows():
            r = rec[rec["company_id"] == c["company_id"]]
            ids = set(r["recipient_id"])
            attributed = att[att["recipient_id"].isin(ids)]
            aliases = "; ".join(split_list(c["recipient_aliases"]))
            lines.append(
                f"| {_cell(c['company_name'])} (`{c['company_id']}`) | {_cell(aliases)} "
                f"| {int(r['n'].sum())} | {_usd(r['usd'].sum())} "
                f"| {_usd(attributed.drop_duplicates('transaction_id')['usd'].sum())} |"
            )
    lines += [
        "",
        "## Systems and programmes",
        "",
        "| System | Kind | Owner | Vendor | Transactions mentioning it | USD |",
        "|---|---|---|---|---:|---:|",
    ]
    for _, s in systems.iterrows():
        m = mentions[mentions["system_id"] == s["system_id"]]
        vendor = names.get(s["vendor_company_id"], s["vendor_name"])
        lines.append(
            f"| {_cell(s['system_name'])} (`{s['system_id']}`) | {s['system_kind']} "
            f"| {s['owner_agency_acronym']} | {_cell(vendor)} | {len(m)} | {_usd(m['usd'].sum())} |"
        )
    return "\n".join(lines) + "\n"


def write_companies_markdown(data_dir: Path, out: Path) -> None:
    out.write_text(companies_markdown(Path(data_dir)), encoding="utf-8")
