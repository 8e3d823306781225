"""What changed since the previous release, and the Atom feeds of new records, on the site.

The served package is the publish tests' sample package; the previous release is the same
package one snapshot earlier, made by the real `awards release` (previous_release.py): two
transactions added since (Palantir ICM P00009, ICE; AWS GovCloud through a reseller, CBP),
one revised (the Dell order, +100,000.00 USD).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from datasette.utils.testing import TestClient as DatasetteClient

from ice_cbp_awards.commands.serve import serve
from ice_cbp_awards.pipeline import site_with_changes
from ice_cbp_awards.publish import serve as serve_module
from ice_cbp_awards.publish.queries import load_queries
from ice_cbp_awards.publish.serve import make_datasette, site_files
from ice_cbp_awards.release.loading import ReleaseLoadError

from .previous_release import (
    AWS_NEW,
    PALANTIR_NEW,
    PREVIOUS_VERSION,
    REVISED,
    make_previous_release,
)
from .sample_package import TRANSACTIONS, VERSION

pytestmark = pytest.mark.integration  # makes real releases of the sample package

ATOM = "{http://www.w3.org/2005/Atom}"
URN = "urn:ice-cbp-tech-awards:transaction:"


@pytest.fixture(scope="module")
def previous(sample_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    return make_previous_release(tmp_path_factory.mktemp("previous"), sample_data_dir)


@pytest.fixture(scope="module")
def site_dir(sample_data_dir: Path, previous, tmp_path_factory) -> Path:
    return site_with_changes(sample_data_dir, previous.zip_path, tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def changes_client(site_dir: Path) -> DatasetteClient:
    return DatasetteClient(make_datasette(site_dir, response_cache=False))


def _rows(client, db_name, name, **params):
    r = client.get(f"/{db_name}/{name}.json?_shape=array&" + urlencode(params))
    assert r.status == 200, r.text
    return r.json


def _feed(client, db_name, name, **params) -> list[dict[str, str]]:
    r = client.get(f"/{db_name}/{name}.atom?" + urlencode(params))
    assert r.status == 200, r.text
    root = ET.fromstring(r.text)
    return [
        {
            "id": e.findtext(f"{ATOM}id"),
            "title": e.findtext(f"{ATOM}title"),
            "updated": e.findtext(f"{ATOM}updated"),
            "content": e.findtext(f"{ATOM}content"),
            "link": (e.find(f"{ATOM}link").get("href") if e.find(f"{ATOM}link") is not None
                     else None),
        }
        for e in root.findall(f"{ATOM}entry")
    ]  # fmt: skip


def test_changes_page_lists_added_and_revised_records(changes_client, db_name) -> None:
    rows = _rows(
        changes_client,
        db_name,
        "changes_since_previous_release",
        agency="",
        company="",
        change_type="",
    )
    assert {r["releases_compared"] for r in rows} == {f"{PREVIOUS_VERSION} -> {VERSION}"}
    tx = [r for r in rows if r["resource_name"] == "transactions"]
    added = {r["record_id"]: r for r in tx if r["change_type"] == "added"}
    assert sorted(added) == sorted([PALANTIR_NEW, AWS_NEW])
    palantir = added[PALANTIR_NEW]
    expected = next(t for t in TRANSACTIONS if t["transaction_id"] == PALANTIR_NEW)
    assert palantir["federal_action_obligation_usd"] == expected["federal_action_obligation_usd"]
    assert palantir["award_page_url"] == expected["award_page_url"]
    assert palantir["company_ids"] == "palantir"
    revised = [r for r in tx if r["change_type"] == "changed"]
    assert [(r["record_id"], r["field_name"], r["amount_change_usd"]) for r in revised] == [
        (REVISED, "federal_action_obligation_usd", 100_000.0)
    ]
    assert not [r for r in rows if r["change_type"] == "removed"]
    # totals that moved first, then transactions removed, revised, added, then the rest
    kinds = [(r["change_type"], r["resource_name"] == "transactions") for r in rows]
    moved_count = sum(1 for r in rows if r["change_type"] == "total_moved")
    assert kinds[: moved_count + 3] == [("total_moved", False)] * moved_count + [
        ("changed", True), ("added", True), ("added", True)
    ]  # fmt: skip
    assert {r["rows_matching"] for r in rows} == {len(rows)}
    moved = {r["record_id"]: r for r in rows if r["change_type"] == "total_moved"}
    assert moved["ICE|palantir|direct|transaction"]["related_record_ids"] == PALANTIR_NEW
    assert moved["ICE|palantir|direct|transaction"]["amount_change_usd"] == 29_898_236.0


def test_changes_filter_by_company_and_agency(changes_client, db_name) -> None:
    q = "changes_since_previous_release"
    palantir = _rows(changes_client, db_name, q, agency="", company="Palantir Technologies")
    assert palantir and all("palantir" in r["company_ids"].split() for r in palantir)
    assert {r["record_id"] for r in palantir if r["resource_name"] == "transactions"} == {
        PALANTIR_NEW
    }
    cbp = _rows(changes_client, db_name, q, agency="cbp", company="")
    assert cbp and {r["agency_acronym"] for r in cbp} == {"CBP"}
    assert {r["record_id"] for r in cbp if r["resource_name"] == "transactions"} == {AWS_NEW}
    added = _rows(changes_client, db_name, q, agency="", company="", change_type="added")
    assert added and {r["change_type"] for r in added} == {"added"}
    # nothing matches: one row says so, not an empty answer
    none = _rows(changes_client, db_name, q, agency="CBP", company="palantir")
    assert len(none) == 1 and none[0]["change_type"] is None
    assert none[0]["note"] == (
        f"Nothing changed between release {PREVIOUS_VERSION} and release {VERSION} "
        "for these filters."
    )


def test_changes_page_html_links_to_the_award(changes_client, db_name) -> None:
    r = changes_client.get(f"/{db_name}/changes_since_previous_release?agency=&company=palantir")
    assert r.status == 200
    expected = next(t for t in TRANSACTIONS if t["transaction_id"] == PALANTIR_NEW)
    assert f'href="{expected["award_page_url"]}"' in r.text
    assert "What changed since the previous release" in r.text


def test_comparison_and_changes_are_described_tables(changes_client, db_name, previous) -> None:
    (row,) = _rows(changes_client, db_name, "release_comparison")
    assert (row["previous_version"], row["current_version"]) == (PREVIOUS_VERSION, VERSION)
    assert row["previous_release_name"] == previous.zip_path.name
    assert row["is_previous_release_verified"] == 1
    assert (row["transactions_added_count"], row["transactions_removed_count"],
            row["transactions_revised_count"]) == (2, 0, 1)  # fmt: skip
    meta = changes_client.get("/-/metadata.json").json["databases"][db_name]["tables"]
    assert meta["changes"]["columns"]["company_ids"].startswith("Companies the changed record")
    assert "old_value" in meta["changes"]["columns"]
    table = _rows(changes_client, db_name, "changes", change_type="added",
                  resource_name="transactions")  # fmt: skip
    assert sorted(r["record_id"] for r in table) == sorted([PALANTIR_NEW, AWS_NEW])
    assert changes_client.get(f"/{db_name}/changes?change_type=changed").status == 200


def test_company_feed_holds_exactly_its_added_records(changes_client, db_name) -> None:
    feed = _feed(changes_client, db_name, "new_records_by_company_feed", company_id="palantir")
    assert [e["id"] for e in feed] == [URN + PALANTIR_NEW]
    (entry,) = feed
    expected = next(t for t in TRANSACTIONS if t["transaction_id"] == PALANTIR_NEW)
    assert entry["link"] == expected["award_page_url"]
    assert entry["updated"] == "2026-08-22T10:00:00+00:00"
    assert "Palantir Technologies (direct, evidence scope transaction)" in entry["content"]
    aws = _feed(changes_client, db_name, "new_records_by_company_feed", company_id="aws")
    assert [e["id"] for e in aws] == [URN + AWS_NEW]
    everyone = _feed(changes_client, db_name, "new_records_by_company_feed", company_id="")
    assert sorted(e["id"] for e in everyone) == [URN + PALANTIR_NEW, URN + AWS_NEW]


def test_company_feed_without_new_records_says_so(changes_client, db_name) -> None:
    feed = _feed(changes_client, db_name, "new_records_by_company_feed", company_id="microsoft")
    assert [e["id"] for e in feed] == [
        f"urn:ice-cbp-tech-awards:no-new-records:{VERSION}/company/microsoft"
    ]
    assert feed[0]["title"] == f"No records new in release {VERSION} for microsoft"


def test_agency_feed_holds_exactly_its_added_records(changes_client, db_name) -> None:
    ice = _feed(changes_client, db_name, "new_records_by_agency_feed", agency_acronym="ICE")
    assert [e["id"] for e in ice] == [URN + PALANTIR_NEW]
    cbp = _feed(changes_client, db_name, "new_records_by_agency_feed", agency_acronym="cbp")
    assert [e["id"] for e in cbp] == [URN + AWS_NEW]
    assert "Amazon Web Services (reseller, evidence scope transaction)" in cbp[0]["content"]


def test_without_previous_release_one_row_explains(client, db_name) -> None:
    """The site served without --previous-release: the page and the feeds say so."""
    rows = _rows(client, db_name, "changes_since_previous_release", agency="ICE", company="")
    assert len(rows) == 1
    assert rows[0]["note"].startswith("No previous release was given to this site")
    assert "--previous-release" in rows[0]["note"]
    assert client.get(f"/{db_name}/changes_since_previous_release").status == 200
    for name, param in (("new_records_by_company_feed", "company_id"),
                        ("new_records_by_agency_feed", "agency_acronym")):  # fmt: skip
        feed = _feed(client, db_name, name, **{param: "palantir"})
        assert [e["id"] for e in feed] == ["urn:ice-cbp-tech-awards:no-previous-release"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_served_data_dir_is_never_written(sample_data_dir, previous, tmp_path) -> None:
    db = site_files(sample_data_dir).db_path
    before = _sha256(db)
    site = site_with_changes(sample_data_dir, previous.folder, tmp_path)
    assert _sha256(db) == before
    assert site_files(site).db_path != db


def test_a_tampered_previous_release_is_refused(sample_data_dir, previous, tmp_path) -> None:
    folder = tmp_path / previous.folder.name
    shutil.copytree(previous.folder, folder)
    csv = folder / "data" / "transactions.csv"
    csv.write_text(csv.read_text().replace("4000000.5", "4000001.5", 1))
    with pytest.raises(ReleaseLoadError) as caught:
        site_with_changes(sample_data_dir, folder, tmp_path / "out")
    assert "refused" in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(serve, ["--no-build", "--data-dir", str(sample_data_dir),
                                        "--previous-release", str(folder)])  # fmt: skip
    assert result.exit_code == 1
    assert "refused" in result.output


def test_serve_option_serves_the_changes(sample_data_dir, previous, monkeypatch) -> None:
    served = {}

    def fake_run(ds, host, port, workers):  # the real server would block: see what it serves
        served["client"] = DatasetteClient(ds)
        served["rows"] = _rows(served["client"], ds.get_database().name, "release_comparison")

    monkeypatch.setattr(serve_module, "run_server", fake_run)
    result = CliRunner().invoke(serve, ["--no-build", "--data-dir", str(sample_data_dir),
                                        "--previous-release", str(previous.zip_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r["previous_version"] for r in served["rows"]] == [PREVIOUS_VERSION]


def test_a_release_made_with_previous_carries_its_changes(
    sample_data_dir, previous, tmp_path, monkeypatch
) -> None:
    """`awards release --previous-release`: the release holds changes/ (checksummed, in its
    descriptor), and `awards serve` of that release folder shows them with no other file."""
    from ice_cbp_awards.release.checksums import SUMS_NAME, read_sums
    from ice_cbp_awards.release.verify import verify_folder

    from .previous_release import make_current_release

    current = make_current_release(tmp_path, sample_data_dir, previous.zip_path)
    assert verify_folder(current.folder).ok
    sums = read_sums(current.folder / SUMS_NAME)
    assert {"changes/changes.csv", "changes/release_comparison.csv"} <= set(sums)
    descriptor = json.loads((current.folder / "datapackage.json").read_text())
    listed = {f["path"] for f in descriptor["release"]["files"]}
    assert {"changes/changes.csv", "changes/release_comparison.csv"} <= listed
    assert "`changes/changes.csv`" in (current.folder / "README.md").read_text()
    served = {}

    def fake_run(ds, host, port, workers):
        client = DatasetteClient(ds)
        db = ds.get_database().name
        served["feed"] = _feed(client, db, "new_records_by_agency_feed", agency_acronym="CBP")

    monkeypatch.setattr(serve_module, "run_server", fake_run)
    result = CliRunner().invoke(serve, ["--no-build", "--data-dir", str(current.folder)])
    assert result.exit_code == 0, result.output
    assert [e["id"] for e in served["feed"]] == [URN + AWS_NEW]


def test_a_release_refuses_a_tampered_previous_release(sample_data_dir, previous, tmp_path):
    from ice_cbp_awards.release.release import ReleaseError

    from .previous_release import make_current_release

    folder = tmp_path / "old" / previous.folder.name
    shutil.copytree(previous.folder, folder)
    csv = folder / "data" / "transactions.csv"
    csv.write_text(csv.read_text().replace("4000000.5", "4000001.5", 1))
    with pytest.raises((ReleaseLoadError, ReleaseError), match="refused"):
        make_current_release(tmp_path / "new", sample_data_dir, folder)
    assert not list((tmp_path / "new" / "dist").glob("*.zip"))


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("changes_since_previous_release", "note"),
        ("new_records_by_company_feed", "atom_title"),
        ("new_records_by_agency_feed", "atom_title"),
    ],
)
def test_the_unavailable_answer_says_which_reason_holds(name, column) -> None:
    """With a changes table but without a table the query reads (a build without curation),
    the one row does not claim that no previous release was given."""
    q = load_queries()[name]
    conn = sqlite3.connect(":memory:")
    conn.execute("create table transactions (retrieved_at)")
    params = dict.fromkeys(q["params"], "")

    def answer() -> str:
        cursor = conn.execute(q["unavailable_sql"], params)
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))[column]

    assert answer().startswith("No previous release was given")
    conn.execute("create table changes (record_id)")
    assert answer().startswith("This build lacks a table this")
