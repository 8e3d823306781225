"""Rendering a Datasette page with less Python per piece of output, with the same text.

Datasette 0.65 renders every page with Jinja's asynchronous mode, calls the `render_cell`
hook through pluggy once per cell, and looks up `dir(str)` on every attribute of every URL
it builds. For pages of thousands of cells these, not SQL, were most of an uncached page's
CPU time. Each replacement here gives what Datasette gives; `test_uncached_pages.py`
compares whole pages with Datasette's own rendering.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Awaitable, Callable
from typing import Any

from datasette.utils import PrefixedUrlString
from jinja2 import Template

DATASETTE_URL_ATTRIBUTE = PrefixedUrlString.__getattribute__  # before look_up_url_methods_once
STR_METHODS = frozenset(name for name in dir(str) if not name.startswith("__"))


def prefixed_url_attribute(self: PrefixedUrlString, name: str) -> Any:
    """PrefixedUrlString.__getattribute__ as Datasette 0.65 writes it (a str method answers a
    PrefixedUrlString), with str's method names looked up in a set: Datasette calls dir(str)
    on every attribute of every URL it builds, some 80 times a page."""
    if name in STR_METHODS:

        def method(*args: Any, **kwargs: Any) -> Any:
            value = getattr(str, name)(self, *args, **kwargs)
            if isinstance(value, str):
                return type(self)(value)
            if isinstance(value, list):
                return [type(self)(i) for i in value]
            if isinstance(value, tuple):
                return tuple(type(self)(i) for i in value)
            return value

        return method
    return str.__getattribute__(self, name)


def look_up_url_methods_once() -> None:
    PrefixedUrlString.__getattribute__ = prefixed_url_attribute  # type: ignore[method-assign]


class DirectHookCaller:
    """A pluggy hook called as pluggy calls it (last registered implementation first, every
    answer that is not None in a list), without pluggy's per-call checks and bookkeeping.

    Datasette calls the `render_cell` hook once per cell of every HTML page: 725 calls for a
    page of 25 transactions, 5,083 for a canned query of 299 rows x 17 columns, at about 5
    microseconds of pluggy each. Falls back to pluggy when an implementation wraps others."""

    def __init__(self, caller: Any) -> None:
        self.caller = caller
        self._impls: list[Any] | None = None
        self._plan: list[tuple[Callable[..., Any], tuple[str, ...]]] = []
        self._wrapped = False

    def __call__(self, **kwargs: Any) -> list[Any]:
        impls = self.caller.get_hookimpls()
        if impls != self._impls:  # registered or unregistered since the last call
            self._impls = impls
            self._plan = [(impl.function, impl.argnames) for impl in reversed(impls)]
            self._wrapped = any(impl.hookwrapper or impl.wrapper for impl in impls)
        if self._wrapped:
            return self.caller(**kwargs)
        answers = []
        for function, names in self._plan:
            answer = function(*[kwargs[name] for name in names])
            if answer is not None:
                answers.append(answer)
        return answers

    def __getattr__(self, name: str) -> Any:
        return getattr(self.caller, name)


def call_render_cell_directly(pm: Any) -> None:
    """Replace Datasette's render_cell hook caller by a DirectHookCaller (once)."""
    if not isinstance(pm.hook.render_cell, DirectHookCaller):
        pm.hook.render_cell = DirectHookCaller(pm.hook.render_cell)


class Suspended(Exception):
    """Something a template called had to wait (for SQL, say): render asynchronously instead."""


def run_now(awaitable: Awaitable[Any]) -> Any:
    """The value of an awaitable that completes without waiting; Suspended if it would wait."""
    steps = awaitable.__await__()
    try:
        steps.send(None)
    except StopIteration as done:
        return done.value
    steps.close()
    raise Suspended


def sync_callable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """fn, whose awaitable answers (Datasette's menu_links, crumb_items) are run to their end."""

    def call(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        return run_now(result) if inspect.isawaitable(result) else result

    return call


class SyncTemplate(Template):
    """A template compiled for synchronous rendering, which Datasette can still await.

    Datasette renders every page with Jinja's asynchronous mode, in which each piece of output
    passes up through an asynchronous generator per level of template inheritance and
    inclusion: for a table page of 25 rows, thousands of pieces through four or five levels,
    most of the CPU time of the page. Compiled synchronously, the same templates give the same
    text at a fraction of the cost. The functions the context hands the templates are wrapped
    so that what they return is awaited at once; one that has to wait raises Suspended."""

    async def render_async(self, *args: Any, **kwargs: Any) -> str:
        context = {
            key: sync_callable(value)
            if isinstance(value, types.FunctionType | types.MethodType)
            and not hasattr(value, "jinja_pass_arg")
            else value
            for key, value in dict(*args, **kwargs).items()
        }
        return self.render(context)
