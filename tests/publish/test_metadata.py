"""Datasette metadata: generated from the descriptor and schemas, complete for every column."""

from __future__ import annotations

import json
import sqlite3

import pytest
import yaml

from ice_cbp_awards.citation import cite_as
from ice_cbp_awards.metadata import resources
from ice_cbp_awards.publish.datasette_metadata import build_metadata, links
from ice_cbp_awards.publish.plan import SITE_CONFIG_PATH, read_built_descriptor
from ice_cbp_awards.publish.serve import site_files

from .sample_package import VERSION


@pytest.fixture(scope="module")
def meta(sample_data_dir):
    return build_metadata(sample_data_dir)


@pytest.fixture(scope="module")
def tables(meta, sample_data_dir):
    return meta["databases"][site_files(sample_data_dir).package_name]["tables"]


def test_every_column_of_every_table_has_a_description(tables, sample_db):
    conn = sqlite3.connect(sample_db)
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE '%_fts%' AND name NOT LIKE 'sqlite_%'"
    )
    names = [r[0] for r in conn.execute(sql)]
    assert names
    missing = [
        f"{table}.{col[1]}"
        for table in names
        for col in conn.execute(f'PRAGMA table_info("{table}")')
        if not tables.get(table, {}).get("columns", {}).get(col[1], "").strip()
    ]
    assert missing == [], f"columns without a description: {missing}"


def test_descriptions_come_from_the_schemas(tables):
    for name, res in resources().items():
        for field in res.fields:
            text = tables[name]["columns"][field["name"]]
            assert text.startswith(field["description"])
            if field.get("unit"):
                assert text.endswith(f"Unit: {field['unit']}.")
                assert tables[name]["units"][field["name"]] == field["unit"]


def test_every_table_has_title_description_licence_and_source(tables, sample_data_dir):
    descriptor = read_built_descriptor(sample_data_dir)
    for entry in descriptor["resources"]:
        t = tables[entry["name"]]
        assert t["title"] == entry["title"]
        assert entry["description"].split(".")[0] in t["description_html"].replace("&#x27;", "'")
        assert t["license"] and t["license_url"].startswith("https://")
        assert t["source"] and t["source_url"].startswith("https://")
        assert f"/{descriptor['name']}/{entry['name']}.csv?_stream=on" in t["description_html"]
        assert links(descriptor, sample_data_dir) == {}  # no zip served beside the database
        assert ".zip" not in t["description_html"]


def test_label_facet_and_sort_columns_exist(tables, sample_db):
    conn = sqlite3.connect(sample_db)
    for name, t in tables.items():
        if t.get("hidden"):
            continue
        cols = {r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')}
        for key in ("label_column", "sort_desc"):
            if key in t:
                assert t[key] in cols, (name, key)
        assert set(t["facets"]) <= cols, name
    assert tables["transactions"]["sort_desc"] == "action_date"
    assert tables["awards"]["label_column"] == "award_id_piid"
    assert tables["transactions"]["facets"][:2] == ["agency_acronym", "fiscal_year"]


def test_foreign_keys_show_a_readable_label(tables):
    """A link to a company, system, recipient, award, source or transaction reads as a name."""
    for table, label in [
        ("companies", "company_name"),
        ("systems", "system_name"),
        ("recipients", "recipient_name"),
        ("awards", "award_id_piid"),
        ("sources", "path"),
        ("transactions", "award_id_piid"),
        ("offices", "office_name"),
    ]:
        assert tables[table]["label_column"] == label
    for res in resources().values():
        for fk in res.foreign_keys:
            target = fk["reference"]["resource"] or res.name
            label = tables[target].get("label_column")
            assert label is None or label in tables[target]["columns"]


def test_fts_tables_are_hidden_and_linked(tables):
    assert tables["transactions"]["fts_table"] == "transactions_fts"
    assert tables["transactions_fts"] == {"hidden": True}


def test_version_and_citation_come_from_the_built_descriptor(meta, sample_data_dir):
    descriptor = read_built_descriptor(sample_data_dir)
    cfg = meta["plugins"]["ice-cbp-awards"]
    assert cfg["version"] == VERSION == descriptor["version"]
    assert cfg["cite_as"] == cite_as(descriptor)
    assert VERSION in meta["description_html"]
    assert meta["license"] and meta["source"]


def test_written_metadata_file_is_the_generated_document(sample_data_dir, meta):
    written = json.loads(site_files(sample_data_dir).metadata_path.read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(meta))


def test_site_config_overrides_name_real_tables_and_columns():
    """site.yml's per-table overrides must name columns the schemas have, so it cannot drift."""
    cfg = yaml.safe_load(SITE_CONFIG_PATH.read_text(encoding="utf-8"))
    all_resources = resources()
    for table, override in cfg["tables"].items():
        if table not in all_resources:
            continue  # a curated resource not in the descriptor yet
        names = all_resources[table].field_names
        for key in ("label_column", "sort_desc"):
            if key in override:
                assert override[key] in names, (table, key)
        for col in override.get("facets", []):
            assert col in names, (table, col)
