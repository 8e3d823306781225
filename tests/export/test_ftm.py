"""FollowTheMoney entities of a release, validated by the followthemoney library."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from followthemoney import model
from followthemoney.exc import InvalidData

from ice_cbp_awards.export import ftm

pytestmark = pytest.mark.integration  # exports a small release built end to end


def check(data: dict) -> None:
    """followthemoney's own checks: the schema exists, every property is one of its
    properties, values are valid for their types, required properties are present."""
    schema = model.get(data["schema"])
    assert schema is not None, data["schema"]
    unknown = set(data["properties"]) - set(schema.properties)
    assert not unknown, (data["schema"], unknown)
    missing = set(schema.required) - set(data["properties"])
    assert not missing, (data["schema"], missing)
    schema.validate(data)
    proxy = model.get_proxy(data, cleaned=False)
    assert proxy.to_dict()["properties"].keys() == data["properties"].keys()


@pytest.fixture(scope="module")
def entities(small_release) -> list[dict]:
    path = small_release.folder / "exports" / "followthemoney.ftm.json"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_entity_is_valid(entities) -> None:
    for data in entities:
        check(data)


def test_the_kinds_and_their_counts(entities, tables) -> None:
    counts = Counter(e["schema"] for e in entities)
    n_recipients = len(tables["transactions"][["recipient_name", "recipient_uei"]]
                       .drop_duplicates())  # fmt: skip
    assert counts == {
        "PublicBody": 2,
        "Company": n_recipients + len(tables["companies"]),
        "Contract": len(tables["awards"]),
        "ContractAward": len(tables["transactions"]),
        "UnknownLink": len(tables["attributions"]),
    }
    assert (counts["Contract"], counts["ContractAward"]) == (3, 4)
    assert len({e["id"] for e in entities}) == len(entities)


def test_every_reference_points_at_an_entity(entities) -> None:
    ids = {e["id"] for e in entities}
    for data in entities:
        schema = model.get(data["schema"])
        for name, values in data["properties"].items():
            if schema.properties[name].type.name == "entity":
                assert set(values) <= ids, (data["schema"], name)


def test_an_attribution_links_a_company_to_a_contract(entities, tables) -> None:
    att = tables["attributions"]
    row = att[att["company_id"] == "palantir"].iloc[0]
    link = next(e for e in entities if e["properties"].get("recordId") == [row["attribution_id"]])
    assert link["schema"] == "UnknownLink"
    assert link["properties"]["subject"] == [ftm.company_id("palantir")]
    assert link["properties"]["object"] == [ftm.contract_id(row["award_id_usaspending"])]
    assert link["properties"]["role"] == [f"{row['relationship']} ({row['evidence_scope']})"]


def test_the_library_refuses_a_broken_entity() -> None:
    bad = ftm.entity("ContractAward", "x", amount="1", date="not a date")
    with pytest.raises(InvalidData):
        model.get("ContractAward").validate(bad)
    with pytest.raises(AssertionError):
        check(bad)  # supplier and contract are required


def test_a_contract_states_no_amount_that_could_pass_for_its_value(entities) -> None:
    """The package holds part of most awards' transactions: a Contract amount would read as the
    award's value, so the money is on each ContractAward (one transaction) only."""
    contracts = [e for e in entities if e["schema"] == "Contract"]
    assert contracts and not any("amount" in e["properties"] for e in contracts)
    awards = [e for e in entities if e["schema"] == "ContractAward"]
    assert all("amount" in e["properties"] for e in awards)
