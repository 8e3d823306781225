"""The descriptor is a Data Package v1 tabular-data-package of tabular-data-resources, checked
by frictionless's profile validation, and says nothing about the machine that built it."""

from __future__ import annotations

import copy
import json

import pytest
from frictionless import Package

from ice_cbp_awards.paths import REPO_ROOT, default_raw_root
from ice_cbp_awards.write.descriptor import built_descriptor


def profile_errors(descriptor: dict) -> list[str]:
    return [e.message for e in Package.metadata_validate(descriptor)]


def no_machine_paths(descriptor: dict) -> bool:
    """No raw root setting and no absolute path of this machine's checkout or raw root."""
    text = json.dumps(descriptor)
    return (
        "raw_root_default" not in text
        and str(REPO_ROOT) not in text
        and str(default_raw_root().resolve()) not in text
    )


def test_the_built_descriptor_is_tabular() -> None:
    desc = built_descriptor("2026.8.22", {"snapshot": "2026-08-22"})
    assert desc["profile"] == "tabular-data-package"
    assert {r["profile"] for r in desc["resources"]} == {"tabular-data-resource"}
    assert all(isinstance(r["schema"], dict) for r in desc["resources"])
    assert profile_errors(desc) == []
    assert no_machine_paths(desc)


def test_frictionless_refuses_a_resource_that_is_not_declared_tabular() -> None:
    desc = copy.deepcopy(built_descriptor("2026.8.22"))
    del desc["resources"][0]["profile"]
    assert any("tabular-data-resource" in e for e in profile_errors(desc))
    desc["resources"][0]["profile"] = "tabular-data-resource"
    del desc["resources"][0]["schema"]
    assert any('requires "schema"' in e for e in profile_errors(desc))


@pytest.mark.integration
def test_the_release_descriptor_is_tabular_and_valid(small_release) -> None:
    desc = json.loads((small_release.folder / "datapackage.json").read_text())
    assert desc["profile"] == "tabular-data-package"
    assert {r["profile"] for r in desc["resources"]} == {"tabular-data-resource"}
    assert profile_errors(desc) == []
    assert no_machine_paths(desc)
    report = Package(str(small_release.folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])[:5]
