"""The plan's one write path: stable IDs, hash, versions, every op applied / diffed / reverted, refusals, races."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import duckdb
import pytest

from core.db import connect
from core.db import plan as plan_db
from core.plan.context import UNCHANGED_TEXT
from core.plan.diff import plain_change, render_change, render_diff
from core.plan.model import (
    PlanValidationError,
    StalePlanError,
    canonical_json,
    empty_plan,
    plan_from_json,
    plan_hash,
)
from core.plan.store import (
    apply_ops,
    changes_by_version,
    diff_versions,
    load_plan,
    plan_context_for_model,
    plan_head,
    plan_versions,
    revert_to_version,
    validate_references,
    version_plan,
    version_plans,
)

MAYA = 1
SEEDED = 5  # maya's seeded history: v1 import, then coach and AI edits (core.demo.plan.HISTORY)
NEXT_BLOCK = "b_22"  # b_1..b_18 strength, b_19..b_20 rides, b_21 the AI's recovery ride


def _state(con: duckdb.DuckDBPyConnection, athlete_id: int = MAYA) -> tuple[str, str, int, tuple[int, int]]:
    """Everything a failed write must leave untouched: plan, head hash, version count, ID counters."""
    return (
        canonical_json(load_plan(con, athlete_id)),
        plan_head(con, athlete_id).plan_hash,
        plan_db.version_count(con, athlete_id),
        plan_db.counters(con, athlete_id),
    )


def _apply(con: duckdb.DuckDBPyConnection, ops: list[dict], author: str = "coach") -> str:
    return apply_ops(con, MAYA, ops, plan_head(con, MAYA).plan_hash, author)


EXPECTED_CANONICAL = (
    '{"days":[{"blocks":['
    '{"block_id":"b_1","exercise":"Bench Press","kind":"single","members":[],"notes":null,"reps":"8-10",'
    '"rest_s":null,"sets":3,"weight":"185lbs"},'
    '{"block_id":"b_2","exercise":"Core","kind":"circuit","members":[{"exercise":"Plank","member_id":"m_1",'
    '"notes":null,"reps":"45s","weight":"BW"}],"notes":null,"reps":null,"rest_s":null,"sets":3,"weight":null}],'
    '"day_id":"day_1","focus":"Upper"},'
    '{"blocks":[],"day_id":"day_2","focus":null},{"blocks":[],"day_id":"day_3","focus":null},'
    '{"blocks":[],"day_id":"day_4","focus":null},{"blocks":[],"day_id":"day_5","focus":null},'
    '{"blocks":[],"day_id":"day_6","focus":null},{"blocks":[],"day_id":"day_7","focus":null}]}'
)


def test_plan_hash_is_sha256_of_the_documented_canonical_form_and_ignores_key_order():
    """Given a small plan, its canonical JSON is exactly the hand-written form and the hash is its SHA-256."""
    plan = load_plan_fixture()
    assert canonical_json(plan) == EXPECTED_CANONICAL
    assert plan_hash(plan) == "82a393de7aeae29ebc2daf2d24b6fd8e65d89c20826aac92ef27a10707eddb83"
    again = plan_from_json(json.dumps(json.loads(EXPECTED_CANONICAL), sort_keys=False, indent=3))
    assert plan_hash(again) == plan_hash(plan)


def load_plan_fixture():
    from core.plan.ops import apply_ops_to_plan

    ops = [
        {"op": "set_day_focus", "day_id": "day_1", "focus": "Upper"},
        {
            "op": "add_block",
            "day_id": "day_1",
            "exercise": "Bench Press",
            "sets": 3,
            "reps": "8-10",
            "weight": "185lbs",
        },
        {
            "op": "add_block",
            "day_id": "day_1",
            "kind": "circuit",
            "exercise": "Core",
            "sets": 3,
            "members": [{"exercise": "Plank", "reps": "45s", "weight": "BW"}],
        },
    ]
    return apply_ops_to_plan(empty_plan(), ops).plan


def test_update_block_changes_fields_records_version_and_diff(demo_con):
    """Given b_2, when sets/reps/weight/rest/notes/exercise change, the version diff lists each field old→new."""
    new_hash = _apply(
        demo_con,
        [
            {
                "op": "update_block",
                "block_id": "b_2",
                "sets": 4,
                "reps": "6-8",
                "weight": "95lbs",
                "rest_s": 120,
                "notes": "Strict",
                "exercise": "Push Press",
            }
        ],
    )
    assert plan_head(demo_con, MAYA).plan_hash == new_hash
    lines = render_diff(diff_versions(demo_con, MAYA, SEEDED, SEEDED + 1))
    assert lines == [
        "b_2 (Mon Overhead Press) exercise Overhead Press→Push Press, sets 3→4, reps 8-10→6-8, weight 85lbs→95lbs,"
        " rest_s 90→120, notes none→Strict"
    ]
    assert plan_versions(demo_con, MAYA)[-1].author == "coach"
    assert plan_versions(demo_con, MAYA)[-1].parent_hash == version_hash(demo_con, SEEDED)


def version_hash(con, version: int) -> str:
    return plan_hash(version_plan(con, MAYA, version))


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        (
            [{"op": "add_block", "day_id": "day_7", "exercise": "Face Pull", "sets": 3, "reps": "15", "weight": "BW"}],
            ["b_22 added day_7 #1: b_22 Face Pull 3×15@BW"],
        ),
        (
            [
                {
                    "op": "add_block",
                    "day_id": "day_1",
                    "position": 1,
                    "exercise": "Warm-up",
                    "kind": "circuit",
                    "sets": 2,
                    "members": [{"exercise": "Jumping Jack", "reps": "20", "weight": "BW"}],
                }
            ],
            ["b_22 added day_1 #1: b_22 Warm-up C×2 [m_7 Jumping Jack 20@BW]"],
        ),
        ([{"op": "remove_block", "block_id": "b_3"}], ["b_3 (Mon Barbell Row) removed"]),
        (
            [{"op": "move_block", "block_id": "b_3", "day_id": "day_4", "position": 1}],
            ["b_3 (Thu Barbell Row) moved Mon#3→Thu#1"],
        ),
        ([{"op": "move_block", "block_id": "b_1", "position": 3}], ["b_1 (Mon Bench Press) moved Mon#1→Mon#3"]),
        (
            [
                {
                    "op": "add_member",
                    "block_id": "b_5",
                    "exercise": "Dead Bug",
                    "reps": "10",
                    "weight": "BW",
                    "position": 1,
                }
            ],
            ["m_7 added b_5 #1: m_7 Dead Bug 10@BW"],
        ),
        (
            [{"op": "update_member", "member_id": "m_2", "reps": "30", "weight": "10lbs"}],
            ["m_2 (Mon Core Circuit / Russian Twist) reps 20→30, weight BW→10lbs"],
        ),
        ([{"op": "remove_member", "member_id": "m_3"}], ["m_3 (Mon Core Circuit / Ab Wheel Rollout) removed"]),
        ([{"op": "set_day_focus", "day_id": "day_7", "focus": "Mobility"}], ["day_7 (Sun) focus Rest→Mobility"]),
        (
            [{"op": "add_block", "day_id": "day_7", "kind": "swim", "exercise": "Swim", "distance_m": 2000}],
            ["b_22 added day_7 #1: b_22 Swim 2000m"],
        ),
        (
            [{"op": "update_block", "block_id": "b_20", "duration_min": 50, "distance_m": 20000, "target": "220W"}],
            ["b_20 (Wed Ride Easy) duration_min 45→50, distance_m none→20000, target Z2→220W"],
        ),
        ([{"op": "remove_block", "block_id": "b_21"}], ["b_21 (Sat Ride Recovery) removed"]),
        (
            [{"op": "move_block", "block_id": "b_19", "day_id": "day_7"}],
            ["b_19 (Sun Ride Steady) moved Tue#5→Sun#1"],
        ),
    ],
)
def test_every_op_is_applied_diffed_and_reverted(demo_con, ops, expected):
    """Given the demo plan, each op (strength or session) is applied, diffed as expected, and revert restores the plan."""
    original = _state(demo_con)
    _apply(demo_con, ops, author="ai")
    assert render_diff(diff_versions(demo_con, MAYA, SEEDED, SEEDED + 1)) == expected
    assert validate_references(demo_con, MAYA) == []
    revert_to_version(demo_con, MAYA, SEEDED)
    versions = plan_versions(demo_con, MAYA)
    assert [(v.version, v.author) for v in versions][SEEDED:] == [(SEEDED + 1, "ai"), (SEEDED + 2, "revert")]
    assert canonical_json(load_plan(demo_con, MAYA)) == original[0]
    assert plan_head(demo_con, MAYA).plan_hash == original[1]
    assert diff_versions(demo_con, MAYA, SEEDED, SEEDED + 2).is_empty
    assert validate_references(demo_con, MAYA) == []


def test_ids_are_never_reused_after_deletion(demo_con):
    """Given b_18 removed, the next added block takes the next number (b_22), never b_18; likewise for members."""
    _apply(demo_con, [{"op": "remove_block", "block_id": "b_18"}, {"op": "remove_member", "member_id": "m_3"}])
    _apply(
        demo_con,
        [
            {"op": "add_block", "day_id": "day_5", "exercise": "Sled Push", "sets": 4, "reps": "20", "weight": "90lbs"},
            {"op": "add_member", "block_id": "b_5", "exercise": "Dead Bug", "reps": "10"},
        ],
    )
    ids = {b.block_id for _, _, b in load_plan(demo_con, MAYA).blocks()}
    members = {m.member_id for _, _, b in load_plan(demo_con, MAYA).blocks() for m in b.members}
    assert "b_18" not in ids and NEXT_BLOCK in ids
    assert "m_3" not in members and "m_7" in members
    revert_to_version(demo_con, MAYA, 1)
    _apply(demo_con, [{"op": "add_block", "day_id": "day_3", "exercise": "Walk", "sets": 1, "reps": "AMRAP"}])
    assert "b_23" in {b.block_id for _, _, b in load_plan(demo_con, MAYA).blocks()}


def test_batch_with_one_invalid_op_changes_nothing(demo_con):
    """Given a valid op then an invalid one, nothing is written: plan, hash, version count and counters identical."""
    before = _state(demo_con)
    with pytest.raises(PlanValidationError) as err:
        _apply(
            demo_con,
            [
                {"op": "update_block", "block_id": "b_1", "sets": 5},
                {"op": "add_block", "day_id": "day_3", "exercise": "Face Pull", "sets": 3, "reps": "15"},
                {"op": "update_block", "block_id": "b_2", "sets": 25},
            ],
        )
    assert "op 3 (update_block): sets: expected 1-20, got 25" in str(err.value)
    assert _state(demo_con) == before


@pytest.mark.parametrize(
    ("op", "field_message"),
    [
        ({"op": "update_block", "block_id": "b_99", "sets": 4}, "block_id: unknown block 'b_99'"),
        ({"op": "update_member", "member_id": "m_42", "reps": "8"}, "member_id: unknown circuit member 'm_42'"),
        (
            {"op": "add_block", "day_id": "day_8", "exercise": "X", "sets": 3, "reps": "8"},
            "day_id: expected one of day_1, day_2, day_3, day_4, day_5, day_6, day_7, got 'day_8'",
        ),
        ({"op": "update_block", "block_id": "b_1", "sets": "4"}, "sets: expected an integer 1-20, got '4' (string)"),
        ({"op": "update_block", "block_id": "b_1", "sets": True}, "sets: expected an integer 1-20, got true (boolean)"),
        ({"op": "update_block", "block_id": "b_1", "sets": 0}, "sets: expected 1-20, got 0"),
        (
            {"op": "update_block", "block_id": "b_1", "reps": "8x10"},
            "reps: expected like 8, 8-10, AMRAP or 45s, got '8x10'",
        ),
        ({"op": "update_block", "block_id": "b_1", "reps": "10-8"}, "reps: range '10-8' must go from low to high"),
        (
            {"op": "update_block", "block_id": "b_1", "reps": 8},
            "reps: expected a string like 8, 8-10, AMRAP or 45s, got 8 (integer)",
        ),
        (
            {"op": "update_block", "block_id": "b_1", "weight": "225"},
            "weight: expected like 225lbs, 100kg or BW, got '225'",
        ),
        (
            {"op": "update_block", "block_id": "b_1", "weight": "heavy"},
            "weight: expected like 225lbs, 100kg or BW, got 'heavy'",
        ),
        (
            {"op": "update_block", "block_id": "b_1", "rest_s": "90"},
            "rest_s: expected an integer 0-3600 s, got '90' (string)",
        ),
        (
            {"op": "add_member", "block_id": "b_1", "exercise": "Plank"},
            "block_id: b_1 is a single exercise, not a circuit",
        ),
        ({"op": "update_block", "block_id": "b_5", "reps": "10"}, "reps: b_5 is a circuit; its members carry reps"),
        ({"op": "update_block", "block_id": "b_1", "colour": "red"}, "colour: not a field of update_block"),
        ({"op": "explode"}, "op: unknown operation 'explode'"),
        ({"op": "move_block", "block_id": "b_1", "position": 9}, "position: expected 1-5 (the list has 4), got 9"),
        (
            {"op": "update_block", "block_id": 42, "sets": 3},
            "block_id: expected a string like b_42, got 42 (integer)",
        ),
    ],
)
def test_invalid_ops_are_refused_naming_the_field(demo_con, op, field_message):
    """Given a malformed op, the write path refuses it with a message naming the field; nothing changes."""
    before = _state(demo_con)
    with pytest.raises(PlanValidationError) as err:
        _apply(demo_con, [op])
    assert field_message in str(err.value)
    assert _state(demo_con) == before


def test_stale_hash_is_refused_and_plan_unchanged(demo_con):
    """Given an edit since v1, a write based on v1's hash is refused listing what changed, and nothing is written."""
    v1 = plan_head(demo_con, MAYA).plan_hash
    apply_ops(demo_con, MAYA, [{"op": "update_block", "block_id": "b_1", "sets": 5}], v1, "coach")
    before = _state(demo_con)
    with pytest.raises(StalePlanError) as err:
        apply_ops(demo_con, MAYA, [{"op": "update_block", "block_id": "b_2", "sets": 4}], v1[:8], "ai")
    assert "changed since: b_1 (Mon Bench Press) sets 4→5" in str(err.value)
    assert err.value.changes == ["b_1 (Mon Bench Press) sets 4→5"]
    assert _state(demo_con) == before


