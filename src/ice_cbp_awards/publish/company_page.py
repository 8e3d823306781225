"""A page per company (/-/company/<company_id>, and .json): the brief's questions in one place.

Totals per agency and fiscal year (per record and including inherited records, side by side),
totals for a date range, the resellers it was sold through, the systems its records mention,
the claims made about it, its records with their USAspending links, and what the package holds
of the years shown. Figures that canned queries already compute come from those queries, run
with this company as their parameter, so the page and the query linked beside each section
cannot disagree; the sections no query answers are written here, each reading the company's
attributions by their company_id index.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response

from .chart import usd_exact

DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})?$")
RECORDS_SHOWN = 200  # the page shows the first records; the query linked beside them has all

# Money for the company's products (direct and reseller), within the dates; platform services
# (services naming a platform) are not the company's money and stay out, as in company_totals.
_PICKED = """
  from attributions a
  where a.company_id = :company
    and a.relationship in ('direct', 'reseller')
    and (:start_date = '' or a.action_date >= :start_date)
    and (:end_date = '' or a.action_date <= :end_date)
"""

COMPANY_SQL = """
select c.company_id, c.company_name, c.role, c.sector, c.recipient_aliases, c.rationale,
  c.citation, c.source_url, p.company_name as parent_company_name
from companies c left join companies p on p.company_id = c.parent_company_id
where c.company_id = :company
"""

RESELLERS_SQL = (
    """
select
  r.recipient_name as reseller_name,
  r.company_id as reseller_company_id,
  a.agency_acronym,
  round(sum(case when a.evidence_scope = 'transaction'
    then a.federal_action_obligation_usd else 0 end), 2) as per_record_obligation_usd,
  sum(a.evidence_scope = 'transaction') as per_record_transaction_count,
  round(sum(case when a.evidence_scope in ('transaction', 'award')
    then a.federal_action_obligation_usd else 0 end), 2) as including_inherited_obligation_usd,
  sum(a.evidence_scope in ('transaction', 'award')) as including_inherited_transaction_count,
  round(sum(case when a.evidence_scope = 'parent_agreement'
    then a.federal_action_obligation_usd else 0 end), 2) as parent_agreement_obligation_usd,
  min(a.action_date) as first_action_date,
  max(a.action_date) as last_action_date
from (select a.* """
    + _PICKED
    + """ and a.relationship = 'reseller') a
join recipients r on r.recipient_id = a.recipient_id
group by r.recipient_id, a.agency_acronym
order by per_record_obligation_usd desc, r.recipient_name
"""
)

SYSTEMS_SQL = (
    """
select
  s.system_id,
  s.system_name,
  s.acronym,
  s.owner_agency_acronym,
  s.vendor_company_id = :company as is_vendor_of_record,
  count(distinct case when a.evidence_scope = 'transaction' then m.transaction_id end)
    as per_record_transaction_count,
  round(sum(case when a.evidence_scope = 'transaction'
    then a.federal_action_obligation_usd else 0 end), 2) as per_record_obligation_usd,
  count(distinct case when a.evidence_scope in ('transaction', 'award') then m.transaction_id end)
    as including_inherited_transaction_count,
  round(sum(case when a.evidence_scope in ('transaction', 'award')
    then a.federal_action_obligation_usd else 0 end), 2) as including_inherited_obligation_usd,
  min(a.action_date) as first_action_date,
  max(a.action_date) as last_action_date
from (select a.transaction_id, a.evidence_scope, a.federal_action_obligation_usd, a.action_date """
    + _PICKED
    + """) a
join system_mentions m on m.transaction_id = a.transaction_id
join systems s on s.system_id = m.system_id
group by s.system_id
union all
select s.system_id, s.system_name, s.acronym, s.owner_agency_acronym, 1, 0, 0, 0, 0, null, null
from systems s
where s.vendor_company_id = :company
  and not exists (
    select 1 from system_mentions m join attributions a on a.transaction_id = m.transaction_id
    where m.system_id = s.system_id and a.company_id = :company
      and a.relationship in ('direct', 'reseller')
      and (:start_date = '' or a.action_date >= :start_date)
      and (:end_date = '' or a.action_date <= :end_date)
  )
order by per_record_obligation_usd desc, system_name
"""
)

CLAIMS_SQL = """
select claim_id, status, claim_text, source_publisher, source_date, source_url,
  period_start_date, period_end_date, agency_acronym, measure, claimed_value, package_value,
  status_reason, coverage_bias, truncated_slice_ids
from claims
where company_id = :company
order by source_date, claim_id
"""

# The canned queries each section draws on or links to, and their parameters for a company.
QUERIES = {
    "fiscal_year_totals": "agency_company_fiscal_year_totals",
    "records": "company_products_by_agency",
    "resellers": "reseller_sales",
    "systems": "system_over_time",
    "claims": "claims_with_records",
}


class PageError(Exception):
    """A request the page cannot answer: its status and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _dicts(result: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in result.rows]


