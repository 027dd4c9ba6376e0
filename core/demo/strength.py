"""The periodized strength program: weeks, sessions, prescribed exercises, logged sets and strength activities.

Loads progress linearly with a deload every 4th week; reps come from a per-exercise
capacity (Epley e1RM) so PRs appear where the planted effect puts a good day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.demo.athlete import AthleteState, at_hours
from core.demo.effects import planted_effect
from core.demo.profiles import ATHLETE_NOTES, LBS_PER_KG, PHASE_CYCLE, ExerciseTemplate, SessionTemplate
from core.workouts.program import canonical_session_id


def weight_str(load: float | None, units: str) -> str:
    """'225lbs', '100kg' or 'BW' (no load)."""
    if load is None:
        return "BW"
    return f"{load:g}{units}"


def rep_range(reps: str) -> tuple[int, int]:
    if reps == "AMRAP":
        return 8, 14
    lo, _, hi = reps.partition("-")
    return int(lo), int(hi or lo)


def round_load(value: float, units: str) -> float:
    step = 5.0 if units == "lbs" else 2.5
    return round(value / step) * step


def week_load_factor(week_index: int, progression: float) -> float:
    """Linear progression per week with a deload every 4th week."""
    return (1 + progression * week_index) * (0.85 if week_index % 4 == 3 else 1.0)


def program_week(state: AthleteState, week: int) -> None:
    """The week's row and its sessions (on rotated days for profiles that shuffle them)."""
    monday = state.start + timedelta(weeks=week)
    phase, description = PHASE_CYCLE[week % len(PHASE_CYCLE)]
    state.rows.add(
        "program_weeks",
        athlete_id=state.athlete_id,
        week_number=week + 1,
        phase=phase,
        start_date=monday,
        end_date=monday + timedelta(days=6),
        description=description,
    )
    weekdays = [t.weekday for t in state.profile.sessions]
    if state.profile.shuffle_session_days:
        # the template's days (one two-day rest gap a week) rotated by a random offset
        offset = state.rng.randrange(7)
        weekdays = sorted((d - 1 + offset) % 7 + 1 for d in weekdays)
        today = state.as_of.isoweekday()
        if monday <= state.as_of < monday + timedelta(days=7) and today not in weekdays:
            nearest = min(weekdays, key=lambda d: abs(d - today))  # keep an in-progress session today
            weekdays = sorted({*weekdays} - {nearest} | {today})
    state.session_weekdays = weekdays
    for number, (template, weekday) in enumerate(zip(state.profile.sessions, weekdays, strict=True), start=1):
        program_session(state, week, monday, number, template, weekday)


def program_session(
    state: AthleteState, week: int, monday: date, number: int, template: SessionTemplate, weekday: int
) -> None:
    """One session: its row, its exercises and logged sets, and (if done) its strength activity."""
    p, rng = state.profile, state.rng
    day = monday + timedelta(days=weekday - 1)
    session_id = canonical_session_id(week + 1, number)
    status = "N" if day > state.as_of else ("P" if day == state.as_of else "C")
    planned_skip = week == state.n_weeks // 3 and number == len(p.sessions)  # every athlete has one
    skipped = status == "C" and (rng.random() < 0.06 or planned_skip)
    start_dt = at_hours(day, rng.uniform(6.0, 20.0) if p.randomize_days else template.hour + rng.uniform(-0.5, 0.5))
    good_day = _good_day(state, day)
    session_fatigue = rng.uniform(0.03, 0.08) if p.shuffle_session_days else rng.uniform(0.0, 0.05)
    factor = week_load_factor(week, p.progression)
    duration = None if status == "N" or skipped else round(rng.gauss(58, 6))
    notes = None
    if status == "C" and not skipped and rng.random() < 0.25:
        notes = rng.choice(ATHLETE_NOTES)
    activity_id = state.new_activity_id() if status == "C" and not skipped else None
    state.rows.add(
        "program_sessions",
        athlete_id=state.athlete_id,
        session_id=session_id,
        week_number=week + 1,
        session_number=number,
        name=template.name,
        scheduled_date=day,
        started_at=None if status == "N" or skipped else start_dt,
        completed_at=start_dt + timedelta(minutes=duration)
        if duration is not None and status == "C" and not skipped
        else None,
        duration_min=duration if status == "C" else (round(rng.uniform(15, 30)) if status == "P" else None),
        notes=notes,
        skipped=skipped,
        activity_id=activity_id,
    )
    draw = _SessionDraw(week, session_id, status, skipped, factor, good_day, session_fatigue)
    volume_kg = 0.0
    muscles: list[str] = []
    strength_rows: list[tuple[str, int, int, float | None, bool]] = []
    for ex_number, ex in enumerate(template.exercises, start=1):
        logged = _exercise(state, draw, ex_number, ex, volume_kg)
        if logged is None:
            continue
        n_sets, best_set, volume_kg = logged
        if n_sets and activity_id is not None:
            prior = state.best_e1rm.get(ex.name)
            is_pr = prior is not None and best_set[0] > prior + 1e-9
            state.best_e1rm[ex.name] = max(prior or 0.0, best_set[0])
            strength_rows.append((ex.name, n_sets, best_set[1], best_set[2], is_pr))
            muscles.extend(m for m in ex.muscles if m not in muscles)
    if activity_id is None or duration is None:
        return
    state.trained_days.add(day)
    _strength_activity(state, activity_id, template, start_dt, duration, strength_rows, volume_kg, muscles)


