"""Datasette metadata generated from the built descriptor and its schemas, never kept by hand.

Titles, descriptions, licences, sources, column descriptions and units come from
data_dir/datapackage.json (schemas inlined); facets, sort orders, label columns and search come
from the same `TablePlan`s the database was written with; canned queries from queries.yml. The
package version and its "cite as" text go into the plugin configuration, where the site's
footer template reads them, so every page says which release it serves.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from .. import citation
from ..export import jsonld
from ..jsonfiles import write_json
from ..versioning import VersionError, release_name
from .plan import TablePlan, read_built_descriptor, table_plans
from .plugin import PLUGIN_NAME
from .queries import canned_queries, chart_specs

CUSTOM_UNITS = ["USD = [currency]"]
# What a table page shows first, slot by slot: the first of each slot's names the table has.
# Readers look for when, who bought, who was paid, how much and for what; ids come after.
LEADING_COLUMNS: list[tuple[str, ...]] = [
    ("action_date", "last_action_date", "latest_action_date", "source_date"),
    ("agency_acronym",),
    ("fiscal_year",),
    ("recipient_name", "company_name"),
    (
        "federal_action_obligation_usd",
        "transactions_obligation_sum_usd",
        "latest_action_obligation_usd",
        "obligation_per_record_usd",
        "total_obligation_usd",
    ),
    ("transaction_description", "latest_description", "award_description", "claim_text"),
]


def leading_columns(column_names: list[str]) -> list[str]:
    """The columns a table's pages show first, in LEADING_COLUMNS order."""
    present = set(column_names)
    return [
        next(n for n in slot if n in present) for slot in LEADING_COLUMNS if present & set(slot)
    ]


COMPANY_PAGES_HTML = (
    "<p>Each company's name links to its page: totals per agency and fiscal year and for any "
    "dates, the resellers it was sold through, the systems its records mention, the claims "
    "about it and its records.</p>"
)


def robots_disallow(db: str, plans: list[TablePlan]) -> list[str]:
    """The paths robots.txt asks crawlers to leave alone."""
    sql = ["/*?sql=", "/*&sql=", "/*?*sql="]
    return sql + [f"/{db}/{p.fts_table}" for p in plans if p.fts_table]


def database_name(descriptor: dict[str, Any]) -> str:
    """The database (and its file stem) is named after the package."""
    return descriptor["name"]


def cite_as(descriptor: dict[str, Any]) -> str:
    """How to cite this version: the release's citation line (citation.py), or, for a
    descriptor whose version is not a release version, one composed the same way."""
    try:
        return citation.cite_as(descriptor)
    except (VersionError, KeyError):
        who = "; ".join(citation.authors(descriptor))
        title = descriptor.get("title", descriptor["name"])
        where = descriptor.get("homepage", "")
        return f"{who}. {title} (Version {descriptor['version']}) [Data set]. {where}".strip()


def _short_title(title: str) -> str:
    """A licence or source title up to its first colon, short enough for a page footer."""
    return title.split(":")[0].strip()


def _license(entry: dict[str, Any], descriptor: dict[str, Any]) -> dict[str, str]:
    licenses = entry.get("licenses") or descriptor.get("licenses") or []
    if not licenses:
        return {}
    return {
        "license": "; ".join(_short_title(lic.get("title") or lic["name"]) for lic in licenses),
        "license_url": licenses[0].get("path", ""),
    }


def _source(entry: dict[str, Any], descriptor: dict[str, Any]) -> dict[str, str]:
    sources = entry.get("sources") or descriptor.get("sources") or []
    if not sources:
        return {}
    text = _short_title(sources[0].get("title") or sources[0].get("path", ""))
    if len(sources) > 1:
        text += f" and {len(sources) - 1} more (every row names its raw file: see sources)"
    return {"source": text, "source_url": sources[0].get("path", "")}


# The release zip, when it lies beside the served database, is served by Datasette from here.
RELEASE_MOUNT = "-/release"


