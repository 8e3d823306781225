"""The site on the real default snapshot, built once per session (`built_data_dir` fixture)."""

from __future__ import annotations

import csv
import sqlite3
from urllib.parse import urlencode

import pytest
from datasette.utils.testing import TestClient as DatasetteClient

from ice_cbp_awards.metadata import table_resources
from ice_cbp_awards.publish.plan import read_built_descriptor
from ice_cbp_awards.publish.queries import load_queries
from ice_cbp_awards.publish.serve import make_datasette, site_files

pytestmark = pytest.mark.slow

ICM_PIID = "70CTD022FR0000170"


@pytest.fixture(scope="module")
def real_client(built_data_dir):
    return DatasetteClient(make_datasette(built_data_dir, response_cache=False))


def test_the_build_wrote_a_complete_database(built_data_dir):
    db = site_files(built_data_dir).db_path
    assert db.is_file()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for entry in table_resources(read_built_descriptor(built_data_dir)):
        with (built_data_dir / entry["path"]).open(newline="", encoding="utf-8") as fh:
            rows = sum(1 for _ in csv.reader(fh)) - 1
        assert conn.execute(f'SELECT count(*) FROM "{entry["name"]}"').fetchone()[0] == rows


def test_search_returns_the_palantir_icm_award(real_client, built_data_dir):
    db = site_files(built_data_dir).package_name
    r = real_client.get(
        f"/{db}/search_descriptions.json?_shape=array&q=investigative+case+management"
    )
    assert r.status == 200
    icm = [row for row in r.json if row["award_id_piid"] == ICM_PIID]
    assert icm and all("PALANTIR" in row["recipient_name"] for row in icm)
    table = real_client.get(f"/{db}/transactions.json?_shape=array&_search=palantir+icm")
    assert ICM_PIID in {row["award_id_piid"] for row in table.json}


def test_every_published_query_runs_on_the_real_data(real_client, built_data_dir):
    db = site_files(built_data_dir).package_name
    published = {q["name"] for q in real_client.get(f"/{db}.json").json["queries"]}
    assert "search_descriptions" in published
    for name in published:
        example = load_queries()[name]["example"]
        r = real_client.get(f"/{db}/{name}.json?_shape=array&" + urlencode(example))
        assert r.status == 200, (name, r.text[:300])


def test_company_query_gives_per_record_and_inclusive_totals(real_client, built_data_dir):
    """AWS at ICE and CBP, 2023-01-01 to 2026-03-03, on the 2026-08-22 snapshot: per-record rows
    by default, the inherited ones on request, both totals on every row."""
    db = site_files(built_data_dir).package_name
    params = {"company": "aws", "start_date": "2023-01-01", "end_date": "2026-03-03"}

    def rows(scope: str) -> list[dict]:
        query = urlencode({**params, "scope": scope})
        r = real_client.get(f"/{db}/company_products_by_agency.json?_shape=array&{query}")
        assert r.status == 200, r.text[:300]
        return r.json

    default, inherited, everything = rows(""), rows("inherited"), rows("all")
    assert {r["evidence_scope"] for r in default} == {"transaction"}
    assert len(default) == 7 + 47 and len(inherited) == 16 + 58 and len(everything) == 76
    for got in (default, inherited, everything):
        totals = {
            (
                r["agency_acronym"],
                r["agency_per_record_obligation_usd"],
                r["agency_including_inherited_obligation_usd"],
                r["agency_parent_agreement_obligation_usd"],
            )
            for r in got
        }
        assert totals == {
            ("ICE", 51_779_296.49, 71_579_545.7, 1_932_990.86),
            ("CBP", 142_585_301.24, 220_243_246.38, 0.0),
        }
    # ICE FY2023 is a truncated slice: its records say so
    ice_2023 = [r for r in inherited if r["agency_acronym"] == "ICE" and r["fiscal_year"] == 2023]
    assert ice_2023 and {r["slice_coverage_bias"] for r in ice_2023} == {
        "upper_bound_truncated_slice"
    }


def test_a_company_before_fy2021_answers_with_the_years_the_package_lacks(
    real_client, built_data_dir
):
    """Palantir, 2017-01-01 to 2020-09-30, on the 2026-08-22 snapshot: no record, and why."""
    db = site_files(built_data_dir).package_name
    query = urlencode({"company": "palantir", "start_date": "2017-01-01",
                       "end_date": "2020-09-30", "scope": ""})  # fmt: skip
    rows = real_client.get(f"/{db}/company_products_by_agency.json?_shape=array&{query}").json
    assert [r["transaction_id"] for r in rows] == [None]
    assert rows[0]["period_coverage_note"] == (
        "No record of this company matches. The package holds transactions for FY2021-FY2026. "
        "Of the years asked: ICE FY2017-FY2018: no transactions, only award summaries at their "
        "latest action (not counted here); CBP FY2017-FY2020: not in the package; "
        "ICE FY2019-FY2020: not in the package."
    )


def test_company_page_on_the_real_data(real_client):
    """Palantir, 2023-01-01 to 2026-03-03, on the 2026-08-22 snapshot: 13 records at ICE, one
    of them from the truncated ICE FY2023 slice (bias mixed); ICM named in 11 of them."""
    data = real_client.get("/-/company/palantir.json?start_date=2023-01-01&end_date=2026-03-03")
    data = data.json
    keys = ("agency_acronym", "agency_per_record_obligation_usd",
            "agency_per_record_transaction_count", "agency_coverage_bias")  # fmt: skip
    totals = [tuple(r[k] for k in keys) for r in data["date_range_totals"]]
    assert totals == [("ICE", 122_021_144.56, 13, "mixed")]
    assert data["record_count"] == 13
    systems = {s["system_id"]: (s["per_record_obligation_usd"], s["per_record_transaction_count"])
               for s in data["systems"]}  # fmt: skip
    assert systems["icm"] == (122_021_144.56, 11)
    assert "ICE FY2023: truncated slice" in data["period_coverage_note"]
    fy = {r["fiscal_year"]: r["coverage_bias"] for r in data["fiscal_year_totals"]}
    assert fy == {2021: "minimum", 2022: "upper_bound_truncated_slice",
                  2023: "upper_bound_truncated_slice", 2024: "minimum", 2025: "minimum",
                  2026: "minimum"}  # fmt: skip
    aws = real_client.get("/-/company/aws.json").json["resellers"]
    keys = ("reseller_company_id", "agency_acronym", "per_record_obligation_usd")
    assert tuple(aws[0][k] for k in keys) == ("four-points-technology", "CBP", 249_165_649.82)
