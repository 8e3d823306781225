"""Datasette plugin of the site: version banner, money formatting, robots.txt and the chart page.

Registered by `serve.make_datasette`; everything it shows comes from the plugin configuration in
the generated metadata (package version, cite-as text, charts), so it has no settings of its own.
"""

from __future__ import annotations

from typing import Any

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import Response

from .cache import ReadOnly, ResponseCache
from .chart import grouped_bar_svg, usd_exact
from .limits import SqlGate, limit_connection

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
def startup(datasette: Any) -> None:
    """Template globals rather than per-view variables, so that error pages, which Datasette
    renders without calling plugins, show the version too. Templates are read once: by
    default Jinja checks every template file on disk for every page it renders."""
    datasette.jinja_env.globals.update(template_vars(datasette))
    datasette.jinja_env.auto_reload = False


@hookimpl
def prepare_connection(conn: Any) -> None:
    """Caps on what one query may build and return (see limits.py), on every connection."""
    limit_connection(conn)


@hookimpl
def render_cell(value: Any, column: str) -> Any:
    """Amounts in columns named *_usd shown as dollars and cents; the JSON and CSV keep numbers."""
    if column.endswith("_usd") and isinstance(value, int | float) and not isinstance(value, bool):
        return markupsafe.Markup(f'<span class="usd">{usd_exact(float(value))}</span>')
    return None


def robots_txt(database: str, fts_tables: list[str]) -> str:
    """Crawlers may read table and row pages, not arbitrary SQL or the search index tables."""
    lines = ["User-agent: *", "Disallow: /*?sql=", "Disallow: /*&sql=", "Disallow: /*?*sql="]
    lines += [f"Disallow: /{database}/{t}" for t in fts_tables]
    return "\n".join(lines) + "\n"


async def _robots(datasette: Any) -> Response:
    cfg = _config(datasette)
    return Response.text(robots_txt(cfg.get("database", ""), cfg.get("fts_tables", [])))


def vega_hash(spec: dict[str, str]) -> str:
    """URL fragment with which datasette-vega draws the same chart on the query's page."""
    return (
        f"#g.mark=bar&g.x_column={spec['x']}&g.x_type=ordinal&g.y_column={spec['y']}"
        f"&g.y_type=quantitative&g.color_column={spec['series']}&g.color_type=nominal"
    )


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
        "awards_chart.html", {"charts": charts, "usd": usd_exact}, request=request
    )
    return Response.html(html)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/robots\.txt$", _robots), (r"^/-/chart$", _chart_page)]


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Refuse every method but GET and HEAD; then the response cache (see cache.py), unless
    the configuration turns it off; then the gate that runs arbitrary SQL a few requests at a
    time (see limits.py), over every process of the server when it runs several
    (`serve.make_datasette` sets the folder they share)."""
    use_cache = _config(datasette).get("response_cache", False)
    slots_dir = getattr(datasette, "awards_sql_slots_dir", None)

    def wrap(app: Any) -> Any:
        app = datasette._awards_sql_gate = SqlGate(app, slots_dir=slots_dir)
        if use_cache:
            app = datasette._awards_response_cache = ResponseCache(app)
        return ReadOnly(app)

    return wrap
