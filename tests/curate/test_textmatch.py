"""Whole-word, case-insensitive RE2 matching: the engine every rule and system runs on."""

from __future__ import annotations

import pandas as pd
import pytest

from ice_cbp_awards.curate.textmatch import (
    Pattern,
    PatternError,
    check_pattern,
    find_matches,
    match_each,
    matches_text,
    non_capturing,
    word_offsets,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AWS ELEMENTAL LIVE", "AWS"),
        ("ADD CLINS AGAINST CLIN 1002 - AWS", "AWS"),
        ("aws support", "aws"),
        ("(AWS) CLOUD", "AWS"),
        ("LAWS AND REGULATIONS", None),
        ("AWSOME TRAINING", None),
        ("DRAWS", None),
        ("AWS2 PROGRAM", None),
    ],
)
def test_whole_word_any_case(text: str, expected: str | None) -> None:
    assert matches_text(text, "AWS") == expected


def test_exclusion_rejects_match() -> None:
    assert matches_text("CISCO CATALYST 8000V FOR AWS GOVCLOUD", "AWS", "CISCO CATALYST") is None
    assert matches_text("AWS GOVCLOUD CONSUMPTION", "AWS", "CISCO CATALYST") == "AWS"


def test_capturing_groups_are_made_non_capturing() -> None:
    assert non_capturing(r"DYNAMICS (365|CRM)") == r"DYNAMICS (?:365|CRM)"
    assert non_capturing(r"A (?:B) \(C\)") == r"A (?:B) \(C\)"
    assert matches_text("MICROSOFT DYNAMICS 365 LICENSES", "DYNAMICS (365|CRM)") == "DYNAMICS 365"


def test_alternation_reports_leftmost_whole_word() -> None:
    assert matches_text("GCP AND GOOGLE", "GOOGLE|GCP") == "GCP"


@pytest.mark.parametrize("bad", ["", "   ", "AWS(", "(?<=X)AWS", "X?"])
def test_bad_patterns_are_refused(bad: str) -> None:
    with pytest.raises(PatternError):
        check_pattern(bad)


def test_find_matches_many_patterns_and_rows() -> None:
    texts = pd.Series(["MICROSOFT AZURE ENROLLMENT", "LAWS LIBRARY", "", "AWS AND AZURE"])
    found = find_matches(texts, [Pattern("msft", "MICROSOFT|AZURE"), Pattern("aws", "AWS")])
    got = sorted(zip(found["row"], found["key"], found["matched_text"], strict=True))
    assert got == [(0, "msft", "MICROSOFT"), (3, "aws", "AWS"), (3, "msft", "AZURE")]


def test_word_offsets_find_whole_words() -> None:
    assert word_offsets(
        ["LAWS AND AWS", "MICROSOFT AZURE", "azure"], ["AWS", "AZURE", "AZURE"]
    ).tolist() == [9, 10, 0]


def test_find_matches_agrees_with_match_each() -> None:
    texts = ["AZURE AND MICROSOFT", "THE AWS-HOSTED APP", "LAWS", "GCP, GOOGLE", "aws"]
    for pattern in ("MICROSOFT|AZURE", "AWS", "GOOGLE|GCP"):
        found = find_matches(pd.Series(texts), [Pattern("p", pattern)])
        got = dict(zip(found["row"], found["matched_text"], strict=True))
        expected = {i: m for i, m in enumerate(match_each(texts, pattern)) if m is not None}
        assert got == expected, pattern


def test_find_matches_flags_excluded_rows() -> None:
    texts = pd.Series(["TOAD FOR ORACLE", "ORACLE LICENSES"])
    found = find_matches(texts, [Pattern("o", "ORACLE", "TOAD")])
    assert dict(zip(found["row"], found["is_excluded"], strict=True)) == {0: True, 1: False}


def test_find_matches_empty_inputs() -> None:
    assert find_matches(pd.Series([], dtype=str), [Pattern("a", "AWS")]).empty
    assert find_matches(pd.Series(["NOTHING HERE"]), [Pattern("a", "AWS")]).empty


def test_match_each_keeps_order() -> None:
    assert match_each(["X AWS", "LAWS", "AWS"], "AWS") == ["AWS", None, "AWS"]