def test_unknown_or_malformed_base_hash_is_refused(demo_con):
    """Given a base hash that is no version (or not hex), the write is refused naming base_hash / the current plan."""
    before = _state(demo_con)
    with pytest.raises(StalePlanError, match="not a version of this athlete's plan"):
        apply_ops(demo_con, MAYA, [{"op": "update_block", "block_id": "b_1", "sets": 5}], "deadbeef", "ai")
    with pytest.raises(StalePlanError, match="base_hash: expected the plan hash"):
        apply_ops(demo_con, MAYA, [{"op": "update_block", "block_id": "b_1", "sets": 5}], "xyz", "ai")
    assert _state(demo_con) == before


def test_no_change_batch_records_no_version(demo_con):
    """Given an op that sets a value to what it already is, the hash and version count stay the same."""
    before = _state(demo_con)
    assert _apply(demo_con, [{"op": "update_block", "block_id": "b_1", "sets": 4}]) == before[1]
    assert _state(demo_con) == before


def _race(path: Path, barrier_parties: int = 2) -> list[str]:
    """Two threads, each with its own cursor, apply different edits on the same base hash at the same moment."""
    con = connect(path)
    base = plan_head(con, MAYA).plan_hash
    barrier = threading.Barrier(barrier_parties)
    outcomes: list[str] = [""] * barrier_parties

    def writer(index: int) -> None:
        cur = con.cursor()
        barrier.wait()
        try:
            apply_ops(cur, MAYA, [{"op": "update_block", "block_id": "b_1", "sets": 5 + index}], base, "ai")
            outcomes[index] = "won"
        except StalePlanError as exc:
            outcomes[index] = f"stale: {exc}"
        finally:
            cur.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(barrier_parties)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    con.close()
    return outcomes


