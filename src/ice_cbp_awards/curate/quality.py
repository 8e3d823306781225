"""Attribution quality: precision and recall of the rules, measured against a reviewed gold set.

`reference/gold_set.csv` holds transactions a curator labelled by reading each record: the
company it truly counts for and how (direct, reseller, platform_services), or none. The build
compares its own attributions of those transactions with the labels and publishes the result
as `attribution_quality`, per company and relationship and for every company together.

What counts (every figure is on the gold records present in the build, the evaluable set):
- a prediction is one attribution of an evaluable gold record, to a company, in a group of
  relationships; it is a true positive when the curator labelled the record with that company
  and a relationship in the same group (direct, reseller and platform_services must match
  exactly; direct+reseller accepts either of the two on both sides; any accepts every
  relationship);
- recall's denominator is the evaluable gold records labelled with a company in companies.csv.
- a label naming a company by expected_company_name counts as that company's when the name is,
  once folded, the company_name, a recipient alias or the company_id of a company in the map
  (so a vendor added to the map later is measured without relabelling). A name that matches no
  company is not evaluable: the record is left out of precision and recall, and counted
  (unmapped_label_count, and unmapped_predicted_count for the attributions the build made of
  such records), never hidden.

The build stops when direct+reseller precision over every company is below PRECISION_FLOOR:
those attributions are what the headline totals add up, and a reader quotes them as money spent
on a company's products.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..transform.frames import among
from .ids import content_version
from .names import fold_name
from .reference import ReferenceError, published, read_tables, split_list

GOLD_TABLE = "gold_set"
# Direct and reseller attributions make the totals a journalist quotes as money spent on a
# company's products. The 2026-08-22 audit found 142 of 143 right (99.3%); below 98% more than
# one dollar in fifty of a headline would belong to another company, which no label can excuse.
PRECISION_FLOOR = 0.98
GATED_GROUP = "direct+reseller"
RELATIONSHIPS = ("direct", "reseller", "platform_services")
GROUPS: dict[str, tuple[str, ...]] = {
    "direct": ("direct",),
    "reseller": ("reseller",),
    "platform_services": ("platform_services",),
    "direct+reseller": ("direct", "reseller"),
    "any": RELATIONSHIPS,
}
ALL = "all"


class QualityError(ValueError):
    """Attribution precision below the floor: the build stops with this one-line message."""


def load_gold(reference_dir: Path) -> pd.DataFrame:
    """reference/gold_set.csv, checked against its schema and, read together with companies.csv
    of the same folder, its foreign key to the companies; every problem is one line naming the
    file and the line."""
    gold = read_tables(Path(reference_dir), {GOLD_TABLE: (), "companies": ()})[GOLD_TABLE]
    label = f"{Path(reference_dir).name}/{GOLD_TABLE}.csv"
    problems = []
    for i, r in enumerate(gold.itertuples()):
        line = int(gold["_line"].iloc[i])
        named = bool(r.expected_company_id) + bool(r.expected_company_name)
        if r.expected_relationship == "none" and named:
            problems.append(f"{label} line {line}: relationship none must name no company")
        elif r.expected_relationship != "none" and named != 1:
            problems.append(
                f"{label} line {line}: give exactly one of expected_company_id "
                "(a company in companies.csv) or expected_company_name (one not yet there)"
            )
    if problems:
        raise ReferenceError("\n".join(problems))
    return gold


def gold_set_version(gold: pd.DataFrame) -> str:
    return content_version("gs", [published(gold, GOLD_TABLE)])


def predictions(gold: pd.DataFrame, att: pd.DataFrame) -> pd.DataFrame:
    """The build's attributions of gold records: transaction_id, company_id, relationship."""
    cols = ["transaction_id", "company_id", "relationship"]
    return att.loc[att["transaction_id"].isin(gold["transaction_id"]), cols].reset_index(drop=True)


def company_name_keys(companies: pd.DataFrame) -> dict[str, str]:
    """Folded company name, recipient alias or id -> company_id, for resolving label names."""
    keys: dict[str, str] = {}
    for r in companies.itertuples():
        for name in [r.company_name, r.company_id, *split_list(r.recipient_aliases)]:
            keys.setdefault(fold_name(str(name).replace("-", " ")), r.company_id)
    return keys


