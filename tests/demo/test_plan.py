"""core.demo.plan: each athlete's week holds its sports, and a seeded history of coach and AI edits shows on first use."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from pathlib import Path

import duckdb

from core.db import connect
from core.db.athletes import athlete_ids
from core.demo.athlete import monday_of
from core.demo.plan import AI_ACTOR, COACH_ACTOR
from core.demo.profiles import PROFILES
from core.demo.seeding import DEMO_AS_OF, seed_demo
from core.plan.store import load_plan, plan_head, plan_versions, validate_references
from core.plan.text import format_plan_context

SPORT_KINDS = {"strength": {"single", "circuit"}, "run": {"run"}, "ride": {"ride"}, "swim": {"swim"}, "yoga": {"yoga"}}


def test_every_athletes_week_holds_a_block_of_each_of_their_sports(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given the seeded demo, when reading each plan, then every sport of the athlete has a block and no multi-sport week is mostly rest."""
    for athlete_id, profile in zip(athlete_ids(demo_con), PROFILES, strict=True):
        plan = load_plan(demo_con, athlete_id)
        kinds = {b.kind for _, _, b in plan.blocks()}
        for sport in profile.sports:
            assert kinds & SPORT_KINDS[sport], (profile.handle, sport)
        assert sum(1 for d in plan.days if not d.blocks) <= 2, profile.handle


def test_the_triathletes_plan_text_shows_swims_rides_and_runs_compactly(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given Tomás's seeded plan, when rendered for the model, then Tuesday reads as a run and a ride with minutes and zones."""
    head = plan_head(demo_con, 2)
    lines = format_plan_context(load_plan(demo_con, 2), head.plan_hash, head.version).splitlines()
    assert lines[2] == "day_2 Tue Run + Ride: b_10 Run Tempo 45min Z3; b_11 Ride Easy 60min Z2"
    assert "b_12 Swim Endurance 2200m" in lines[3]
    assert not any(line.endswith(": rest") for line in lines[1:])


def test_seeded_history_has_coach_and_ai_edits_inside_the_demo_period(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given the seeded demo, every athlete's history is v1 import then dated coach and AI edits with their actors."""
    start = datetime.combine(monday_of(DEMO_AS_OF) - timedelta(weeks=15), time(6, 0))
    for athlete_id in athlete_ids(demo_con):
        versions = plan_versions(demo_con, athlete_id)
        assert (versions[0].version, versions[0].author, versions[0].created_at) == (1, "import", start)
        edits = {(v.author, v.actor) for v in versions[1:]}
        assert len(versions) >= 4 and {("coach", COACH_ACTOR), ("ai", AI_ACTOR)} <= edits, edits
        times = [v.created_at for v in versions]
        assert times == sorted(times) and times[-1] < datetime.combine(DEMO_AS_OF, time(0))
        assert all(v.summary for v in versions[1:])
        assert all(child.parent_hash == parent.plan_hash for parent, child in itertools.pairwise(versions))
        assert validate_references(demo_con, athlete_id) == []


def test_the_same_seed_gives_the_same_history(tmp_path: Path) -> None:
    """Given two fresh databases seeded alike, when listing versions, then hashes, times, authors and actors agree."""

    def history(name: str) -> list[tuple]:
        con = connect(tmp_path / name)
        seed_demo(con, seed=11, athletes=2, weeks=4)
        rows = [(v.plan_hash, v.created_at, v.author, v.actor) for a in (1, 2) for v in plan_versions(con, a)]
        con.close()
        return rows

    first = history("a.duckdb")
    assert first == history("b.duckdb") and len(first) >= 8
