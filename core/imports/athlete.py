"""An athlete from nothing: the values checked (handle, time zone, units, phase, sports, maximum HR), then created."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import duckdb

from core.db.athletes import create_athlete
from core.errors import CoachError
from core.imports.sports import TYPES

PHASES = ("BASE", "BUILD", "PEAK", "RECOVERY", "CUT", "BULK", "MAINTAIN")
UNITS = ("kg", "lbs")
_HANDLE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; CoachError naming it otherwise."""
    try:
        if name in available_timezones() or name == "UTC":
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise CoachError(f"time_zone {name[:60]!r}: expected an IANA name such as 'Europe/Ljubljana' or 'UTC'")


def add_athlete(
    con: duckdb.DuckDBPyConnection,
    *,
    handle: str,
    name: str | None = None,
    time_zone: str = "UTC",
    units: str = "kg",
    phase: str = "BASE",
    sports: Iterable[str] = (),
    max_hr: int = 190,
) -> int:
    """Create an athlete with no plan and no history ("today" is today in their time zone); returns the id."""
    handle = handle.strip().lower()
    if not _HANDLE.match(handle):
        raise CoachError(f"handle {handle[:60]!r}: expected 1-40 lower-case letters, digits, '-' or '_' (e.g. 'sam')")
    name = (name or handle).strip()
    if not 1 <= len(name) <= 80 or any(ord(c) < 32 for c in name):
        raise CoachError(f"name {name[:60]!r}: expected 1-80 printable characters")
    if units not in UNITS:
        raise CoachError(f"units {units!r}: expected one of {', '.join(UNITS)}")
    phase = phase.upper()
    if phase not in PHASES:
        raise CoachError(f"phase {phase!r}: expected one of {', '.join(PHASES)}")
    chosen = tuple(dict.fromkeys(s.strip().lower() for s in sports if s.strip()))
    bad = [s for s in chosen if s not in TYPES]
    if bad:
        raise CoachError(f"sports {bad[0]!r}: expected some of {', '.join(TYPES)}")
    if not 100 <= max_hr <= 240:
        raise CoachError(f"max_hr {max_hr}: expected beats per minute between 100 and 240")
    today: date = datetime.now(zone(time_zone)).date()
    return create_athlete(
        con,
        handle=handle,
        name=name,
        as_of=today,
        units=units,
        phase=phase,
        sports=chosen,
        time_zone=time_zone,
        max_hr=max_hr,
    )
