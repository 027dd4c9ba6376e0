"""A Strava bulk export: `activities.csv` joined to the files of its `activities/` folder by the Filename column.

The CSV gives each file its title (Activity Name) and, when the file's own sport is generic, its
sport (Activity Type). A row with no file (a manual entry, or a file missing from the export) is
imported from the row itself: start (Activity Date, UTC), elapsed and moving time, distance, ascent
and HR. Strava repeats some column names (the first "Distance" is km, the second metres): the first
of each name is read, and the metres one is preferred when present.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from core.imports.model import ImportFileError, ParsedActivity
from core.imports.sports import sport_type
from core.imports.values import finite_number

_DATE_FORMATS = ("%b %d, %Y, %I:%M:%S %p", "%b %d, %Y, %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d %b %Y, %H:%M:%S")


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


def is_strava_csv(header: list[str]) -> bool:
    names = {h.strip() for h in header}
    return {"Activity ID", "Activity Date", "Activity Type"} <= names


def _date(text: str, line: int) -> datetime:
    cleaned = text.strip().replace("\u202f", " ")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ImportFileError(f"activities.csv line {line}: Activity Date {text[:40]!r} is not a date Strava writes")


def _float(cell: str | None, name: str = "", line: int = 0) -> float | None:
    """A number cell (thousands commas dropped); None when empty; ImportFileError naming line and column when
    written but not a finite number (`inf`, `NaN`)."""
    if not cell or not cell.strip():
        return None
    value = finite_number(cell.replace(",", ""))
    if value is None and name:
        raise ImportFileError(f"activities.csv line {line}, column {name!r}: {cell.strip()[:30]!r} is not a number")
    return value


def parse_activities_csv(text: str) -> list[StravaRow]:
    """Every row of activities.csv; ImportFileError naming the line for a row that cannot be read."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or not is_strava_csv(rows[0]):
        raise ImportFileError(
            "not a Strava activities.csv (expected columns Activity ID, Activity Date, Activity Type)"
        )
    header = [h.strip() for h in rows[0]]
    firsts: dict[str, int] = {}
    seconds: dict[str, int] = {}
    for i, h in enumerate(header):
        (seconds if h in firsts else firsts).setdefault(h, i)

    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue

        def cell(name: str, row: list[str] = row, second: bool = False) -> str | None:
            index = (seconds if second else firsts).get(name)
            return row[index] if index is not None and index < len(row) else None

        start = _date(cell("Activity Date") or "", line)
        strava_type = (cell("Activity Type") or "").strip()
        elapsed = _float(cell("Elapsed Time"), "Elapsed Time", line) or 0.0
        moving = _float(cell("Moving Time"), "Moving Time", line) or elapsed
        metres = _float(cell("Distance", second=True), "Distance", line)
        km = _float(cell("Distance"), "Distance", line)
        distance = metres if metres is not None else (km * 1000 if km is not None else None)
        kind = sport_type(strava_type)
        title = (cell("Activity Name") or "").strip()[:200] or None
        hr = _float(cell("Average Heart Rate"), "Average Heart Rate", line)
        max_hr = _float(cell("Max Heart Rate"), "Max Heart Rate", line)
        activity = ParsedActivity(
            sport=kind,
            source_sport=strava_type,
            start=start,
            duration_s=moving,
            elapsed_s=elapsed,
            moving_s=moving,
            distance_m=distance,
            ascent_m=_float(cell("Elevation Gain"), "Elevation Gain", line),
            avg_hr=round(hr) if hr else None,
            max_hr=round(max_hr) if max_hr else None,
            title=title,
        )
        filename = (cell("Filename") or "").strip() or None
        out.append(StravaRow(line, title, kind, strava_type, start, filename, activity))
    return out
