"""The effect of a rule change on the gold set: precision and recall before and after, and
which gold records flip.

"Before" is the reviewed tables as committed at a git ref (or a given reference directory);
"after" is the tables in the working tree. The gold set is the working tree's on both sides, so
that the yardstick stays fixed and only the rules move. Only the awards that hold a gold record
are attributed (inheritance never crosses an award), which keeps the comparison to seconds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

from ..transform.frames import among
from .attribute import attribute, attributions_frame
from .build import rule_set_version, transactions_frame
from .quality import load_gold, quality_frame, resolve_names
from .recipients import link_recipients
from .reference import load_reference

REFERENCE_SUBDIR = "reference"
COMPARED = ("predicted_count", "true_positive_count", "precision_ratio", "recall_ratio")


def reference_at_ref(repo: Path, ref: str, dest: Path) -> Path:
    """The reference/ tables as committed at ref, written under dest; returns their directory."""
    listing = _git(repo, "ls-tree", "--name-only", f"{ref}:{REFERENCE_SUBDIR}")
    out = Path(dest) / REFERENCE_SUBDIR
    out.mkdir(parents=True, exist_ok=True)
    for name in listing.splitlines():
        if name.endswith(".csv"):
            text = _git(repo, "show", f"{ref}:{REFERENCE_SUBDIR}/{name}")
            (out / name).write_text(text, encoding="utf-8")
    return out


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise ValueError(f"git {' '.join(args)}: {done.stderr.strip().splitlines()[-1]}")
    return done.stdout


def gold_awards(tx: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Every transaction of an award that holds a gold record."""
    awards = tx.loc[tx["transaction_id"].isin(gold["transaction_id"]), "award_id_usaspending"]
    return tx[tx["award_id_usaspending"].isin(awards)].reset_index(drop=True)


def attributions_under(
    tx: pd.DataFrame, reference_dir: Path
) -> tuple[pd.DataFrame, str, pd.DataFrame]:
    """(attributions of tx under the reviewed tables in reference_dir, their rule_set_version,
    their companies)."""
    ref = load_reference(reference_dir)
    version = rule_set_version(ref)
    links = link_recipients(tx, ref)
    att = attributions_frame(tx, attribute(tx, links, ref), links, version)
    return att, version, ref.companies


def outcomes(gold: pd.DataFrame, att: pd.DataFrame) -> pd.Series:
    """Per gold record (by transaction_id): what the build says, 'company relationship' joined
    with ' ; ', or 'none'."""
    said = (
        (att["company_id"] + " " + att["relationship"])
        .groupby(att["transaction_id"])
        .agg(lambda s: " ; ".join(sorted(s)))
    )
    return said.reindex(gold["transaction_id"]).fillna("none")


def expected(gold: pd.DataFrame) -> pd.Series:
    """Per gold record: the curator's label in the same form as outcomes(), a company not in
    the map in parentheses (resolve_names first to use the map's ids)."""
    company = gold["expected_company_id"].where(
        gold["expected_company_id"] != "", "(" + gold["expected_company_name"] + ")"
    )
    label = (company + " " + gold["expected_relationship"]).where(
        gold["expected_relationship"] != "none", "none"
    )
    return pd.Series(label.to_numpy(), index=gold["transaction_id"])


def rule_effect(
    tx: pd.DataFrame, gold: pd.DataFrame, before_dir: Path, after_dir: Path
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(quality rows whose figures changed, with _before and _after columns; gold records whose
    outcome changed, with the label and both outcomes)."""
    tx = gold_awards(tx, gold)
    att_before, v_before, c_before = attributions_under(tx, before_dir)
    att_after, v_after, c_after = attributions_under(tx, after_dir)
    q_before = quality_frame(gold, tx["transaction_id"], att_before, c_before, v_before)
    q_after = quality_frame(gold, tx["transaction_id"], att_after, c_after, v_after)
    keep = ["quality_id", *COMPARED]
    q = q_before[keep].merge(
        q_after[keep], on="quality_id", how="outer", suffixes=("_before", "_after")
    )
    q[[f"{c}_before" for c in COMPARED[:2]]] = q[[f"{c}_before" for c in COMPARED[:2]]].fillna(0)
    q[[f"{c}_after" for c in COMPARED[:2]]] = q[[f"{c}_after" for c in COMPARED[:2]]].fillna(0)
    changed = pd.Series(False, index=q.index)
    for c in COMPARED:
        b, a = q[f"{c}_before"], q[f"{c}_after"]
        changed |= ~((b == a) | (b.isna() & a.isna()))
    in_build = resolve_names(gold[among(gold["transaction_id"], tx["transaction_id"])], c_after)
    flips = pd.DataFrame(
        {
            "transaction_id": in_build["transaction_id"].to_numpy(),
            "award_id_usaspending": in_build["award_id_usaspending"].to_numpy(),
            "modification_number": in_build["modification_number"].to_numpy(),
            "expected": expected(in_build).to_numpy(),
            "before": outcomes(in_build, att_before).to_numpy(),
            "after": outcomes(in_build, att_after).to_numpy(),
        }
    )
    flips = flips[flips["before"] != flips["after"]]
    flips = flips.assign(
        is_right_before=flips["before"] == flips["expected"],
        is_right_after=flips["after"] == flips["expected"],
    )
    return (
        q[changed].sort_values("quality_id").reset_index(drop=True),
        flips.sort_values("transaction_id").reset_index(drop=True),
    )


def rule_effect_from_files(
    transactions_csv: Path, after_dir: Path, before_dir: Path
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """rule_effect on a built transactions.csv, with the gold set of after_dir."""
    from .build import read_transactions_csv

    gold = load_gold(after_dir)
    tx = transactions_frame(read_transactions_csv(transactions_csv))
    return rule_effect(tx, gold, before_dir, after_dir)
