"""Planned versus completed for the plan's current week, in TrainingPeaks' compliance colours.

The plan is a recurring week (day_1 = Monday); its dates are the Monday-to-Sunday week holding the
athlete's as-of day. Compliance compares completed with planned *time* (TrainingPeaks): green within
±20 %, yellow at 50-79 % or 121-150 %, red when missed or outside those. Sessions (run, ride, swim,
yoga) plan minutes, so their time is compared with the minutes of the day's non-strength workouts;
strength work plans sets, not minutes, so it counts as done when a strength workout was logged and as
missed when none was (a day missing its strength is red whatever the sessions did). Days after the
as-of day are not judged yet, nor is the as-of day itself while nothing is logged on it; a day with
nothing planned is not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from core.db.athletes import find_athlete
from core.db.compliance import completed_by_day
from core.plan.model import Day, Plan

GREEN = (0.8, 1.2)
YELLOW = (0.5, 1.5)


@dataclass(frozen=True)
class Totals:
    """Time (min), distance (m), sets and session-RPE load (None: unknown, e.g. planned load)."""

    minutes: float = 0.0
    distance_m: float = 0.0
    sets: int = 0
    load: float | None = None

    def __add__(self, other: Totals) -> Totals:
        load = None if self.load is None and other.load is None else (self.load or 0.0) + (other.load or 0.0)
        return Totals(self.minutes + other.minutes, self.distance_m + other.distance_m, self.sets + other.sets, load)


@dataclass(frozen=True)
class DayCompliance:
    day_id: str
    date: date
    planned: Totals
    done: Totals
    workouts: int
    colour: str  # 'green', 'yellow', 'red', or '' (not judged: future, or nothing planned)
    verdict: str  # what the colour means in words: '96 % of planned time', 'missed', 'done', 'upcoming', 'rest'


def planned_totals(day: Day) -> Totals:
    """Minutes and distance of the day's sessions, sets of its exercises and circuits (rounds)."""
    return Totals(
        minutes=float(sum(b.duration_min or 0 for b in day.blocks if b.is_session)),
        distance_m=float(sum(b.distance_m or 0 for b in day.blocks if b.is_session)),
        sets=sum(b.sets or 0 for b in day.blocks if not b.is_session),
    )


def compliance_colour(planned_min: float, done_min: float) -> str:
    """TrainingPeaks' colour for completed against planned time (planned_min > 0)."""
    if done_min <= 0:
        return "red"
    ratio = done_min / planned_min
    if GREEN[0] <= ratio <= GREEN[1]:
        return "green"
    return "yellow" if YELLOW[0] <= ratio <= YELLOW[1] else "red"


def judge(day: Day, done: dict[str, float], state: str) -> tuple[str, str]:
    """(colour, verdict) for one day; `done` holds session_minutes, strength_workouts and workouts, `state` is
    'past', 'today' or 'future'."""
    if not day.blocks:
        return "", "unplanned workout" if done["workouts"] else "rest"
    if state == "future" or (state == "today" and not done["workouts"]):
        return "", "upcoming" if state == "future" else "today"
    if any(not b.is_session for b in day.blocks) and not done["strength_workouts"]:
        return ("", "today: strength still to do") if state == "today" else ("red", "strength missed")
    planned = planned_totals(day).minutes
    if planned > 0:
        minutes = done["session_minutes"]
        return compliance_colour(
            planned, minutes
        ), "missed" if minutes <= 0 else f"{minutes / planned:.0%} of planned time"
    return "green", "done"


def week_dates(as_of: date) -> list[date]:
    """Monday to Sunday of the week holding `as_of`."""
    monday = as_of - timedelta(days=as_of.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def week_compliance(con: duckdb.DuckDBPyConnection, athlete_id: int, plan: Plan) -> list[DayCompliance]:
    """Each plan day with its date this week, planned and completed totals and compliance colour."""
    as_of = find_athlete(con, athlete_id).as_of
    dates = week_dates(as_of)
    done_rows = {row["day"]: row for row in completed_by_day(con, athlete_id, dates[0], dates[-1])}
    out = []
    for day in plan.days:
        when = dates[day.weekday - 1]
        row = done_rows[when]
        planned = planned_totals(day)
        done = Totals(float(row["minutes"]), float(row["distance_m"]), int(row["sets"]), row["load"])
        state = "past" if when < as_of else "today" if when == as_of else "future"
        colour, verdict = judge(day, row, state)
        out.append(DayCompliance(day.day_id, when, planned, done, int(row["workouts"]), colour, verdict))
    return out


def week_totals(days: list[DayCompliance]) -> tuple[Totals, Totals]:
    """(planned, completed) summed over the week."""
    planned, done = Totals(), Totals()
    for day in days:
        planned, done = planned + day.planned, done + day.done
    return planned, done
