"""A Strava bulk export: `activities.csv` joined to the files of its `activities/` folder by the Filename column.

The CSV gives each file its title (Activity Name) and, when the file's own sport is generic, its
sport (Activity Type). A row with no file (a manual entry, or a file missing from the export) is
imported from the row itself: start (Activity Date, UTC), elapsed and moving time, distance, ascent
and HR. Strava repeats some column names (the first "Distance" is km, the second metres): the first
of each name is read, and the metres one is preferred when present.

A localized export (German, French, Spanish, Italian, Dutch, Portuguese) is read through the tables of
`strava_locales`: its headers, month names and activity types; in those languages a number with only a comma
has a decimal comma ("10,5" km). Activity Date is UTC in every language.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from core.imports.model import ImportFileError, ParsedActivity
from core.imports.sports import sport_type
from core.imports.strava_locales import (
    DECIMAL_COMMA,
    LANGUAGES,
    MONTH_KEYS,
    REQUIRED,
    english_type,
    header_column,
    key,
)
from core.imports.values import finite_number

_DATE_FORMATS = ("%b %d, %Y, %I:%M:%S %p", "%b %d, %Y, %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d %b %Y, %H:%M:%S")
_TIME = r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?\s?m\.?)?"
_SEP = r"(?:\s*,\s*|\s+)(?:um\s+|à\s+|a\s+las\s+|alle\s+|às\s+|om\s+)?"
_WORD_DATES = (  # 3. Dez. 2026 / 3 de dic. de 2026 / Dec 3, 2026 — then the time
    re.compile(r"^(?P<d>\d{1,2})\.?\s*(?:de\s+)?(?P<mon>[^\W\d_]+)\.?\s*(?:de\s+)?(?P<y>\d{4})" + _SEP + _TIME + "$"),
    re.compile(r"^(?P<mon>[^\W\d_]+)\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})" + _SEP + _TIME + "$"),
)
_ISO_DATE = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[T\s,]+)" + _TIME + "$")
_DAY_FIRST = re.compile(r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})" + _SEP + _TIME + "$")


@dataclass(frozen=True)
class StravaRow:
    """One line of activities.csv."""

    line: int
    title: str | None
    sport: str
    source_sport: str
    start: datetime
    filename: str | None
    activity: ParsedActivity


@dataclass(frozen=True)
class StravaHeader:
    """Where each column read is (first and second of a repeated name) and the export's language."""

    firsts: dict[str, int]
    seconds: dict[str, int]
    language: str
    unknown: tuple[str, ...]

    def readable(self) -> bool:
        return all(c in self.firsts for c in REQUIRED)


def strava_header(header: list[str]) -> StravaHeader:
    """The header row read in any language of `strava_locales`; the language is the one most names belong to."""
    firsts: dict[str, int] = {}
    seconds: dict[str, int] = {}
    votes: Counter[str] = Counter()
    unknown = []
    for i, cell in enumerate(header):
        found = header_column(cell)
        if found is None:
            if cell.strip():
                unknown.append(cell.strip())
            continue
        canonical, languages = found
        votes.update(languages)
        (seconds if canonical in firsts else firsts).setdefault(canonical, i)
    best = max(LANGUAGES, key=lambda lang: (votes[lang], lang == "en"))
    return StravaHeader(firsts, seconds, best, tuple(unknown))


def is_strava_csv(header: list[str]) -> bool:
    return strava_header(header).readable()


def _clock(match: re.Match[str]) -> tuple[int, int, int]:
    hour, minute, second = int(match["h"]), int(match["mi"]), int(match["s"] or 0)
    marker = (match["ampm"] or "").replace(".", "").replace(" ", "")
    if marker == "pm" and hour < 12:
        hour += 12
    elif marker == "am" and hour == 12:
        hour = 0
    return hour, minute, second


