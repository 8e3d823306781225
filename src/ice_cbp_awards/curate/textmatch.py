"""Whole-word, case-insensitive pattern matching over whole text columns, vectorised with RE2.

Reviewed patterns are applied by pyarrow's RE2 engine (linear time, no Python loop per row):
one combined pass finds the rows any pattern could match, then each pattern extracts its exact
match from that small subset. Patterns are written in the RE2 syntax shared with Python's `re`
(no look-arounds, no back-references); capturing groups are turned into non-capturing ones.
Whole words are enforced here, not by each pattern: a match must not touch a letter or digit on
either side, so `AWS` never matches inside `LAWS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_EDGE = "[^0-9A-Za-z]"
_CAPTURING = re.compile(r"(?<!\\)\((?!\?)")


class PatternError(ValueError):
    """A reviewed pattern that RE2 cannot compile, or that is unsafe (matches empty text)."""


def non_capturing(pattern: str) -> str:
    """The pattern with every capturing group `(` rewritten as `(?:`."""
    return _CAPTURING.sub("(?:", pattern)


def whole_word(pattern: str, group: str | None = None) -> str:
    """Case-insensitive RE2 regex matching `pattern` as whole words; optionally a named group."""
    inner = non_capturing(pattern)
    body = f"(?P<{group}>{inner})" if group else f"(?:{inner})"
    return f"(?i)(?:^|{_EDGE}){body}(?:{_EDGE}|$)"


def check_pattern(pattern: str) -> None:
    """Raise PatternError unless the pattern compiles in RE2 and cannot match empty text."""
    if not pattern.strip():
        raise PatternError("empty pattern")
    probe = pa.array(["", "x"])
    try:
        hits = pc.match_substring_regex(probe, whole_word(pattern)).to_pylist()
    except pa.ArrowInvalid as exc:
        raise PatternError(f"not a valid RE2 pattern: {exc}") from exc
    if hits[0]:
        raise PatternError("pattern matches empty text")


def _arrow(texts: pd.Series) -> pa.Array:
    from .columns import arrow

    return arrow(texts)


@dataclass(frozen=True)
class Pattern:
    """One reviewed pattern: its key (a rule or system id), regex and optional exclusion."""

    key: str
    pattern: str
    exclude_pattern: str = ""


def find_matches(texts: pd.Series, patterns: Sequence[Pattern]) -> pd.DataFrame:
    """Every (row, pattern) where the pattern matches the text as whole words: columns `row`
    (position in `texts`), `key`, `matched_text` (the leftmost match), `is_excluded`.

    A row matched by an inclusion pattern whose exclusion also matched is returned with
    `is_excluded` True, so that callers can tell "named but excluded" from "not named"."""
    cols = ["row", "key", "matched_text", "is_excluded"]
    if len(texts) == 0 or not patterns:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(cols, _DTYPES, strict=True)})
    arr = _arrow(texts)
    combined = "|".join(f"(?:{non_capturing(p.pattern)})" for p in patterns)
    candidate = pc.match_substring_regex(arr, whole_word(combined))
    rows = np.flatnonzero(candidate.to_numpy(zero_copy_only=False))
    sub = arr.take(pa.array(rows))
    frames = []
    for p in patterns:
        found = pc.extract_regex(sub, whole_word(p.pattern, group="m"))
        valid = found.is_valid().to_numpy(zero_copy_only=False)
        if not valid.any():
            continue
        hit = np.flatnonzero(valid)
        matched = pc.struct_field(found.take(pa.array(hit)), [0])
        excluded = np.zeros(len(hit), dtype=bool)
        if p.exclude_pattern:
            hit_text = sub.take(pa.array(hit))
            excluded = pc.match_substring_regex(hit_text, whole_word(p.exclude_pattern)).to_numpy(
                zero_copy_only=False
            )
        frames.append(
            pd.DataFrame(
                {
                    "row": rows[hit],
                    "key": p.key,
                    "matched_text": pd.Series(matched.to_pylist(), dtype=str),
                    "is_excluded": excluded,
                }
            )
        )
    if not frames:
        return find_matches(texts.iloc[0:0], patterns)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["row", "key"], kind="stable", ignore_index=True)


_DTYPES = ["int64", "str", "str", "bool"]


def word_offsets(texts: Sequence[str], words: Sequence[str]) -> np.ndarray:
    """Per pair: offset of the first whole-word occurrence of the word in the text, ignoring
    case. Used only where two rules of one company match one text (to report the leftmost)."""
    return np.array([_word_find(t, w) for t, w in zip(texts, words, strict=True)], dtype=np.int64)


def _word_find(text: str, word: str) -> int:
    """First offset of `word` in `text` as a whole word, ignoring case (the regex found one)."""
    up, w = text.upper(), word.upper()
    start = 0
    while True:
        i = up.find(w, start)
        if i < 0:
            return len(text)
        before = up[i - 1] if i > 0 else " "
        after = up[i + len(w)] if i + len(w) < len(up) else " "
        if not before.isalnum() and not after.isalnum():
            return i
        start = i + 1


def match_each(texts: Sequence[str], pattern: str, exclude_pattern: str = "") -> list[str | None]:
    """Per text: the text the pattern matches as whole words, or None (no match, or excluded).
    The engine of the build on a handful of values, for examples and tests."""
    arr = pa.array(list(texts), type=pa.large_string())
    found = pc.extract_regex(arr, whole_word(pattern, group="m"))
    matched = pc.struct_field(found, [0]).to_pylist()
    valid = found.is_valid().to_pylist()
    out: list[str | None] = [m if ok else None for m, ok in zip(matched, valid, strict=True)]
    if exclude_pattern:
        hit = pc.match_substring_regex(arr, whole_word(exclude_pattern)).to_pylist()
        out = [None if h else m for m, h in zip(out, hit, strict=True)]
    return out


def matches_text(text: str, pattern: str, exclude_pattern: str = "") -> str | None:
    """The matched text of one pattern in one text (None when no whole-word match or excluded)."""
    return match_each([text], pattern, exclude_pattern)[0]


def any_match_each(texts: pd.Series, pattern: str) -> np.ndarray:
    """Per text: does the pattern match it as whole words (one vectorised RE2 pass)."""
    if len(texts) == 0:
        return np.zeros(0, dtype=bool)
    hits = pc.match_substring_regex(_arrow(texts), whole_word(pattern))
    return np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool)


def any_match(texts: Iterable[str], pattern: str) -> bool:
    """True when the pattern matches at least one of the texts as whole words."""
    arr = pa.array(list(texts), type=pa.large_string())
    return bool(pc.any(pc.match_substring_regex(arr, whole_word(pattern))).as_py())
