"""docs/attribution-quality.md, generated from a build's attribution_quality and gold_set, so
that the page quotes exactly the figures the build published."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..tables import read_built
from ..transform.frames import among
from .quality import GATED_GROUP, PRECISION_FLOOR, resolve_names

INTRO = """# Attribution quality

How often the attribution rules are right, measured by every build against a gold set of
transactions labelled by hand (`reference/gold_set.csv`, published as `gold_set`). The figures
below are the build's `attribution_quality` resource; this page is regenerated from a build with
`awards curate quality-doc`.

## The gold set

A curator read each record (recipient, description, product code and, for a modification, the
other actions of its award) and wrote down the company it truly counts for and how (`direct`,
`reseller`, `platform_services`), or `none`, with a reason. The set holds ids, award keys,
modification numbers, labels and reasons only: no amounts, descriptions or names of people.

Records were drawn, with a fixed seed, from two populations:

- attributed records, stratified by company x relationship x agency x evidence scope (up to 5
  per stratum with per-record evidence, up to 2 with award-inherited evidence);
- technology-looking records no rule attributed, drawn by words in the recipient or description:
  software, cloud, licence, data, analytics, surveillance, forensic, Cellebrite/GrayKey, and
  words that must *not* attribute: LAWS (not AWS), DYNAMICS (General Dynamics, AppDynamics),
  AMAZON and AWS around other makers' products (Cisco routers, SailPoint for AWS), ORACLE in
  Quest's Toad for Oracle, WATSON (furniture, cars, Integrated Biometrics fingerprint readers),
  GOTHAM (satellite services), CLEAR (trash bags, ammunition), eVigilant; plus review candidates.

A label may name a company that is not in `reference/companies.csv` yet (`expected_company_name`,
e.g. Cellebrite, Cisco). When a company of that name (folded as recipient names are; or one of its
recipient aliases, or its id) is in the map, the label counts as that company's, so a vendor added
later is measured without relabelling. Otherwise the record is *not evaluable*: it is left out of
precision and recall and counted, as `unmapped_label_count`, with the attributions the build made
of such records as `unmapped_predicted_count` (listed below among the disagreements).

## What the figures mean

- **Evaluable set**: the gold records whose transaction is in the build, less the records
  labelled with a company not in the map.
