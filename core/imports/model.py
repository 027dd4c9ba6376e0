"""The values an import passes around: a source to read, what a parser found in it, and one line per file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.errors import CoachError


class ImportFileError(CoachError):
    """A file that cannot be imported: the message says why, in words a coach understands."""


@dataclass(frozen=True)
class ImportSource:
    """One file to import: its display name and how to read its (possibly gzipped) bytes."""

    name: str
    read: Callable[[], bytes]
    title: str | None = None  # from a Strava export's activities.csv
    sport_hint: str | None = None  # our type from activities.csv, used when the file's own sport is generic
    manual: tuple[ParsedActivity, ...] | None = None  # activities.csv rows with no file: imported from the rows


@dataclass(frozen=True)
class ParsedActivity:
    """One activity as a file describes it. Times are UTC-aware; durations in seconds.

    `duration_s` is the timer time (a device's own summary, pauses excluded): what the demo's
    `duration_min` means. `hr_seconds` pairs each HR sample with the seconds it stood for, so zone
    minutes can be split at the athlete's own maximum HR when the activity is written.
    A multisport activity has `legs` (each a ParsedActivity with `transition_before_s`).
    """

    sport: str  # our type: run, ride, swim, yoga, strength, other, multi
    source_sport: str  # the file's own words, e.g. 'walking/generic'
    start: datetime
    duration_s: float
    elapsed_s: float
    moving_s: float | None = None
    distance_m: float | None = None
    ascent_m: float | None = None
    avg_hr: int | None = None
    max_hr: int | None = None
    avg_power_w: int | None = None
    max_power_w: int | None = None
    normalized_power_w: int | None = None
    title: str | None = None
    hr_seconds: tuple[tuple[int, float], ...] = ()
    pool_length_m: float | None = None
    swim_lengths: dict[str, int] = field(default_factory=dict)  # stroke -> pool lengths
    strokes_per_min: int | None = None
    swolf: int | None = None
    legs: tuple[ParsedActivity, ...] = ()
    transition_before_s: float | None = None


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file: 'imported', 'skipped' (already there) or 'refused' (with the reason)."""

    name: str
    status: str
    message: str
    activities: int = 0
    health_days: int = 0

    def line(self) -> str:
        return f"{self.status:<8} {self.name}: {self.message}"
