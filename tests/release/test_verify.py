"""`awards verify` on good and tampered releases, folder and zip."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ice_cbp_awards.metadata import table_resources
from ice_cbp_awards.release.checksums import sha256_file, write_sums
from ice_cbp_awards.release.cli import verify_command
from ice_cbp_awards.release.verify import verify


@pytest.fixture
def release(fake_release, tmp_path: Path):
    result = fake_release()
    copy = tmp_path / "download" / result.name
    shutil.copytree(result.folder, copy)
    shutil.copy(result.zip_path, copy.parent / result.zip_path.name)
    return copy, copy.parent / result.zip_path.name


def _flip_one_byte(path: Path, offset: int = -3) -> None:
    data = bytearray(path.read_bytes())
    data[offset] = ord("7") if data[offset] != ord("7") else ord("8")
    path.write_bytes(bytes(data))


def _rewrite_zip(src: Path, dst: Path, change: dict[str, bytes | None]) -> None:
    """Copy a zip, replacing (bytes) or dropping (None) the named entries."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            tail = info.filename.split("/", 1)[1]
            if tail in change:
                if change[tail] is not None:
                    zout.writestr(info, change[tail])
            else:
                zout.writestr(info, zin.read(info))


def test_a_good_release_verifies_as_folder_and_zip(release) -> None:
    folder, zip_path = release
    for target in (folder, zip_path):
        report = verify(target, use_frictionless=True)
        assert report.ok, report.problems
        assert report.name == folder.name
        assert report.files_checked == 15
    result = CliRunner().invoke(verify_command, [str(zip_path)])
    assert result.exit_code == 0, result.output


def test_one_byte_changed_is_caught(release) -> None:
    folder, _ = release
    _flip_one_byte(folder / "data" / "transactions.csv")
    report = verify(folder)
    assert not report.ok
    assert any(p.startswith("data/transactions.csv: sha256") and "SHA256SUMS" in p
               for p in report.problems)  # fmt: skip
    assert any("data/transactions.csv: sha256 differs from datapackage.json" in p
               for p in report.problems)  # fmt: skip
    result = CliRunner().invoke(verify_command, [str(folder)])
    assert result.exit_code == 1
    assert "not the release as published" in result.output


def test_one_file_missing_is_caught(release) -> None:
    folder, _ = release
    (folder / "parquet" / "transactions.parquet").unlink()
    report = verify(folder)
    assert "parquet/transactions.parquet: missing (listed in SHA256SUMS)" in report.problems
    assert "parquet/transactions.parquet: missing (listed in datapackage.json)" in report.problems


def test_an_added_file_is_caught(release) -> None:
    folder, _ = release
    (folder / "data" / "extra.csv").write_text("a\n1\n")
    report = verify(folder)
    assert report.problems == [
        "data/extra.csv: not listed in SHA256SUMS, so not part of the release"
    ]


def test_a_tampered_zip_is_caught(release, tmp_path: Path) -> None:
    folder, zip_path = release
    csv = (folder / "data" / "transactions.csv").read_bytes().replace(b"100.0", b"900.0")
    changed = tmp_path / "changed.zip"
    _rewrite_zip(zip_path, changed, {"data/transactions.csv": csv})
    assert any("data/transactions.csv: sha256" in p for p in verify(changed).problems)
    missing = tmp_path / "missing.zip"
    _rewrite_zip(zip_path, missing, {"CITATION.cff": None})
    problems = verify(missing).problems
    assert "CITATION.cff: missing (listed in SHA256SUMS)" in problems
    bad = tmp_path / "two-roots.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("a/x.txt", "1")
        zf.writestr("b/y.txt", "2")
    assert "expected one release folder" in verify(bad).problems[0]
    unsafe = tmp_path / "unsafe.zip"
    with zipfile.ZipFile(unsafe, "w") as zf:
        zf.writestr("../evil.txt", "1")
    assert "unsafe entry path" in verify(unsafe).problems[0]


