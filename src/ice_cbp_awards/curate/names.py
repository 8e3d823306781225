"""Recipient name folding: one key for the spellings of one recipient name.

USAspending repeats a recipient under several spellings ("PEN-LINK, LTD", "PEN-LINK, LIMITED").
The folded name ignores case, punctuation, spacing and the legal form at the end of the name, so
that these become one recipient. Distinct legal entities whose names differ only in their legal
form are folded together too: the records carry no identifier that would tell them apart.
"""

from __future__ import annotations

import re

import pandas as pd

LEGAL_FORMS = (
    "INCORPORATED",
    "INC",
    "CORPORATION",
    "CORP",
    "COMPANY",
    "CO",
    "LIMITED",
    "LTD",
    "LLC",
    "L L C",
    "LLP",
    "L L P",
    "LP",
    "L P",
    "PLLC",
    "PC",
    "P C",
    "PLC",
)
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_TRAILING_FORM = re.compile(r"(?:\s(?:" + "|".join(re.escape(f) for f in LEGAL_FORMS) + r"))+$")


def fold_name(name: str) -> str:
    """Folded form of one recipient name: upper case, '&' as AND, punctuation as spaces, single
    spaces, legal forms at the end removed (the name itself if nothing else is left)."""
    up = _NON_ALNUM.sub(" ", name.upper().replace("&", " AND ")).strip()
    folded = _TRAILING_FORM.sub("", up).strip()
    return folded or up


def fold_names(names: pd.Series) -> pd.Series:
    """fold_name over a column, computed once per distinct name."""
    uniq = pd.unique(names)
    mapping = {n: fold_name(n) for n in uniq}
    return names.map(mapping).astype(str)
