"""Everything downstream on an athlete who has only imported data: load, patterns, context tiers and tools, notation, eval questions."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from core.analytics.load import daily_snapshots
from core.analytics.patterns import analyze_patterns
from core.benchmarks.imports import shifted_copies
from core.context.builder import build_context
from core.context.tools import execute_tool
from core.db import connect, writing
from core.db.athletes import find_athlete
from core.eval.questions import generate_questions
from core.imports import import_sources, sources_from_paths
from core.workouts.sport import format_sport_line, load_activities, parse_sport_line, recent_activity_log, sport_line

TOOLS = {
    "query_workouts": {"days": 14},
    "query_cardio": {"days": 14},
    "query_cross_modality": {"days": 28},
    "query_body_comp": {"days": 28},
}


@pytest.fixture
def imported_only(fresh: tuple[Path, int], tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, int]:
    """Athlete 'newbie' with 30 days of a daily run and ride (shifted copies of real FIT files), a walk, a multisport day
    and a month of health rows: nothing from the demo generator."""
    path, athlete_id = fresh
    files = shifted_copies(tmp_path / "files", 60, ("garmin-fenix-5-run.fit", "garmin-edge-820-bike.fit"))
    first = date(2017, 6, 11)
    health = tmp_path / "health.csv"
    health.write_text(
        "date,sleep_hours,hrv_ms,resting_hr\n"
        + "".join(f"{first + timedelta(days=i)},{7 + (i % 3) * 0.5},{55 + i % 7},{50 + i % 4}\n" for i in range(32)),
        encoding="utf-8",
    )
    data = Path(__file__).resolve().parents[1] / "data" / "imports"
    sources, refused = sources_from_paths(
        [*files, data / "garmin-fenix-5-walk.fit", data / "garmin-fenix2-multisport.fit.gz", health]
    )
    report = import_sources(lambda: writing(path), athlete_id, sources, refused=refused)
    assert report.counts()["refused"] == 0 and report.counts()["activities"] == 62
    con = connect(path, read_only=True)
    yield con, athlete_id
    con.close()


def test_load_snapshots_cover_the_imported_days(imported_only: tuple[duckdb.DuckDBPyConnection, int]) -> None:
    """Given only imported activities, when daily snapshots are computed, then they run to the as-of day with load from the activities."""
    con, athlete_id = imported_only
    days = daily_snapshots(con, [athlete_id])
    assert days.day.max().date() == find_athlete(con, athlete_id).as_of
    assert days.select_dtypes("number").drop(columns=["athlete_id"]).abs().sum().sum() > 0


def test_pattern_families_say_what_they_cannot_test(imported_only: tuple[duckdb.DuckDBPyConnection, int]) -> None:
    """Given a month of imported data, when every pattern family runs, then none fails and each that finds nothing says why."""
    con, athlete_id = imported_only
    report = analyze_patterns(con, athlete_id)
    assert {r.family for r in report.families} >= {"interference", "synergy", "recovery", "overload", "performance"}
    for result in report.families:
        assert result.findings or result.note, result.family


def test_context_tiers_and_tools_read_imported_activities(imported_only: tuple[duckdb.DuckDBPyConnection, int]) -> None:
    """Given imported runs and rides, when a context is built and every read tool is called, then tier 1/2 show them and no tool errs."""
    con, athlete_id = imported_only
    context = build_context(con, athlete_id, "How did my rides and runs go? Am I recovering?")
    assert "C:" in context.tier1 + context.tier2 or "R:" in context.tier1 + context.tier2
    assert "[CARDIO]" in context.tier2 and "No run, ride or swim" not in context.tier2
    for name, arguments in TOOLS.items():
        result = execute_tool(con, athlete_id, name, json.dumps(arguments))
        assert not result.startswith("error"), (name, result)
    workouts = execute_tool(con, athlete_id, "query_workouts", json.dumps({"days": 60, "type": "any"}))
    assert "O:" in workouts  # the walk ('other') is among "any"; the tool's enum stays within its token budget


def test_one_liners_of_imported_activities_read_back_exactly(
    imported_only: tuple[duckdb.DuckDBPyConnection, int],
) -> None:
    """Given imported run, ride, walk ('other') and multisport activities, when each is written as a one-liner, then it parses back to the same values."""
    con, athlete_id = imported_only
    athlete = find_athlete(con, athlete_id)
    activities = load_activities(con, athlete_id, date(2015, 1, 1), athlete.as_of)
    kinds = set()
    for activity in activities:
        line = sport_line(activity, athlete.units)
        kinds.add(line.kind)
        assert parse_sport_line(format_sport_line(line)) == line, format_sport_line(line)
    assert kinds == {"R", "C", "O", "M"}
    assert "O:" in recent_activity_log(con, athlete_id, date(2017, 6, 11), days=1)


def test_eval_question_generator_asks_about_imported_activities(
    imported_only: tuple[duckdb.DuckDBPyConnection, int],
) -> None:
    """Given an athlete with no program and imported activities, when eval questions are generated, then they include distance questions about them."""
    con, _ = imported_only
    mine = [q for q in generate_questions(con) if q.athlete == "newbie"]
    assert mine and {q.kind for q in mine} == {"sport_distance"}