def test_two_writers_racing_on_one_base_hash_exactly_one_wins_and_the_loser_is_told_the_winners_change(demo_db_path):
    """Given two threads writing on the same base, one wins; the other's refusal names the winner's change."""
    for _ in range(5):
        outcomes = _race(demo_db_path)
        assert sorted(o[:5] for o in outcomes) == ["stale", "won"], outcomes
        winner = outcomes.index("won")
        loser = outcomes[1 - winner]
        assert f"changed since: b_1 (Mon Bench Press) sets 4→{5 + winner}." in loser, loser
        assert "nothing in content" not in loser
        con = connect(demo_db_path)
        assert load_plan(con, MAYA).day("day_1").blocks[0].sets == 5 + winner
        assert validate_references(con, MAYA) == []
        revert_to_version(con, MAYA, 1)
        con.close()


def test_delta_context_unchanged_delta_and_full_fallback(demo_con):
    """Given interactions, the model gets full (none yet), unchanged (same hash) or one line per change."""
    first = plan_context_for_model(demo_con, MAYA)
    assert (
        first.mode == "full" and "b_1 Bench Press 4×6-8@155lbs" in first.text and "no earlier interaction" in first.text
    )
    head = plan_head(demo_con, MAYA)
    from datetime import datetime

    plan_db.record_interaction(
        demo_con, MAYA, datetime(2025, 1, 1, 9), head.plan_hash, "hi", "o200k_base", first.tokens
    )
    same = plan_context_for_model(demo_con, MAYA)
    assert same.mode == "unchanged" and same.text == UNCHANGED_TEXT
    _apply(demo_con, [{"op": "update_block", "block_id": "b_1", "sets": 5}])
    delta = plan_context_for_model(demo_con, MAYA)
    assert delta.mode == "delta"
    assert delta.text.splitlines()[1:] == ["b_1 (Mon Bench Press) sets 4→5"]
    assert delta.tokens <= 0.10 * delta.full_tokens
    plan_db.record_interaction(demo_con, MAYA, datetime(2025, 1, 1, 10), "0123456789abcdef", "?", "o200k_base", 1)
    unknown = plan_context_for_model(demo_con, MAYA)
    assert unknown.mode == "full" and "is not a known version" in unknown.text


