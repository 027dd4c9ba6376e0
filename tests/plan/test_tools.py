"""Plan tools for the model: JSON Schemas, argument validation naming the field, short results via the write path."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from core.db import plan as plan_db
from core.plan.ops import EDIT_OP_NAMES
from core.plan.store import load_plan, plan_head
from core.plan.tools import PLAN_TOOL_NAMES, PLAN_TOOL_SCHEMAS, execute_tool_call

MAYA = 1


def _call(con, name: str, args: dict) -> str:
    base = plan_head(con, MAYA).plan_hash[:8]
    return execute_tool_call(con, MAYA, name, json.dumps({"base_hash": base, **args}))


def test_schemas_are_openai_tools_for_every_op_and_valid_json_schema():
    """Every edit op has a tool in OpenAI `tools` format whose parameters are a valid JSON Schema."""
    assert set(EDIT_OP_NAMES) | {"edit_plan"} == set(PLAN_TOOL_NAMES)
    for tool in PLAN_TOOL_SCHEMAS:
        assert tool["type"] == "function"
        assert set(tool["function"]) == {"name", "description", "parameters"}
        Draft202012Validator.check_schema(tool["function"]["parameters"])
        assert tool["function"]["parameters"]["additionalProperties"] is False


def test_update_block_returns_short_ok_with_new_hash(demo_con):
    """Given a valid call, the result is `ok b_2 sets 3→4; plan <8 hex>` and a version by 'ai' is recorded."""
    result = _call(demo_con, "update_block", {"block_id": "b_2", "sets": 4})
    head = plan_head(demo_con, MAYA)
    assert result == f"ok b_2 sets 3→4; plan {head.plan_hash[:8]}"
    assert head.version == 2
    assert plan_db.versions(demo_con, MAYA)[-1]["author"] == "ai"


def test_edit_plan_applies_several_ops_atomically(demo_con):
    """Given an edit_plan batch, all ops apply in one version; with one bad op none do."""
    ok = _call(
        demo_con,
        "edit_plan",
        {
            "ops": [
                {"op": "update_block", "block_id": "b_1", "sets": 5},
                {
                    "op": "add_block",
                    "day_id": "day_3",
                    "exercise": "Face Pull",
                    "sets": 3,
                    "reps": "15",
                    "weight": "BW",
                },
            ]
        },
    )
    assert ok.startswith("ok b_1 sets 4→5; added b_19 (Wed Face Pull) to day_3 #1; plan ")
    before = (plan_head(demo_con, MAYA), load_plan(demo_con, MAYA))
    bad = _call(
        demo_con,
        "edit_plan",
        {
            "ops": [
                {"op": "update_block", "block_id": "b_1", "sets": 6},
                {"op": "update_block", "block_id": "b_404", "sets": 3},
            ]
        },
    )
    assert bad.startswith("error: op 2 (update_block): block_id: unknown block 'b_404'")
    assert (plan_head(demo_con, MAYA), load_plan(demo_con, MAYA)) == before


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("update_block", {"block_id": "b_1", "sets": "4"}, "error: sets: expected integer, got '4' (string)"),
        ("update_block", {"block_id": "b_1", "sets": 4.5}, "error: sets: expected integer, got 4.5 (number)"),
        ("update_block", {"block_id": "b_1", "sets": 21}, "error: sets: expected 1-20, got 21 (integer)"),
        (
            "update_block",
            {"block_id": "b_1", "reps": "8 to 10"},
            "error: reps: expected '8', '8-10', 'AMRAP' or '45s', got '8 to 10'",
        ),
        (
            "update_block",
            {"block_id": "b_1", "weight": "225"},
            "error: weight: expected '225lbs', '100kg' or 'BW', got '225'",
        ),
        (
            "update_block",
            {"block_id": "bench", "sets": 4},
            "error: block_id: expected a block ID like b_42, got 'bench'",
        ),
        (
            "update_block",
            {"block_id": "b_1"},
            "error: op 1 (update_block): update_block: give at least one of exercise, sets",
        ),
        ("update_block", {"sets": 4}, "error: block_id: required"),
        ("update_block", {"block_id": "b_1", "sets": 4, "mood": "happy"}, "error: mood: unknown field"),
        (
            "add_block",
            {"day_id": "monday", "exercise": "X", "sets": 3, "reps": "8"},
            "error: day_id: expected one of day_1",
        ),
        (
            "update_member",
            {"member_id": "m_1", "reps": ["10"]},
            'error: reps: expected string or null, got ["10"] (array)',
        ),
        (
            "edit_plan",
            {"ops": [{"op": "update_block", "block_id": "b_1", "sets": "x"}]},
            "error: ops.0.sets: expected integer",
        ),
        ("edit_plan", {"ops": [{"op": "drop_table"}]}, "error: ops.0.op: expected one of update_block"),
        ("delete_everything", {}, "error: tool: unknown tool 'delete_everything'"),
        ("update_block", {"block_id": "b_77", "sets": 4}, "error: op 1 (update_block): block_id: unknown block 'b_77'"),
        (
            "add_member",
            {"block_id": "b_1", "exercise": "Plank"},
            "error: op 1 (add_member): block_id: b_1 is a single exercise",
        ),
    ],
)
def test_bad_arguments_come_back_as_readable_errors_naming_the_field(demo_con, name, args, message):
    """Given malformed tool arguments, the executor returns (never raises) an error naming the field; nothing changes."""
    before = plan_head(demo_con, MAYA)
    result = _call(demo_con, name, args)
    assert result.startswith(message), result
    assert plan_head(demo_con, MAYA) == before


def test_arguments_that_are_not_json_are_refused(demo_con):
    """Given arguments that are not a JSON object, the result says so."""
    assert execute_tool_call(demo_con, MAYA, "update_block", "{sets: 4").startswith("error: arguments: not valid JSON")
    assert execute_tool_call(demo_con, MAYA, "update_block", "[1, 2]").startswith(
        "error: arguments: expected a JSON object"
    )


def test_stale_tool_call_is_refused_with_what_changed(demo_con):
    """Given the coach edited since the hash the model saw, the model's call is refused listing the coach's change."""
    seen = plan_head(demo_con, MAYA).plan_hash
    _call(demo_con, "update_block", {"block_id": "b_1", "sets": 5})
    result = execute_tool_call(
        demo_con, MAYA, "update_block", json.dumps({"block_id": "b_2", "sets": 4}), shown_hash=seen
    )
    assert result.startswith("error: stale base_hash")
    assert "b_1 (Mon Bench Press) sets 4→5" in result


def test_base_hash_defaults_to_the_hash_shown_in_the_last_interaction(demo_con):
    """Given no base_hash in the call, the last interaction's plan hash is the base; none logged means refused."""
    from datetime import datetime

    no_base = execute_tool_call(demo_con, MAYA, "update_block", json.dumps({"block_id": "b_2", "sets": 4}))
    assert no_base.startswith("error: base_hash: required")
    plan_db.record_interaction(
        demo_con, MAYA, datetime(2025, 1, 1), plan_head(demo_con, MAYA).plan_hash, "hi", "o200k_base", 10
    )
    assert execute_tool_call(demo_con, MAYA, "update_block", json.dumps({"block_id": "b_2", "sets": 4})).startswith(
        "ok b_2 sets 3→4"
    )
