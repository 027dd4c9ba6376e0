"""The periodized program as frozen values: Program → Week → Session → Exercise → LoggedSet.

This is the data every workout format renders and every parser must give back
exactly (the round trip). Empty free text is normalised to None at load time, so
"no note" has one spelling. Set weights are in the athlete's units (`Program.units`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

import duckdb

from core.db import program as sql
from core.db.athletes import find_athlete
from core.errors import CoachError, NotFoundError

STATUS_NAMES = {"C": "Completed", "P": "In Progress", "N": "Not Started", "S": "Skipped"}
SCOPE_KINDS = ("full_program", "week", "session", "current_week")


@dataclass(frozen=True)
class LoggedSet:
    """One performed set; weight None means bodyweight."""

    number: int
    reps: int
    weight: float | None = None
    rir: int | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Exercise:
    """A prescribed exercise (target sets × reps @ load) and the sets logged against it."""

    number: int
    name: str
    group: str | None
    target_sets: int
    target_reps: str
    target_load: str | None = None
    coach_notes: str | None = None
    athlete_notes: str | None = None
    skipped: bool = False
    sets: tuple[LoggedSet, ...] = ()


@dataclass(frozen=True)
class Session:
    """A programmed session; status is C(ompleted), P(in progress), N(ot started) or S(kipped)."""

    session_id: str
    number: int
    name: str
    status: str
    scheduled: date | None = None
    completed_at: datetime | None = None
    duration_min: int | None = None
    notes: str | None = None
    exercises: tuple[Exercise, ...] = ()


@dataclass(frozen=True)
class Week:
    """A program week (phase, date range) and its sessions."""

    number: int
    phase: str
    start: date
    end: date
    description: str | None = None
    sessions: tuple[Session, ...] = ()


@dataclass(frozen=True)
class Program:
    """The weeks of one athlete's program, with the units its loads are written in."""

    units: str
    weeks: tuple[Week, ...] = ()


@dataclass(frozen=True)
class Scope:
    """What `get_workout_data` is asked for: the whole program, week N, one session or the current week."""

    kind: str
    week: int | None = None
    session_id: str | None = None

    def __str__(self) -> str:
        if self.kind == "week":
            return f"week:{self.week}"
        if self.kind == "session":
            return f"session:{self.session_id}"
        return self.kind


def canonical_session_id(week: int, number: int) -> str:
    """The id the program gives a session by default: 'week-3-session-2'."""
    return f"week-{week}-session-{number}"


def parse_scope(text: str) -> Scope:
    """Read 'full_program', 'week:N', 'session:ID' or 'current_week' (also 'current_week_detail')."""
    value = text.strip()
    if value in ("full_program", "current_week"):
        return Scope(value)
    if value == "current_week_detail":
        return Scope("current_week")
    kind, _, arg = value.partition(":")
    if kind == "week" and re.fullmatch(r"\d+", arg):
        return Scope("week", week=int(arg))
    if kind == "session" and arg:
        return Scope("session", session_id=arg)
    raise CoachError(
        f"scope {text!r}: expected one of full_program, week:N (N a week number), session:ID, current_week"
    )


def _text(value: str | None) -> str | None:
    return value if value else None


def session_status(completed_at: datetime | None, started_at: datetime | None, skipped: bool) -> str:
    """C if completed, S if skipped, P if started, else N."""
    if completed_at is not None:
        return "C"
    if skipped:
        return "S"
    if started_at is not None:
        return "P"
    return "N"