def resolve_names(gold: pd.DataFrame, companies: pd.DataFrame) -> pd.DataFrame:
    """Gold labels with expected_company_id filled where expected_company_name is a company of
    the map, and is_unmapped where it is not."""
    keys = company_name_keys(companies)
    named = gold["expected_company_name"] != ""
    found = gold["expected_company_name"].map(lambda n: keys.get(fold_name(n), "") if n else "")
    out = gold.assign(expected_company_id=gold["expected_company_id"].where(~named, found))
    return out.assign(is_unmapped=named & (found == ""))


def _counts(group: str, pred: pd.DataFrame, labels: pd.DataFrame) -> dict[str, Counter[str]]:
    """Predictions, true positives and gold positives of one relationship group, per company
    and for every company together (ALL)."""
    rels = GROUPS[group]
    p = pred[pred["relationship"].isin(rels)]
    g = labels[labels["expected_relationship"].isin(rels) & (labels["expected_company_id"] != "")]
    hit = p.merge(
        g[["transaction_id", "expected_company_id"]],
        left_on=["transaction_id", "company_id"],
        right_on=["transaction_id", "expected_company_id"],
    )
    out = {
        "predicted": Counter(p["company_id"]),
        "true_positive": Counter(hit["company_id"]),
        "gold_positive": Counter(g["expected_company_id"]),
    }
    for counter, frame in zip(out.values(), (p, hit, g), strict=True):
        counter[ALL] = len(frame)
    return out


def _row(company: str, group: str, counts: dict[str, Counter[str]]) -> dict[str, object]:
    """Counts and ratios of one (company or all, relationship group)."""
    tp = counts["true_positive"][company]
    n_pred, n_gold = counts["predicted"][company], counts["gold_positive"][company]
    return {
        "quality_id": f"{company}|{group}",
        "company_id": "" if company == ALL else company,
        "relationship_group": group,
        "predicted_count": n_pred,
        "true_positive_count": tp,
        "gold_positive_count": n_gold,
        "precision_ratio": tp / n_pred if n_pred else np.nan,
        "recall_ratio": tp / n_gold if n_gold else np.nan,
    }


def quality_frame(
    gold: pd.DataFrame,
    transaction_ids: pd.Series,
    att: pd.DataFrame,
    companies: pd.DataFrame,
    version: str,
) -> pd.DataFrame:
    """attribution_quality: one row per company and relationship group that has a prediction
    or a label among the evaluable gold records, plus the rows of every company together."""
    in_build = resolve_names(gold[among(gold["transaction_id"], transaction_ids)], companies)
    labels = in_build[~in_build["is_unmapped"]]
    pred = predictions(labels, att)
    companies_seen = sorted(set(pred["company_id"]) | set(labels["expected_company_id"]) - {""})
    counts = {g: _counts(g, pred, labels) for g in GROUPS}
    rows = [_row(ALL, g, counts[g]) for g in GROUPS]
    for c in companies_seen:
        for g in GROUPS:
            r = _row(c, g, counts[g])
            if r["predicted_count"] or r["gold_positive_count"]:
                rows.append(r)
    out = pd.DataFrame(rows)
    unmapped = in_build[in_build["is_unmapped"]]
    return out.assign(
        gold_record_count=len(gold),
        evaluable_record_count=len(labels),
        unmapped_label_count=len(unmapped),
        unmapped_predicted_count=len(predictions(unmapped, att)),
        gold_set_version=gold_set_version(gold),
        rule_set_version=version,
    )


def check_precision(quality: pd.DataFrame, floor: float = PRECISION_FLOOR) -> None:
    """Raise QualityError when direct+reseller precision over every company is below floor."""
    row = quality[quality["quality_id"] == f"{ALL}|{GATED_GROUP}"].iloc[0]
    if row["predicted_count"] and row["precision_ratio"] < floor:
        raise QualityError(
            f"attribution quality: {GATED_GROUP} precision {row['precision_ratio']:.1%} "
            f"({row['true_positive_count']} of {row['predicted_count']} attributions of gold "
            f"records confirmed by reference/{GOLD_TABLE}.csv) is below the {floor:.0%} floor; "
            "fix the rules or the labels (see `awards curate rule-effect`)"
        )


def attribution_quality(
    tx: pd.DataFrame, att: pd.DataFrame, reference_dir: Path, companies: pd.DataFrame, version: str
) -> dict[str, pd.DataFrame]:
    """The published gold set and attribution_quality; raises QualityError below the floor."""
    gold = load_gold(reference_dir)
    quality = quality_frame(gold, tx["transaction_id"], att, companies, version)
    check_precision(quality)
    return {GOLD_TABLE: published(gold, GOLD_TABLE), "attribution_quality": quality}