def release_zip(data_dir: Path, descriptor: dict[str, Any]) -> Path | None:
    """The zip of the served release, if the site has it: <release name>.zip in the data dir,
    or beside it when the data dir is the unpacked release folder (dist/<name>/ and
    dist/<name>.zip). None otherwise: the site then links to no download rather than to a
    file nothing publishes."""
    try:
        name = release_name(descriptor["name"], descriptor["version"],
                            descriptor.get("schema_version", ""))  # fmt: skip
    except VersionError:
        return None
    data_dir = Path(data_dir)
    places = [data_dir] + ([data_dir.parent] if data_dir.name == name else [])
    return next((p / f"{name}.zip" for p in places if (p / f"{name}.zip").is_file()), None)


# `awards raw archive --out dist/raw.tar.gz` writes it (and raw.tar.gz.sha256) beside the zips
RAW_ARCHIVE = "raw.tar.gz"


def raw_archive(data_dir: Path, descriptor: dict[str, Any]) -> Path | None:
    """The raw inputs archive beside the served release zip, with its .sha256, if there is
    one: the site then serves it under the same mount, and `awards raw pull <site>/-/release/
    raw.tar.gz` rebuilds anywhere. None otherwise: nothing hosts the raw inputs by itself."""
    found = release_zip(data_dir, descriptor)
    if found is None:
        return None
    archive = found.parent / RAW_ARCHIVE
    sums = archive.with_name(f"{RAW_ARCHIVE}.sha256")
    return archive if archive.is_file() and sums.is_file() else None


def release_mounts(data_dir: Path) -> list[tuple[str, str]]:
    """Datasette static mounts serving the release zip's folder, when there is a zip."""
    found = release_zip(Path(data_dir), read_built_descriptor(Path(data_dir)))
    return [(RELEASE_MOUNT, str(found.parent.resolve()))] if found else []


def links(descriptor: dict[str, Any], data_dir: Path | None = None) -> dict[str, str]:
    """Where the site's pages point for downloading this release: the zip it serves, if any."""
    found = release_zip(data_dir, descriptor) if data_dir is not None else None
    if found is None:
        return {}
    urls = {"release_zip": f"/{RELEASE_MOUNT}/{found.name}"}
    if raw_archive(data_dir, descriptor) is not None:  # type: ignore[arg-type]
        urls["raw_archive"] = f"/{RELEASE_MOUNT}/{RAW_ARCHIVE}"
    return urls


def site_jsonld(descriptor: dict[str, Any], urls: dict[str, str], db: str) -> str:
    """The home page's schema.org Dataset JSON-LD: the package, its database and its release
    zip when the site serves one; "</" escaped so the JSON cannot close its script element."""
    downloads = [{"path": f"/{db}.db", "mediatype": "application/vnd.sqlite3"}]
    if urls.get("release_zip"):
        downloads.append({"path": urls["release_zip"], "mediatype": "application/zip"})
    try:
        data = jsonld.dataset_jsonld(descriptor, downloads)
    except (VersionError, KeyError):
        return ""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _column_description(description: str, unit: str | None) -> str:
    return f"{description} Unit: {unit}." if unit else description


def _table_metadata(
    plan: TablePlan, descriptor: dict[str, Any], db: str, urls: dict[str, str]
) -> dict[str, Any]:
    downloads = [
        f'<a href="/{db}/{plan.name}.csv?_stream=on&amp;_size=max">{plan.name}.csv</a> '
        "(every row of this table)"
    ]
    if urls:
        downloads.append(
            f'<a href="{html.escape(urls["release_zip"])}">release '
            f"{html.escape(descriptor['version'])} (zip: every CSV, schemas, checksums)</a>"
        )
    meta: dict[str, Any] = {
        "title": plan.title,
        "description_html": (
            f"<p>{html.escape(plan.description)}</p>"
            f'<p class="downloads">Download: {" &middot; ".join(downloads)}</p>'
        ),
        **_license(plan.descriptor, descriptor),
        **_source(plan.descriptor, descriptor),
        "columns": {c.name: _column_description(c.description, c.unit) for c in plan.columns},
        "facets": list(plan.facets),
    }
    units = {c.name: c.unit for c in plan.columns if c.unit}
    if units:
        meta["units"] = units
    if plan.sort_desc:
        meta["sort_desc"] = plan.sort_desc
    if plan.sort:
        meta["sort"] = plan.sort
    if plan.label_column:
        meta["label_column"] = plan.label_column
    if plan.fts_table:
        meta["fts_table"] = plan.fts_table
    return meta


