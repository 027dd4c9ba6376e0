"""Runs, rides, swims, yoga and bricks: each week's cardio slots, one generator per sport.

Heart-rate zones are split around the zone of the average HR; the planted effects
touch runs after heavy leg days (Jordan), evening yoga (Aiko) and the overload block (Tomás).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from core.demo.athlete import AthleteState, at_hours, overload_factor
from core.demo.effects import planted_effect


def cardio_week(state: AthleteState, week: int) -> None:
    """Every cardio slot of the profile in this week (a few missed at random, none inside an overload block)."""
    monday = state.start + timedelta(weeks=week)
    load = overload_factor(state.profile, week, state.n_weeks)
    for slot in state.profile.cardio:
        weekday = slot.weekday or state.rng.randint(1, 7)
        if weekday < 0:
            weekday = state.session_weekdays[-weekday - 1]
        day = monday + timedelta(days=weekday - 1)
        if (state.rng.random() < 0.05 and load == 1.0) or day > state.as_of:
            continue
        hour = slot.hour
        if hour < 0:
            hour = state.rng.choice((7.0, 19.0)) if not state.profile.randomize_days else state.rng.uniform(6.0, 20.5)
        start_dt = at_hours(day, hour + state.rng.uniform(-0.4, 0.4))
        minutes = slot.minutes * load * state.rng.uniform(0.9, 1.1)
        rpe_boost = float(planted_effect("overload_block").params["rpe_increase"]) if load > 1 else 0.0
        if slot.type == "brick":
            brick(state, start_dt, minutes, rpe_boost)
        else:
            cardio_activity(state, slot.type, slot.kind, start_dt, minutes, rpe_boost)
        state.trained_days.add(day)


def hr_zones(minutes: float, avg_hr: float, max_hr: float = 190) -> list[float]:
    """Split minutes over Z1-Z5 around the zone of the average HR."""
    frac = avg_hr / max_hr
    centre = 0 if frac < 0.68 else 1 if frac < 0.78 else 2 if frac < 0.86 else 3 if frac < 0.93 else 4
    weights = [math.exp(-abs(z - centre) * 1.3) for z in range(5)]
    total = sum(weights)
    zones = [round(minutes * w / total) for w in weights]
    zones[centre] += round(minutes) - sum(zones)
    return [float(z) for z in zones]


def _leg_fatigued(state: AthleteState, start_dt: datetime) -> bool:
    effect = planted_effect("leg_day_run_hr")
    if state.profile.handle != effect.athlete:
        return False
    window = timedelta(hours=effect.params["window_hours"])
    return any(timedelta(0) <= start_dt - end <= window for end in state.leg_session_ends[-3:])


# Each sport fills its columns of the activity row and returns the HR-zone minutes.
SportFields = Callable[[AthleteState, dict[str, Any], str, float, float], list[float]]


def _run_activity(
    state: AthleteState, row: dict[str, Any], intensity: str, minutes: float, rpe_boost: float
) -> list[float]:
    rng = state.rng
    pace_min_km = {"tempo": 4.9, "long": 6.0, "intervals": 4.6}.get(intensity, 5.8) + rng.gauss(0, 0.25)
    speed = 1000 / (pace_min_km * 60)
    avg_hr = 80 + 21 * speed + rng.gauss(0, 2.5) + (state.profile.rhr - 50) * 0.3
    if _leg_fatigued(state, row["start_time"]):
        avg_hr += planted_effect("leg_day_run_hr").size
    zones = hr_zones(minutes, avg_hr)
    row.update(
        title={"tempo": "Tempo run", "long": "Long run"}.get(intensity, "Easy run"),
        rpe={"tempo": 7.0, "long": 6.0}.get(intensity, 4.0) + rpe_boost,
        avg_hr=round(avg_hr),
        distance_m=round(minutes * 60 * speed, 0),
        elevation_gain_m=round(rng.uniform(10, 140)),
        route_name=rng.choice((None, None, "River Loop", "Hill Repeats", "Park Perimeter")),
    )
    return zones


def _ride(state: AthleteState, row: dict[str, Any], intensity: str, minutes: float, rpe_boost: float) -> list[float]:
    rng = state.rng
    speed_kmh = {"intervals": 30.0, "long": 27.0}.get(intensity, 28.5) + rng.gauss(0, 1.2)
    avg_hr = 128 + (speed_kmh - 28) * 3 + rng.gauss(0, 4)
    zones = hr_zones(minutes, avg_hr)
    row.update(
        title={"intervals": "Interval ride", "long": "Long ride"}.get(intensity, "Endurance ride"),
        rpe={"intervals": 7.0, "long": 6.0}.get(intensity, 5.0) + rpe_boost,
        avg_hr=round(avg_hr),
        distance_m=round(minutes / 60 * speed_kmh * 1000, 0),
        elevation_gain_m=round(rng.uniform(50, 900)),
        normalized_power_w=int(rng.gauss(195, 12) + (25 if intensity == "intervals" else 0)),
        route_name=rng.choice((None, "Coast Road", "Ridge Climb")),
    )
    return zones


def _swim(state: AthleteState, row: dict[str, Any], intensity: str, minutes: float, rpe_boost: float) -> list[float]:
    rng = state.rng
    pool = 25.0 if state.profile.units == "kg" else 22.86
    pace_100 = rng.gauss(1.95, 0.08)  # minutes per 100 pool units
    laps = max(20, round(minutes / pace_100 * 100 / 25))
    back = rng.choice((0, 2, 4))
    kick = rng.choice((0, 0, 4))
    avg_hr = rng.gauss(138, 5)
    zones = hr_zones(minutes, avg_hr)
    row.update(
        title="Pool swim",
        rpe=5.0 + rpe_boost,
        avg_hr=round(avg_hr),
        distance_m=round(laps * pool, 2),
        pool_length_m=pool,
        strokes_per_min=int(rng.gauss(26, 1.5)),
        swolf=int(rng.gauss(38, 2)),
    )
    for stroke, n in (("free", laps - back - kick), ("back", back), ("kick", kick)):
        if n > 0:
            state.rows.add("swim_laps", activity_id=row["activity_id"], stroke=stroke, laps=n)
    return zones


def _yoga(state: AthleteState, row: dict[str, Any], intensity: str, minutes: float, rpe_boost: float) -> list[float]:
    rng = state.rng
    avg_hr = rng.gauss(88, 5)
    zones = [round(minutes), 0.0, 0.0, 0.0, 0.0]
    style = rng.choice(("vinyasa", "yin", "hatha"))
    if row["start_time"].hour >= 17:
        state.evening_yoga_days.add(row["start_time"].date())
    row.update(
        title=f"{style.capitalize()} yoga",
        rpe=float(rng.choice((2, 3, 3, 4))),
        avg_hr=round(avg_hr),
        yoga_style=style,
        focus_areas=rng.sample(["hips", "shoulders", "hamstrings", "spine", "breath"], 2),
    )
    return zones


SPORTS: dict[str, SportFields] = {"run": _run_activity, "ride": _ride, "swim": _swim, "yoga": _yoga}


def cardio_activity(
    state: AthleteState,
    kind: str,
    intensity: str,
    start_dt: datetime,
    minutes: float,
    rpe_boost: float = 0.0,
    parent: tuple[int, int, float] | None = None,
) -> float:
    """One run / ride / swim / yoga activity (or a brick leg when `parent` is given); returns its RPE."""
    if kind not in SPORTS:
        raise ValueError(f"activity type {kind!r}: expected one of {', '.join(SPORTS)}")
    row: dict[str, Any] = {
        "activity_id": state.new_activity_id(),
        "athlete_id": state.athlete_id,
        "type": kind,
        "start_time": start_dt,
        "duration_min": float(round(minutes)),
    }
    if parent:
        row.update(parent_id=parent[0], leg_order=parent[1], transition_before_min=parent[2])
    zones = SPORTS[kind](state, row, intensity, minutes, rpe_boost)
    row.update({f"z{i + 1}_min": z for i, z in enumerate(zones)})
    state.rows.add("activities", **row)
    return row.get("rpe") or 5.0


def brick(state: AthleteState, start_dt: datetime, minutes: float, rpe_boost: float) -> None:
    """A multi-activity: ride then run (with a swim first every third brick), transitions between legs."""
    parent_id = state.new_activity_id()
    legs = [("ride", 0.7), ("run", 0.3)]
    if state.rng.random() < 0.33:
        legs = [("swim", 0.2), ("ride", 0.55), ("run", 0.25)]
    t = start_dt
    total = 0.0
    for order, (kind, share) in enumerate(legs, start=1):
        transition = 0.0 if order == 1 else float(state.rng.randint(2, 5))
        t += timedelta(minutes=transition)
        leg_minutes = float(round(minutes * share))
        cardio_activity(state, kind, "easy", t, leg_minutes, rpe_boost, parent=(parent_id, order, transition))
        t += timedelta(minutes=leg_minutes)
        total += leg_minutes + transition
    state.rows.add(
        "activities",
        activity_id=parent_id,
        athlete_id=state.athlete_id,
        type="multi",
        start_time=start_dt,
        duration_min=round(total, 1),
        title="Brick",
        rpe=6.5 + rpe_boost,
        avg_hr=int(state.rng.gauss(142, 4)),
    )
