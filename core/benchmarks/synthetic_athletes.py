"""Synthetic athletes for the pattern statistics: realistic noise, no effect unless one is planted.

Not the demo generator with its effects switched off: its own schedule and physiology, written with
the failure modes the families must survive — autocorrelated HRV, resting HR and RPE (AR(1), φ ≈ 0.5-0.75),
a weekday rhythm in sleep and deep sleep, cardiac drift on long runs (HR rises with duration, so the
short easy runs after leg days look "different"), fitness trends over the weeks, a training mix that
drifts (more riding, longer long runs), and in some seeds a hard block that raises the acute:chronic
ratio while HRV does not respond. On top, schedules (`Schedule`) where the day of the week and the activity
are confounded (leg day always Monday while Tuesday's runs are intervals, hot for their own reason),
activities logged twice (a watch and a phone both upload), and a seasonal wave in HRV, sleep, resting HR
and RPE that a straight trend cannot remove. Nothing done on one day changes any later outcome, unless
`Planted` says so (for power): runs after leg days slower at the same HR, or sessions after short nights
rated harder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from core.db import connect
from core.db.connection import insert_frame
from core.db.transactions import checkpoint

AS_OF = date(2026, 11, 19)
RUN_DAYS = (1, 3, 5, 6)  # Tue, Thu, the long run Saturday, Sunday
SCHEDULES = ("classic", "confounded", "rotating", "duplicated", "seasonal")


@dataclass(frozen=True)
class Schedule:
    """How the week is laid out and what the data suffers from.

    legs: "monday" (always; runs after legs are then always Tuesday's) or "rotating" (Mon, Wed or Fri by week).
    hot_tuesday: Tuesday runs are intervals, +5 bpm at the same pace for a reason that is not leg day.
    duplicates: share of activities uploaded twice. seasonal: a yearly wave in HRV, sleep, resting HR and RPE.
    """

    legs: str = "monday"
    hot_tuesday: bool = False
    duplicates: float = 0.0
    seasonal: bool = False


def schedule_named(name: str) -> Schedule:
    """One of SCHEDULES: classic, confounded (Monday legs + hot Tuesdays), rotating, duplicated, seasonal."""
    return {
        "classic": Schedule(),
        "confounded": Schedule(legs="monday", hot_tuesday=True),
        "rotating": Schedule(legs="rotating"),
        "duplicated": Schedule(legs="rotating", duplicates=0.08),
        "seasonal": Schedule(legs="rotating", seasonal=True),
    }[name]


@dataclass(frozen=True)
class Planted:
    """Real effects for power: runs ≤ 36 h after legs `leg_pace_pct` % slower at the same HR; sessions after
    nights under 6.5 h rated `short_night_rpe` points harder."""

    leg_pace_pct: float = 0.0
    short_night_rpe: float = 0.0


def ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) noise with marginal standard deviation `sd` (one linear filter, no loop)."""
    shocks = rng.normal(0, sd * np.sqrt(1 - phi**2), n)
    shocks[0] = rng.normal(0, sd)
    return np.asarray(lfilter([1.0], [1.0, -phi], shocks))


# long: one day-by-day simulation whose schedule, physiology and planted effects share state; split, it reads worse
def null_athlete_tables(
    seed: int,
    weeks: int = 32,
    athlete_id: int = 1,
    *,
    schedule: Schedule | None = None,
    planted: Planted | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table the analytics read, for one athlete (deterministic per seed); no effect unless planted."""
    sched = schedule or Schedule()
    plant = planted or Planted()
    rng = np.random.default_rng(seed)
    n_days = weeks * 7
    start = AS_OF - timedelta(days=n_days - 1)
    days = [start + timedelta(days=i) for i in range(n_days)]
    t = np.arange(n_days) / n_days
    season = np.sin(2 * np.pi * (np.arange(n_days) / 365 + rng.uniform())) if sched.seasonal else np.zeros(n_days)
    phi = rng.uniform(0.5, 0.75)
    hrv = 62 + 8 * t * rng.uniform(0.5, 1.5) + 5 * season + ar1(rng, n_days, phi, rng.uniform(5, 8))
    rhr = np.round(54 - 3 * t - 2 * season + ar1(rng, n_days, phi, 2.0)).astype(int)
    weekday = np.array([d.weekday() for d in days])
    # Sleep ending on Saturday/Sunday mornings is longer; Friday mornings are short and deep sleep varies by weekday.
    sleep_rhythm = np.array([-0.3, -0.2, -0.1, 0.0, -0.5, 0.9, 0.7])[weekday]
    deep_rhythm = np.array([0.0, -1.0, 0.5, -0.5, 2.5, 1.5, -1.5])[weekday] * rng.uniform(0.7, 1.3)
    sleep = np.clip(7.0 + sleep_rhythm + 0.3 * season + ar1(rng, n_days, 0.4, 0.8), 4.5, 10)
    deep = np.clip(18 + deep_rhythm + ar1(rng, n_days, phi, 1.6), 8, 35)
    effort_state = ar1(rng, n_days, rng.uniform(0.3, 0.7), 0.5) + 0.4 * season  # how hard everything feels
    health = pd.DataFrame(
        {
            "athlete_id": athlete_id,
            "day": days,
            "sleep_hours": sleep.round(2),
            "deep_sleep_pct": deep.round(1),
            "hrv_ms": hrv.round(1),
            "resting_hr": rhr,
        }
    )
    nutrition = pd.DataFrame(
        {
            "athlete_id": athlete_id,
            "day": days,
            "calories": (2500 + 150 * (weekday >= 5) + rng.normal(0, 120, n_days)).round().astype(int),
            "protein_g": (140 + 15 * (weekday >= 5) + rng.normal(0, 12, n_days)).round().astype(int),
        }
    )
    hard_block = int(rng.integers(6, weeks - 4)) if rng.random() < 0.5 and weeks > 10 else None
    leg_days = np.zeros(weeks, int) if sched.legs == "monday" else rng.choice([0, 2, 4], size=weeks)  # Mon / Wed / Fri
    activities: list[dict[str, Any]] = []
    exercises: list[dict[str, Any]] = []
    best: dict[str, float] = {}
    next_id = athlete_id * 10_000_000
    last_legs_end: datetime | None = None

    def rpe_for(i: int, base: float, minutes: float) -> float:
        short = plant.short_night_rpe if sleep[i] < 6.5 else 0.0
        value = base + 0.01 * (minutes - 45) + effort_state[i] + short + rng.normal(0, 0.6)
        return float(np.clip(np.round(value), 1, 10))

    def add(day: date, hour: float, kind: str, minutes: float, rpe: float, **extra: Any) -> int:
        nonlocal next_id
        next_id += 1
        begin = datetime.combine(day, time(int(hour), round(hour % 1 * 60) % 60))
        activities.append(
            {
                "activity_id": next_id,
                "athlete_id": athlete_id,
                "type": kind,
                "start_time": begin,
                "duration_min": round(float(minutes), 1),
                "rpe": float(rpe),
                **extra,
            }
        )
        return next_id

    for i, day in enumerate(days):
        week = i // 7
        wd = day.weekday()
        progress = week / weeks
        boost = 1.8 if hard_block is not None and hard_block <= week < hard_block + 2 else 1.0
        fit = 1 - 0.06 * progress  # HR at a given pace falls as fitness rises
        if rng.random() < 0.08:  # an unplanned day off
            continue
        legs_today = wd == leg_days[week]
        if legs_today or wd == 3:  # legs (Monday or rotating), upper body Thursday
            lower = bool(legs_today)
            hour = 17.5 + rng.normal(0, 0.5)
            minutes = rng.uniform(50, 70) * boost
            aid = add(
                day,
                hour,
                "strength",
                minutes,
                rpe_for(i, 7.0, minutes),
                title="Legs" if lower else "Upper",
                muscle_groups=["quads", "hamstrings", "glutes"] if lower else ["chest", "back", "shoulders"],
            )
            if lower:
                last_legs_end = datetime.combine(day, time(int(hour), round(hour % 1 * 60) % 60)) + timedelta(
                    minutes=round(minutes, 1)
                )
            names = ("Back Squat", "Romanian Deadlift") if lower else ("Bench Press", "Barbell Row")
            for pos, name in enumerate(names, 1):
                load = round((100 if lower else 70) * (1 + 0.004 * (week // 4) * 4) / 2.5) * 2.5
                reps = int(np.clip(round(8 + 0.25 * (week % 4) + rng.normal(0, 0.8)), 4, 12))
                e1rm = load * (1 + reps / 30)
                is_pr = e1rm > best.get(name, 0)
                best[name] = max(best.get(name, 0), e1rm)
                exercises.append(
                    {
                        "activity_id": aid,
                        "position": pos,
                        "name": name,
                        "sets": 3,
                        "reps": reps,
                        "weight": load,
                        "is_pr": bool(is_pr and week > 0),
                    }
                )
        if wd in RUN_DAYS:  # easy runs Tue/Thu/Sun, the long run Saturday (getting longer)
            long = wd == 5
            minutes = (60 + 60 * progress + rng.normal(0, 8)) * boost if long else rng.uniform(25, 40)
            hour = 7 + rng.normal(0, 0.5)
            begin = datetime.combine(day, time(int(hour), round(hour % 1 * 60) % 60))
            speed = rng.normal(2.85 if long else 3.0, 0.12)
            drift = 0.12 * max(0.0, minutes - 30)  # cardiac drift: bpm per minute beyond half an hour
            intervals = 5.0 if sched.hot_tuesday and wd == 1 else 0.0
            hr = (60 + 30 * speed) * fit + drift + intervals + 0.3 * (rhr[i] - 54) + 2 * season[i] + rng.normal(0, 2.5)
            after_legs = last_legs_end is not None and (begin - last_legs_end) <= timedelta(hours=36)
            if after_legs and plant.leg_pace_pct:
                speed *= 1 - plant.leg_pace_pct / 100  # slower at the same HR
            add(
                day,
                hour,
                "run",
                minutes,
                rpe_for(i, 5.0 if not long else 6.0, minutes),
                title="Long run" if long else "Easy run",
                avg_hr=round(hr),
                distance_m=round(speed * minutes * 60),
                z2_min=round(minutes * 0.7, 1),
            )
        if wd == 6 or (wd == 2 and rng.random() < progress):  # rides: more of them as the weeks go on
            minutes = rng.uniform(60, 120) * (0.7 + 0.6 * progress) * boost
            add(
                day,
                9 + rng.normal(0, 1),
                "ride",
                minutes,
                rpe_for(i, 5.5, minutes),
                avg_hr=int(rng.normal(135, 5)),
                distance_m=round(minutes * 60 * rng.normal(8, 0.5)),
                z2_min=round(minutes * rng.uniform(0.5, 0.8), 1),
            )
        if wd == 2:
            minutes = rng.uniform(35, 50) * boost
            add(
                day,
                6.5,
                "swim",
                minutes,
                rpe_for(i, 5.0, minutes),
                distance_m=round(minutes * 45),
                z2_min=round(minutes * 0.5),
            )
        if wd == 3 or (wd == 1 and rng.random() < 0.4):  # yoga Thursday evenings; some Tuesday mornings
            evening = wd == 3 and rng.random() < 0.8
            minutes = rng.uniform(30, 60)
            add(day, 19 if evening else 6.5, "yoga", minutes, rpe_for(i, 3.0, minutes), yoga_style="vinyasa")

    frame = pd.DataFrame(activities)
    sets = pd.DataFrame(exercises)
    if sched.duplicates > 0:
        twice = frame[rng.random(len(frame)) < sched.duplicates].copy()
        copies = twice.activity_id.to_numpy() + 5_000_000
        sets = pd.concat(
            [
                sets,
                sets[sets.activity_id.isin(twice.activity_id)].assign(activity_id=lambda s: s.activity_id + 5_000_000),
            ],
            ignore_index=True,
        )
        frame = pd.concat([frame, twice.assign(activity_id=copies)], ignore_index=True)
    athlete = pd.DataFrame(
        [
            {
                "athlete_id": athlete_id,
                "handle": f"null{seed}" if athlete_id == 1 else f"null{seed}_{athlete_id}",
                "name": f"Null Athlete {seed}",
                "profile": "control",
                "phase": "BASE",
                "units": "kg",
                "sports": ["strength", "run", "ride", "swim", "yoga"],
                "as_of": AS_OF,
            }
        ]
    )
    return {
        "athletes": athlete,
        "activities": frame,
        "strength_exercises": sets,
        "daily_health": health,
        "nutrition": nutrition,
    }


def insert_athlete(con: Any, tables: dict[str, pd.DataFrame]) -> None:
    """Insert one generated athlete's tables into an open database."""
    for table, frame in tables.items():
        insert_frame(con, table, frame)


def write_null_athlete(path: Path, seed: int, weeks: int = 32, schedule: Schedule | None = None) -> Path:
    """A fresh DuckDB file holding one null athlete (id 1)."""
    con = connect(path)
    try:
        insert_athlete(con, null_athlete_tables(seed, weeks, schedule=schedule))
        checkpoint(con)
    finally:
        con.close()
    return path
