"""`awards review` (the review aid) and `awards companies-doc` (docs/companies.md)."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from ..options import data_dir_option, page_option, reference_dir_option
from ..paths import REPO_ROOT
from ..tables import read_built
from ..terminal import error_line, fail_with


def _from_transactions(data_dir: Path, reference_dir: Path, limit: int) -> pd.DataFrame:
    """Candidates recomputed from data_dir/transactions.csv with the reference tables as they
    are now: what is left after editing rules, without a rebuild."""
    from .attribute import attribute, attributions_frame
    from .build import read_transactions_csv, rule_set_version, transactions_frame
    from .recipients import link_recipients
    from .reference import load_reference
    from .review import TOP_N, review_candidates

    ref = load_reference(reference_dir)
    version = rule_set_version(ref)
    tx = transactions_frame(read_transactions_csv(data_dir / "transactions.csv"))
    links = link_recipients(tx, ref)
    att = attributions_frame(tx, attribute(tx, links, ref), links, version)
    return review_candidates(
        tx,
        att,
        links.column("recipient_role"),
        links.column("company_id"),
        version,
        top_n=max(limit, TOP_N),
    )


@click.command()
@data_dir_option()
@click.option("--limit", type=int, default=25, show_default=True, help="How many to print.")
@click.option(
    "--from-transactions",
    is_flag=True,
    help="Recompute from transactions.csv with the reference tables as they are now "
    "(after editing rules, without a rebuild).",
)
@reference_dir_option("Reviewed tables, for --from-transactions.")
def review(data_dir: Path, limit: int, from_transactions: bool, reference_dir: Path) -> None:
    """Transactions that look like a technology purchase but no rule attributed, largest expected
    value first (obligation x the gold-set probability that such a record is a company's)."""
    try:
        if from_transactions:
            cand = _from_transactions(data_dir, reference_dir, limit)
        else:
            cand = read_built(data_dir, "review_candidates")
            cand["candidate_rank"] = cand["candidate_rank"].astype(int)
    except Exception as exc:  # noqa: BLE001 - one readable line
        fail_with(error_line(exc))
    cand = cand.sort_values("candidate_rank").head(limit)
    table = Table(title=f"Review candidates ({len(cand)} shown, largest expected value first)")
    for col, just in (
        ("rank", "right"),
        ("expected USD", "right"),
        ("p", "right"),
        ("USD", "right"),
        ("agency", "left"),
        ("recipient", "left"),
        ("description", "left"),
        ("signals", "left"),
        ("transaction_id", "left"),
    ):
        table.add_column(col, justify=just, overflow="fold")
    for _, r in cand.iterrows():
        table.add_row(
            str(r["candidate_rank"]),
            f"{float(r['expected_value_usd']):,.0f}",
            f"{float(r['technology_probability_ratio']):.2f}",
            f"{float(r['federal_action_obligation_usd']):,.2f}",
            r["agency_acronym"],
            r["recipient_name"],
            r["transaction_description"][:160],
            r["signals"],
            r["transaction_id"],
        )
    Console().print(table)


@click.command("companies-doc")
@data_dir_option()
@page_option(REPO_ROOT / "docs" / "companies.md")
def companies_doc(data_dir: Path, out: Path) -> None:
    """Write docs/companies.md (companies, resellers, systems, with counts) from a build."""
    from .docs import write_companies_markdown

    try:
        write_companies_markdown(data_dir, out)
    except Exception as exc:  # noqa: BLE001 - one readable line
        fail_with(error_line(exc))
    click.echo(f"wrote {out}")


@click.group()
def curate() -> None:
    """Curation tools: the effect of a rule change on the gold set, the quality page."""


def _show(frame: pd.DataFrame, title: str) -> None:
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(col, overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if pd.isna(v) else f"{v:.4f}" if isinstance(v, float) else str(v)
                        for v in row))  # fmt: skip
    Console(width=200).print(table)


@curate.command("rule-effect")
@click.option(
    "--base",
    default="HEAD",
    show_default=True,
    help="Git ref whose reference/ tables are the rules before the change.",
)
@click.option(
    "--base-reference-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="A directory of reviewed tables to compare against, instead of --base.",
)
@reference_dir_option("Reviewed tables after the change (and the gold set used on both sides).")
@data_dir_option("Built data dir whose transactions.csv is attributed.")
def rule_effect(
    base: str, base_reference_dir: Path | None, reference_dir: Path, data_dir: Path
) -> None:
    """Gold-set precision and recall before and after a rule change, and the records that flip."""
    import tempfile

    from .rule_effect import reference_at_ref, rule_effect_from_files

    try:
        with tempfile.TemporaryDirectory() as tmp:
            before = base_reference_dir or reference_at_ref(REPO_ROOT, base, Path(tmp))
            changed, flips = rule_effect_from_files(
                data_dir / "transactions.csv", reference_dir, before
            )
    except Exception as exc:  # noqa: BLE001 - one readable line
        fail_with(error_line(exc))
    label = str(base_reference_dir) if base_reference_dir else base
    if changed.empty and flips.empty:
        click.echo(f"no gold record changes between {label} and {reference_dir}")
        return
    _show(changed, f"Gold-set figures that change ({label} -> {reference_dir})")
    _show(flips, f"Gold records that flip ({len(flips)})")


@curate.command("quality-doc")
@data_dir_option()
@page_option(REPO_ROOT / "docs" / "attribution-quality.md")
def quality_doc(data_dir: Path, out: Path) -> None:
    """Write docs/attribution-quality.md (gold-set precision and recall) from a build."""
    from .quality_docs import write_quality_markdown

    try:
        write_quality_markdown(data_dir, out)
    except Exception as exc:  # noqa: BLE001 - one readable line
        fail_with(error_line(exc))
    click.echo(f"wrote {out}")