def load_program(con: duckdb.DuckDBPyConnection, athlete_id: int) -> Program:
    """The athlete's whole program, every logged set included (four queries, assembled here)."""
    athlete = find_athlete(con, athlete_id)
    sets: dict[tuple[str, int], list[LoggedSet]] = {}
    for sid, ex_no, set_no, reps, weight, rir, notes in sql.set_rows(con, athlete.athlete_id):
        w = None if weight is None else float(weight)
        sets.setdefault((sid, ex_no), []).append(LoggedSet(set_no, int(reps), w, rir, _text(notes)))
    exercises: dict[str, list[Exercise]] = {}
    for sid, no, name, group, t_sets, t_reps, t_load, c_notes, a_notes, skipped in sql.exercise_rows(
        con, athlete.athlete_id
    ):
        exercises.setdefault(sid, []).append(
            Exercise(
                no,
                name,
                _text(group),
                int(t_sets),
                t_reps,
                _text(t_load),
                _text(c_notes),
                _text(a_notes),
                bool(skipped),
                tuple(sets.get((sid, no), ())),
            )
        )
    sessions: dict[int, list[Session]] = {}
    for week_no, sid, no, name, sched, started, completed, dur, notes, skipped in sql.session_rows(
        con, athlete.athlete_id
    ):
        sessions.setdefault(week_no, []).append(
            Session(
                sid,
                no,
                name,
                session_status(completed, started, bool(skipped)),
                sched,
                completed,
                None if dur is None else int(dur),
                _text(notes),
                tuple(exercises.get(sid, ())),
            )
        )
    weeks = tuple(
        Week(no, phase, start, end, _text(desc), tuple(sessions.get(no, ())))
        for no, phase, start, end, desc in sql.week_rows(con, athlete.athlete_id)
    )
    return Program(athlete.units, weeks)


def current_week_number(program: Program, as_of: date) -> int:
    """The week whose date range holds `as_of` (else the last week that started before it)."""
    for week in program.weeks:
        if week.start <= as_of <= week.end:
            return week.number
    started = [w for w in program.weeks if w.start <= as_of]
    if not started:
        raise NotFoundError(f"current week: no program week contains or precedes {as_of.isoformat()}")
    return started[-1].number


def select_scope(program: Program, scope: Scope, as_of: date | None = None) -> Program:
    """The part of the program a scope asks for, still as a Program (one week for week/session scopes).

    For a session scope the week keeps only that session; renderers print just the session.
    """
    if scope.kind == "full_program":
        return program
    if scope.kind == "current_week":
        if as_of is None:
            raise CoachError("scope current_week: needs the athlete's as_of date")
        scope = Scope("week", week=current_week_number(program, as_of))
    if scope.kind == "week":
        found = [w for w in program.weeks if w.number == scope.week]
        if not found:
            numbers = [w.number for w in program.weeks]
            span = f"{min(numbers)}..{max(numbers)}" if numbers else "none"
            raise NotFoundError(f"week {scope.week}: no such week in the program; expected a week number in {span}")
        return replace(program, weeks=(found[0],))
    if scope.kind == "session":
        for week in program.weeks:
            for session in week.sessions:
                if session.session_id == scope.session_id:
                    return replace(program, weeks=(replace(week, sessions=(session,)),))
        raise NotFoundError(
            f"session {scope.session_id!r}: no such session in the program; expected an id like 'week-1-session-1'"
        )
    raise CoachError(f"scope kind {scope.kind!r}: expected one of {', '.join(SCOPE_KINDS)}")


def seed_example_program() -> Program:
    """The data behind the example in `compact-workout-format.md`: week 1, three sessions, the first one
    (Upper Body) with Bench Press, Overhead Press and Dumbbell Rows as the seed shows them."""
    bench = Exercise(
        1,
        "Bench Press",
        "Horizontal Push",
        3,
        "8-10",
        "225lbs",
        "Focus on bar path",
        "Felt easy",
        sets=(LoggedSet(1, 10, 225.0, 2), LoggedSet(2, 9, 225.0, 1), LoggedSet(3, 8, 225.0, 0)),
    )
    press = Exercise(
        2,
        "Overhead Press",
        "Vertical Push",
        3,
        "8-10",
        "135lbs",
        sets=(LoggedSet(1, 10, 135.0, 2), LoggedSet(2, 8, 135.0, 1)),
    )
    rows = Exercise(3, "Dumbbell Rows", "Horizontal Pull", 3, "10-12", "80lbs")
    upper = Session(
        "week-1-session-1",
        1,
        "Upper Body",
        "C",
        date(2025, 1, 1),
        datetime(2025, 1, 1, 14, 30),
        60,
        "Felt strong today",
        (bench, press, rows),
    )
    lower = Session("week-1-session-2", 2, "Lower Body", "N", date(2025, 1, 3))
    full = Session("week-1-session-3", 3, "Full Body", "N", date(2025, 1, 5))
    week = Week(1, "Accumulation", date(2025, 1, 1), date(2025, 1, 7), "Building base volume", (upper, lower, full))
    return Program("lbs", (week,))
