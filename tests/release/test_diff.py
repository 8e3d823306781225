"""`awards diff` on three fake releases whose changes are known row by row."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pandas as pd
import pytest
from click.testing import CliRunner

from ice_cbp_awards.release.cli import diff_command
from ice_cbp_awards.release.compare import diff_releases
from ice_cbp_awards.release.loading import ReleaseLoadError

from .conftest import SNAPSHOTS

V1, V2, V3 = "2026.3.2", "2026.5.5", "2026.8.22"


@pytest.fixture
def three(fake_release) -> list[Path]:
    return [fake_release(snapshot=s).zip_path for s in SNAPSHOTS]


@pytest.fixture
def result(three, tmp_path: Path):
    return diff_releases(three, tmp_path / "diff")


def _changes(result, **where: str) -> pd.DataFrame:
    frame = result.changes
    for key, value in where.items():
        frame = frame[frame[key] == value]
    return frame


def test_counts_per_pair(result) -> None:
    first = result.resource(0, "transactions")
    assert (first.added, first.removed, first.changed_records, first.re_retrieved) == (1, 1, 1, 2)
    assert first.by_field == {"federal_action_obligation_usd": 1}
    second = result.resource(1, "transactions")
    assert (second.added, second.removed, second.changed_records) == (2, 0, 1)
    assert second.by_field == {"recipient_name": 1}
    # Resources keyed by a source file are not record resources: not compared.
    assert [r.resource for r in result.pairs[0].resources] == ["transactions"]


def test_changes_rows_give_old_and_new_values(result) -> None:
    changed = _changes(result, old_version=V1, change_type="changed")
    assert changed[["record_id", "field_name", "old_value", "new_value",
                    "amount_change_usd"]].values.tolist() == [
        ["tx-b", "federal_action_obligation_usd", "50.5", "75.25", "24.75"]
    ]  # fmt: skip
    row = changed.iloc[0]
    assert row["agency_acronym"] == "ICE"
    assert row["award_page_url"].endswith("CONT_AWD_TX-B_7012_-NONE-_-NONE-/")
    added = _changes(result, old_version=V1, change_type="added")
    removed = _changes(result, old_version=V1, change_type="removed")
    assert added["record_id"].tolist() == ["tx-e"] and removed["record_id"].tolist() == ["tx-c"]
    assert removed.iloc[0]["agency_acronym"] == "CBP"  # context from the old record
    renamed = _changes(result, old_version=V2, change_type="changed").iloc[0]
    assert (renamed["old_value"], renamed["new_value"]) == (
        "PALANTIR USG INC", "PALANTIR TECHNOLOGIES INC")  # fmt: skip


def test_totals_that_moved_name_their_records(result) -> None:
    moved = _changes(result, old_version=V1, change_type="total_moved").set_index("record_id")
    assert sorted(moved.index) == [
        "CBP|AMAZON WEB SERVICES INC|recipient",
        "ICE|DELL FEDERAL SYSTEMS L.P.|recipient",
        "ICE|PALANTIR USG INC|recipient",
    ]
    palantir = moved.loc["ICE|PALANTIR USG INC|recipient"]
    assert (palantir["old_value"], palantir["new_value"]) == ("100.00", "120.00")
    assert palantir["amount_change_usd"] == "20.00"
    assert palantir["related_record_ids"] == "tx-e" and palantir["related_record_count"] == "1"
    amazon = moved.loc["CBP|AMAZON WEB SERVICES INC|recipient"]
    assert (amazon["new_value"], amazon["related_record_ids"]) == ("", "tx-c")
    # The zero-amount recipient re-read unchanged did not move.
    assert not any("WESTWIND" in r for r in moved.index)
    later = _changes(result, old_version=V2, change_type="total_moved")
    assert set(later["record_id"]) == {
        "CBP|AMAZON WEB SERVICES INC|recipient",
        "ICE|PALANTIR USG INC|recipient",
        "ICE|PALANTIR TECHNOLOGIES INC|recipient",
    }
    amazon2 = later.set_index("record_id").loc["CBP|AMAZON WEB SERVICES INC|recipient"]
    assert amazon2["related_record_ids"] == "tx-c tx-f" and amazon2["amount_change_usd"] == "7.68"


def test_record_history(result) -> None:
    h = result.history.set_index("record_id")
    cols = ["first_seen_version", "last_seen_version", "last_changed_version",
            "seen_in_versions", "is_in_latest"]  # fmt: skip
    assert h.loc["tx-a", cols].tolist() == [V1, V3, V1, f"{V1} {V2} {V3}", "true"]
    assert h.loc["tx-b", cols].tolist() == [V1, V3, V2, f"{V1} {V2} {V3}", "true"]
    # Gone in 2026.5.5, back in 2026.8.22: back counts as a change.
    assert h.loc["tx-c", cols].tolist() == [V1, V3, V3, f"{V1} {V3}", "true"]
    assert h.loc["tx-e", cols].tolist() == [V2, V3, V3, f"{V2} {V3}", "true"]
    assert h.loc["tx-f", cols].tolist() == [V3, V3, V3, V3, "true"]


def test_outputs_are_a_valid_reproducible_package(three, result, tmp_path: Path) -> None:
    out = result.out_dir
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "type", "message"])
    desc = json.loads((out / "datapackage.json").read_text())
    assert [r["name"] for r in desc["resources"]] == ["changes", "record_history"]
    assert desc["$schema"].endswith("/2.0/datapackage.json") and "profile" not in desc
    assert {r["type"] for r in desc["resources"]} == {"table"}
    assert desc["compared_versions"] == [V1, V2, V3]
    again = diff_releases(three, tmp_path / "again").out_dir
    for name in ("datapackage.json", "data/changes.csv", "data/record_history.csv",
                 "diff_report.md", "diff_report.json"):  # fmt: skip
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    md = (out / "diff_report.md").read_text()
    assert f"## {V1} -> {V2}" in md and "| transactions | 4 | 4 | 1 | 1 | 1 | 1 | 2 |" in md


def test_releases_must_be_oldest_first(three, tmp_path: Path) -> None:
    with pytest.raises(ReleaseLoadError, match="oldest first"):
        diff_releases([three[1], three[0]])
    with pytest.raises(ReleaseLoadError, match="at least two"):
        diff_releases(three[:1])


def test_the_cli_writes_the_diff_beside_the_releases(three, tmp_path: Path) -> None:
    dist = tmp_path / "dist-out"
    result = CliRunner().invoke(diff_command, [str(three[0]), str(three[2]), "--dist", str(dist)])
    assert result.exit_code == 0, result.output
    out = dist / f"fake-awards-changes-{V1}-to-{V3}"
    assert (out / "data" / "changes.csv").is_file()
    assert f"{V1} -> {V3}: transactions +2 -0 ~1" in result.output


def _mini_release(
    root: Path, version: str, tx: list[str], attr: list[str], scoped: bool = False
) -> Path:
    """A release-like folder with transactions and attributions (descriptor + CSVs); with
    `scoped`, each attribution line ends with its evidence_scope."""
    root.mkdir(parents=True)
    tx_schema = {
        "fields": [{"name": n, "type": t, **({"unit": "USD"} if n.endswith("_usd") else {})}
                   for n, t in (("transaction_id", "string"), ("agency_acronym", "string"),
                                ("recipient_name", "string"),
                                ("federal_action_obligation_usd", "number"))],
        "primaryKey": ["transaction_id"],
    }  # fmt: skip
    attr_schema = {
        "fields": [
            {"name": "attribution_id", "type": "string"},
            {"name": "transaction_id", "type": "string"},
            {"name": "company_id", "type": "string"},
            {"name": "relationship", "type": "string",
             "constraints": {"enum": ["direct", "reseller", "platform_services"]}},
        ] + ([{"name": "evidence_scope", "type": "string"}] if scoped else []),
        "primaryKey": ["attribution_id"],
        "foreignKeys": [{"fields": ["transaction_id"],
                         "reference": {"resource": "transactions", "fields": ["transaction_id"]}}],
    }  # fmt: skip
    (root / "transactions.csv").write_text(
        "transaction_id,agency_acronym,recipient_name,federal_action_obligation_usd\n"
        + "".join(line + "\n" for line in tx)
    )
    (root / "attributions.csv").write_text(
        "attribution_id,transaction_id,company_id,relationship"
        + (",evidence_scope\n" if scoped else "\n")
        + "".join(line + "\n" for line in attr)
    )
    desc = {"name": "mini", "title": "Mini", "version": version, "schema_version": "1.0.0",
            "resources": [
                {"name": "transactions", "path": "transactions.csv", "schema": tx_schema},
                {"name": "attributions", "path": "attributions.csv", "schema": attr_schema},
            ]}  # fmt: skip
    (root / "datapackage.json").write_text(json.dumps(desc))
    return root


def test_attribution_changes_and_company_totals(tmp_path: Path) -> None:
    old = _mini_release(
        tmp_path / "old", V1,
        ["tx-1,ICE,DELL FEDERAL SYSTEMS L.P.,100.0", "tx-2,ICE,PALANTIR USG INC,50.0",
         "tx-3,CBP,FOUR POINTS TECHNOLOGY,10.0"],
        ["at-1,tx-1,microsoft,reseller", "at-2,tx-2,palantir,direct", "at-3,tx-3,amazon,reseller"],
    )  # fmt: skip
    new = _mini_release(
        tmp_path / "new", V2,
        ["tx-1,ICE,DELL FEDERAL SYSTEMS L.P.,100.0", "tx-2,ICE,PALANTIR USG INC,50.0",
         "tx-3,CBP,FOUR POINTS TECHNOLOGY,10.0", "tx-4,ICE,PALANTIR USG INC,7.5"],
        ["at-1,tx-1,microsoft,reseller", "at-2,tx-2,palantir,direct", "at-4,tx-4,palantir,direct",
         "at-5,tx-3,amazon,platform_services"],
    )  # fmt: skip
    result = diff_releases([old, new], verified=False)  # bare folders: nothing to verify
    attr = result.resource(0, "attributions")
    assert (attr.added, attr.removed, attr.changed_records) == (2, 1, 0)
    assert result.pairs[0].totals.basis == "attributions:attributions"
    moved = _changes(result, change_type="total_moved").set_index("record_id")
    assert sorted(moved.index) == [
        "CBP|amazon|platform_services", "CBP|amazon|reseller", "ICE|palantir|direct",
    ]  # fmt: skip
    assert moved.loc["ICE|palantir|direct", ["old_value", "new_value", "related_record_ids"]
                     ].tolist() == ["50.00", "57.50", "tx-4"]  # fmt: skip
    # The same money moved from reseller to platform services: two totals, never summed.
    assert moved.loc["CBP|amazon|reseller", "new_value"] == ""
    assert moved.loc["CBP|amazon|platform_services", "old_value"] == ""
    assert "ICE|microsoft|reseller" not in moved.index


def _tampered_copy(zip_path: Path, into: Path) -> Path:
    """A copy of a release folder with one transaction's amount raised by $100,000,000."""
    from ice_cbp_awards.release.archive import extract_release

    folder = extract_release(zip_path, into)
    path = folder / "data" / "transactions.csv"
    text = path.read_text()
    assert ",75.25," in text
    path.write_text(text.replace(",75.25,", ",100000075.25,", 1))
    return folder