- **Prediction**: one attribution the build made of an evaluable gold record.
- **True positive**: a prediction whose company is the curator's and whose relationship falls in
  the same group for both: `direct`, `reseller`, `platform_services` must match exactly;
  `direct+reseller` accepts either of the two on both sides (money on the company's products);
  `any` accepts every relationship (the company is right).
- **Precision** = true positives / predictions. **Recall** = true positives / gold records
  labelled with the company (a company in the map) and a relationship in the group.
- Attributions of every evidence scope are measured (a modification that inherits its award's
  reseller attribution is labelled by what its money truly is).

**Recall here is recall on the gold set, not on the whole package.** Most gold records were
drawn from what the rules attributed, so a purchase that names no company or product is rarely
in the set; the true share of a company's money the rules find is lower. The unattributed
stratum shows the kinds of misses (see the records labelled with an unmapped company).

## The floor

The build stops when `direct+reseller` precision over every company is below
{floor:.0%} (`PRECISION_FLOOR` in `src/ice_cbp_awards/curate/quality.py`): these attributions are
what headline totals add up. The message names the figure and its counts, e.g.
`attribution quality: direct+reseller precision 96.5% (193 of 200 attributions of gold records
confirmed by reference/gold_set.csv) is below the 98% floor; ...`. A rule change shows its
effect on the gold set before it is committed with `awards curate rule-effect` (rules in the
working tree against `--base HEAD`, or `--base-reference-dir DIR`): the figures that change and
every gold record that flips.
"""


def _pct(value: object) -> str:
    return "" if pd.isna(value) else f"{float(value):.1%}"


def _line(r: pd.Series) -> str:
    return (
        f"| {r['company_id'] or 'all companies'} | {r['relationship_group']} | "
        f"{r['predicted_count']} | {r['true_positive_count']} | {r['gold_positive_count']} | "
        f"{_pct(r['precision_ratio'])} | {_pct(r['recall_ratio'])} |"
    )


def disagreements(gold: pd.DataFrame, att: pd.DataFrame, companies: pd.DataFrame) -> pd.DataFrame:
    """Gold records (of mapped companies, or attributed by the build) where the build's outcome
    is not the curator's label: the false positives and misses behind the figures, and the
    attributions of records labelled with a company not in the map."""
    from .rule_effect import expected, outcomes

    gold = resolve_names(gold, companies)
    said = outcomes(gold, att).to_numpy()
    label = expected(gold).to_numpy()
    unmapped = gold["is_unmapped"].to_numpy()
    keep = (said != label) & ~(unmapped & (said == "none"))
    return gold[keep].assign(expected=label[keep], build=said[keep])


def quality_markdown(
    quality: pd.DataFrame, gold: pd.DataFrame, att: pd.DataFrame, companies: pd.DataFrame
) -> str:
    """The page, from attribution_quality, attributions and companies as published and the gold
    records present in the build."""
    head = quality.iloc[0]
    gated = quality[quality["quality_id"] == f"all|{GATED_GROUP}"].iloc[0]
    relationships = gold["expected_relationship"].value_counts()
    lines = [INTRO.replace("{floor:.0%}", f"{PRECISION_FLOOR:.0%}"), "## Figures of this build", ""]
    lines.append(
        f"Gold set `{head['gold_set_version']}`: {head['gold_record_count']} records, "
        f"{head['evaluable_record_count']} evaluable in this build, "
        f"{head['unmapped_label_count']} not evaluable (labelled with a company not in the map; "
        f"{head['unmapped_predicted_count']} attributions of them by the build). Labels: "
        + ", ".join(f"{k} {v}" for k, v in relationships.sort_index().items())
        + f". Rule set `{head['rule_set_version']}`."
    )
    lines += [
        "",
        f"Direct+reseller precision over every company: **{_pct(gated['precision_ratio'])}** "
        f"({gated['true_positive_count']} of {gated['predicted_count']}); recall on the gold set "
        f"{_pct(gated['recall_ratio'])} ({gated['true_positive_count']} of "
        f"{gated['gold_positive_count']}).",
        "",
        "| company | relationship | predicted | true positive | gold positive | precision "
        "| recall |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    overall = quality[quality["company_id"] == ""]
    per_company = quality[quality["company_id"] != ""]
    lines += [_line(r) for _, r in overall.iterrows()]
    lines += [_line(r) for _, r in per_company.iterrows()]
    lines += ["", "## Where the build and the curator disagree", ""]
    lines += ["| transaction | award, modification | curator | build | curator's reason |"]
    lines += ["|---|---|---|---|---|"]
    for _, r in disagreements(gold, att, companies).iterrows():
        url = f"https://www.usaspending.gov/award/{r['award_id_usaspending']}/"
        lines.append(
            f"| `{r['transaction_id']}` | [{r['award_id_usaspending']}]({url}) "
            f"{r['modification_number']} | {r['expected']} | {r['build']} | {r['rationale']} |"
        )
    lines += ["", "## Records labelled with a company not in the map", ""]
    resolved = resolve_names(gold, companies)
    unmapped = resolved[resolved["is_unmapped"]]
    counts = unmapped.groupby(["expected_company_name", "expected_relationship"]).size()
    lines += ["| company (label) | relationship | gold records |", "|---|---|---:|"]
    lines += [f"| {c} | {r} | {n} |" for (c, r), n in counts.items()]
    return "\n".join(lines) + "\n"


def write_quality_markdown(data_dir: Path, out: Path) -> None:
    """Read attribution_quality, gold_set, attributions and companies from data_dir and write
    the page to out."""
    frames = {}
    for name in ("attribution_quality", "gold_set", "attributions", "companies"):
        frames[name] = read_built(data_dir, name)
    q = frames["attribution_quality"]
    for col in ("precision_ratio", "recall_ratio"):
        q[col] = pd.to_numeric(q[col].where(q[col] != ""), errors="coerce")
    tx_ids = read_built(data_dir, "transactions", columns=["transaction_id"])
    gold = frames["gold_set"]
    frames["gold_set"] = gold[among(gold["transaction_id"], tx_ids["transaction_id"])]
    Path(out).write_text(
        quality_markdown(q, frames["gold_set"], frames["attributions"], frames["companies"]),
        encoding="utf-8",
    )
