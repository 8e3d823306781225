"""The schema-major-change guard: a column cannot disappear without a major version bump."""

from __future__ import annotations

from pathlib import Path

import pytest

from ice_cbp_awards.release import schema_guard as g

V1 = {
    "transactions": [("transaction_id", "string"), ("action_date", "date"),
                     ("federal_action_obligation_usd", "number")],
    "awards": [("award_id_usaspending", "string"), ("total_obligation_usd", "number")],
}  # fmt: skip


def _lock(tmp_path: Path) -> Path:
    path = tmp_path / "schema_versions.csv"
    assert g.add_to_lock("1.0.0", V1, path)
    return path


def _without(res: str, field: str) -> dict[str, list[tuple[str, str]]]:
    return {r: [f for f in fs if not (r == res and f[0] == field)] for r, fs in V1.items()}


def test_a_removed_column_without_a_major_bump_fails(tmp_path: Path) -> None:
    lock = g.read_lock(_lock(tmp_path))
    removed = _without("transactions", "action_date")
    for version in ("1.0.0", "1.0.1", "1.1.0"):
        problems = g.check(version, removed, lock)
        assert problems, version
        assert "transactions.action_date removed or renamed" in " ".join(problems)
    assert not [p for p in g.check("2.0.0", removed, lock) if "is not a major bump" in p]


def test_a_renamed_or_retyped_column_is_major(tmp_path: Path) -> None:
    lock = g.read_lock(_lock(tmp_path))
    renamed = {**V1, "awards": [("award_id_usaspending", "string"), ("total_usd", "number")]}
    retyped = {**V1, "awards": [("award_id_usaspending", "string"),
                                ("total_obligation_usd", "string")]}  # fmt: skip
    for fields in (renamed, retyped):
        assert any("not a major bump" in p for p in g.check("1.1.0", fields, lock))
        assert not any("not a major bump" in p for p in g.check("2.0.0", fields, lock))


def test_an_added_column_needs_a_minor_bump(tmp_path: Path) -> None:
    lock = g.read_lock(_lock(tmp_path))
    added = {**V1, "awards": [*V1["awards"], ("recipient_uei", "string")]}
    assert any("not a minor bump" in p for p in g.check("1.0.1", added, lock))
    ok = g.check("1.1.0", added, lock)
    assert ok == ["schema_version 1.1.0 is not in reference/schema_versions.csv: run "
                  "`awards schema-lock` and commit the lock"]  # fmt: skip


def test_a_locked_version_cannot_change_its_fields(tmp_path: Path) -> None:
    lock = g.read_lock(_lock(tmp_path))
    assert g.check("1.0.0", V1, lock) == []
    added = {**V1, "awards": [*V1["awards"], ("recipient_uei", "string")]}
    problems = g.check("1.0.0", added, lock)
    assert (
        len(problems) == 1 and "is locked" in problems[0] and "awards.recipient_uei" in problems[0]
    )


def test_the_lock_refuses_a_too_small_bump_and_records_a_right_one(tmp_path: Path) -> None:
    path = _lock(tmp_path)
    removed = _without("awards", "total_obligation_usd")
    with pytest.raises(g.SchemaGuardError, match="not a major bump"):
        g.add_to_lock("1.1.0", removed, path)
    assert set(g.read_lock(path)) == {"1.0.0"}
    assert g.add_to_lock("2.0.0", removed, path)
    assert not g.add_to_lock("2.0.0", removed, path)
    lock = g.read_lock(path)
    assert lock["2.0.0"]["awards"] == [("award_id_usaspending", "string")]
    assert lock["1.0.0"] == V1
    assert g.check("2.0.0", removed, lock) == []
    assert any("older than" in p for p in g.check("1.5.0", removed, lock))


def test_the_repository_schemas_match_their_locked_version() -> None:
    assert g.check_repository() == []


def test_replace_relocks_an_unreleased_version(tmp_path: Path) -> None:
    path = _lock(tmp_path)
    added = {**V1, "awards": [*V1["awards"], ("recipient_uei", "string")]}
    assert g.add_to_lock("1.0.0", added, path, replace=True)
    assert g.read_lock(path)["1.0.0"] == added
    assert g.check("1.0.0", added, g.read_lock(path)) == []
