"""Planned versus completed (core/plan/compliance.py): TrainingPeaks' colour bands, dates and the week's totals."""

from __future__ import annotations

from datetime import date

import pytest

from core.plan.compliance import Totals, compliance_colour, judge, planned_totals, week_compliance, week_dates
from core.plan.model import Block, Day
from core.plan.store import load_plan


@pytest.mark.parametrize(
    ("done", "colour"),
    [(0, "red"), (40, "red"), (49, "red"), (50, "yellow"), (79, "yellow"), (80, "green"), (100, "green"),
     (120, "green"), (121, "yellow"), (150, "yellow"), (151, "red")],
)  # fmt: skip
def test_compliance_colours_follow_trainingpeaks_bands(done: float, colour: str) -> None:
    """Given 100 planned minutes, when d minutes were done, then the colour is TrainingPeaks' for d %."""
    assert compliance_colour(100, done) == colour


RIDE = Block("b_1", "ride", "Easy", duration_min=60, distance_m=20000)
BENCH = Block("b_2", "single", "Bench Press", sets=4, reps="8")


def done(minutes: float = 0, strength: int = 0, workouts: int = 0) -> dict[str, float]:
    return {"session_minutes": minutes, "strength_workouts": strength, "workouts": workouts}


def test_a_day_is_judged_on_its_sessions_time_and_on_its_strength_being_done() -> None:
    """Given a ride and a bench block, then time compares with non-strength minutes, and no strength workout is red."""
    day = Day("day_1", blocks=(RIDE, BENCH))
    assert planned_totals(day) == Totals(minutes=60, distance_m=20000, sets=4)
    assert judge(day, done(57, 1, 2), "past") == ("green", "95% of planned time")
    assert judge(day, done(57, 0, 1), "past") == ("red", "strength missed")
    assert judge(day, done(0, 1, 1), "past") == ("red", "missed")
    assert judge(Day("day_2", blocks=(BENCH,)), done(0, 1, 1), "past") == ("green", "done")


def test_future_today_and_rest_days_are_not_judged() -> None:
    """Given a planned day not yet reached, today with nothing logged, and a day without blocks, then none has a colour."""
    day = Day("day_1", blocks=(RIDE,))
    assert judge(day, done(), "future") == ("", "upcoming")
    assert judge(day, done(), "today") == ("", "today")
    assert judge(Day("day_7"), done(), "past") == ("", "rest")
    assert judge(Day("day_7"), done(30, 0, 1), "past") == ("", "unplanned workout")


def test_the_plan_week_is_monday_to_sunday_around_the_as_of_day(demo_con) -> None:
    """Given the demo as-of day (Thu 19 Nov 2026), the plan's days are dated Mon 16 - Sun 22 Nov, in plan order."""
    assert week_dates(date(2026, 11, 19))[0] == date(2026, 11, 16)
    days = week_compliance(demo_con, 1, load_plan(demo_con, 1))
    assert [d.date for d in days] == week_dates(date(2026, 11, 19))
    assert [d.day_id for d in days] == [f"day_{i}" for i in range(1, 8)]
    assert all(d.colour == "" for d in days if d.date > date(2026, 11, 19))
