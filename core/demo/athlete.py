"""One athlete's generation state, shared by the sport generators (`strength`, `cardio`, `health`).

All randomness comes from the athlete's own `random.Random(f"{seed}:{athlete_id}")`, so
the rows never depend on batching. The order of RNG draws is part of the data: every
generator must keep its order (`seeding.generate_athlete` fixes the order of work).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb
import pandas as pd

from core.db import insert_frame
from core.demo.effects import planted_effect
from core.demo.profiles import PROFILES, Profile


class RowBuffer:
    """Rows per table, written to DuckDB as one DataFrame per table."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {}

    def add(self, table: str, **row: Any) -> None:
        self.tables.setdefault(table, []).append(row)

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        for table, rows in self.tables.items():
            insert_frame(con, table, pd.DataFrame.from_records(rows))
        self.tables.clear()


def at_hours(day: date, hours: float) -> datetime:
    """Local timestamp `hours` after midnight of `day`, to the minute (the notation's precision)."""
    return datetime.combine(day, time()) + timedelta(minutes=round(hours * 60))


def monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def overload_factor(profile: Profile, week_index: int, n_weeks: int) -> float:
    """Duration multiplier of the planted overload block (1.0 outside it, or for other athletes)."""
    effect = planted_effect("overload_block")
    if profile.handle != effect.athlete:
        return 1.0
    first, second = effect.params["block_weeks_before_as_of"]
    weeks_before = n_weeks - 1 - week_index
    if weeks_before == first:
        return float(effect.params["duration_factors"][0])
    if weeks_before == second:
        return float(effect.params["duration_factors"][1])
    return 1.0


@dataclass
class AthleteState:
    """What one athlete's generators share: identity, calendar, RNG, row buffer and the facts effects depend on."""

    athlete_id: int
    profile: Profile
    rng: random.Random
    start: date
    n_weeks: int
    as_of: date
    rows: RowBuffer
    activity_base: int
    next_activity: int = 0
    sleep_by_day: dict[date, float] = field(default_factory=dict)
    trained_days: set[date] = field(default_factory=set)
    leg_session_ends: list[datetime] = field(default_factory=list)
    evening_yoga_days: set[date] = field(default_factory=set)
    best_e1rm: dict[str, float] = field(default_factory=dict)
    capacity0: dict[str, float] = field(default_factory=dict)
    session_weekdays: list[int] = field(default_factory=list)

    def new_activity_id(self) -> int:
        self.next_activity += 1
        return self.activity_base + self.next_activity

    @property
    def handle(self) -> str:
        return self.profile.handle if self.athlete_id <= len(PROFILES) else f"{self.profile.handle}-{self.athlete_id}"

    @property
    def name(self) -> str:
        return self.profile.name if self.athlete_id <= len(PROFILES) else f"{self.profile.name} #{self.athlete_id}"


def draw_sleep(state: AthleteState) -> None:
    """Sleep first: it decides the PR effect and is drawn independent of training."""
    days = (state.as_of - state.start).days + 2
    for i in range(days):
        d = state.start + timedelta(days=i)
        state.sleep_by_day[d] = round(min(9.5, max(4.5, state.rng.gauss(state.profile.sleep, 0.65))), 1)
