"""Curation layer: reviewed reference tables (companies, attribution rules, systems, offices,
claims) and the resources derived from them (attributions, system mentions, recipients, company
totals, claims checked against the records, review candidates)."""

from .build import build_curated

__all__ = ["build_curated"]
