"""Legacy plan migration to stable IDs: backup first, references valid, idempotent, hash stable across runs."""

from __future__ import annotations

import json
import re

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


def _demo_state(con, athlete_id: int = 5) -> tuple:
    return (
        canonical_json(load_plan(con, athlete_id)),
        plan_head(con, athlete_id),
        len(plan_versions(con, athlete_id)),
        len(plan_db.backups(con, athlete_id)),
    )


def test_import_after_reverting_the_migration_migrates_again(demo_con):
    """Given import, revert to the pre-migration v1, import again: it migrates (not 'already migrated')."""
    from core.plan.store import revert_to_version

    rows = read_legacy_plan(SAMPLE_LEGACY_PLAN)
    first = migrate_to_stable_ids(demo_con, 5, rows, "sample")
    revert_to_version(demo_con, 5, 1)
    again = migrate_to_stable_ids(demo_con, 5, rows, "sample")
    assert again.status == "migrated" and again.version == first.version + 2
    assert load_plan(demo_con, 5).block_count() == first.blocks
    assert migrate_to_stable_ids(demo_con, 5, rows, "sample").status == "already migrated"
    revert_to_version(demo_con, 5, again.version - 1)  # back to the pre-migration plan, via the revert's version
    assert migrate_to_stable_ids(demo_con, 5, rows, "sample").status == "migrated"


def test_import_after_later_edits_on_the_migrated_plan_is_still_already_migrated(demo_con):
    """Given import then a coach edit, importing the same rows again leaves the edited plan alone."""
    from core.plan.store import apply_ops

    rows = read_legacy_plan(SAMPLE_LEGACY_PLAN)
    migrate_to_stable_ids(demo_con, 5, rows, "sample")
    block = load_plan(demo_con, 5).blocks()[0][2].block_id
    apply_ops(
        demo_con, 5, [{"op": "update_block", "block_id": block, "sets": 5}], plan_head(demo_con, 5).plan_hash, "coach"
    )
    state = _demo_state(demo_con)
    assert migrate_to_stable_ids(demo_con, 5, rows, "sample").status == "already migrated"
    assert _demo_state(demo_con) == state


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"day,exercise,sets,reps\nMon,Squat,3,5,EXTRA,MORE\n", "legacy row 1: has 2 more value(s) than the header"),
        (b"day,exercise,sets,reps,mood\nMon,Squat,3,5,happy\n", "legacy row 1: mood: unknown column"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a binary file, not CSV or JSON text"),
        (b"day,exercise\n\xff\xfe,Squat\n", "not UTF-8 text"),
        (b"day,exercise,sets,reps\n" + b"Mon,Squat,3,5\n" * 301, "expected at most 300 rows, got 301"),
        (b"", "no rows"),
        (b"x" * 1_000_001, "expected at most 1000000 bytes"),
    ],
    ids=["extra-columns", "unknown-column", "binary", "not-utf8", "too-many-rows", "empty", "too-big"],
)
def test_bad_legacy_files_get_one_clear_line_and_change_nothing(demo_con, tmp_path, content, message):
    """Given a malformed legacy file, reading it raises one PlanError line and the plan is untouched."""
    path = tmp_path / "legacy.csv"
    path.write_bytes(content)
    state = _demo_state(demo_con)
    with pytest.raises(PlanError, match=re.escape(message)) as info:
        migrate_to_stable_ids(demo_con, 5, read_legacy_plan(path), "bad")
    assert "\n" not in str(info.value) and len(str(info.value)) < 200
    assert _demo_state(demo_con) == state


def test_utf8_bom_in_the_header_is_read_as_a_plain_header(tmp_path):
    """Given a CSV saved with a UTF-8 BOM, the first column is `day`, not '\\ufeffday'."""
    path = tmp_path / "bom.csv"
    path.write_bytes("day,exercise,sets,reps\nMon,Squat,3,5\n".encode("utf-8-sig"))
    assert [(r.weekday, r.exercise) for r in read_legacy_plan(path)] == [(1, "Squat")]