@dataclass(frozen=True)
class _SessionDraw:
    """What a session decided before its exercises: status (C/P/N), skip, load factor and the day's form."""

    week: int
    session_id: str
    status: str
    skipped: bool
    factor: float
    good_day: bool
    session_fatigue: float


def _exercise(
    state: AthleteState, draw: _SessionDraw, ex_number: int, ex: ExerciseTemplate, volume_kg: float
) -> tuple[int, tuple[float, int, float | None], float] | None:
    """The prescribed exercise row and its logged sets; (sets, best set (e1rm, reps, weight), session volume kg)."""
    p, rng, units = state.profile, state.rng, state.profile.units
    week, session_id, status, skipped, factor = draw.week, draw.session_id, draw.status, draw.skipped, draw.factor
    load = None if ex.base_load is None else round_load(ex.base_load * factor, units)
    ex_skipped = status == "C" and not skipped and rng.random() < 0.03
    state.rows.add(
        "program_exercises",
        athlete_id=state.athlete_id,
        session_id=session_id,
        exercise_number=ex_number,
        name=ex.name,
        movement_group=ex.group,
        target_sets=ex.sets,
        target_reps=ex.reps,
        target_load=weight_str(load, units),
        coach_notes="Focus on bar path" if ex.name == "Bench Press" and ex_number == 1 else None,
        athlete_notes=rng.choice(ATHLETE_NOTES) if status == "C" and rng.random() < 0.08 else None,
        skipped=skipped or ex_skipped,
    )
    if skipped or ex_skipped or status == "N":
        return None
    n_sets = ex.sets if status == "C" else (ex.sets if ex_number == 1 else (1 if ex_number == 2 else 0))
    lo, hi = rep_range(ex.reps)
    best_set: tuple[float, int, float | None] = (0.0, 0, None)  # e1rm, reps, weight
    lift = load if load is not None else p.weight_kg * (LBS_PER_KG if units == "lbs" else 1) * 0.6
    capacity = _capacity_at(state, ex, lift / factor, week)
    form = 1 + rng.uniform(0.0, 0.02) if draw.good_day else 1 - draw.session_fatigue
    for set_number in range(1, n_sets + 1):
        e1rm_today = capacity * form * (1 - 0.015 * (set_number - 1))
        reps = int(max(lo - 1, min(hi + 2, math.floor(30 * (e1rm_today / lift - 1)))))
        rir = max(0, min(4, hi + 2 - reps - rng.choice((0, 1, 1, 2))))
        set_note = rng.choice(("good", "slow", "belt on")) if rng.random() < 0.04 else None
        state.rows.add(
            "logged_sets",
            athlete_id=state.athlete_id,
            session_id=session_id,
            exercise_number=ex_number,
            set_number=set_number,
            reps=reps,
            weight=load,
            rir=rir,
            notes=set_note,
        )
        e1rm = lift * (1 + reps / 30)
        if e1rm > best_set[0]:
            best_set = (e1rm, reps, load)
        volume_kg += reps * (lift / LBS_PER_KG if units == "lbs" else lift)
    return n_sets, best_set, volume_kg


def _strength_activity(
    state: AthleteState,
    activity_id: int,
    template: SessionTemplate,
    start_dt: datetime,
    duration: int,
    strength_rows: list[tuple[str, int, int, float | None, bool]],
    volume_kg: float,
    muscles: list[str],
) -> None:
    """The completed session as an activity, with its top set per exercise."""
    rng = state.rng
    for position, (name, n_sets, reps, weight, is_pr) in enumerate(strength_rows, start=1):
        state.rows.add(
            "strength_exercises",
            activity_id=activity_id,
            position=position,
            name=name,
            sets=n_sets,
            reps=reps,
            weight=weight,
            is_pr=is_pr,
        )
    state.rows.add(
        "activities",
        activity_id=activity_id,
        athlete_id=state.athlete_id,
        type="strength",
        start_time=start_dt,
        duration_min=float(duration),
        title=template.name,
        rpe=round(min(10, max(5, rng.gauss(7.5, 0.7))), 1),
        avg_hr=int(rng.gauss(118, 6)),
        volume_kg=round(volume_kg, 1),
        muscle_groups=muscles[:4],
    )
    if template.heavy_legs:
        state.leg_session_ends.append(start_dt + timedelta(minutes=duration))


def _capacity_at(state: AthleteState, ex: ExerciseTemplate, week1_lift: float, week: int) -> float:
    """Estimated 1RM the athlete could show on a fresh day in `week` (Epley, mid-range reps at week 1)."""
    if ex.name not in state.capacity0:
        lo, hi = rep_range(ex.reps)
        state.capacity0[ex.name] = week1_lift * (1 + (lo + hi) / 2 / 30)
    return state.capacity0[ex.name] * (1 + state.profile.progression * week)


def _good_day(state: AthleteState, day: date) -> bool:
    """PR conditions (maya's planted effect): two full rest days before and > 7 h sleep."""
    effect = planted_effect("pr_after_rest_and_sleep")
    if state.profile.handle != effect.athlete:
        return False
    rest_days = effect.params["rest_days"]
    rested = all((day - timedelta(days=k)) not in state.trained_days for k in range(1, rest_days + 1))
    return rested and state.sleep_by_day.get(day, 0) > effect.params["sleep_hours_above"]
