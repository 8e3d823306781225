"""Vectorised parsers for the value formats found in the raw files."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..paths import REFERENCE_DIR
from ..tables import read_text_csv
from .frames import in_slices

AGENCIES = {
    "7012": ("7012", "ICE", "U.S. Immigration and Customs Enforcement"),
    "7014": ("7014", "CBP", "U.S. Customs and Border Protection"),
}
SUB_AGENCY_NAMES = {code: name for code, (_, _, name) in AGENCIES.items()}
AGENCY_ALIASES = {
    "ICE": "7012",
    "7012": "7012",
    "U.S. IMMIGRATION AND CUSTOMS ENFORCEMENT": "7012",
    "CBP": "7014",
    "7014": "7014",
    "U.S. CUSTOMS AND BORDER PROTECTION": "7014",
}

_PIID = re.compile(r"^(70[A-Z0-9]{4})(\d{2})([A-Z])[A-Z0-9]+$")
AWARD_KEY_PARTS = [
    "award_id_piid",
    "award_agency_code",
    "parent_award_id_piid",
    "parent_award_agency_code",
]
_KEY_NAMED = (
    r"^CONT_(?:AWD|IDV)_(?P<award_id_piid>.+)_(?P<award_agency_code>[^_]+)"
    r"_(?P<parent_award_id_piid>[^_]+)_(?P<parent_award_agency_code>[^_]+)$"
)


def parse_dates(values: pd.Series, formats: list[str]) -> pd.Series:
    """Dates in the first of the given formats that parses; NaT where none does, or where the
    date is beyond what a nanosecond timestamp holds (before 1677, after 2262)."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = values != ""
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(values[todo], format=fmt, errors="coerce")
        # dates a nanosecond timestamp cannot hold (3024-03-01) stay empty here: the caller
        # reads them with calendar_dates and quarantines them as out of bounds
        ok = parsed.notna() & (parsed >= pd.Timestamp.min) & (parsed <= pd.Timestamp.max)
        out.loc[ok[ok].index] = parsed[ok].dt.normalize().astype("datetime64[ns]")
        todo.loc[ok[ok].index] = False
    return out


def calendar_dates(values: pd.Series, formats: list[str]) -> pd.Series:
    """Dates (as YYYY-MM-DD text, "" where none) of texts that a format reads but pandas'
    nanosecond timestamps cannot hold (before 1677 or after 2262): such a row is a date out
    of bounds, not an unreadable one. Called only for the rare rows parse_dates leaves empty."""

    def one(text: str) -> str:
        for fmt in formats:
            try:
                return datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
        return ""

    return pd.Series([one(t) for t in values.tolist()], index=values.index, dtype=object)


def piid_prefixes(path: Path | None = None) -> dict[str, str]:
    """Reviewed PIID office prefixes and the agency each belongs to (ICE, CBP, or DHS for
    offices that award on behalf of either)."""
    frame = read_text_csv(path or REFERENCE_DIR / "piid_prefixes.csv")
    return dict(zip(frame["piid_prefix"], frame["agency_acronym"], strict=True))


def piid_prefix_of(piids: pd.Series, prefixes: dict[str, str]) -> pd.Series:
    """The longest reviewed prefix each PIID starts with; "" where none applies."""
    out = pd.Series("", index=piids.index, dtype=object)
    for prefix in sorted(prefixes, key=len):
        out = out.mask(piids.str.startswith(prefix).fillna(False).astype(bool), prefix)
    return out


def fiscal_year(dates: pd.Series) -> pd.Series:
    """Federal fiscal year: October to December count toward the next calendar year."""
    return (dates.dt.year + (dates.dt.month >= 10).astype("int64")).astype("Int64")


def agency_codes(values: pd.Series) -> pd.Series:
    """Sub-agency code (7012, 7014) from an acronym, name or code; "" when unknown."""
    return values.str.strip().str.upper().map(AGENCY_ALIASES).fillna("")


def parse_award_keys(keys: pd.Series) -> pd.DataFrame:
    """Split CONT_AWD_{piid}_{agency}_{parent piid}_{parent agency}; -NONE- becomes "".

    Vectorised (one regular expression, run by Arrow): the PIID is everything between the
    prefix and the last three parts."""
    array = _arrow_strings(keys)
    # null where the key does not match
    parts_of = in_slices(lambda keys: pc.extract_regex(keys, _KEY_NAMED), array)
    valid = parts_of.is_valid().to_numpy(zero_copy_only=False)
    parts = pd.DataFrame(index=keys.index)
    for col in AWARD_KEY_PARTS:
        values = pc.fill_null(pc.struct_field(parts_of, col), "")
        if col.startswith("parent_"):
            values = pc.if_else(pc.equal(values, "-NONE-"), "", values)
        # kept in Arrow: a round trip through Python objects cost a second per million keys
        parts[col] = pd.Series(pd.array(values, dtype="str"), index=keys.index)
    parts["is_valid"] = valid
    return parts


def _arrow_strings(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The values as Arrow strings: the column's own buffers when pandas holds it in Arrow."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return pa.array(values.array)
    return pa.array(values.astype("str").to_numpy(dtype=object), pa.string())


def build_award_keys(
    piid: pd.Series, agency: pd.Series, parent: pd.Series, parent_agency: pd.Series
) -> pd.Series:
    """The USAspending award key from its parts, as USAspending assembles it."""
    p = parent.where(parent != "", "-NONE-")
    pa = parent_agency.where(parent_agency != "", "-NONE-")
    pa = pa.where(p != "-NONE-", "-NONE-")
    return "CONT_AWD_" + piid + "_" + agency + "_" + p + "_" + pa


def parse_piids(piid: pd.Series) -> pd.DataFrame:
    """Office (1-6), fiscal year (7-8) and instrument (9) where the PIID has the DHS structure."""
    piid = piid.astype("str")
    ok = piid.str.match(_PIID).fillna(False).astype(bool)
    out = pd.DataFrame(index=piid.index)
    out["piid_office_code"] = piid.str.slice(0, 6).where(ok, "")
    fy2 = pd.to_numeric(piid.str.slice(6, 8).where(ok), errors="coerce")
    out["piid_fiscal_year"] = (fy2 + 2000).astype("Int64")
    out["piid_instrument_code"] = piid.str.slice(8, 9).where(ok, "")
    return out


def award_page_urls(keys: pd.Series) -> pd.Series:
    return "https://www.usaspending.gov/award/" + keys + "/"
