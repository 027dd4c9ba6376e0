"""Legacy plan migration to stable IDs: backup first, references valid, idempotent, hash stable across runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.db import connect, insert_frame
from core.db import plan as plan_db
from core.plan.legacy import SAMPLE_LEGACY_PLAN, migrate_to_stable_ids, read_legacy_plan
from core.plan.model import PlanError, canonical_json
from core.plan.store import load_plan, plan_head, plan_versions, validate_references


def _fresh_db():
    con = connect(":memory:")
    insert_frame(
        con,
        "athletes",
        pd.DataFrame(
            [
                {
                    "athlete_id": 7,
                    "handle": "legacy",
                    "name": "Legacy Lifter",
                    "profile": "control",
                    "phase": "MAINTAIN",
                    "units": "lbs",
                    "sports": ["strength"],
                    "as_of": "2025-01-01",
                }
            ]
        ),
    )
    return con


def test_sample_legacy_file_migrates_to_stable_ids_with_valid_references():
    """Given the sample CSV, blocks get b_N, circuit rows become one circuit with m_N members, version 1 by migration."""
    con = _fresh_db()
    report = migrate_to_stable_ids(con, 7, read_legacy_plan(SAMPLE_LEGACY_PLAN), "legacy_plan_sample.csv")
    plan = load_plan(con, 7)
    assert report.status == "migrated" and report.version == 1
    assert (report.blocks, report.members) == (plan.block_count(), plan.member_count()) == (16, 6)
    monday = plan.day("day_1").blocks
    assert [b.block_id for b in monday] == ["b_1", "b_2", "b_3", "b_4"]
    assert monday[0].weight == "185lbs" and monday[0].notes == "Pause first rep on chest"
    assert monday[3].kind == "circuit" and monday[3].exercise == "Core Finisher" and monday[3].sets == 3
    assert [(m.member_id, m.exercise, m.weight) for m in monday[3].members] == [
        ("m_1", "Hanging Leg Raise", "BW"),
        ("m_2", "Russian Twist", "BW"),
        ("m_3", "Plank", "BW"),
    ]
    assert plan.day("day_2").blocks[2].weight == "40lbs"
    assert validate_references(con, 7) == []
    assert [(v.version, v.author) for v in plan_versions(con, 7)] == [(1, "migration")]


def test_migration_backs_up_first_and_is_idempotent(demo_con):
    """Given a demo athlete, the first run backs up the old plan and migrates; the second changes nothing."""
    old = canonical_json(load_plan(demo_con, 5))
    rows = read_legacy_plan(SAMPLE_LEGACY_PLAN)
    first = migrate_to_stable_ids(demo_con, 5, rows, "sample")
    backups = plan_db.backups(demo_con, 5)
    assert len(backups) == 1 and backups[0]["plan_json"] == old and json.loads(backups[0]["source_json"])
    assert first.status == "migrated" and first.backup_id == backups[0]["backup_id"]
    # IDs continue after the demo plan's: never reused.
    assert min(int(b.block_id[2:]) for _, _, b in load_plan(demo_con, 5).blocks()) > 13
    state = (canonical_json(load_plan(demo_con, 5)), plan_head(demo_con, 5), len(plan_versions(demo_con, 5)))
    second = migrate_to_stable_ids(demo_con, 5, rows, "sample")
    assert second.status == "already migrated" and second.plan_hash == first.plan_hash
    assert (canonical_json(load_plan(demo_con, 5)), plan_head(demo_con, 5), len(plan_versions(demo_con, 5))) == state
    assert len(plan_db.backups(demo_con, 5)) == 1
    assert validate_references(demo_con, 5) == []


def test_migration_hash_is_stable_across_runs():
    """Given the same legacy rows migrated into two fresh databases, the plan hash is identical."""
    hashes = {migrate_to_stable_ids(_fresh_db(), 7, read_legacy_plan(SAMPLE_LEGACY_PLAN)).plan_hash for _ in range(2)}
    assert len(hashes) == 1


def test_json_legacy_file_is_read_like_csv(tmp_path):
    """Given the same rows as JSON, the migration yields the same hash as the CSV."""
    rows = [
        {"day": "Mon", "exercise": "Bench Press", "sets": 3, "reps": "8-10", "weight": "185 lbs"},
        {"day": 3, "exercise": "Plank", "sets": 3, "reps": "45s", "weight": "bodyweight", "circuit": "Core"},
    ]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(rows))
    parsed = read_legacy_plan(path)
    assert [(r.weekday, r.weight, r.circuit) for r in parsed] == [(1, "185lbs", None), (3, "BW", "Core")]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"day": "Funday", "exercise": "X", "sets": "3", "reps": "8"}, "legacy row 1: day: expected Monday..Sunday"),
        ({"day": "Mon", "exercise": "X", "sets": "three", "reps": "8"}, "legacy row 1: sets: expected an integer 1-20"),
        (
            {"day": "Mon", "exercise": "X", "sets": "3", "reps": "8x"},
            "legacy row 1: reps: expected like 8, 8-10, AMRAP or 45s, got '8x'",
        ),
        (
            {"day": "Mon", "exercise": "X", "sets": "3", "reps": "8", "weight": "heavy"},
            "legacy row 1: weight: expected like",
        ),
        ({"day": "Mon", "sets": "3", "reps": "8"}, "legacy row 1: exercise: required"),
    ],
)
def test_malformed_legacy_rows_are_refused_naming_row_and_field(tmp_path, row, message):
    """Given a bad legacy row, reading fails with the row number and the field."""
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([row]))
    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(".", r"\.")):
        read_legacy_plan(path)
