"""Numbers and dates as the notations write them (MM-DD read back as the date nearest an anchor)."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from core.errors import NotationError


def format_number(value: float) -> str:
    """225.0 → '225', 102.5 → '102.5': the shortest text that reads back to the same float."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def format_clock(seconds: float) -> str:
    """`9:42`: minutes and seconds (a pace per mile or per 100 m, a rest), rounded to the second."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def parse_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise NotationError(f"number {text!r}: expected a decimal number like 225 or 102.5") from None


# ---------------------------------------------------------------- dates


def md(day: date) -> str:
    """MM-DD, the seed's compressed date."""
    return day.strftime("%m-%d")


def md_time(moment: datetime) -> str:
    """MM-DDTHH:MM (seconds and microseconds only when present)."""
    text = moment.strftime("%m-%dT%H:%M")
    if moment.second or moment.microsecond:
        text += moment.strftime(":%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text


def resolve_md(text: str, anchor: date) -> date:
    """The date with month-day `text` (MM-DD) nearest to `anchor` (previous, same or next year)."""
    m = re.fullmatch(r"(\d{2})-(\d{2})", text)
    if not m:
        raise NotationError(f"date {text!r}: expected MM-DD")
    month, day = int(m[1]), int(m[2])
    candidates = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise NotationError(f"date {text!r}: no such month-day")
    return min(candidates, key=lambda d: abs((d - anchor).days))


def md_in_year(text: str, year: int) -> date:
    """MM-DD in a given year (the first week of a text, whose year is stated once)."""
    try:
        return date(year, int(text[:2]), int(text[3:5]))
    except ValueError:
        raise NotationError(f"date {text!r}: no such day in {year}") from None


def resolve_md_time(text: str, anchor: date) -> datetime:
    m = re.fullmatch(r"(\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{6}))?)?", text)
    if not m:
        raise NotationError(f"timestamp {text!r}: expected MM-DDTHH:MM")
    day = resolve_md(m[1], anchor)
    return datetime.combine(day, time(int(m[2]), int(m[3]), int(m[4] or 0), int(m[5] or 0)))