def build_metadata(data_dir: Path) -> dict[str, Any]:
    """The whole Datasette metadata document for the built package in data_dir."""
    descriptor = read_built_descriptor(data_dir)
    plans = table_plans(data_dir, descriptor)
    db = database_name(descriptor)
    version = descriptor["version"]
    citation = cite_as(descriptor)
    urls = links(descriptor, Path(data_dir))
    tables: dict[str, Any] = {}
    for plan in plans:
        tables[plan.name] = _table_metadata(plan, descriptor, db, urls)
        if plan.name == "companies" and "attributions" in {p.name for p in plans}:
            tables[plan.name]["description_html"] += COMPANY_PAGES_HTML
        if plan.fts_table:
            tables[plan.fts_table] = {"hidden": True}
    present = {p.name for p in plans}
    description_html = (
        f"<p>{html.escape(descriptor.get('description', ''))}</p>"
        f"<p>Data version <strong>{html.escape(version)}</strong>. "
        f"Cite as: {html.escape(citation)}</p>"
        '<p><a href="/-/chart">Chart: obligations per company and fiscal year, by agency</a>'
        + (
            f' &middot; <a href="{html.escape(urls["release_zip"])}">Download release '
            f"{html.escape(version)}</a>"
            if urls
            else ""
        )
        + (
            f' &middot; <a href="{html.escape(urls["raw_archive"])}">Raw inputs</a> (to rebuild: '
            f"<code>awards raw pull</code> with this link's address; its sha256 is beside it)"
            if urls.get("raw_archive")
            else ""
        )
        + "</p>"
    )
    meta: dict[str, Any] = {
        "title": descriptor.get("title", db),
        "description_html": description_html,
        **_license({}, descriptor),
        **_source({}, descriptor),
        "custom_units": CUSTOM_UNITS,
        "databases": {
            db: {
                "title": descriptor.get("title", db),
                "description_html": description_html,
                **_license({}, descriptor),
                **_source({}, descriptor),
                "tables": tables,
                "queries": canned_queries(present),
            }
        },
        "plugins": {
            # robots.txt by the well-kept plugin: crawlers may read table and row pages, not
            # arbitrary SQL (any URL with a sql parameter) or the search index tables
            "datasette-block-robots": {"disallow": robots_disallow(db, plans)},
            PLUGIN_NAME: {
                "database": db,
                "package_name": descriptor["name"],
                "title": descriptor.get("title", db),
                "version": version,
                "cite_as": citation,
                "release_url": urls.get("release_zip", ""),
                "dataset_jsonld": site_jsonld(descriptor, urls, db),
                "fts_tables": [p.fts_table for p in plans if p.fts_table],
                "charts": chart_specs(present),
                "column_order": {
                    p.name: lead for p in plans if (lead := leading_columns(p.column_names))
                },
            },
        },
    }
    if descriptor.get("homepage"):
        meta["about"] = "Documentation and code"
        meta["about_url"] = descriptor["homepage"]
    return meta


def write_datasette_metadata(data_dir: Path, out_path: Path) -> None:
    """Write the Datasette metadata (JSON) for the built package in data_dir to out_path."""
    meta = build_metadata(Path(data_dir))
    out_path = Path(out_path)
    write_json(out_path, meta)
