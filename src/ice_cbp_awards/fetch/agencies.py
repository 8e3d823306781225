"""The two sub-agencies the package covers and the calendar arithmetic every fetch needs."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

TOPTIER_NAME = "Department of Homeland Security"
TOPTIER_CODE = "070"


@dataclass(frozen=True)
class Agency:
    """An awarding sub-agency as USAspending names it and FPDS codes it."""

    acronym: str
    code: str
    name: str


AGENCIES: dict[str, Agency] = {
    "ICE": Agency("ICE", "7012", "U.S. Immigration and Customs Enforcement"),
    "CBP": Agency("CBP", "7014", "U.S. Customs and Border Protection"),
}


def agency(acronym: str) -> Agency:
    try:
        return AGENCIES[acronym.upper()]
    except KeyError:
        raise ValueError(f"unknown agency {acronym!r}: use ICE or CBP") from None


def fiscal_year_range(fiscal_year: int) -> tuple[date, date]:
    """Fiscal year N runs 1 October N-1 to 30 September N."""
    return date(fiscal_year - 1, 10, 1), date(fiscal_year, 9, 30)


def fiscal_year_of(day: date) -> int:
    return day.year + 1 if day.month >= 10 else day.year


def month_ranges(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] cut at calendar month boundaries."""
    out = []
    cur = start
    while cur <= end:
        last = date(cur.year, cur.month, calendar.monthrange(cur.year, cur.month)[1])
        out.append((cur, min(last, end)))
        cur = last + timedelta(days=1)
    return out


def halves(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] in two (the first half takes the middle day); one day cannot be cut."""
    days = (end - start).days
    if days < 1:
        return [(start, end)]
    mid = start + timedelta(days=days // 2)
    return [(start, mid), (mid + timedelta(days=1), end)]


def windows_of_at_most(start: date, end: date, max_days: int) -> list[tuple[date, date]]:
    """[start, end] in consecutive windows of at most max_days days (both ends included)."""
    out = []
    cur = start
    while cur <= end:
        stop = min(end, cur + timedelta(days=max_days - 1))
        out.append((cur, stop))
        cur = stop + timedelta(days=1)
    return out


def today_utc() -> str:
    return datetime.now(UTC).date().isoformat()


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from None