def test_a_truncated_zip_is_one_line_naming_it(release, tmp_path: Path) -> None:
    """A download cut short: verify and diff say in one line which file is not a zip."""
    _, zip_path = release
    cut = tmp_path / zip_path.name
    cut.write_bytes(zip_path.read_bytes()[: zip_path.stat().st_size // 2])
    [problem] = verify(cut).problems
    assert problem.startswith(f"{cut}: not a readable zip file, cut short or damaged")
    assert "\n" not in problem
    result = CliRunner().invoke(verify_command, [str(cut)])
    assert result.exit_code != 0
    assert "not a readable zip file" in result.output
    assert "Traceback" not in result.output


def _reseal(folder: Path) -> None:
    """Recompute the descriptor's hashes, SHA256SUMS and the release digest the release's own
    citations give: a consistent but edited release."""
    from ice_cbp_awards.citation import cited_release_digests
    from ice_cbp_awards.release.digest import release_digest

    desc_path = folder / "datapackage.json"
    desc = json.loads(desc_path.read_text())
    for entry in [*desc["resources"], *desc["release"]["files"]]:
        path = folder / entry["path"]
        entry["bytes"] = path.stat().st_size
        entry["hash"] = f"sha256:{sha256_file(path)}"
    desc_path.write_text(json.dumps(desc, indent=2))
    new = release_digest(folder)
    for name in ("CITATION.cff", ".zenodo.json", "README.md"):
        text = (folder / name).read_text()
        for old in set(cited_release_digests(text)):
            text = text.replace(old, new)
        (folder / name).write_text(text)
    write_sums(folder)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (",ICE,", ",FBI,", ["transactions, row 2: constraint-error:", 'The cell "FBI"',
                            'field "agency_acronym"', 'constraint "enum"']),
        ("tx-b,", "tx-a,", ["transactions, row 3: primary-key: Row at position \"3\" violates"
                            " the primary key: the same as in the row at position 2"]),
        ("tx-b,", "tx-a,", ["transactions, row 3: unique-error:", 'field "transaction_id"']),
        (",100.0,", ",,", ["transactions, row 2: constraint-error:",
                           'field "federal_action_obligation_usd"', 'constraint "required"']),
        (",fake/2026-08-22/fy2026,", ",fake/elsewhere,",
         ["transactions, row 2: foreign-key:",
          'values "fake/elsewhere" not found in the lookup table "sources"']),
        (",2025-10-01,", ",2025-13-01,", ["transactions, row 2: type-error:",
                                           'in the cell "2025-13-01"', 'type is "date/default"']),
        (",2025-10-01,", ",2025-13-01,", ["'2025-13-01' is not a valid date"]),
    ],
)  # fmt: skip
def test_schema_problems_are_caught_even_with_matching_checksums(
    release, old: str, new: str, problem: list[str]
) -> None:
    """What the Table Schema says is checked by the package's validator of it, frictionless
    (each distinct value once, keys on the rows that can break them), and a value that does
    not parse is also named by the exact reader the Parquet and digest checks use."""
    folder, _ = release
    path = folder / "data" / "transactions.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    _reseal(folder)
    problems = verify(folder).problems
    assert any(all(part in p for part in problem) for p in problems), problems


def test_frictionless_agrees_on_a_schema_problem(release) -> None:
    folder, _ = release
    path = folder / "data" / "transactions.csv"
    path.write_text(path.read_text().replace(",ICE,", ",FBI,", 1))
    _reseal(folder)
    problems = verify(folder, use_frictionless=True).problems
    assert any(p.startswith("transactions, row") and "constraint-error" in p for p in problems)


def test_versions_must_agree(release) -> None:
    folder, _ = release
    cff = folder / "CITATION.cff"
    cff.write_text(cff.read_text().replace("version: 2026.8.22", "version: 2026.8.23"))
    _reseal(folder)
    assert verify(folder).problems == ["CITATION.cff: version 2026.8.23 is not 2026.8.22"]


def test_a_renamed_folder_only_warns(release, tmp_path: Path) -> None:
    folder, _ = release
    renamed = folder.rename(tmp_path / "my-download")
    report = verify(renamed)
    assert report.ok and report.warnings == [
        f"folder is named my-download, the release is {folder.name}"
    ]


def _sql(folder: Path, statement: str) -> None:
    with sqlite3.connect(folder / "fake-awards.db") as conn:
        conn.execute(statement)
    conn.close()


def test_an_edited_database_is_caught_even_when_resealed(release) -> None:
    folder, _ = release
    raise_by = "federal_action_obligation_usd + 100000000"  # +$100 million in the database only
    _sql(folder, f"UPDATE transactions SET federal_action_obligation_usd = {raise_by} "
                 "WHERE transaction_id = 'tx-b'")  # fmt: skip
    _reseal(folder)
    problems = verify(folder).problems
    assert problems == [
        "transactions: the SQLite table in fake-awards.db holds other content than the CSV "
        "and datapackage.json's content_digest"
    ], problems


def test_every_table_and_format_is_compared(release) -> None:
    folder, _ = release
    _sql(folder, "DELETE FROM build_report WHERE agency_acronym = 'CBP'")
    _sql(folder, "DROP TABLE sources")
    _reseal(folder)
    problems = verify(folder).problems
    assert (
        "build_report: the SQLite table in fake-awards.db holds other content than the CSV "
        "and datapackage.json's content_digest" in problems
    )
    assert (
        "sources: the SQLite table in fake-awards.db cannot be read: no table 'sources'" in problems
    )


