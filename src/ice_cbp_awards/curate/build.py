"""build_curated: the curated resources from the core transactions and the reviewed tables.

A pure function of its inputs: no file is written, no clock or randomness is read, every frame
is sorted by its primary key, so that two builds from the same inputs are byte-identical.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import metadata
from ..metadata.types import is_usd, pandas_dtype
from ..tables import read_built
from .attribute import attribute, attributions_frame
from .claims import check_claims
from .coverage import truncated_slices
from .ids import content_version
from .quality import attribution_quality
from .recipients import link_recipients, recipients_frame, with_parents
from .reference import Reference, load_reference, published
from .review import review_candidates
from .systems import system_mentions
from .totals import company_totals, corporate_family_totals

REFERENCE_RESOURCES = (
    "companies",
    "attribution_rules",
    "systems",
    "offices",
    "parent_agreements",
    "ownership",
    "recipient_name_variants",
)
TX_COLUMNS = (
    "transaction_id",
    "award_id_usaspending",
    "award_id_piid",
    "action_date",
    "fiscal_year",
    "federal_action_obligation_usd",
    "recipient_name",
    "transaction_description",
    "product_or_service_description",
    "naics_description",
    "agency_acronym",
)


# every transaction column curation reads (transactions_frame): the build lets go of the others
# once the transactions are written
TX_READ = (*TX_COLUMNS, "parent_award_id_piid", "source_id")


def rule_set_version(ref: Reference) -> str:
    """Version of everything that decides attributions and mentions."""
    names = ("companies", "attribution_rules", "systems", "parent_agreements")
    frames = [published(getattr(ref, n), n) for n in names]
    return content_version("rs", frames)


def transactions_frame(transactions: pd.DataFrame) -> pd.DataFrame:
    """The transaction columns curation reads, in their in-memory types. Row order does not
    matter: every choice between rows is made on values, and outputs are sorted by key."""
    missing = [c for c in TX_COLUMNS if c not in transactions.columns]
    if missing:
        raise ValueError(f"transactions frame lacks columns {missing}")
    tx = transactions[list(TX_COLUMNS)].copy()
    # the parent vehicle decides parent-agreement attributions and the source slice the
    # coverage bias; frames without them have neither
    for c in ("parent_award_id_piid", "source_id"):
        tx[c] = transactions.get(c, "")
    for c in (
        "parent_award_id_piid",
        "source_id",
        "recipient_name",
        "transaction_description",
        "product_or_service_description",
        "naics_description",
    ):
        tx[c] = tx[c].fillna("").astype(str)
    tx["action_date"] = pd.to_datetime(tx["action_date"]).astype("datetime64[ns]")
    tx["fiscal_year"] = tx["fiscal_year"].astype("int64")
    tx["federal_action_obligation_usd"] = tx["federal_action_obligation_usd"].astype("float64")
    return tx.reset_index(drop=True)


def read_transactions_csv(path: Path) -> pd.DataFrame:
    """A built transactions.csv in the in-memory types curation needs."""
    tx = read_built(path.parent, path.stem)
    tx["action_date"] = pd.to_datetime(tx["action_date"], format="%Y-%m-%d")
    tx["fiscal_year"] = tx["fiscal_year"].astype("int64")
    tx["federal_action_obligation_usd"] = tx["federal_action_obligation_usd"].astype("float64")
    return tx


def _finish(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Exactly the schema's columns, sorted by primary key, in the in-memory types of
    metadata.types (integers without a missing value as int64; USD amounts to the cent)."""
    res = metadata.resource(name)
    out = frame[res.field_names].copy()
    for f in res.fields:
        col, dtype = f["name"], pandas_dtype(f)
        if dtype == "str":
            out[col] = out[col].fillna("").astype(str)
        elif dtype == "datetime64[ns]":
            out[col] = pd.to_datetime(out[col]).astype(dtype)
        elif dtype == "float64":
            out[col] = out[col].astype(dtype).round(2) if is_usd(f) else out[col].astype(dtype)
        elif dtype == "Int64":
            out[col] = (
                out[col].astype("int64") if out[col].notna().all() else out[col].astype(dtype)
            )
    return out.sort_values(res.primary_key, kind="stable").reset_index(drop=True)


def build_curated(
    transactions: pd.DataFrame,
    awards: pd.DataFrame,
    reference_dir: Path,
    build_report: pd.DataFrame | None = None,
    award_summaries: pd.DataFrame | None = None,
    *,
    reference: Reference | None = None,
) -> dict[str, pd.DataFrame]:
    """Every curated and reference resource, keyed by resource name.

    `awards` is accepted for the award keys of the package; attribution works on transactions
    (an award's transactions carry its descriptions), so award summaries without transactions
    are not attributed. `build_report` gives each raw slice's coverage flags, from which every
    total says the direction of its bias (without it, none is flagged). `award_summaries` (the
    FY2013-FY2018 summaries) are used only by the claims that say so. `reference` is
    `reference_dir` already loaded, for a caller that curates many times from the same tables
    (loading and checking them is most of the time of a small curation).
    """
    del awards  # attribution is per transaction; see the docstring
    ref = reference if reference is not None else load_reference(Path(reference_dir))
    version = rule_set_version(ref)
    tx = transactions_frame(transactions)
    links = link_recipients(tx, ref)
    att_raw = attribute(tx, links, ref)
    att = attributions_frame(tx, att_raw, links, version)
    mentions = system_mentions(tx, ref, version)
    parents = dict(
        zip(ref.companies["company_id"], ref.companies["parent_company_id"], strict=True)
    )
    recipients = with_parents(recipients_frame(tx, links), ref.ownership, parents)
    recipients = recipients.assign(rule_set_version=version)
    tx_slices = truncated_slices(tx, build_report)
    slices = tx_slices[att_raw["row"].to_numpy()]
    totals = company_totals(att, slices, version)
    families = corporate_family_totals(att, slices, ref.ownership, parents, version)
    company = links.column("company_id")
    claims, claim_records = check_claims(
        tx, att, mentions, company, ref, version, award_summaries, tx_slices
    )
    review = review_candidates(tx, att, links.column("recipient_role"), company, version)
    out: dict[str, pd.DataFrame] = {n: published(getattr(ref, n), n) for n in REFERENCE_RESOURCES}
    out.update(
        attributions=att,
        system_mentions=mentions,
        recipients=recipients,
        company_totals=totals,
        corporate_family_totals=families,
        claims=claims,
        claim_records=claim_records,
        review_candidates=review,
    )
    out.update(attribution_quality(tx, att, Path(reference_dir), ref.companies, version))
    return {name: _finish(frame, name) for name, frame in out.items()}
