"""Every row of a canned query's answer as JSON, a page at a time: /-/paged/<query>.json.

Datasette 0.65 stops a canned query's JSON at `max_returned_rows` (1,000) and offers no next
page for a query, only for a table. This route runs the same reviewed SQL, with the same
parameters, as `select * from (<query>) limit :_size offset :_offset`, and answers with the
rows and the URL of the next page, until a page comes back short. Only the site's canned
queries run here (no SQL from the request), under Datasette's time limit; each page runs the
query again, which the queries' indexes keep to tens of milliseconds on the real data.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response

PAGE_SIZE = 1000


def _int_arg(request: Any, name: str, default: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number >= 0, not {raw!r}")
    return int(raw)


async def paged_query(datasette: Any, request: Any, db_name: str) -> Response:
    """One page of a canned query's rows, with next_url while more may follow."""
    name = request.url_vars["query"]
    query = (datasette.metadata("queries", database=db_name) or {}).get(name)
    if not query:
        return Response.json({"ok": False, "error": f"no canned query {name!r}"}, status=404)
    try:
        size = min(_int_arg(request, "_size", PAGE_SIZE), PAGE_SIZE)
        offset = _int_arg(request, "_offset", 0)
    except ValueError as exc:
        return Response.json({"ok": False, "error": str(exc)}, status=400)
    params = {p: request.args.get(p, "") for p in query.get("params", [])}
    sql = f"select * from (\n{query['sql']}\n) limit :_size offset :_offset"
    db = datasette.get_database(db_name)
    result = await db.execute(sql, {**params, "_size": size, "_offset": offset})
    rows = [dict(r) for r in result.rows]
    next_url = None
    if size and len(rows) == size:
        args = {**params, "_size": size, "_offset": offset + size}
        next_url = datasette.absolute_url(request, f"{request.path}?{urlencode(args)}")
    return Response.json(
        {
            "ok": True,
            "query": name,
            "params": params,
            "offset": offset,
            "size": size,
            "rows": rows,
            "next_url": next_url,
        },
        default=str,
    )
