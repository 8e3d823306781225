"""Releases of the three real snapshots: verify, determinism, and the measured history.

Slow: each snapshot is built (and validated) once per session by the `real_releases` fixture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from ice_cbp_awards.paths import REPO_ROOT
from ice_cbp_awards.release.archive import write_zip
from ice_cbp_awards.release.compare import diff_releases, embed_report, report_markdown
from ice_cbp_awards.release.loading import load_release
from ice_cbp_awards.release.release import assemble
from ice_cbp_awards.release.totals import diff_totals
from ice_cbp_awards.release.verify import verify
from ice_cbp_awards.versioning import release_timestamp

from .conftest import SNAPSHOTS

pytestmark = pytest.mark.slow
V1, V2, V3 = "2026.3.2", "2026.5.5", "2026.8.22"


@pytest.fixture(scope="module")
def history(real_releases, tmp_path_factory: pytest.TempPathFactory):
    zips = [real_releases[s].zip_path for s in SNAPSHOTS]
    return diff_releases(zips, tmp_path_factory.mktemp("history"))


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_each_snapshot_is_a_verified_release(real_releases) -> None:
    names = [real_releases[s].name for s in SNAPSHOTS]
    assert names == [f"ice-cbp-tech-awards-{v}-schema-2.0.0" for v in (V1, V2, V3)]
    report = verify(real_releases["2026-08-22"].zip_path)
    assert report.ok, report.problems
    assert report.files_checked >= 20


def test_rerunning_a_release_gives_identical_bytes(
    real_releases, built_data_dir: Path, tmp_path: Path
) -> None:
    """A second, separate build of the same snapshot freezes to the very same bytes."""
    published = real_releases["2026-08-22"]
    folder = assemble(built_data_dir, tmp_path)
    zip_path = write_zip(folder, tmp_path / f"{folder.name}.zip", release_timestamp(V3))
    assert folder.name == published.name
    ours, theirs = _files(folder), _files(published.folder)
    assert sorted(ours) == sorted(theirs)
    assert [k for k in ours if ours[k] != theirs[k]] == []
    assert zip_path.read_bytes() == published.zip_path.read_bytes()


def test_a_tampered_real_release_fails_verify(real_releases, tmp_path: Path) -> None:
    copy = tmp_path / real_releases["2026-03-02"].name
    shutil.copytree(real_releases["2026-03-02"].folder, copy)
    (copy / "parquet" / "awards.parquet").unlink()
    path = copy / "data" / "transactions.csv"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    problems = verify(copy).problems
    assert any(p.startswith("data/transactions.csv: sha256") for p in problems)
    assert "parquet/awards.parquet: missing (listed in SHA256SUMS)" in problems


def test_measured_changes_between_the_snapshots(history) -> None:
    counts = {
        (i, name): (r.added, r.removed, r.changed_records, r.changed_values)
        for i in (0, 1)
        for name in ("transactions", "awards", "award_summaries", "attributions")
        for r in [history.resource(i, name)]
    }
    assert counts == {
        (0, "transactions"): (1268, 5, 9, 12),
        (1, "transactions"): (3602, 75, 159, 171),
        (0, "awards"): (219, 1, 848, 2802),
        (1, "awards"): (948, 2, 1869, 6551),
        (0, "award_summaries"): (0, 0, 0, 0),
        (1, "award_summaries"): (0, 0, 0, 0),
        (0, "attributions"): (152, 0, 1, 2),
        (1, "attributions"): (451, 9, 4, 4),
    }
    assert history.resource(1, "transactions").by_field["recipient_name"] == 137
    assert [p.raw_files["files_with_new_content"] for p in history.pairs] == [
        ["usaspending-cbp-ice/2026-05-05/CBP_ICE_FY2026_Contract_Obligations.csv"],
        ["usaspending-cbp-ice/2026-08-22/CBP_ICE_FY2025_Contract_Obligations.csv",
         "usaspending-cbp-ice/2026-08-22/CBP_ICE_FY2026_Contract_Obligations.csv"],
    ]  # fmt: skip
    c = history.changes
    # LexisNexis (ICE): a modification revised upstream to $0 with a new description.
    revised = c[c["record_id"] == "tx-a53bcd5bb3b419075d29"]
    assert revised[["old_version", "change_type", "field_name", "old_value", "new_value",
                    "amount_change_usd"]].values.tolist()[:2] == [
        [V1, "changed", "action_date", "2026-02-27", "2026-03-25", ""],
        [V1, "changed", "federal_action_obligation_usd", "396062", "0", "-396062.00"],
    ]  # fmt: skip
    assert revised["field_name"].tolist()[2] == "transaction_description"


def test_record_history_over_the_three_releases(history) -> None:
    tx = history.history[history.history["resource_name"] == "transactions"].set_index("record_id")
    assert len(tx) == 57427
    in_all = tx[tx["seen_in_versions"] == f"{V1} {V2} {V3}"]
    assert len(in_all) == 52505
    assert set(in_all["first_seen_version"]) == {V1} and set(in_all["last_seen_version"]) == {V3}
    assert tx.loc["tx-0000e006933ea60ce925", "first_seen_version"] == V1
    assert tx["first_seen_version"].value_counts().to_dict() == {V1: 52560, V3: 3599, V2: 1268}
    assert int((tx["is_in_latest"] == "false").sum()) == 77
    assert int((tx["last_changed_version"] != tx["first_seen_version"]).sum()) == 170
    back = tx[tx["seen_in_versions"] == f"{V1} {V3}"]
    assert sorted(back.index) == ["tx-80a93224ed2792ab0321", "tx-8b6c8ed6d156c83f1947",
                                  "tx-be955ac64ce205920fd3"]  # fmt: skip
    assert set(back["last_changed_version"]) == {V3}


def test_company_totals_that_moved(history) -> None:
    totals = [p.totals for p in history.pairs]
    assert [(t.basis, t.groups_old, t.groups_new, t.moved) for t in totals] == [
        ("attributions:attributions:scoped", 209, 210, 37),
        ("attributions:attributions:scoped", 210, 214, 94),
    ]  # fmt: skip
    c = history.changes
    palantir = c[
        (c["record_id"] == "ICE|palantir|direct|transaction") & (c["change_type"] == "total_moved")
    ]
    assert palantir[["old_value", "new_value", "related_record_count"]].values.tolist() == [
        ["175182402.90", "272843806.20", "3"], ["272843806.20", "318692423.00", "3"]
    ]  # fmt: skip
    lexis = c[
        (c["record_id"] == "ICE|lexisnexis|direct|transaction") & (c["old_version"] == V1)
    ].iloc[0]
    assert lexis["amount_change_usd"] == "-396062.00"
    assert "tx-a53bcd5bb3b419075d29" in lexis["related_record_ids"].split()


def test_recipient_totals_that_moved(real_releases) -> None:
    from contextlib import ExitStack

    with ExitStack() as stack:
        rel = [load_release(real_releases[s].folder, stack) for s in SNAPSHOTS]
        moved = [diff_totals(a, b, basis="recipient") for a, b in zip(rel, rel[1:], strict=False)]
    assert [(s.groups_old, s.groups_new, s.moved) for _, s in moved] == [
        (5074, 5110, 341), (5110, 5255, 1223)
    ]  # fmt: skip
    rows = moved[0][0].set_index("record_id")
    fisher = rows.loc["CBP|FISHER SAND & GRAVEL CO|recipient"]
    assert (fisher["old_value"], fisher["new_value"]) == ("7167084409.50", "9888573409.50")
    assert fisher["related_record_count"] == "5"
    assert len(fisher["related_record_ids"].split()) == 5


def test_docs_history_is_the_measured_history(history, tmp_path: Path) -> None:
    doc = REPO_ROOT / "docs" / "history.md"
    fresh = tmp_path / "history.md"
    fresh.write_text(doc.read_text(encoding="utf-8"), encoding="utf-8")
    embed_report(fresh, report_markdown(history))
    assert fresh.read_text() == doc.read_text(), (
        "docs/history.md is out of date: run `awards diff <three releases> --doc docs/history.md`"
    )


def test_changes_resource_follows_its_schema(history) -> None:
    import frictionless

    report = frictionless.validate(str(history.out_dir / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])[:5]
    changes = pd.read_csv(history.out_dir / "data" / "changes.csv", dtype=str,
                          keep_default_na=False)  # fmt: skip
    assert len(changes) == len(history.changes)


def test_an_edited_real_database_is_caught_and_a_tampered_release_not_diffed(
    real_releases, tmp_path: Path
) -> None:
    """The issue's reproduction on a real release: the database alone raised by $100 million,
    every checksum re-hashed to match."""
    import sqlite3

    from ice_cbp_awards.release.loading import ReleaseLoadError

    from .test_verify import _reseal

    published = real_releases["2026-08-22"]
    copy = tmp_path / published.name
    shutil.copytree(published.folder, copy)
    db = next(copy.glob("*.db"))
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE transactions SET federal_action_obligation_usd = "
            "federal_action_obligation_usd + 100000000 WHERE rowid = 1"
        )
    conn.close()
    _reseal(copy)
    assert verify(copy).problems == [
        f"transactions: the SQLite table in {db.name} holds other content than the CSV and "
        "datapackage.json's content_digest"
    ]
    with pytest.raises(ReleaseLoadError, match="refused, not the release as published"):
        diff_releases([real_releases["2026-05-05"].zip_path, copy])
    assert verify(published.zip_path, expect_digest=published.release_digest).ok
