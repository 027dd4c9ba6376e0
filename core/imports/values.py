"""The one place an imported value is judged plausible: ranges for HR, power, cadence, distance, duration and dates.

Parsers read numbers with `finite_number` (so `inf`, `NaN` or `1e400` never reach `round()` or an INTEGER
column) and per-sample HR / power with `sample`; every activity a file yields goes through
`checked_activity`, and every health day through `checked_day`. A value outside its range refuses the
file with one line naming the field and the value (docs/imports.md lists the ranges).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from core.imports.model import ImportFileError, ParsedActivity

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no GPS sport watch wrote files before; earlier is a zeroed clock

# field -> (lowest, highest) accepted, inclusive. A value outside refuses the file.
RANGES: dict[str, tuple[float, float]] = {
    "heart rate": (25.0, 250.0),  # bpm, samples and session averages / maxima
    "power": (0.0, 3000.0),  # W: above a track sprinter's peak
    "cadence": (0.0, 300.0),  # strokes or revolutions per minute
    "distance": (0.0, 2_000_000.0),  # m: 2,000 km in one activity
    "duration": (0.0, 7 * 86400.0),  # s: a week
    "ascent": (0.0, 30_000.0),  # m
    "pool length": (10.0, 100.0),  # m
    "swolf": (0.0, 1000.0),
}


def finite_number(text: object) -> float | None:
    """A number from a file's text or value; None when empty, not a number, infinite or NaN."""
    if isinstance(text, bool) or text is None:
        return None
    try:
        value = float(text.strip() if isinstance(text, str) else text)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def _describe(value: float) -> str:
    return f"{value:g}"


def in_range(field: str, value: float | None, where: str = "") -> float | None:
    """`value` when inside RANGES[field] (None stays None); ImportFileError naming field, value and range."""
    if value is None:
        return None
    low, high = RANGES[field]
    if not math.isfinite(value) or not low <= value <= high:
        place = f" {where}" if where else ""
        raise ImportFileError(
            f"{field} {_describe(value)}{place} is not plausible (expected {low:g}-{high:g}): file refused"
        )
    return value


def sample(field: str, text: object, where: str = "") -> int | None:
    """A per-record HR or power reading as an int; None when absent or 0 (no reading); refused when
    written but not a finite number in range (e.g. `inf`, `3000000000`)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    value = finite_number(text)
    if value is None:
        raise ImportFileError(
            f"{field} {str(text).strip()[:30]!r}{' ' + where if where else ''} is not a number: file refused"
        )
    if value == 0:
        return None
    return round(in_range(field, value, where) or 0)


def latest_start(today: date) -> datetime:
    """The latest start accepted: the end of tomorrow (a device clock a day ahead is still believed)."""
    return datetime.combine(today + timedelta(days=2), datetime.min.time(), tzinfo=UTC)


def checked_start(start: datetime, today: date, what: str = "start time") -> datetime:
    """`start` as a UTC-aware instant (a naive time is UTC, as GPX and TCX define it) when between
    2000-01-01 and the end of tomorrow; ImportFileError otherwise."""
    instant = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    if instant < EARLIEST:
        raise ImportFileError(
            f"{what} {instant:%Y-%m-%d %H:%M} UTC is before 2000 (a device clock never set): file refused"
        )
    if instant >= latest_start(today):
        raise ImportFileError(f"{what} {instant:%Y-%m-%d %H:%M} UTC is in the future (after tomorrow): file refused")
    return instant


def checked_activity(activity: ParsedActivity, today: date) -> ParsedActivity:
    """The activity with a UTC start, each figure in its range; ImportFileError naming the first that is not.

    A duration of 0 is refused (nothing was timed), so is a negative distance or duration.
    """
    a = activity
    label = f"{a.sport} at {a.start:%Y-%m-%d %H:%M}" if a.start.year >= 1 else a.sport
    start = checked_start(a.start, today)
    for field, value in (("duration", a.duration_s), ("duration", a.elapsed_s), ("duration", a.moving_s)):
        in_range(field, value, f"s ({label})")
    if a.duration_s <= 0:
        distance = f" with distance {a.distance_m:g} m" if a.distance_m else ""
        raise ImportFileError(f"duration 0 s{distance} ({label}): nothing was timed: file refused")
    in_range("distance", a.distance_m, f"m ({label})")
    in_range("ascent", a.ascent_m, f"m ({label})")
    for value in (a.avg_hr, a.max_hr):
        in_range("heart rate", value, f"bpm ({label})")
    for value in (a.avg_power_w, a.max_power_w, a.normalized_power_w):
        in_range("power", value, f"W ({label})")
    in_range("cadence", a.strokes_per_min, f"per minute ({label})")
    in_range("pool length", a.pool_length_m, f"m ({label})")
    in_range("swolf", a.swolf, f"({label})")
    for hr, seconds in a.hr_seconds:
        in_range("heart rate", hr, f"bpm ({label})")
        in_range("duration", seconds, f"s ({label})")
    legs = tuple(checked_activity(leg, today) for leg in a.legs)
    return replace(a, start=start, legs=legs)


def checked_day(day: date, today: date, where: str) -> date:
    """A health day between 2000-01-01 and tomorrow; ImportFileError naming `where` otherwise."""
    if day < EARLIEST.date():
        raise ImportFileError(f"{where}: day {day} is before 2000: file refused")
    if day > today + timedelta(days=1):
        raise ImportFileError(f"{where}: day {day} is in the future (after tomorrow): file refused")
    return day