def test_a_tampered_release_is_refused_not_compared(three, tmp_path: Path) -> None:
    tampered = _tampered_copy(three[2], tmp_path / "download")
    with pytest.raises(ReleaseLoadError) as caught:
        diff_releases([three[1], tampered], tmp_path / "diff-out")
    message = str(caught.value)
    assert str(tampered) in message and "\n" not in message
    assert "data/transactions.csv: sha256" in message and "refused" in message
    assert not (tmp_path / "diff-out").exists()
    result = CliRunner().invoke(
        diff_command, [str(three[1]), str(tampered), "--out", str(tmp_path / "cli-out")]
    )
    assert result.exit_code == 1
    assert "refused" in result.output and "100,000,000" not in result.output
    assert not (tmp_path / "cli-out").exists()


def test_a_tampered_older_release_is_refused_too(three, tmp_path: Path) -> None:
    older = _tampered_copy(three[1], tmp_path / "old")
    with pytest.raises(ReleaseLoadError, match=r"old/fake-awards-2026\.5\.5.*refused"):
        diff_releases([older, three[2]])


def test_totals_keep_per_record_and_inherited_evidence_apart(tmp_path: Path) -> None:
    """A release whose attributions say their evidence scope: a total that moved is reported
    per scope, so an inherited modification's money never passes for per-record money."""
    tx = ["tx-1,ICE,DELL FEDERAL SYSTEMS L.P.,100.0", "tx-2,ICE,DELL FEDERAL SYSTEMS L.P.,40.0"]
    old = _mini_release(tmp_path / "old", V1, tx[:1], ["at-1,tx-1,microsoft,reseller,transaction"],
                        scoped=True)  # fmt: skip
    new = _mini_release(tmp_path / "new", V2, tx, ["at-1,tx-1,microsoft,reseller,transaction",
                                                   "at-2,tx-2,microsoft,reseller,award"],
                        scoped=True)  # fmt: skip
    result = diff_releases([old, new], verified=False)
    moved = _changes(result, change_type="total_moved").set_index("record_id")
    assert moved.index.tolist() == ["ICE|microsoft|reseller|award"]
    assert moved.loc["ICE|microsoft|reseller|award", ["old_value", "new_value"]].tolist() == [
        "",
        "40.00",
    ]
    assert result.pairs[0].totals.groups_new == 2