async def section_rows(
    db: Any, tables: set[str], needs: set[str], sql: str, params: dict[str, str]
) -> list[dict[str, Any]] | None:
    """A section's rows, or None when the build lacks a table it reads (the page says so)."""
    return _dicts(await db.execute(sql, params)) if needs <= tables else None


def date_range_totals(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per agency, the totals the records query carries on each of its rows (the same for
    every row of an agency), once."""
    keys = [
        "agency_acronym",
        "agency_per_record_obligation_usd",
        "agency_per_record_transaction_count",
        "agency_including_inherited_obligation_usd",
        "agency_including_inherited_transaction_count",
        "agency_parent_agreement_obligation_usd",
        "agency_coverage_bias",
    ]
    seen: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.get("agency_acronym") and r["agency_acronym"] not in seen:
            seen[r["agency_acronym"]] = {k: r[k] for k in keys}
    return list(seen.values())


def _query_url(datasette: Any, db_name: str, name: str, **params: str) -> str:
    return f"{datasette.urls.database(db_name)}/{name}?{urlencode(params)}"


async def company_data(
    datasette: Any, db_name: str, company_id: str, start_date: str, end_date: str
) -> dict[str, Any]:
    """Everything the company page shows, as plain data (also served as its JSON)."""
    if not DATE_RE.match(start_date) or not DATE_RE.match(end_date):
        raise PageError(400, "start_date and end_date must be dates YYYY-MM-DD, or empty")
    queries = datasette.metadata("queries", database=db_name) or {}
    if any(queries.get(QUERIES[k]) is None for k in ("fiscal_year_totals", "records")):
        raise PageError(404, "this build has no company pages (attributions are not in it)")
    db = datasette.get_database(db_name)
    tables = set(await db.table_names())
    params = {"company": company_id, "start_date": start_date, "end_date": end_date}
    company = _dicts(await db.execute(COMPANY_SQL, params))
    if not company:
        raise PageError(404, f"no company {company_id!r} (see the companies table)")
    fy_totals = _dicts(
        await db.execute(
            queries[QUERIES["fiscal_year_totals"]]["sql"], {"agency": "", "company": company_id}
        )
    )
    records = _dicts(
        await db.execute(queries[QUERIES["records"]]["sql"], {**params, "scope": "all"})
    )
    real_records = [r for r in records if r["transaction_id"] is not None]
    dates = {"start_date": start_date, "end_date": end_date}
    return {
        "company": company[0],
        "start_date": start_date,
        "end_date": end_date,
        "period_coverage_note": records[0]["period_coverage_note"] if records else "",
        "fiscal_year_totals": [r for r in fy_totals if r["company_id"] is not None],
        "fiscal_year_totals_coverage_note": fy_totals[0]["period_coverage_note"]
        if fy_totals
        else "",
        "date_range_totals": date_range_totals(real_records),
        "resellers": await section_rows(db, tables, {"recipients"}, RESELLERS_SQL, params),
        "systems": await section_rows(
            db, tables, {"systems", "system_mentions"}, SYSTEMS_SQL, params
        ),
        "claims": await section_rows(db, tables, {"claims"}, CLAIMS_SQL, params),
        "record_count": len(real_records),
        "records": real_records[:RECORDS_SHOWN],
        "query_urls": {
            "fiscal_year_totals": _query_url(
                datasette, db_name, QUERIES["fiscal_year_totals"], agency="", company=company_id
            ),
            "records": _query_url(
                datasette, db_name, QUERIES["records"], company=company_id, scope="all", **dates
            ),
            "attributions": f"{datasette.urls.table(db_name, 'attributions')}?"
            + urlencode({"company_id": company_id}),
            "claims": _query_url(datasette, db_name, QUERIES["claims"], claim=""),
        },
    }


async def company_page(datasette: Any, request: Any, db_name: str) -> Response:
    """/-/company/<company_id>[.json]?start_date=&end_date=: the page, or its data as JSON."""
    company_id = request.url_vars["company_id"]
    as_json = bool(request.url_vars.get("format"))
    start_date = request.args.get("start_date", "").strip()
    end_date = request.args.get("end_date", "").strip()
    try:
        data = await company_data(datasette, db_name, company_id, start_date, end_date)
    except PageError as exc:
        if as_json:
            return Response.json({"ok": False, "error": str(exc)}, status=exc.status)
        html = await datasette.render_template(
            "awards_company.html", {"error": str(exc)}, request=request
        )
        return Response.html(html, status=exc.status)
    if as_json:
        version = (datasette.plugin_config("ice-cbp-awards") or {}).get("version", "")
        return Response.json({"ok": True, "data_version": version, **data})
    html = await datasette.render_template(
        "awards_company.html",
        {**data, "records_shown": RECORDS_SHOWN, "db_name": db_name, "usd_exact": usd_exact},
        request=request,
    )
    return Response.html(html)
