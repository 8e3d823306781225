"""The tests test the package through its public names: a test that imports or calls a private
(`_name`) function of ice_cbp_awards pins an implementation detail, so it breaks when the code is
reorganised although nothing a caller sees changed.

ALLOWED lists uses that are allowed for a reason (none today); shrink it, never grow it."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
PACKAGE = "ice_cbp_awards"

# (test module, private name of the package without the leading "ice_cbp_awards.")
ALLOWED: set[tuple[str, str]] = set()


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def package_modules(tree: ast.Module) -> dict[str, str]:
    """The local names a test module binds to a module of the package, e.g. `fc` for
    `from ice_cbp_awards.validate import frictionless_check as fc`."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == PACKAGE:  # `import a.b` binds `a`; `as c` binds a.b
                    bound[a.asname or PACKAGE] = a.name if a.asname else PACKAGE
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
            for a in node.names:
                bound.setdefault(a.asname or a.name, f"{node.module}.{a.name}")
    return bound


def private_uses(source: str) -> set[str]:
    """Every private name of the package that the source imports, or reads as an attribute of
    a name bound to the package (`module._helper`, `ice_cbp_awards.x._y`)."""
    tree = ast.parse(source)
    uses = {
        f"{node.module}.{a.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE
        for a in node.names
        if is_private(a.name)
    }
    bound = package_modules(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            base = ast.unparse(node.value)
            head, _, rest = base.partition(".")
            if head in bound:
                uses.add(".".join(p for p in (bound[head], rest, node.attr) if p))
    return uses


def test_the_scanner_finds_imports_and_attribute_reads() -> None:
    source = (
        "from ice_cbp_awards.build import _retarget, build_package\n"
        "from ice_cbp_awards.validate import frictionless_check as fc\n"
        "import ice_cbp_awards.curate.claims\n"
        "fc._groups([])\n"
        "ice_cbp_awards.curate.claims._coverage\n"
        "build_package.__doc__\n"
        "something_else._private()\n"
    )
    assert private_uses(source) == {
        "ice_cbp_awards.build._retarget",
        "ice_cbp_awards.validate.frictionless_check._groups",
        "ice_cbp_awards.curate.claims._coverage",
    }


def test_no_test_reaches_into_a_private_name_of_the_package() -> None:
    found = {
        (path.relative_to(TESTS).as_posix(), use.removeprefix(f"{PACKAGE}."))
        for path in sorted(TESTS.rglob("*.py"))
        for use in private_uses(path.read_text(encoding="utf-8"))
    }
    assert sorted(found - ALLOWED) == [], "test through the public function, or make it public"
    assert sorted(ALLOWED - found) == [], "no longer used: remove from ALLOWED"


class FakeItem:
    """What the tier guard reads of a collected test: its id, fixtures and markers."""

    def __init__(self, nodeid: str, fixtures: tuple[str, ...], markers: tuple[str, ...]) -> None:
        self.nodeid, self.fixturenames, self.markers = nodeid, fixtures, markers

    def get_closest_marker(self, name: str) -> str | None:
        return name if name in self.markers else None


def test_a_test_using_a_heavier_tiers_fixture_unmarked_is_named() -> None:
    from tiers import misplaced

    items = [
        FakeItem("a::real_unmarked", ("tmp_path", "built_data_dir"), ()),
        FakeItem("a::real_marked", ("built_data_dir", "raw_root"), ("slow",)),
        FakeItem("a::small_in_integration", ("small_release",), ("integration",)),
        FakeItem("a::small_in_real_data", ("small_release",), ("slow",)),
        FakeItem("a::small_as_browser", ("small_release",), ("browser",)),
        FakeItem("a::unit", ("tmp_path",), ()),
    ]
    assert misplaced(items) == [
        "a::real_unmarked uses built_data_dir but is not marked slow",
        "a::small_as_browser uses small_release but is not marked integration or slow",
    ]