def test_content_digests_must_match_the_descriptor(release) -> None:
    folder, _ = release
    desc_path = folder / "datapackage.json"
    desc = json.loads(desc_path.read_text())
    digests = {r["name"]: r["content_digest"] for r in table_resources(desc)}
    assert all(d.startswith("sha256:") and len(d) == 71 for d in digests.values())
    desc["resources"][1]["content_digest"] = digests["sources"]
    del desc["resources"][0]["content_digest"]
    desc_path.write_text(json.dumps(desc, indent=2))
    _reseal(folder)
    problems = verify(folder).problems
    assert "sources: datapackage.json gives no content_digest" in problems
    assert (
        "transactions: the CSV (data/transactions.csv), the Parquet file and the SQLite table "
        "agree, but not with datapackage.json's content_digest" in problems
    ), problems


def _digest_of_sums(folder: Path) -> str:
    """The release digest by its definition: SHA256SUMS without the citing files' lines."""
    import hashlib

    lines = [line for line in (folder / "SHA256SUMS").read_text().splitlines(keepends=True)
             if line.split("  ", 1)[1].strip() not in ("CITATION.cff", ".zenodo.json",
                                                        "README.md")]  # fmt: skip
    return "sha256:" + hashlib.sha256("".join(lines).encode()).hexdigest()


def test_the_release_digest_is_cited_and_can_be_pinned(release, tmp_path: Path) -> None:
    folder, zip_path = release
    digest = _digest_of_sums(folder)
    assert digest in (folder / "CITATION.cff").read_text()
    assert digest in json.loads((folder / ".zenodo.json").read_text())["notes"]
    assert f"--expect-digest {digest}" in (folder / "README.md").read_text()
    for target in (folder, zip_path):
        report = verify(target, expect_digest=digest)
        assert report.ok and report.release_digest == digest, report.problems
    result = CliRunner().invoke(verify_command, [str(zip_path), "--expect-digest", digest])
    assert result.exit_code == 0 and digest in result.output, result.output
    other = "sha256:" + "0" * 64
    report = verify(folder, expect_digest=other)
    assert report.problems == [
        f"release digest {digest} is not the expected {other}: this is not the release you cite"
    ]
    result = CliRunner().invoke(verify_command, [str(folder), "--expect-digest", "abc"])
    assert result.exit_code != 0 and "sha256:<64 hex digits>" in result.output


def test_a_consistently_rewritten_release_is_caught_only_by_the_pinned_digest(release) -> None:
    """Every file, checksum, digest and citation rewritten to agree: only a digest published
    outside the archive tells it from the original."""
    from ice_cbp_awards.release.digest import release_digest, table_digest
    from ice_cbp_awards.release.parquet import write_parquet
    from ice_cbp_awards.tables import read_csv_table

    folder, _ = release
    original = _digest_of_sums(folder)
    csv = folder / "data" / "transactions.csv"
    csv.write_text(csv.read_text().replace(",75.25,", ",100000075.25,", 1))
    _sql(folder, "UPDATE transactions SET federal_action_obligation_usd = 100000075.25 "
                 "WHERE transaction_id = 'tx-b'")  # fmt: skip
    desc_path = folder / "datapackage.json"
    desc = json.loads(desc_path.read_text())
    res = desc["resources"][1]
    write_parquet(csv, res["schema"], folder / "parquet" / "transactions.parquet",
                  {"data_version": desc["version"], "schema_version": desc["schema_version"],
                   "resource": "transactions"})  # fmt: skip
    res["content_digest"] = table_digest(read_csv_table(csv, res["schema"]), res["schema"])
    desc_path.write_text(json.dumps(desc, indent=2))
    _reseal(folder)
    forged = release_digest(folder)
    assert forged != original and forged in (folder / "CITATION.cff").read_text()
    assert verify(folder).ok, verify(folder).problems
    problems = verify(folder, expect_digest=original).problems
    assert problems == [
        f"release digest {forged} is not the expected {original}: this is not the release you cite"
    ]


def test_citations_that_disagree_with_the_release_digest_are_caught(release) -> None:
    folder, _ = release
    digest = _digest_of_sums(folder)
    cff = folder / "CITATION.cff"
    cff.write_text(cff.read_text().replace(digest, "sha256:" + "1" * 64))
    write_sums(folder)
    assert verify(folder).problems == [
        f"CITATION.cff: cites release digest sha256:{'1' * 64}, the files give {digest}"
    ]
    cff.write_text(cff.read_text().replace("sha256:" + "1" * 64, "(none)"))
    write_sums(folder)
    assert verify(folder).problems == ["CITATION.cff: gives no release digest"]
