"""The exports of the real 2026-08-22 release: measured figures, zero OCDS errors, every
FollowTheMoney entity valid."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from followthemoney import model

from .test_ocds import cove_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ice_cbp_awards.pipeline import make_release

    return make_release("2026-08-22", dist_dir=tmp_path_factory.mktemp("real-exports")).folder


def test_the_real_ocds_release_package(real_release: Path, standard_zip: Path) -> None:
    result = cove_cli(real_release / "exports" / "ocds-release-package.json", standard_zip)
    assert result["validation_errors"] == []
    assert (result["count"], result["unique_ocids_count"]) == (57_350, 23_461)


def test_the_real_ftm_entities(real_release: Path) -> None:
    counts: Counter[str] = Counter()
    path = real_release / "exports" / "followthemoney.ftm.json"
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        counts[data["schema"]] += 1
        schema = model.get(data["schema"])
        assert set(schema.required) <= set(data["properties"]) <= set(schema.properties)
        schema.validate(data)
    assert counts == {"PublicBody": 2, "Company": 4_837, "Contract": 27_104,
                      "ContractAward": 57_350, "UnknownLink": 5_983}  # fmt: skip
