"""Each canned query, with its parameters, through the JSON API; each copes with empty input."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest

from ice_cbp_awards.build import CORE
from ice_cbp_awards.publish.queries import canned_queries, load_queries

from .sample_package import ATTRIBUTIONS, PALANTIR_KEY, PALANTIR_PIID, ROWS, TRANSACTIONS


def run(client, db_name, name, **params):
    r = client.get(f"/{db_name}/{name}.json?_shape=array&" + urlencode(params))
    assert r.status == 200, r.text
    return r.json


def test_search_descriptions_escapes_input_and_ranks(client, db_name):
    rows = run(client, db_name, "search_descriptions", q="investigative case management")
    assert {r["award_id_piid"] for r in rows} == {PALANTIR_PIID}
    assert len(rows) == 2
    assert {r["slice_coverage_bias"] for r in rows} == {"minimum"}
    aws = run(client, db_name, "search_descriptions", q="govcloud")
    assert [r["slice_coverage_bias"] for r in aws] == ["upper_bound_truncated_slice"]
    # Stemming: "managing" finds "MANAGEMENT"; FTS syntax is escaped, not interpreted.
    assert len(run(client, db_name, "search_descriptions", q="managing")) == 2
    assert run(client, db_name, "search_descriptions", q='azure" OR palantir NEAR(') == []
    assert run(client, db_name, "search_descriptions", q="") == []
    assert run(client, db_name, "search_descriptions", q="   ") == []


def test_company_products_by_agency_between_two_dates(client, db_name):
    rows = run(
        client,
        db_name,
        "company_products_by_agency",
        company="palantir",
        start_date="2023-01-01",
        end_date="2026-09-30",
    )
    expected = [
        t
        for t in TRANSACTIONS
        if t["recipient_name"] == "PALANTIR USG INC" and t["action_date"] >= "2023-01-01"
    ]
    assert [r["transaction_id"] for r in rows] == [t["transaction_id"] for t in expected]
    total = round(sum(t["federal_action_obligation_usd"] for t in expected), 2)
    assert {r["agency_per_record_obligation_usd"] for r in rows} == {total}
    assert {r["agency_including_inherited_obligation_usd"] for r in rows} == {total}
    assert {r["evidence_scope"] for r in rows} == {"transaction"}
    assert all(r["award_page_url"].startswith("https://www.usaspending.gov/award/") for r in rows)
    # By name, case-insensitively; no dates means all of them; other companies stay out.
    everything = run(
        client,
        db_name,
        "company_products_by_agency",
        company="PALANTIR TECHNOLOGIES",
        start_date="",
        end_date="",
    )
    assert len(everything) == 3
    assert (
        run(client, db_name, "company_products_by_agency", company="", start_date="", end_date="")
        == []
    )


def test_company_products_per_record_by_default_inherited_on_request(client, db_name):
    """Microsoft: one record names it (2024), one inherits it from that record (2025)."""
    base = {"company": "microsoft", "start_date": "", "end_date": ""}
    default = run(client, db_name, "company_products_by_agency", **base, scope="")
    assert [r["transaction_id"] for r in default] == ["tx-00000000000000000004"]
    both = run(client, db_name, "company_products_by_agency", **base, scope="inherited")
    assert [(r["transaction_id"], r["evidence_scope"]) for r in both] == [
        ("tx-00000000000000000004", "transaction"),
        ("tx-00000000000000000005", "award"),
    ]
    assert [r["is_evidence_after_record"] for r in both] == [0, 0]
    for rows in (default, both):
        assert {r["agency_per_record_transaction_count"] for r in rows} == {1}
        assert {r["agency_including_inherited_transaction_count"] for r in rows} == {2}
    aws = run(client, db_name, "company_products_by_agency", company="aws", start_date="",
              end_date="", scope="all")  # fmt: skip
    assert [r["slice_coverage_bias"] for r in aws] == ["upper_bound_truncated_slice"]


def test_agency_company_fiscal_year_totals_side_by_side(client, db_name):
    rows = run(client, db_name, "agency_company_fiscal_year_totals", agency="", company="")
    per_record: dict[tuple, float] = {}
    inclusive: dict[tuple, float] = {}
    for a in ATTRIBUTIONS:
        key = (a["agency_acronym"], a["company_id"], a["fiscal_year"])
        amount = a["federal_action_obligation_usd"]
        per_record.setdefault(key, 0.0)
        inclusive[key] = round(inclusive.get(key, 0.0) + amount, 2)
        if a["evidence_scope"] == "transaction":
            per_record[key] = round(per_record[key] + amount, 2)
    key_of = lambda r: (r["agency_acronym"], r["company_id"], r["fiscal_year"])  # noqa: E731
    assert {key_of(r): r["obligation_per_record_usd"] for r in rows} == per_record
    assert {key_of(r): r["obligation_including_inherited_usd"] for r in rows} == inclusive
    ms = [r for r in rows if r["company_id"] == "microsoft" and r["fiscal_year"] == 2025]
    assert [(r["obligation_per_record_usd"], r["transaction_count_including_inherited"])
            for r in ms] == [(0.0, 1)]  # fmt: skip
    ice = run(client, db_name, "agency_company_fiscal_year_totals", agency="ice", company="")
    assert {r["agency_acronym"] for r in ice} == {"ICE"}
    assert {r["period_coverage_note"] for r in ice} == {
        "The package holds transactions for FY2022-FY2025. Of the years asked: "
        "ICE FY2023: not in the package."
    }
    cbp = [r for r in rows if r["agency_acronym"] == "CBP"]
    assert [r["slice_coverage_note"] for r in cbp] == ["exactly 100 rows and no negative amounts"]
    one = run(client, db_name, "agency_company_fiscal_year_totals", agency="", company="aws")
    got = [(r["company_name"], r["transaction_count_per_record"], r["coverage_bias"]) for r in one]
    assert got == [("Amazon Web Services", 1, "upper_bound_truncated_slice")]


@pytest.mark.parametrize("award", [PALANTIR_PIID, PALANTIR_KEY, PALANTIR_PIID.lower()])
def test_award_everything(client, db_name, award):
    rows = run(client, db_name, "award_everything", award=award)
    assert [r["modification_number"] for r in rows] == ["0", "P00009", "P00010"]
    assert all("Palantir Technologies (direct, evidence transaction" in r["attributed_to"]
               for r in rows)  # fmt: skip
    assert [bool(r["systems_mentioned"]) for r in rows] == [True, True, False]
    total = sum(t["federal_action_obligation_usd"] for t in TRANSACTIONS[:3])
    assert rows[-1]["award_cumulative_obligation_usd"] == pytest.approx(total)
    assert run(client, db_name, "award_everything", award="") == []


def test_award_known_only_from_a_summary_says_so(client, db_name):
    """The FY2018 award has no transaction in the package: the answer is the note alone."""
    rows = run(client, db_name, "award_everything", award="HSCETC15C00004")
    assert [r["transaction_id"] for r in rows] == [None]
    assert rows[0]["period_coverage_note"] == (
        "No transaction of this award is in the package. The package holds transactions for "
        "FY2022-FY2025. Of the years asked: ICE FY2018: no transactions, only award summaries "
        "at their latest action (not counted here)."
    )
    cbp = run(client, db_name, "award_everything", award="70B04C25F00000123")
    assert [r["slice_coverage_bias"] for r in cbp] == ["upper_bound_truncated_slice"]
    truncated = "CBP FY2025: truncated slice: sums are upper bounds (its de-obligations are "
    truncated += "missing)."
    assert cbp[0]["period_coverage_note"].endswith(truncated)


def test_reseller_sales_and_for_whom(client, db_name):
    rows = run(client, db_name, "reseller_sales", reseller="dell-federal-systems")
    assert {(r["products_of"], r["sold_to"]) for r in rows} == {("Microsoft", "ICE")}
    assert [r["evidence_scope"] for r in rows] == ["transaction", "award"]
    per_record = {r["company_agency_per_record_obligation_usd"] for r in rows}
    inclusive = {r["company_agency_including_inherited_obligation_usd"] for r in rows}
    assert (per_record, inclusive) == ({4_100_000.5}, {4_100_000.5})  # the inherited one is 0
    by_name = run(client, db_name, "reseller_sales", reseller="FOUR POINTS")
    assert [(r["products_of"], r["sold_to"]) for r in by_name] == [("Amazon Web Services", "CBP")]
    assert run(client, db_name, "reseller_sales", reseller="") == []
    # A company selling its own products directly is not a reseller sale: the answer says so.
    none = run(client, db_name, "reseller_sales", reseller="palantir")
    assert [r["transaction_id"] for r in none] == [None]
    assert none[0]["period_coverage_note"].startswith("No sale of this reseller matches. ")


def test_reseller_sales_by_agency_with_the_bias_of_each_total(client, db_name):
    rows = run(client, db_name, "reseller_sales", reseller="four-points-technology", agency="")
    upper = "upper_bound_truncated_slice"
    got = [(r["sold_to"], r["company_agency_coverage_bias"], r["slice_coverage_bias"])
           for r in rows]  # fmt: skip
    assert got == [("CBP", upper, upper)]
    assert "CBP FY2025: truncated slice" in rows[0]["period_coverage_note"]
    ice = run(client, db_name, "reseller_sales", reseller="four-points-technology", agency="ice")
    assert [r["transaction_id"] for r in ice] == [None]
    # Asked about ICE alone, the note names ICE's years, not CBP's.
    assert "CBP" not in ice[0]["period_coverage_note"]
    assert "ICE FY2023: not in the package" in ice[0]["period_coverage_note"]
    dell = run(client, db_name, "reseller_sales", reseller="dell-federal-systems", agency="ICE")
    assert [r["company_agency_coverage_bias"] for r in dell] == ["minimum", "minimum"]


@pytest.mark.parametrize("system", ["ICM", "icm", "Investigative Case Management"])
def test_system_over_time(client, db_name, system):
    rows = run(client, db_name, "system_over_time", system=system)
    assert [r["action_date"] for r in rows] == ["2022-09-26", "2025-04-11"]
    assert rows[-1]["cumulative_obligation_usd"] == 95_900_000.0 + 29_898_236.0
    assert run(client, db_name, "system_over_time", system="") == []
    assert {r["slice_coverage_bias"] for r in rows} == {"minimum"}
    assert "ICE FY2023: not in the package" in rows[0]["period_coverage_note"]


def test_claims_with_records(client, db_name):
    rows = run(client, db_name, "claims_with_records", claim="")
    assert [(r["claim_id"], r["transaction_id"]) for r in rows] == [
        ("palantir-icm-2025", "tx-00000000000000000002"),
        ("zz-budget", None),
    ]
    one = run(client, db_name, "claims_with_records", claim="palantir-icm-2025")
    assert one[0]["status"] == "consistent"
    assert one[0]["federal_action_obligation_usd"] == one[0]["package_value"]
    assert one[0]["coverage_bias"] == "minimum"
    assert (one[0]["period_start_date"], one[0]["period_end_date"]) == ("2024-10-01", "2025-09-30")


def test_company_fiscal_year_totals_feed_the_chart(client, db_name):
    rows = run(client, db_name, "company_fiscal_year_totals")
    by_key = {(r["agency_acronym"], r["company_name"], r["fiscal_year"]): r for r in rows}
    palantir_2025 = by_key[("ICE", "Palantir Technologies", 2025)]
    assert palantir_2025["obligation_usd"] == round(29_898_236.0 - 2.32, 2)
    assert palantir_2025["transaction_count"] == 2
    assert palantir_2025["coverage_bias"] == "minimum"
    ms_2025 = by_key[("ICE", "Microsoft", 2025)]
    assert (ms_2025["obligation_usd"], ms_2025["transaction_count"]) == (0.0, 0)
    assert ms_2025["transaction_count_including_inherited"] == 1


def test_every_query_runs_with_its_example_and_with_empty_parameters(client, db_name):
    for name, q in load_queries().items():
        assert run(client, db_name, name, **q["example"]) is not None
        assert run(client, db_name, name, **dict.fromkeys(q["params"], "")) is not None


def test_every_query_has_a_test_here():
    text = Path(__file__).read_text(encoding="utf-8")
    missing = [name for name in load_queries() if f'"{name}"' not in text]
    assert missing == [], f"canned queries without a test: {missing}"


def test_queries_needing_absent_tables_are_left_out():
    core = set(CORE)  # the resources every build writes, build_report among them
    published = canned_queries(core)
    assert "search_descriptions" in published
    assert "company_products_by_agency" not in published
    assert set(canned_queries(set(ROWS))) == set(load_queries())


def test_recipient_fiscal_year_totals(client, db_name):
    rows = run(client, db_name, "recipient_fiscal_year_totals")
    total = sum(r["obligation_usd"] for r in rows)
    bias = {(r["agency_acronym"], r["fiscal_year"]): r["coverage_bias"] for r in rows}
    assert bias == {("ICE", 2022): "minimum", ("ICE", 2024): "minimum", ("ICE", 2025): "minimum",
                    ("CBP", 2025): "upper_bound_truncated_slice"}  # fmt: skip
    assert total == pytest.approx(sum(t["federal_action_obligation_usd"] for t in TRANSACTIONS))


def test_company_between_dates_the_package_lacks_says_so(client, db_name):
    """Before the years of transactions: one row, the note, no record (issue 13, defect 1)."""
    rows = run(client, db_name, "company_products_by_agency", company="palantir",
               start_date="2015-01-01", end_date="2019-12-31", scope="")  # fmt: skip
    assert len(rows) == 1
    assert rows[0]["transaction_id"] is None
    assert rows[0]["period_coverage_note"] == (
        "No record of this company matches. The package holds transactions for FY2022-FY2025. "
        "Of the years asked: ICE FY2015-FY2017: not in the package; "
        "CBP FY2015-FY2020: not in the package; ICE FY2018: no transactions, only award "
        "summaries at their latest action (not counted here); "
        "ICE FY2019-FY2020: not in the package."
    )
    html = client.get(f"/{db_name}/company_products_by_agency?company=palantir"
                      "&start_date=2015-01-01&end_date=2019-12-31&scope=").text  # fmt: skip
    assert "ICE FY2018: no transactions, only award summaries" in html


def test_company_answer_names_truncated_and_missing_years_on_every_row(client, db_name):
    rows = run(client, db_name, "company_products_by_agency", company="aws", start_date="",
               end_date="", scope="")  # fmt: skip
    assert [r["agency_coverage_bias"] for r in rows] == ["upper_bound_truncated_slice"]
    assert rows[0]["period_coverage_note"] == (
        "The package holds transactions for FY2022-FY2025. Of the years asked: "
        "CBP FY2022-FY2024: not in the package; ICE FY2023: not in the package; "
        "CBP FY2025: truncated slice: sums are upper bounds (its de-obligations are missing)."
    )
    ice_only = run(client, db_name, "company_products_by_agency", company="palantir",
                   start_date="2024-10-01", end_date="2025-09-30", scope="")  # fmt: skip
    assert {r["agency_coverage_bias"] for r in ice_only} == {"minimum"}
    assert {r["period_coverage_note"] for r in ice_only} == {
        "The package holds transactions for FY2022-FY2025. Of the years asked: "
        "CBP FY2025: truncated slice: sums are upper bounds (its de-obligations are missing)."
    }


def test_canned_query_json_pages_past_one_page(client, db_name):
    """/-/paged/<query>.json walks every row of an answer, next_url by next_url."""
    whole = run(client, db_name, "agency_company_fiscal_year_totals", agency="", company="")
    url = "/-/paged/agency_company_fiscal_year_totals.json?agency=&company=&_size=2"
    rows, pages = [], 0
    while url:
        r = client.get(url)
        assert r.status == 200, r.text
        rows += r.json["rows"]
        pages += 1
        url = r.json["next_url"] and r.json["next_url"].split("localhost", 1)[-1]
    assert rows == whole and len(whole) > 2
    assert pages == len(whole) // 2 + 1
    assert client.get("/-/paged/no_such_query.json").status == 404
    bad = client.get("/-/paged/reseller_sales.json?reseller=x&_offset=-1")
    assert (bad.status, bad.json["error"]) == (400, "_offset must be a whole number >= 0, not '-1'")
    # At most 1,000 rows a page, whatever is asked.
    assert client.get("/-/paged/claims_with_records.json?_size=5000").json["size"] == 1000


def test_each_query_page_says_where_every_row_is(client, db_name):
    html = client.get(f"/{db_name}/reseller_sales?reseller=&agency=").text
    assert '<a href="/-/paged/reseller_sales.json?reseller=&amp;agency=">' in html


@pytest.mark.parametrize(
    "name",
    ["changes_since_previous_release", "new_records_by_company_feed", "new_records_by_agency_feed"],
)
def test_a_query_whose_tables_are_missing_says_so_in_one_row(client, db_name, name):
    """Served without a previous release there is no `changes` table: the query is published
    with its `unavailable_sql` and answers one row saying why (the answers with a previous
    release are tested in test_changes_site.py)."""
    q = load_queries()[name]
    assert "changes" not in ROWS
    assert canned_queries(set(ROWS))[name]["sql"] == q["unavailable_sql"].strip()
    assert canned_queries(set(ROWS) | {"changes", "release_comparison"})[name]["sql"] == (
        q["sql"].strip()
    )
    assert len(run(client, db_name, name, **q["example"])) == 1


def test_agency_company_totals_between_two_dates(client, db_name):
    """Totals of every company per agency for any date range, per record and including
    inherited records side by side, with the records one click away (issue 13, defect 6:
    totals existed only per fiscal year)."""
    rows = run(client, db_name, "agency_company_totals_between_dates",
               start_date="2024-01-01", end_date="2025-06-30", agency="")  # fmt: skip
    got = {
        (r["agency_acronym"], r["company_id"]): (
            r["per_record_obligation_usd"], r["per_record_transaction_count"],
            r["including_inherited_obligation_usd"], r["including_inherited_transaction_count"],
        )
        for r in rows
    }  # fmt: skip
    assert got == {
        ("CBP", "aws"): (1_250_000.0, 1, 1_250_000.0, 1),
        ("ICE", "microsoft"): (4_100_000.5, 1, 4_100_000.5, 2),
        ("ICE", "palantir"): (29_898_233.68, 2, 29_898_233.68, 2),
    }
    aws = next(r for r in rows if r["company_id"] == "aws")
    assert aws["coverage_bias"] == "upper_bound_truncated_slice"
    assert aws["records_path"] == (
        "company_products_by_agency?company=aws&start_date=2024-01-01"
        "&end_date=2025-06-30&scope=inherited"
    )
    page = client.get(f"/{db_name}/agency_company_totals_between_dates?start_date=2024-01-01"
                      "&end_date=2025-06-30&agency=").text  # fmt: skip
    assert ('<a class="records" href="company_products_by_agency?company=aws&amp;'
            'start_date=2024-01-01&amp;end_date=2025-06-30&amp;scope=inherited">records</a>'
            ) in page  # fmt: skip
    assert "CBP FY2025: truncated slice" in aws["period_coverage_note"]
    ice = run(client, db_name, "agency_company_totals_between_dates",
              start_date="2024-01-01", end_date="2025-06-30", agency="ice")  # fmt: skip
    assert {r["company_id"] for r in ice} == {"microsoft", "palantir"}
    # Dates the package lacks: one row, the note, no company.
    none = run(client, db_name, "agency_company_totals_between_dates",
               start_date="2015-01-01", end_date="2019-12-31", agency="")  # fmt: skip
    assert len(none) == 1 and none[0]["company_id"] is None
    assert none[0]["period_coverage_note"].startswith("No record matches. ")
