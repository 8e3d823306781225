"""Every foreign key a reviewed table declares in its Table Schema is checked when the table is
read, and a broken one stops the build with the file, the line and the value: declaring a key in
`schemas/resources.yml` is all it takes, with no check of its own written in code."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from ice_cbp_awards import metadata
from ice_cbp_awards.curate.quality import load_gold
from ice_cbp_awards.curate.reference import ReferenceError, load_reference
from ice_cbp_awards.paths import REFERENCE_DIR

REVIEWED = sorted(p.stem for p in REFERENCE_DIR.glob("*.csv") if p.stem in metadata.resources())
# A value of each referenced field's form that no reviewed row holds.
MISSING = {"company_id": "nobody-at-all", "office_code": "ZZ999", "system_id": "no-such-system"}


def _reviewed_foreign_keys() -> list[tuple[str, str, str, str]]:
    """(table, column, referenced table, referenced column) of every reviewed table's key."""
    keys = []
    for name in REVIEWED:
        for fk in metadata.resource(name).foreign_keys:
            target = fk["reference"]["resource"] or name
            if target in REVIEWED:
                keys.append((name, fk["fields"][0], target, fk["reference"]["fields"][0]))
    return keys


def _load(ref: Path, table: str) -> None:
    if table == "gold_set":
        load_gold(ref)
    else:
        load_reference(ref)


def test_the_reviewed_tables_declare_their_references() -> None:
    """The keys below are the ones the curation relies on; a schema that lost one fails here."""
    assert {(t, c) for t, c, _, _ in _reviewed_foreign_keys()} >= {
        ("companies", "parent_company_id"),
        ("attribution_rules", "company_id"),
        ("systems", "vendor_company_id"),
        ("offices", "successor_office_code"),
        ("claims", "company_id"),
        ("claims", "system_id"),
        ("parent_agreements", "company_id"),
        ("ownership", "subsidiary_company_id"),
        ("ownership", "parent_company_id"),
        ("gold_set", "expected_company_id"),
    }


@pytest.mark.parametrize(
    ("table", "column", "target", "target_column"),
    _reviewed_foreign_keys(),
    ids=lambda v: str(v),
)
def test_each_declared_reference_is_checked_at_its_line(
    reference_copy: Callable[[], Path], table: str, column: str, target: str, target_column: str
) -> None:
    ref = reference_copy()
    path = ref / f"{table}.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    # the last row whose reference is filled in (an empty reference is allowed)
    index = max(i for i, r in enumerate(rows) if r[column])
    rows[index][column] = MISSING[target_column]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ReferenceError) as err:
        _load(ref, table)
    assert (
        f"reference/{table}.csv line {index + 2}: {column} {MISSING[target_column]!r} is not "
        f"{'an' if target_column[0] in 'aeiou' else 'a'} {target_column} of {target}.csv"
    ) in str(err.value)


def test_tables_checked_once_are_checked_again_when_a_file_changes(
    reference_copy: Callable[[], Path],
) -> None:
    """A process that reads the same reviewed tables again gets them without a new check, as
    copies of its own; a changed file is checked again."""
    ref = reference_copy()
    first = load_reference(ref)
    first.companies.loc[0, "company_id"] = "changed-by-a-caller"
    second = load_reference(ref)
    assert second.companies.loc[0, "company_id"] != "changed-by-a-caller"
    path = ref / "systems.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[-1]["vendor_company_id"] = MISSING["company_id"]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ReferenceError, match="is not a company_id of companies.csv"):
        load_reference(ref)