def test_delta_falls_back_to_full_when_it_costs_more(demo_con):
    """Given a rewrite of nearly everything since the last interaction, the full plan is sent and the reason said."""
    from datetime import datetime

    head = plan_head(demo_con, MAYA)
    plan_db.record_interaction(demo_con, MAYA, datetime(2025, 1, 1, 9), head.plan_hash, "hi", "o200k_base", 0)
    plan = load_plan(demo_con, MAYA)
    ops = [{"op": "move_block", "block_id": b.block_id, "day_id": "day_7"} for _, _, b in plan.blocks()]
    ops += [
        {"op": "update_block", "block_id": b.block_id, **({"duration_min": 5} if b.is_session else {"sets": 2})}
        for _, _, b in plan.blocks()
    ]
    _apply(demo_con, ops)
    ctx = plan_context_for_model(demo_con, MAYA)
    assert ctx.mode == "full" and ctx.delta_tokens > ctx.full_tokens
    assert "more than the full plan" in ctx.text


def test_full_plan_context_is_compact_and_carries_ids(demo_con):
    """Given the demo plan, the full context has every ID, the short hash and version, one line per day."""
    ctx = plan_context_for_model(demo_con, MAYA)
    text = ctx.text
    plan = load_plan(demo_con, MAYA)
    for _, _, b in plan.blocks():
        assert b.block_id + " " in text
        for m in b.members:
            assert m.member_id + " " in text
    assert plan_head(demo_con, MAYA).plan_hash[:8] in text
    assert len(text.splitlines()) == 1 + 1 + 7


