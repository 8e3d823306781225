"""The field registry (schemas/fields.yml, schemas/resources.yml) is the one definition of every
field; the Table Schemas are written from it and must match it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ice_cbp_awards import fields as F


def test_the_committed_schemas_are_the_registrys() -> None:
    assert F.stale_schemas() == [], "schemas/ is out of date: run `awards docs`"


def test_every_field_is_described_and_used() -> None:
    fields, resources = F.registry()
    assert [n for n, f in fields.items() if not str(f.get("description", "")).strip()] == []
    used = {F.field_entry(item)[0] for r in resources.values() for item in r["fields"]}
    assert sorted(set(fields) - used) == []
    for name, r in resources.items():
        for item in r["fields"]:
            _, override = F.field_entry(item)
            if override and "description" in override:
                assert override["description"].strip(), f"{name}: an empty description override"


def _registry(tmp_path: Path, fields: str, resources: str) -> Path:
    (tmp_path / F.FIELDS_FILE).write_text(fields)
    (tmp_path / F.RESOURCES_FILE).write_text(resources)
    return tmp_path


FIELDS = """\
company_id:
  type: string
  description: Stable id of the company.
  constraints: {required: true}
"""


def test_a_field_defined_twice_is_refused(tmp_path: Path) -> None:
    root = _registry(tmp_path, FIELDS + FIELDS, "t:\n  fields: [company_id]\n")
    with pytest.raises(F.RegistryError, match="`company_id` is defined twice"):
        F.generated_schemas(root)


def test_an_override_that_repeats_the_registry_is_refused(tmp_path: Path) -> None:
    root = _registry(
        tmp_path,
        FIELDS,
        "t:\n  fields:\n  - company_id: {description: Stable id of the company.}\n",
    )
    with pytest.raises(F.RegistryError, match="registry's own value"):
        F.generated_schemas(root)


def test_a_table_field_missing_from_the_registry_is_refused(tmp_path: Path) -> None:
    root = _registry(tmp_path, FIELDS, "t:\n  fields: [company_id, company_name]\n")
    with pytest.raises(F.RegistryError, match="`company_name` is not defined"):
        F.generated_schemas(root)


def test_an_override_narrows_one_table_only(tmp_path: Path) -> None:
    root = _registry(
        tmp_path,
        FIELDS,
        "companies:\n  fields:\n  - company_id: {constraints: {required: true, unique: true}}\n"
        "  primaryKey: [company_id]\nrules:\n  fields: [company_id]\n",
    )
    made = {p.name: p for p in F.generated_schemas(root)}
    assert set(made) == {"companies.schema.json", "rules.schema.json"}
    text = F.generated_schemas(root)
    companies = text[root / "companies.schema.json"]
    assert '"constraints": {"required": true, "unique": true}' in companies
    assert '"primaryKey": ["company_id"]' in companies
    assert '"unique"' not in text[root / "rules.schema.json"]
    # A schema file the registry does not make is stale too.
    F.write_schemas(root)
    (root / "orphan.schema.json").write_text("{}")
    assert F.stale_schemas(root) == ["orphan.schema.json"]


def test_a_copied_field_keeps_the_registry_meaning_and_names_its_source(tmp_path: Path) -> None:
    root = _registry(
        tmp_path,
        FIELDS,
        "companies:\n  fields: [company_id]\n"
        "totals:\n  fields:\n  - company_id: {copied_from: companies}\n",
    )
    totals = F.generated_schemas(root)[root / "totals.schema.json"]
    assert '"description": "Stable id of the company. Copied from companies."' in totals
    assert "copied_from" not in totals


def test_a_copy_from_a_table_without_the_field_is_refused(tmp_path: Path) -> None:
    root = _registry(
        tmp_path,
        FIELDS,
        "companies:\n  fields: [company_id]\nrules:\n  fields: [company_id]\n"
        "totals:\n  fields:\n  - company_id: {copied_from: claims}\n",
    )
    with pytest.raises(F.RegistryError, match="copied from claims, which lacks it"):
        F.generated_schemas(root)
