"""Daily health from a CSV: one row per day, the night's sleep ending that morning (as `daily_health` means it).

Columns (header names, any case; a BOM is dropped): `date` (YYYY-MM-DD; also `day`), `sleep_hours`
(also `sleep`), `hrv_ms` (overnight RMSSD; also `hrv`), `resting_hr` (also `rhr`), and optionally
`deep_sleep_pct` (0-100). An empty cell is unknown. A bad date or number refuses the whole file,
naming the line and the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from core.imports.model import ImportFileError

COLUMNS = {
    "day": ("date", "day"),
    "sleep_hours": ("sleep_hours", "sleep", "sleep_h"),
    "hrv_ms": ("hrv_ms", "hrv", "rmssd"),
    "resting_hr": ("resting_hr", "rhr", "resting_heart_rate"),
    "deep_sleep_pct": ("deep_sleep_pct", "deep_sleep"),
}
RANGES = {
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


def is_health_csv(header: list[str]) -> bool:
    names = {h.strip().lower() for h in header}
    has_day = bool(names & set(COLUMNS["day"]))
    return has_day and any(names & set(COLUMNS[c]) for c in ("sleep_hours", "hrv_ms", "resting_hr"))


def parse_health(text: str) -> list[HealthDay]:
    """Every day of the file, in file order; ImportFileError naming line and column for a bad value."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or not is_health_csv(rows[0]):
        raise ImportFileError(
            "CSV is neither a Strava activities.csv nor a health CSV (columns date, sleep_hours, hrv_ms, resting_hr)"
        )
    header = [h.strip().lower() for h in rows[0]]
    where = {key: next((header.index(a) for a in aliases if a in header), None) for key, aliases in COLUMNS.items()}
    days: list[HealthDay] = []
    seen: set[date] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values: dict[str, float | None] = {}
        for key, index in where.items():
            cell = row[index].strip() if index is not None and index < len(row) else ""
            if key == "day":
                continue
            try:
                values[key] = float(cell) if cell else None
            except ValueError:
                raise ImportFileError(
                    f"line {line}, column {header[index or 0]!r}: {cell[:30]!r} is not a number"
                ) from None
            low, high = RANGES[key]
            value = values[key]
            if value is not None and not low <= value <= high:
                raise ImportFileError(
                    f"line {line}, column {header[index or 0]!r}: {value:g} is outside {low:g}-{high:g}"
                )
        day_index = where["day"] or 0
        cell = row[day_index].strip() if day_index < len(row) else ""
        try:
            day = date.fromisoformat(cell[:10])
        except ValueError:
            raise ImportFileError(
                f"line {line}, column {header[day_index]!r}: {cell[:30]!r} is not a date YYYY-MM-DD"
            ) from None
        if day in seen:
            raise ImportFileError(f"line {line}: day {day} appears twice in the file")
        seen.add(day)
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
        raise ImportFileError("health CSV has a header but no days")
    return days