def _date(text: str, line: int, language: str = "en") -> datetime:
    """Activity Date in the forms Strava writes in each language (UTC): 'Dec 3, 2026, 7:12:33 AM',
    '3. Dez. 2026, 07:12:33', '3 déc. 2026, 07:12:33', '3 de dic. de 2026, 7:12:33', '2026-12-03 07:12:33',
    '03.12.2026, 07:12:33'. A date with slashes is day first except in English."""
    cleaned = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    lowered = cleaned.casefold()
    try:
        for pattern in _WORD_DATES:
            if (m := pattern.match(lowered)) and key(m["mon"]) in MONTH_KEYS:
                return datetime(int(m["y"]), MONTH_KEYS[key(m["mon"])], int(m["d"]), *_clock(m), tzinfo=UTC)
        if m := _ISO_DATE.match(lowered):
            return datetime(int(m["y"]), int(m["m"]), int(m["d"]), *_clock(m), tzinfo=UTC)
        if m := _DAY_FIRST.match(lowered):
            day, month = (
                (int(m["d"]), int(m["m"])) if language != "en" or "." in lowered[:6] else (int(m["m"]), int(m["d"]))
            )
            return datetime(int(m["y"]), month, day, *_clock(m), tzinfo=UTC)
    except ValueError:
        pass  # a day or hour out of range: not a date
    raise ImportFileError(f"activities.csv line {line}: Activity Date {text[:40]!r} is not a date Strava writes")


def _float(cell: str | None, name: str = "", line: int = 0, decimal_comma: bool = False) -> float | None:
    """A number cell; None when empty; ImportFileError naming line and column when written but not a finite
    number (`inf`, `NaN`). With both '.' and ',' the later one is the decimal mark; with only ',' it is a
    thousands separator in English ("1,234") and the decimal mark in `decimal_comma` languages ("10,5")."""
    if not cell or not cell.strip():
        return None
    text = cell.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", "." if decimal_comma and text.count(",") == 1 else "")
    value = finite_number(text)
    if value is None and name:
        raise ImportFileError(f"activities.csv line {line}, column {name!r}: {cell.strip()[:30]!r} is not a number")
    return value


_CLOCK_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


def _seconds(cell: str | None, name: str, line: int, decimal_comma: bool) -> float:
    """A duration cell: seconds ('3600', '3600,0') or a clock time ('1:00:00', '45:10'); 0 when empty."""
    if cell and (m := _CLOCK_TIME.match(cell.strip())):
        return int(m[1] or 0) * 3600 + int(m[2]) * 60 + int(m[3])
    return _float(cell, name, line, decimal_comma) or 0.0


def parse_activities_csv(text: str) -> list[StravaRow]:
    """Every row of activities.csv; ImportFileError naming the line for a row that cannot be read."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = strava_header(rows[0] if rows else [])
    if not header.readable():
        missing = ", ".join(c for c in REQUIRED if c not in header.firsts)
        shown = ", ".join(repr(h[:40]) for h in header.unknown[:8]) + (" …" if len(header.unknown) > 8 else "")
        raise ImportFileError(
            f"not a Strava activities.csv this can read: no column for {missing} in any of {', '.join(LANGUAGES)}"
            + (f"; headers not recognised: {shown}" if shown else "")
        )
    firsts, seconds, comma = header.firsts, header.seconds, header.language in DECIMAL_COMMA

    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue

        def cell(name: str, row: list[str] = row, second: bool = False) -> str | None:
            index = (seconds if second else firsts).get(name)
            return row[index] if index is not None and index < len(row) else None

        start = _date(cell("Activity Date") or "", line, header.language)
        strava_type = (cell("Activity Type") or "").strip()
        elapsed = _seconds(cell("Elapsed Time", second=True) or cell("Elapsed Time"), "Elapsed Time", line, comma)
        moving = _seconds(cell("Moving Time"), "Moving Time", line, comma) or elapsed
        metres = _float(cell("Distance", second=True), "Distance", line, comma)
        km = _float(cell("Distance"), "Distance", line, comma)
        distance = metres if metres is not None else (km * 1000 if km is not None else None)
        kind = sport_type(english_type(strava_type))
        title = (cell("Activity Name") or "").strip()[:200] or None
        hr = _float(cell("Average Heart Rate"), "Average Heart Rate", line, comma)
        max_hr = _float(cell("Max Heart Rate"), "Max Heart Rate", line, comma)
        activity = ParsedActivity(
            sport=kind,
            source_sport=strava_type,
            start=start,
            duration_s=moving,
            elapsed_s=elapsed,
            moving_s=moving,
            distance_m=distance,
            ascent_m=_float(cell("Elevation Gain"), "Elevation Gain", line, comma),
            avg_hr=round(hr) if hr else None,
            max_hr=round(max_hr) if max_hr else None,
            title=title,
        )
        filename = (cell("Filename") or "").strip() or None
        out.append(StravaRow(line, title, kind, strava_type, start, filename, activity))
    return out
