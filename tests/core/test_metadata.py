"""The one source of truth: every resource and field described, docs in sync with schemas."""

from __future__ import annotations

import re

import pytest

from ice_cbp_awards.docs import DICTIONARY_PATH, data_dictionary
from ice_cbp_awards.metadata import package_descriptor, resources

SUFFIX_TYPES = {"_usd": {"number"}, "_date": {"date"}, "_year": {"integer"}, "_count": {"integer"}}


@pytest.mark.parametrize("name", list(resources()))
def test_every_resource_and_field_is_described(name: str) -> None:
    res = resources()[name]
    assert res.descriptor.get("description", "").strip(), f"{name} has no description"
    assert res.descriptor.get("title", "").strip(), f"{name} has no title"
    for f in res.fields:
        assert f.get("description", "").strip(), f"{name}.{f['name']} has no description"


@pytest.mark.parametrize("name", list(resources()))
def test_names_follow_the_naming_rules(name: str) -> None:
    for f in resources()[name].fields:
        n = f["name"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", n), n
        for suffix, types in SUFFIX_TYPES.items():
            if n.endswith(suffix):
                assert f["type"] in types, f"{name}.{n}: {suffix} means {types}"
        if f["type"] == "boolean":
            assert n.startswith(("is_", "has_")), f"{name}.{n}: booleans start with is_/has_"
        if f.get("unit") == "USD":
            assert n.endswith("_usd"), f"{name}.{n} is in USD: its name says so"


def test_keys_refer_to_fields_that_exist() -> None:
    res = resources()
    for name, r in res.items():
        for k in r.primary_key:
            assert k in r.field_names, f"{name} primary key {k}"
        for fk in r.foreign_keys:
            ref = fk["reference"]
            target = ref["resource"] or name  # "" refers to the resource itself
            assert target in res, f"{name} refers to missing {target}"
            for field in ref["fields"]:
                assert field in res[target].field_names


def test_descriptor_has_citable_package_metadata() -> None:
    pkg = package_descriptor()
    for key in ("name", "title", "description", "licenses", "sources", "contributors"):
        assert pkg.get(key), key
    assert {lic["name"] for lic in pkg["licenses"]} >= {"other-pd"}


def test_data_dictionary_is_generated_from_schemas() -> None:
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == data_dictionary(), (
        "docs/data-dictionary.md is stale: run `awards docs`"
    )


def test_readme_how_to_cite_is_generated() -> None:
    from ice_cbp_awards.docs import README_PATH, readme_with_citation

    text = README_PATH.read_text(encoding="utf-8")
    assert text == readme_with_citation(text), "README's How to cite is stale: run `awards docs`"


def test_data_dictionary_names_the_table_of_every_foreign_key() -> None:
    """A key to its own table (e.g. a company's parent) names that table too."""
    text = data_dictionary()
    assert "- Foreign key: parent_company_id → `companies`.company_id" in text
    assert "- Foreign key: successor_office_code → `offices`.office_code" in text
    assert "→ ``" not in text
