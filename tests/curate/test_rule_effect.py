"""The effect of a rule change on the gold set, on hand-made transactions: figures that change,
records that flip, the reviewed tables read back from a git ref, and the command."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from ice_cbp_awards import metadata
from ice_cbp_awards.cli import main
from ice_cbp_awards.curate.quality import load_gold
from ice_cbp_awards.curate.rule_effect import reference_at_ref, rule_effect
from ice_cbp_awards.paths import REFERENCE_DIR

from .conftest import make_tx

ROWS = [
    {"recipient": "DELL FEDERAL SYSTEMS L.P", "description": "AZURE CLOUD CREDITS"},
    {"recipient": "DELL FEDERAL SYSTEMS L.P", "description": "MICROSOFT LICENSES"},
    {"recipient": "ACME GUARDS LLC", "description": "ENFORCING THE LAWS"},
]
TX = make_tx(ROWS)
AZURE_RULES = ("microsoft-azure-resale", "microsoft-azure-services")


def _gold_rows() -> list[dict]:
    labels = [("microsoft", "reseller"), ("microsoft", "reseller"), ("", "none")]
    return [
        {
            "transaction_id": TX["transaction_id"].iloc[i],
            "award_id_usaspending": TX["award_id_usaspending"].iloc[i],
            "modification_number": "0",
            "sample_stratum": "test",
            "expected_company_id": c,
            "expected_company_name": "",
            "expected_relationship": r,
            "rationale": "hand-made",
        }
        for i, (c, r) in enumerate(labels)
    ]


def _reference(dst: Path, drop_rules: tuple[str, ...] = ()) -> Path:
    """A copy of reference/ with the hand-made gold set and without the given rules."""
    shutil.copytree(REFERENCE_DIR, dst)
    rules = pd.read_csv(dst / "attribution_rules.csv", dtype=str, keep_default_na=False)
    rules = rules[~rules["rule_id"].isin(drop_rules)]
    rules.to_csv(dst / "attribution_rules.csv", index=False, lineterminator="\n")
    with (dst / "gold_set.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(
            f, fieldnames=metadata.resource("gold_set").field_names, lineterminator="\n"
        )
        w.writeheader()
        w.writerows(_gold_rows())
    return dst


@pytest.fixture
def before_after(tmp_path: Path) -> tuple[Path, Path]:
    return _reference(tmp_path / "before", AZURE_RULES), _reference(tmp_path / "after")


def test_adding_a_rule_shows_the_records_that_flip_and_the_new_recall(before_after) -> None:
    before, after = before_after
    gold = load_gold(after)
    changed, flips = rule_effect(TX, gold, before, after)
    assert list(flips["transaction_id"]) == [TX["transaction_id"].iloc[0]]
    flip = flips.iloc[0]
    assert (flip["expected"], flip["before"], flip["after"]) == (
        "microsoft reseller",
        "none",
        "microsoft reseller",
    )
    assert not flip["is_right_before"] and flip["is_right_after"]
    row = changed.set_index("quality_id").loc["all|reseller"]
    assert (row["recall_ratio_before"], row["recall_ratio_after"]) == (0.5, 1.0)
    assert (row["true_positive_count_before"], row["true_positive_count_after"]) == (1, 2)
    assert "all|platform_services" not in set(changed["quality_id"])


def test_same_rules_change_nothing(before_after) -> None:
    _, after = before_after
    changed, flips = rule_effect(TX, load_gold(after), after, after)
    assert changed.empty and flips.empty


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.mark.integration  # git in a subprocess
def test_reference_at_ref_reads_the_tables_as_committed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "reference").mkdir(parents=True)
    (repo / "reference" / "companies.csv").write_text("a\ncommitted\n", encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x")
    (repo / "reference" / "companies.csv").write_text("a\nedited\n", encoding="utf-8")
    out = reference_at_ref(repo, "HEAD", tmp_path / "at-head")
    assert (out / "companies.csv").read_text(encoding="utf-8") == "a\ncommitted\n"
    with pytest.raises(ValueError, match="git ls-tree"):
        reference_at_ref(repo, "no-such-ref", tmp_path / "bad")


def _data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    tx = TX.assign(action_date=TX["action_date"].dt.strftime("%Y-%m-%d"))
    tx.to_csv(data / "transactions.csv", index=False)
    return data


def test_command_prints_the_flips(before_after, tmp_path: Path) -> None:
    before, after = before_after
    args = ["curate", "rule-effect", "--base-reference-dir", str(before)]
    args += ["--reference-dir", str(after), "--data-dir", str(_data_dir(tmp_path))]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Gold records that flip (1)" in result.output
    assert TX["transaction_id"].iloc[0] in result.output


def test_command_error_is_one_line(tmp_path: Path) -> None:
    args = ["curate", "rule-effect", "--data-dir", str(tmp_path / "missing")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: ")
    assert "transactions.csv: not found" in result.output


def test_quality_doc_without_build_fails_with_one_line(tmp_path: Path) -> None:
    args = ["curate", "quality-doc", "--data-dir", str(tmp_path), "--out", str(tmp_path / "q.md")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "attribution_quality.csv: not found; run `awards build` first" in result.output
    assert not (tmp_path / "q.md").exists()
