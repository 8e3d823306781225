"""Canned queries for the Datasette site, read from the reviewed queries.yml.

Each query names the tables it `requires`; a query is published only when all of them are in
the built package, so a build without a curated resource still serves every other query.
Parameters are listed in the order the form shows them; every query copes with empty values
(an empty date means no bound, an empty search returns no rows instead of an error).

SQL shared by several queries (the coverage of the fiscal years an answer touches) is written
once under the file's `_fragments` key and pasted where a query says `{{name}}`: each
published query is still one plain SQL text, shown as such on its page.
A query may give `unavailable_sql`, published in its place when a table it requires is not
in the build: one row saying why, with the same parameters, rather than no page at all.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

QUERIES_PATH = Path(__file__).with_name("queries.yml")
_PARAM_RE = re.compile(r"(?<![:\w]):([a-zA-Z_][a-zA-Z0-9_]*)")
_FRAGMENT_RE = re.compile(r"\{\{(\w+)\}\}")
FRAGMENTS_KEY = "_fragments"


def _expand(path: Path, name: str, sql: str, fragments: dict[str, str]) -> str:
    """The query's SQL with each {{fragment}} replaced by its text."""

    def paste(match: re.Match[str]) -> str:
        if match.group(1) not in fragments:
            raise ValueError(f"{path}: query {name}: no fragment {match.group(1)!r}")
        return fragments[match.group(1)].strip()

    return _FRAGMENT_RE.sub(paste, sql)


@cache
def coverage_sql(path: Path = QUERIES_PATH) -> str:
    """The coverage note of every fiscal year the package holds, on its own (for pages that
    are not a canned query, such as the chart page): one row, period_coverage_note."""
    fragments = yaml.safe_load(path.read_text(encoding="utf-8")).get(FRAGMENTS_KEY, {})
    return (
        "with recursive asked as (\n"
        "  select '' as agency_acronym, null as first_fiscal_year, null as last_fiscal_year\n"
        f"),\n{fragments['coverage'].strip()}\nselect period_coverage_note from coverage"
    ).replace("'Of the years asked: '", "'Of these years: '")


@cache
def load_queries(path: Path = QUERIES_PATH) -> dict[str, dict[str, Any]]:
    """All canned queries of the reviewed file, by name, as written."""
    queries = yaml.safe_load(path.read_text(encoding="utf-8"))
    fragments = queries.pop(FRAGMENTS_KEY, {})
    for name, q in queries.items():
        q["sql"] = _expand(path, name, q["sql"], fragments)
        if "unavailable_sql" in q:
            q["unavailable_sql"] = _expand(path, name, q["unavailable_sql"], fragments)
        declared = sorted(q.get("params", []))
        for key in ("sql", "unavailable_sql"):
            used = sorted(set(_PARAM_RE.findall(q.get(key, q["sql"]))))
            if used != declared:
                raise ValueError(f"{path}: query {name}: params {declared} but {key} uses {used}")
        if sorted(q.get("example", {})) != declared:
            raise ValueError(f"{path}: query {name}: `example` must give a value for {declared}")
    return queries


def _paged_note(name: str, q: dict[str, Any]) -> str:
    """Where every row of the answer is, past the 1,000 that Datasette's JSON stops at."""
    args = "&amp;".join(f"{p}=" for p in q.get("params", []))
    url = f"/-/paged/{name}.json" + (f"?{args}" if args else "")
    return (
        f'<p class="paged">Every row as JSON, 1,000 a page with a next_url: <a href="{url}">'
        f"{url}</a> (fill in the parameters).</p>"
    )


def canned_queries(present_tables: set[str]) -> dict[str, dict[str, Any]]:
    """Datasette `queries` metadata: the queries whose required tables are all present."""
    out = {}
    for name, q in load_queries().items():
        available = set(q["requires"]) <= present_tables
        if available or "unavailable_sql" in q:
            out[name] = {
                "title": q["title"],
                "description_html": q["description_html"].strip() + _paged_note(name, q),
                "sql": (q["sql"] if available else q["unavailable_sql"]).strip(),
                "params": list(q.get("params", [])),
                # The form and the rows first; the SQL is one click away ("show").
                "hide_sql": True,
            }
    return out


def chart_specs(present_tables: set[str]) -> list[dict[str, str]]:
    """The charts of the chart page: published queries with a `chart` entry (x, y, series,
    panel name their columns)."""
    published = canned_queries(present_tables)
    return [
        {"query": name, **q["chart"]}
        for name, q in load_queries().items()
        if name in published and q.get("chart")
    ]
