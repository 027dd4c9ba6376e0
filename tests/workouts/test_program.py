"""core.workouts.program: loading the periodized program from DuckDB and cutting it to a scope."""

from __future__ import annotations

import pytest

from core.db.athletes import find_athlete
from core.errors import CoachError, NotFoundError
from core.workouts.program import (
    Scope,
    current_week_number,
    load_program,
    parse_scope,
    select_scope,
    session_status,
)


def test_demo_program_has_sixteen_weeks_with_sessions_exercises_and_sets(demo_con) -> None:
    """Every demo athlete's program loads with all its weeks, and logged sets hang under their exercises."""
    for athlete_id in range(1, 6):
        program = load_program(demo_con, athlete_id)
        assert [w.number for w in program.weeks] == list(range(1, len(program.weeks) + 1))
        assert len(program.weeks) >= 16
        sets = [st for w in program.weeks for s in w.sessions for e in s.exercises for st in e.sets]
        assert sets and all(s.reps >= 0 for s in sets)
        statuses = {s.status for w in program.weeks for s in w.sessions}
        assert {"C", "N"} <= statuses


def test_counts_match_the_tables(demo_con) -> None:
    """The loader keeps every row: sessions, exercises and logged sets add up to the table counts."""
    program = load_program(demo_con, 1)
    sessions = [s for w in program.weeks for s in w.sessions]
    exercises = [e for s in sessions for e in s.exercises]
    sets = [st for e in exercises for st in e.sets]
    q = "SELECT count(*) FROM {} WHERE athlete_id = 1"
    assert len(sessions) == demo_con.execute(q.format("program_sessions")).fetchone()[0]
    assert len(exercises) == demo_con.execute(q.format("program_exercises")).fetchone()[0]
    assert len(sets) == demo_con.execute(q.format("logged_sets")).fetchone()[0]


def test_current_week_contains_the_athletes_as_of_date(demo_con) -> None:
    """current_week is the week whose date range holds athletes.as_of, with an in-progress session."""
    athlete = find_athlete(demo_con, "maya")
    program = load_program(demo_con, athlete.athlete_id)
    week = select_scope(program, Scope("current_week"), athlete.as_of).weeks[0]
    assert week.start <= athlete.as_of <= week.end
    assert week.number == current_week_number(program, athlete.as_of) == 16  # weeks after it are still to come
    assert any(s.status == "P" for s in week.sessions)


def test_session_scope_keeps_only_that_session(demo_con) -> None:
    """A session scope is one week holding just the asked session."""
    program = load_program(demo_con, 1)
    cut = select_scope(program, parse_scope("session:week-2-session-3"))
    assert [s.session_id for w in cut.weeks for s in w.sessions] == ["week-2-session-3"]
    assert cut.weeks[0].number == 2


def test_scope_strings_and_their_errors(demo_con) -> None:
    """Scope text parses to kinds; unknown scopes, weeks, sessions and athletes are clear errors."""
    assert parse_scope("week:3") == Scope("week", week=3)
    assert parse_scope("current_week_detail") == Scope("current_week")
    assert str(parse_scope("session:week-1-session-1")) == "session:week-1-session-1"
    with pytest.raises(CoachError, match="expected one of full_program"):
        parse_scope("week:three")
    program = load_program(demo_con, 1)
    with pytest.raises(NotFoundError, match=rf"expected a week number in 1\.\.{len(program.weeks)}"):
        select_scope(program, Scope("week", week=40))
    with pytest.raises(NotFoundError, match="no such session"):
        select_scope(program, Scope("session", session_id="week-1-session-9"))
    with pytest.raises(NotFoundError, match="athlete 'nobody'"):
        find_athlete(demo_con, "nobody")


def test_status_is_completed_then_skipped_then_started() -> None:
    """C wins over everything, S over started, P when started, else N."""
    from datetime import datetime

    now = datetime(2026, 1, 1, 8)
    assert session_status(now, now, True) == "C"
    assert session_status(None, now, True) == "S"
    assert session_status(None, now, False) == "P"
    assert session_status(None, None, False) == "N"
