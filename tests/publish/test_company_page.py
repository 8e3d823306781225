"""The page per company: every section from the sample package, as HTML and as JSON."""

from __future__ import annotations

import asyncio

from ice_cbp_awards.publish.company_page import CLAIMS_SQL, section_rows

from .sample_package import ATTRIBUTIONS, PALANTIR_PIID, VERSION


def page_json(client, company, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = client.get(f"/-/company/{company}.json" + (f"?{query}" if query else ""))
    assert r.status == 200, r.text
    return r.json


def test_palantir_page_answers_in_one_place(client):
    r = client.get("/-/company/palantir")
    assert r.status == 200
    html = r.text
    assert "<h1>Palantir Technologies</h1>" in html
    assert f'class="awards-version">{VERSION}<' in html  # the data version, as on every page
    assert "The package holds transactions for FY2022-FY2025." in html
    assert "$125,798,233.68" in html  # 95,900,000 + 29,898,236 - 2.32, per record, ICE
    assert f'href="https://www.usaspending.gov/award/CONT_AWD_{PALANTIR_PIID}_7012' in html
    assert "Investigative Case Management (ICM)" in html  # the system its records mention
    assert "ICE paid Palantir for ICM in 2025." in html  # the claim about it
    assert '<meta name="viewport"' in html  # phone width: Datasette's base template


def test_totals_per_fiscal_year_side_by_side_and_for_a_date_range(client):
    data = page_json(client, "microsoft")
    fy = {r["fiscal_year"]: r for r in data["fiscal_year_totals"]}
    per_record, inclusive = "obligation_per_record_usd", "obligation_including_inherited_usd"
    assert (fy[2024][per_record], fy[2024][inclusive]) == (4_100_000.5, 4_100_000.5)
    counts = ("transaction_count_per_record", "transaction_count_including_inherited")
    assert tuple(fy[2025][c] for c in counts) == (0, 1)
    expected = [a for a in ATTRIBUTIONS if a["company_id"] == "microsoft"]
    assert [r["transaction_id"] for r in data["records"]] == [a["transaction_id"] for a in expected]
    assert data["date_range_totals"] == [
        {
            "agency_acronym": "ICE",
            "agency_per_record_obligation_usd": 4_100_000.5,
            "agency_per_record_transaction_count": 1,
            "agency_including_inherited_obligation_usd": 4_100_000.5,
            "agency_including_inherited_transaction_count": 2,
            "agency_parent_agreement_obligation_usd": 0.0,
            "agency_coverage_bias": "minimum",
        }
    ]
    assert [(r["reseller_name"], r["agency_acronym"], r["per_record_transaction_count"],
             r["including_inherited_transaction_count"]) for r in data["resellers"]] == [
        ("DELL FEDERAL SYSTEMS L.P.", "ICE", 1, 2)]  # fmt: skip
    later = page_json(client, "microsoft", start_date="2025-01-01", end_date="")
    assert [r["transaction_id"] for r in later["records"]] == ["tx-00000000000000000005"]
    assert [r["agency_per_record_transaction_count"] for r in later["date_range_totals"]] == [0]


def test_years_the_package_lacks_are_named_for_the_dates_asked(client):
    data = page_json(client, "palantir", start_date="2017-01-01", end_date="2020-12-31")
    assert data["records"] == [] and data["date_range_totals"] == []
    assert data["period_coverage_note"].startswith("No record of this company matches.")
    assert "ICE FY2018: no transactions, only award summaries" in data["period_coverage_note"]
    html = client.get("/-/company/palantir?start_date=2017-01-01&end_date=2020-12-31").text
    assert "No record of this company between these dates." in html
    assert "ICE FY2019-FY2021: not in the package" in html  # 2020-12-31 is in FY2021


def test_truncated_slices_are_marked(client):
    data = page_json(client, "aws")
    assert [r["coverage_bias"] for r in data["fiscal_year_totals"]] == [
        "upper_bound_truncated_slice"
    ]
    assert [r["slice_coverage_bias"] for r in data["records"]] == ["upper_bound_truncated_slice"]
    assert "CBP FY2025: truncated slice" in data["period_coverage_note"]
    assert 'class="bias-up"' in client.get("/-/company/aws").text


def test_unknown_company_and_bad_dates_are_refused_in_one_line(client):
    r = client.get("/-/company/no-such-company")
    assert r.status == 404 and "no company &#39;no-such-company&#39;" in r.text
    r = client.get("/-/company/palantir.json?start_date=2025")
    assert r.status == 400
    assert r.json["error"] == "start_date and end_date must be dates YYYY-MM-DD, or empty"


def test_companies_table_links_each_company_to_its_page(client, db_name):
    html = client.get(f"/{db_name}/companies").text
    assert '<a class="company-page" href="/-/company/palantir">Palantir Technologies</a>' in html
    totals = client.get(f"/{db_name}/agency_company_fiscal_year_totals?agency=&company=").text
    assert 'href="/-/company/aws">Amazon Web Services</a>' in totals


def test_companies_table_says_its_names_lead_to_the_pages(client, db_name):
    assert "Each company's name links to its page" in client.get(f"/{db_name}/companies").text


def test_a_section_whose_table_the_build_lacks_is_none_not_empty():
    """None (the page says the build holds none), never an empty list read as 'no claims'."""

    class NoDatabase:
        async def execute(self, sql, params):
            raise AssertionError("a section whose table is absent must not run its SQL")

    got = asyncio.run(section_rows(NoDatabase(), {"transactions"}, {"claims"}, CLAIMS_SQL, {}))
    assert got is None
