"""Daily health from a CSV: one row per day, the night's sleep ending that morning (as `daily_health` means it).

A header is matched by its words: case, spaces, '-' and a unit in parentheses do not matter (`HRV (ms)`,
`Resting HR (bpm)`, `Sleep Hours`). The aliases are in COLUMNS; a column that is not used is named in the
file's line. Comma or semicolon separated (with ';' a decimal comma is read). An empty cell is unknown; a
day with every value empty is not stored. A bad date or number refuses the whole file, naming the line and
the column. Deep sleep is a percent; a file whose every deep-sleep value is at most 1 gives fractions
(0.21 = 21 %), and a file mixing both is refused.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from core.imports.model import ImportFileError
from core.imports.values import checked_day, finite_number

# Our column -> the header names accepted for it, after `header_key` (first is the documented one).
COLUMNS = {
    "day": ("date", "day", "calendar_date"),
    "sleep_hours": ("sleep_hours", "sleep", "sleep_h", "hours_slept", "sleep_duration", "total_sleep", "sleep_time"),
    "hrv_ms": ("hrv_ms", "hrv", "rmssd", "hrv_rmssd", "overnight_hrv", "nightly_hrv", "hrv_rmssd_ms"),
    "resting_hr": ("resting_hr", "rhr", "resting_heart_rate", "resting_pulse", "resting_hr_bpm"),
    "deep_sleep_pct": ("deep_sleep_pct", "deep_sleep", "deep_sleep_percent", "deep_pct", "deep_sleep_percentage"),
}
# Sleep given in minutes (by the header's name or its unit in parentheses) is divided by 60.
SLEEP_MINUTES = ("sleep_minutes", "sleep_min", "minutes_asleep", "total_sleep_minutes", "asleep_minutes")
MINUTE_UNITS = ("min", "mins", "minutes")
HEALTH_RANGES = {
    "sleep_hours": (0.0, 24.0),
    "hrv_ms": (1.0, 400.0),
    "resting_hr": (20.0, 150.0),
    "deep_sleep_pct": (0.0, 100.0),
}


@dataclass(frozen=True)
class HealthDay:
    day: date
    sleep_hours: float | None
    hrv_ms: float | None
    resting_hr: int | None
    deep_sleep_pct: float | None


def header_key(name: str) -> tuple[str, str]:
    """A header as (key, unit): `Resting HR (bpm)` -> ('resting_hr', 'bpm'), `Sleep Hours` -> ('sleep_hours', '')."""
    unit = " ".join(re.findall(r"[(\[]([^)\]]*)[)\]]", name)).strip().lower()
    bare = re.sub(r"[(\[][^)\]]*[)\]]", " ", name.strip().strip('"').lower())
    bare = bare.replace("%", " pct ")
    return re.sub(r"[^a-z0-9]+", "_", bare).strip("_"), unit


def _column_of(name: str) -> tuple[str | None, float]:
    """Which of our columns a header is, and the factor its values are multiplied by (minutes of sleep: 1/60)."""
    key, unit = header_key(name)
    if key in SLEEP_MINUTES:
        return "sleep_hours", 1 / 60
    for column, aliases in COLUMNS.items():
        if key in aliases:
            minutes = column == "sleep_hours" and unit in MINUTE_UNITS
            return column, (1 / 60 if minutes else 1.0)
    return None, 1.0


def is_health_csv(header: list[str]) -> bool:
    columns = {_column_of(h)[0] for h in header}
    return "day" in columns and bool(columns & {"sleep_hours", "hrv_ms", "resting_hr"})


def csv_rows(text: str) -> list[list[str]]:
    """The rows of a comma- or semicolon-separated text (';' when the header has ';' and no ',')."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


# long: one pass over the rows — header aliases, units, fraction or percent, ranges, empty days — reads best whole
def parse_health(text: str, today: date) -> tuple[list[HealthDay], list[str]]:
    """Every day of the file with a value, in file order, and notes (columns not used, empty days);
    ImportFileError naming line and column for a bad value."""
    rows = csv_rows(text)
    if not rows or not is_health_csv(rows[0]):
        raise ImportFileError(
            "CSV is neither a Strava activities.csv nor a health CSV (columns date, sleep_hours, hrv_ms, resting_hr)"
        )
    decimal_comma = ";" in text.split("\n", 1)[0] and "," not in text.split("\n", 1)[0]
    header = [h.strip() for h in rows[0]]
    where: dict[str, tuple[int, float]] = {}
    unused = []
    for index, name in enumerate(header):
        column, factor = _column_of(name)
        if column is None or column in where:
            unused.append(name)
        else:
            where[column] = (index, factor)
    days: list[HealthDay] = []
    seen: set[date] = set()
    empty = 0
    deep: list[tuple[int, float]] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values: dict[str, float | None] = {}
        for key, (index, factor) in where.items():
            cell = row[index].strip() if index < len(row) else ""
            if key == "day":
                continue
            number = finite_number(cell.replace(",", ".") if decimal_comma else cell) if cell else None
            if cell and number is None:
                raise ImportFileError(f"line {line}, column {header[index]!r}: {cell[:30]!r} is not a number")
            value = number * factor if number is not None else None
            low, high = HEALTH_RANGES[key]
            if value is not None and not low <= value <= high:
                raise ImportFileError(f"line {line}, column {header[index]!r}: {value:g} is outside {low:g}-{high:g}")
            values[key] = value
        day_index = where["day"][0]
        cell = row[day_index].strip() if day_index < len(row) else ""
        try:
            day = date.fromisoformat(cell[:10])
        except ValueError:
            raise ImportFileError(
                f"line {line}, column {header[day_index]!r}: {cell[:30]!r} is not a date YYYY-MM-DD"
            ) from None
        checked_day(day, today, f"line {line}")
        if day in seen:
            raise ImportFileError(f"line {line}: day {day} appears twice in the file")
        seen.add(day)
        if all(v is None for v in values.values()):
            empty += 1
            continue
        if values.get("deep_sleep_pct") is not None:
            deep.append((line, values["deep_sleep_pct"] or 0.0))
        rhr = values.get("resting_hr")
        days.append(
            HealthDay(
                day,
                values.get("sleep_hours"),
                values.get("hrv_ms"),
                round(rhr) if rhr else None,
                values.get("deep_sleep_pct"),
            )
        )
    if not days:
        raise ImportFileError("health CSV has a header but no day with a value")
    notes = []
    if deep and all(v <= 1 for _, v in deep):
        days = [d if d.deep_sleep_pct is None else _percent(d) for d in days]
        notes.append("deep sleep read as fractions (every value at most 1) and stored as percent")
    elif any(0 < v <= 1 for _, v in deep):
        line = next(n for n, v in deep if 0 < v <= 1)
        raise ImportFileError(
            f"line {line}: deep sleep {next(v for n, v in deep if n == line):g} looks like a fraction while other"
            " rows are percent; write every row one way"
        )
    if unused:
        notes.append(f"column(s) not used: {', '.join(repr(u) for u in unused)[:200]}")
    if empty:
        notes.append(f"{empty} day(s) with every value empty not stored")
    return days, notes


def _percent(day: HealthDay) -> HealthDay:
    return HealthDay(day.day, day.sleep_hours, day.hrv_ms, day.resting_hr, round((day.deep_sleep_pct or 0) * 100, 1))
