"""Datasette plugin of the site: version banner, money formatting, the chart page and
a page per company (company_page.py) and every row of a canned query, page by page (paged.py).

Registered by `serve.make_datasette`; everything it shows comes from the plugin configuration in
the generated metadata (package version, cite-as text, charts), so it has no settings of its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import Response

from .cache import CanonicalQuery, ReadOnly, ResponseCache
from .canned_pages import CANNED_PAGE, CannedQueryPages
from .chart import grouped_bar_svg, usd_exact
from .company_page import company_page
from .datasette_site import map_database_file
from .limits import SqlGate, limit_connection
from .paged import paged_query
from .queries import coverage_sql

PLUGIN_NAME = "ice-cbp-awards"


def _config(datasette: Any) -> dict[str, Any]:
    return datasette.plugin_config(PLUGIN_NAME) or {}


def template_vars(datasette: Any) -> dict[str, Any]:
    """The version and citation every page shows (templates/base.html and _footer.html)."""
    cfg = _config(datasette)
    return {
        "awards_title": cfg.get("title", ""),
        "awards_version": cfg.get("version", ""),
        "awards_cite_as": cfg.get("cite_as", ""),
        "awards_release_url": cfg.get("release_url", ""),
        "awards_dataset_jsonld": cfg.get("dataset_jsonld", ""),
    }


@hookimpl
def startup(datasette: Any) -> Any:
    """Template globals rather than per-view variables, so that error pages, which Datasette
    renders without calling plugins, show the version too. Templates are read once: by
    default Jinja checks every template file on disk for every page it renders. The coverage
    note of the years the package holds is read once, for every page's banner."""
    datasette.jinja_env.globals.update(template_vars(datasette))
    leading = _config(datasette).get("column_order", {})
    empty: dict[str, list[str]] = {}
    datasette.jinja_env.globals["awards_column_order"] = lambda table, columns: column_order(
        leading.get(table or "", []), [c["name"] for c in columns], empty.get(table or "", [])
    )
    datasette.jinja_env.globals["awards_empty_columns"] = lambda table: empty.get(table or "", [])
    datasette.jinja_env.auto_reload = False

    async def read_coverage() -> None:
        db_name = _config(datasette).get("database", "")
        note = ""
        if db_name in datasette.databases:
            db = datasette.get_database(db_name)
            note = await _coverage_note(db)
            empty.update(await empty_columns(db))
        datasette.jinja_env.globals["awards_coverage_note"] = note

    return read_coverage


def column_order(leading: list[str], names: list[str], hidden: list[str] = ()) -> list[int]:
    """Positions of a page's columns with the leading ones first (templates/_table.html),
    without the hidden ones (columns empty in every row of the table)."""
    first = [names.index(n) for n in leading if n in names and n not in hidden]
    return first + [i for i, n in enumerate(names) if i not in first and n not in hidden]


async def empty_columns(db: Any) -> dict[str, list[str]]:
    """Per table with rows, the columns empty (null or '') in every row: table and row pages
    leave them out and say so, the JSON and CSV keep them. Read once at start, one scan per
    table."""
    out: dict[str, list[str]] = {}
    hidden = set(await db.hidden_table_names())
    for table in await db.table_names():
        if table in hidden:
            continue
        columns = await db.table_columns(table)
        if not columns:
            continue
        probes = ", ".join(
            f"max(coalesce(cast([{c}] as text), '') != '') as [{c}]" for c in columns
        )
        row = (await db.execute(f"select count(*) as _rows, {probes} from [{table}]")).first()
        if row and row["_rows"] and (names := [c for c in columns if not row[c]]):
            out[table] = names
    return out


@hookimpl
def extra_template_vars(view_name: str, datasette: Any) -> dict[str, Any]:
    """The home page lists the canned queries, with their titles and descriptions; a canned
    query's page gets the page of its answer it shows (canned_pages.py, templates/query.html)."""
    page = CANNED_PAGE.get()
    if page is not None and page.done:
        return {"awards_page": page}
    if view_name != "index":
        return {}
    db_name = _config(datasette).get("database", "")
    queries = datasette.metadata("queries", database=db_name) or {}
    return {
        "awards_database": db_name,
        "awards_queries": [
            {
                "url": datasette.urls.database(db_name) + "/" + name,
                "title": q.get("title", name),
                "description_html": markupsafe.Markup(q.get("description_html", "")),
            }
            for name, q in queries.items()
        ],
    }


@hookimpl
def prepare_connection(conn: Any) -> None:
    """Caps on what one query may build and return (see limits.py), on every connection, and
    reads through a memory map (datasette_site.map_database_file)."""
    limit_connection(conn)
    map_database_file(conn)


def company_url(datasette: Any, company_id: str) -> str:
    """The company's page on the site."""
    return datasette.urls.path(f"-/company/{quote(company_id, safe='')}")