def test_versions_past_a_snapshot_interval_read_back_exactly_from_snapshot_plus_patches(demo_con):
    """Given 60 edits (past SNAPSHOT_EVERY), every version rebuilds to its recorded hash; only v1 and v51 hold snapshots."""
    from core.plan.store import SNAPSHOT_EVERY

    for i in range(60):
        ops = [
            {"op": "update_block", "block_id": "b_1", "sets": 1 + i % 20},
            {"op": "move_block", "block_id": "b_6", "day_id": "day_3" if i % 2 else "day_2"},
        ]
        _apply(demo_con, ops)
    versions = plan_versions(demo_con, MAYA)
    assert len(versions) == SEEDED + 60
    for v in versions:
        assert plan_hash(version_plan(demo_con, MAYA, v.version)) == v.plan_hash, v.version
    walked = version_plans(demo_con, MAYA, [0, *(v.version for v in versions)])  # one query, across both snapshots
    assert [plan_hash(walked[v.version]) for v in versions] == [v.plan_hash for v in versions]
    assert walked[0] == empty_plan()
    snapshots = demo_con.execute(
        "SELECT version FROM plan_versions WHERE athlete_id = ? AND snapshot_json IS NOT NULL ORDER BY version", [MAYA]
    ).fetchall()
    assert [r[0] for r in snapshots] == [1, 1 + SNAPSHOT_EVERY]
    patch = demo_con.execute(
        "SELECT patch_json FROM plan_versions WHERE athlete_id = ? AND version = ?", [MAYA, SEEDED + 1]
    ).fetchone()[0]
    assert sorted(json.loads(patch)) == ["day_1", "day_2"]  # only the days the edit touched
    revert_to_version(demo_con, MAYA, 30)
    assert plan_hash(load_plan(demo_con, MAYA)) == versions[29].plan_hash  # a patch past the v1 snapshot
    assert validate_references(demo_con, MAYA) == []
    assert render_diff(diff_versions(demo_con, MAYA, SEEDED + 1, SEEDED + 2)) == [
        "b_1 (Mon Bench Press) sets 1→2",
        "b_6 (Wed Back Squat) moved Tue#5→Wed#2",
    ]


