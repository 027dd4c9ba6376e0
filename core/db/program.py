"""SQL for the periodized program: weeks, sessions, exercises and logged sets of one athlete."""

from __future__ import annotations

from typing import Any

import duckdb


def week_rows(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[tuple[Any, ...]]:
    """(week_number, phase, start_date, end_date, description) in week order."""
    return con.execute(
        "SELECT week_number, phase, start_date, end_date, description FROM program_weeks"
        " WHERE athlete_id = ? ORDER BY week_number",
        [athlete_id],
    ).fetchall()


def session_rows(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[tuple[Any, ...]]:
    """(week_number, session_id, session_number, name, scheduled_date, started_at, completed_at,
    duration_min, notes, skipped) in week and session order."""
    return con.execute(
        "SELECT week_number, session_id, session_number, name, scheduled_date, started_at, completed_at,"
        " duration_min, notes, skipped FROM program_sessions"
        " WHERE athlete_id = ? ORDER BY week_number, session_number, session_id",
        [athlete_id],
    ).fetchall()


def exercise_rows(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[tuple[Any, ...]]:
    """(session_id, exercise_number, name, movement_group, target_sets, target_reps, target_load,
    coach_notes, athlete_notes, skipped) in session and exercise order."""
    return con.execute(
        "SELECT session_id, exercise_number, name, movement_group, target_sets, target_reps, target_load,"
        " coach_notes, athlete_notes, skipped FROM program_exercises"
        " WHERE athlete_id = ? ORDER BY session_id, exercise_number",
        [athlete_id],
    ).fetchall()


def set_rows(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[tuple[Any, ...]]:
    """(session_id, exercise_number, set_number, reps, weight, rir, notes) in set order."""
    return con.execute(
        "SELECT session_id, exercise_number, set_number, reps, weight, rir, notes FROM logged_sets"
        " WHERE athlete_id = ? ORDER BY session_id, exercise_number, set_number",
        [athlete_id],
    ).fetchall()


# Activities feed the per-sport one-liners (core/sport_notation.py).

ACTIVITY_COLUMNS = (
    "activity_id, type, start_time, duration_min, avg_hr, distance_m, elevation_gain_m, z1_min, z2_min, z3_min,"
    " z4_min, z5_min, normalized_power_w, strokes_per_min, swolf, volume_kg, muscle_groups, yoga_style,"
    " focus_areas, rpe, parent_id, leg_order, transition_before_min"
)


def activity_rows(
    con: duckdb.DuckDBPyConnection, athlete_id: int, since: object, until: object
) -> list[tuple[Any, ...]]:
    """Activities (legs of a brick included) starting on days since..until inclusive, by start time."""
    return con.execute(
        f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE athlete_id = ?"
        " AND CAST(start_time AS DATE) BETWEEN ? AND ? ORDER BY start_time, leg_order NULLS FIRST, activity_id",
        [athlete_id, since, until],
    ).fetchall()


def strength_exercise_rows(con: duckdb.DuckDBPyConnection, activity_ids: list[int]) -> list[tuple[Any, ...]]:
    """(activity_id, name, sets, reps, weight, is_pr) in position order."""
    if not activity_ids:
        return []
    return con.execute(
        "SELECT activity_id, name, sets, reps, weight, is_pr FROM strength_exercises"
        " WHERE list_contains(?, activity_id) ORDER BY activity_id, position",
        [activity_ids],
    ).fetchall()


def swim_lap_rows(con: duckdb.DuckDBPyConnection, activity_ids: list[int]) -> list[tuple[Any, ...]]:
    """(activity_id, stroke, laps) in a fixed stroke order."""
    if not activity_ids:
        return []
    return con.execute(
        "SELECT activity_id, stroke, laps FROM swim_laps WHERE list_contains(?, activity_id)"
        " ORDER BY activity_id, list_position(['free', 'back', 'breast', 'fly', 'im', 'kick'], stroke)",
        [activity_ids],
    ).fetchall()