@hookimpl
def render_cell(row: Any, value: Any, column: str, datasette: Any) -> Any:
    """Amounts in columns named *_usd shown as dollars and cents; the JSON and CSV keep numbers.
    A company's name, where its row has its company_id, links to the company's page; a
    records_path (a canned query's path relative to the database) links to those records."""
    if column.endswith("_usd") and isinstance(value, int | float) and not isinstance(value, bool):
        return markupsafe.Markup(f'<span class="usd">{usd_exact(float(value))}</span>')
    if column == "records_path" and isinstance(value, str) and value:
        href = markupsafe.escape(value)
        return markupsafe.Markup(f'<a class="records" href="{href}">records</a>')
    if column == "company_name" and isinstance(value, str) and value:
        keys = row.keys() if hasattr(row, "keys") else []
        company_id = row["company_id"] if "company_id" in keys else None
        if isinstance(company_id, str) and company_id:
            href = markupsafe.escape(company_url(datasette, company_id))
            return markupsafe.Markup(
                f'<a class="company-page" href="{href}">{markupsafe.escape(value)}</a>'
            )
    return None


def vega_hash(spec: dict[str, str]) -> str:
    """URL fragment with which datasette-vega draws the same chart on the query's page."""
    return (
        f"#g.mark=bar&g.x_column={spec['x']}&g.x_type=ordinal&g.y_column={spec['y']}"
        f"&g.y_type=quantitative&g.color_column={spec['series']}&g.color_type=nominal"
    )


async def _coverage_note(db: Any) -> str:
    """What the package holds of the years the charts draw, or nothing without build_report."""
    if "build_report" not in await db.table_names():
        return ""
    rows = (await db.execute(coverage_sql())).rows
    return rows[0]["period_coverage_note"] if rows else ""


async def _chart_page(datasette: Any, request: Any) -> Response:
    """Each chart of the configuration, drawn from its canned query's rows."""
    cfg = _config(datasette)
    db_name = cfg.get("database", "")
    db = datasette.get_database(db_name)
    queries = datasette.metadata("queries", database=db_name) or {}
    charts = []
    for spec in cfg.get("charts", []):
        query = queries.get(spec["query"])
        if not query:
            continue
        result = await db.execute(query["sql"])
        rows = [dict(r) for r in result.rows]
        charts.append(
            {
                "query": spec["query"],
                "title": query["title"],
                "description_html": markupsafe.Markup(query.get("description_html", "")),
                "query_url": datasette.urls.database(db_name) + "/" + spec["query"],
                "vega_hash": vega_hash(spec),
                "svg": markupsafe.Markup(
                    grouped_bar_svg(
                        rows,
                        spec["x"],
                        spec["y"],
                        spec["series"],
                        spec["panel"],
                        query["title"],
                        outline=spec.get("outline"),
                        note=spec.get("note"),
                    )
                ),
                "columns": list(rows[0].keys()) if rows else [],
                "rows": rows,
                "y": spec["y"],
                "money": [spec["y"], spec.get("outline", "")],
            }
        )
    html = await datasette.render_template(
        "awards_chart.html",
        {"charts": charts, "usd": usd_exact, "coverage_note": await _coverage_note(db)},
        request=request,
    )
    return Response.html(html)


async def _company_page(datasette: Any, request: Any) -> Response:
    return await company_page(datasette, request, _config(datasette).get("database", ""))


async def _paged_query(datasette: Any, request: Any) -> Response:
    return await paged_query(datasette, request, _config(datasette).get("database", ""))


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/chart$", _chart_page),
        (r"^/-/company/(?P<company_id>[^/]+?)(?P<format>\.json)?$", _company_page),
        (r"^/-/paged/(?P<query>[^/]+)\.json$", _paged_query),
    ]


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Refuse every method but GET and HEAD; then answer each request as its canonical URL
    (without parameters that cannot change the page, see cache.canonical_query); then the
    response cache (see cache.py), unless the configuration turns it off; then the gate that
    runs arbitrary SQL a few requests at a time (see limits.py), over every process of the
    server when it runs several (`serve.make_datasette` sets the folder they share); then,
    for a canned query's HTML page, which page of its answer it shows (canned_pages.py)."""
    use_cache = _config(datasette).get("response_cache", False)
    slots_dir = getattr(datasette, "awards_sql_slots_dir", None)
    db_name = _config(datasette).get("database", "")
    queries = datasette.metadata("queries", database=db_name) or {}
    params = {name: list(q.get("params", [])) for name, q in queries.items()}
    sqls = {name: q["sql"] for name, q in queries.items()}
    page_size = datasette.setting("default_page_size")
    max_rows = datasette.setting("max_returned_rows")

    def wrap(app: Any) -> Any:
        app = CannedQueryPages(
            app, db_name, sqls, page_size, max_rows, datasette.urls.path("-/paged/")
        )
        app = datasette._awards_sql_gate = SqlGate(app, slots_dir=slots_dir)
        if use_cache:
            app = datasette._awards_response_cache = ResponseCache(app)
        app = CanonicalQuery(app, db_name, params, page_size, max_rows)
        return ReadOnly(app)

    return wrap