IDS = re.compile(r"\b(?:b|m|day)_\d+")


def test_each_version_is_diffed_with_the_one_before_and_told_without_ids(demo_con):
    """Given a block added to a circuit, a member moved and a day refocused on the seeded history, each version's
    change against its predecessor reads by name (the coach's timeline) and carries the same changes as the ID'd
    lines the developer reads."""
    _apply(demo_con, [{"op": "add_member", "block_id": "b_5", "exercise": "Dead Bug", "reps": "10"}])
    _apply(demo_con, [{"op": "set_day_focus", "day_id": "day_3", "focus": "Mobility"}])
    _apply(demo_con, [{"op": "move_block", "block_id": "b_19", "day_id": "day_7"}])
    versions = [v.version for v in plan_versions(demo_con, MAYA)]
    diffs = changes_by_version(demo_con, MAYA, versions)
    assert sorted(diffs) == versions[1:]  # the first version has nothing before it
    for version, diff in diffs.items():
        assert [render_change(c) for c in diff.changes] == render_diff(
            diff_versions(demo_con, MAYA, version - 1, version)
        )
        lines = [plain_change(c) for c in diff.changes]
        assert lines and not any(IDS.search(line) for line in lines), lines
    assert [plain_change(c) for c in diffs[SEEDED + 1].changes] == ["Mon Core Circuit / Dead Bug added"]
    assert [plain_change(c) for c in diffs[SEEDED + 2].changes] == ["Wed: focus Ride→Mobility"]
    assert [plain_change(c) for c in diffs[SEEDED + 3].changes] == ["Sun Ride Steady moved Tue#5→Sun#1"]
