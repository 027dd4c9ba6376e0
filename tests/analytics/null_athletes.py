"""An independent null-athlete generator for the pattern statistics: realistic noise, no real effect.

Not the demo generator with its effects switched off: its own schedule and physiology, written with
the failure modes the families must survive — autocorrelated HRV and resting HR (AR(1), φ ≈ 0.5-0.75),
a weekday rhythm in sleep and deep sleep, cardiac drift on long runs (HR rises with duration, so the
short easy runs after leg days look "different"), fitness trends over the weeks, a training mix that
drifts (more riding, longer long runs), and in some seeds a hard block that raises the acute:chronic
ratio while HRV does not respond. Nothing done on one day changes any later outcome.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from core.db import connect
from core.db.connection import insert_frame

AS_OF = date(2026, 11, 19)


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) noise with marginal standard deviation `sd`."""
    out = np.empty(n)
    out[0] = rng.normal(0, sd)
    step = sd * np.sqrt(1 - phi**2)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + rng.normal(0, step)
    return out


def null_athlete_tables(seed: int, weeks: int = 32, athlete_id: int = 1) -> dict[str, pd.DataFrame]:
    """Every table the analytics read, for one athlete with no real effect (deterministic per seed)."""
    rng = np.random.default_rng(seed)
    n_days = weeks * 7
    start = AS_OF - timedelta(days=n_days - 1)
    days = [start + timedelta(days=i) for i in range(n_days)]
    t = np.arange(n_days) / n_days
    phi = rng.uniform(0.5, 0.75)
    hrv = 62 + 8 * t * rng.uniform(0.5, 1.5) + _ar1(rng, n_days, phi, rng.uniform(5, 8))
    rhr = np.round(54 - 3 * t + _ar1(rng, n_days, phi, 2.0)).astype(int)
    weekday = np.array([d.weekday() for d in days])
    # Sleep ending on Saturday/Sunday mornings is longer; Friday mornings are short and deep sleep varies by weekday.
    sleep_rhythm = np.array([-0.3, -0.2, -0.1, 0.0, -0.5, 0.9, 0.7])[weekday]
    deep_rhythm = np.array([0.0, -1.0, 0.5, -0.5, 2.5, 1.5, -1.5])[weekday] * rng.uniform(0.7, 1.3)
    sleep = np.clip(7.1 + sleep_rhythm + _ar1(rng, n_days, 0.4, 0.45), 4.5, 10)
    deep = np.clip(18 + deep_rhythm + _ar1(rng, n_days, phi, 1.6), 8, 35)
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
    hard_block = int(rng.integers(6, weeks - 4)) if rng.random() < 0.5 else None
    activities: list[dict] = []
    exercises: list[dict] = []
    best: dict[str, float] = {}
    next_id = athlete_id * 10_000_000

    def add(day: date, hour: float, kind: str, minutes: float, rpe: float, **extra) -> int:
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
        if wd in (0, 3):  # legs Monday, full body Thursday
            lower = wd == 0
            aid = add(
                day,
                17.5 + rng.normal(0, 0.5),
                "strength",
                rng.uniform(50, 70) * boost,
                rng.uniform(6, 8),
                title="Legs" if lower else "Upper",
                muscle_groups=["quads", "hamstrings", "glutes"] if lower else ["chest", "back", "shoulders"],
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
        if wd in (1, 4, 5):  # short easy runs Tue/Fri, the long run Saturday (getting longer)
            long = wd == 5
            minutes = (60 + 60 * progress + rng.normal(0, 8)) * (boost if long else 1) if long else rng.uniform(25, 40)
            speed = rng.normal(2.85 if long else 3.0, 0.12)
            drift = 0.12 * max(0.0, minutes - 30)  # cardiac drift: bpm per minute beyond half an hour
            hr = (95 + 18 * speed) * fit + drift + 0.3 * (rhr[i] - 54) + rng.normal(0, 2.5)
            add(
                day,
                7 + rng.normal(0, 0.5),
                "run",
                minutes,
                rng.uniform(4, 7),
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
                rng.uniform(4, 7),
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
                rng.uniform(4, 6),
                distance_m=round(minutes * 45),
                z2_min=round(minutes * 0.5),
            )
        if wd == 3 or (wd == 1 and rng.random() < 0.4):  # yoga Thursday evenings; some Tuesday mornings
            evening = wd == 3 and rng.random() < 0.8
            add(day, 19 if evening else 6.5, "yoga", rng.uniform(30, 60), rng.uniform(2, 4), yoga_style="vinyasa")

    athlete = pd.DataFrame(
        [
            {
                "athlete_id": athlete_id,
                "handle": f"null{seed}",
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
        "activities": pd.DataFrame(activities),
        "strength_exercises": pd.DataFrame(exercises),
        "daily_health": health,
        "nutrition": nutrition,
    }


def write_null_athlete(path: Path, seed: int, weeks: int = 32) -> Path:
    """A fresh DuckDB file holding one null athlete (id 1)."""
    con = connect(path)
    try:
        for table, frame in null_athlete_tables(seed, weeks).items():
            insert_frame(con, table, frame)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path
