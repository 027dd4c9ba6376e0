"""Plan tools for the model: compact definitions from the op table, an executor that never raises and stays short."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator

from core.db import plan as plan_db
from core.plan.model import canonical_json
from core.plan.op_table import EDIT_OP_NAMES, FIELDS, OPS, OPS_MAX
from core.plan.store import load_plan, plan_head
from core.plan.tools import (
    ARGUMENTS_MAX_CHARS,
    PLAN_TOOL_NAMES,
    edit_op_schema,
    execute_tool_call,
    plan_tool_definitions,
)
from core.tokens import count_tokens

MAYA = 1
EDIT_PLAN_TOKEN_LIMIT = 560  # raw JSON; with the turn's read tools it is fitted to 600


def _edit(con, *ops: dict, **extra) -> str:
    base = plan_head(con, MAYA).plan_hash[:8]
    return execute_tool_call(con, MAYA, "edit_plan", json.dumps({"base_hash": base, "ops": list(ops), **extra}))


def _state(con) -> tuple:
    return canonical_json(load_plan(con, MAYA)), plan_head(con, MAYA), plan_db.version_count(con, MAYA)


def test_definitions_are_three_openai_tools_and_edit_plan_fits_the_turn_budget():
    """Given the plan tool definitions, when counted as raw JSON (o200k_base), then edit_plan ≤ 560 and the entry point ≤ 50."""
    tools = plan_tool_definitions()
    assert [t["function"]["name"] for t in tools] == list(PLAN_TOOL_NAMES) == ["edit_plan", "get_plan", "change_plan"]
    for tool in tools:
        assert tool["type"] == "function" and set(tool["function"]) == {"name", "description", "parameters"}
        Draft202012Validator.check_schema(tool["function"]["parameters"])
    sizes = {t["function"]["name"]: count_tokens(json.dumps(t)) for t in tools}
    assert sizes["edit_plan"] <= EDIT_PLAN_TOKEN_LIMIT and sizes["change_plan"] <= 50


def test_every_field_of_every_model_op_is_declared_once_with_its_words():
    """Given edit_plan's op schema, then each model op is in the enum and each field it takes is declared, limits in words."""
    schema = edit_op_schema()
    assert schema["properties"]["op"]["enum"] == list(EDIT_OP_NAMES) and "restore_version" not in json.dumps(schema)
    assert schema["additionalProperties"] is False and schema["required"] == ["op"]
    for name in {f for op in EDIT_OP_NAMES for f in OPS[op].fields}:
        declared = schema["properties"][name]
        assert declared.get("description") == FIELDS[name].words or "enum" in declared or name.endswith("_id")
    text = plan_tool_definitions()[0]["function"]["description"]
    for name in EDIT_OP_NAMES:
        assert len(re.findall(rf"\b{name} ", text)) == 1


def test_a_schema_validator_admits_a_filled_in_update_and_refuses_an_undeclared_field():
    """Given a validator built from edit_plan's schema, then a full update_block passes and an unknown field does not."""
    validator = Draft202012Validator(plan_tool_definitions()[0]["function"]["parameters"])
    assert validator.is_valid({"ops": [{"op": "update_block", "block_id": "b_3", "sets": 3}]})
    assert validator.is_valid(
        {
            "ops": [
                {
                    "op": "add_block",
                    "day_id": "day_5",
                    "exercise": "Pull-up",
                    "sets": 3,
                    "reps": "AMRAP",
                    "weight": "BW",
                }
            ]
        }
    )
    assert not validator.is_valid({"ops": [{"op": "update_block", "block_id": "b_3", "athlete_id": 2}]})
    assert not validator.is_valid({"ops": [{"op": "restore_version", "version": 1}]})


def test_a_llama_grammar_built_from_edit_plan_can_emit_every_field():
    """Given llama.cpp's grammar from edit_plan's schema (when installed), then it builds and has a rule for each field."""
    llama_cpp = pytest.importorskip("llama_cpp")
    schema = json.dumps(plan_tool_definitions()[0]["function"]["parameters"])
    assert llama_cpp.LlamaGrammar.from_json_schema(schema) is not None
    to_gbnf = getattr(llama_cpp.llama_grammar, "json_schema_to_gbnf", None)
    if to_gbnf is not None:
        rules = dict(line.split(" ::= ", 1) for line in to_gbnf(schema).splitlines() if " ::= " in line)
        assert rules["ops-item"].startswith('"{" space ops-item-op-kv')  # op first, then the optional fields
        for name in ("block-id", "sets", "day-id", "reps", "weight", "member-id", "members", "focus"):
            assert f"ops-item-{name}-kv" in rules, name
        assert rules["ops-item-sets-kv"].endswith("integer") and rules["ops-item-block-id-kv"].endswith("string")


def test_restore_version_is_refused_to_the_model_and_the_plan_is_unchanged(demo_con):
    """Given a model call of restore_version through edit_plan, then it is refused as for people and nothing changes."""
    before = _state(demo_con)
    refused = _edit(
        demo_con, {"op": "update_block", "block_id": "b_1", "sets": 5}, {"op": "restore_version", "version": 1}
    )
    assert refused.startswith("error: ops[1].op: 'restore_version' is for people") and "nothing was changed" in refused
    assert _state(demo_con) == before


def test_the_entry_point_returns_the_plan_ids_and_names_the_tool_it_unlocks(demo_con):
    """Given a change_plan call, then the result names edit_plan, the required fields per op and the plan's block IDs."""
    before = _state(demo_con)
    result = execute_tool_call(demo_con, MAYA, "change_plan", "{}")
    assert result.startswith("edit_plan is now offered") and "update_block block_id" in result and "b_1 " in result
    assert _state(demo_con) == before


def _limit_cases() -> list[tuple[str, object, object, str, str]]:
    """(field, just inside, just outside, the limit as the refusal names it, as the definition states it)."""
    cases = []
    for spec in FIELDS.values():
        if spec.json_type == "integer" and spec.maximum is not None:
            words = f"{spec.minimum}-{spec.maximum}"
            cases += [
                (spec.name, spec.maximum, spec.maximum + 1, words, words),
                (spec.name, spec.minimum, spec.minimum - 1, words, words),
            ]
        if spec.max_length is not None:
            n = spec.max_length
            cases.append((spec.name, "x" * n, "x" * (n + 1), f"at most {n} characters", f"{n} chars"))
    reps, weight = "8, 8-10, AMRAP or 45s", "225lbs, 100kg or BW"
    cases += [
        ("reps", "8-10", "8 to 10", reps, "e.g. 8, 8-10, AMRAP, 45s"),
        ("reps", "45s", "45 sec", reps, "e.g. 8, 8-10, AMRAP, 45s"),
        ("weight", "22.5kg", "22.5", weight, "e.g. 225lbs, 100kg, BW"),
        ("weight", "BW", "bodyweight", weight, "e.g. 225lbs, 100kg, BW"),
        ("members", [{"exercise": "Plank"}] * 12, [{"exercise": "Plank"}] * 13, "at most 12", "≤12"),
        ("target", "4:30/km", "fast", "Z2, 4:30/km, 1:45/100m, 220W or RPE7", "Z2, 4:30/km, 1:45/100m, 220W, RPE7"),
        ("target", "RPE7", "Z6", "Z2, 4:30/km, 1:45/100m, 220W or RPE7", "Z2, 4:30/km, 1:45/100m, 220W, RPE7"),
    ]
    return cases


def _op_for(field: str, value: object) -> dict:
    """An op that carries `field` on maya's plan (b_1 is a single exercise, b_5 a circuit, m_1 its member)."""
    if field in ("exercise", "sets", "reps", "weight", "rest_s", "notes"):
        return {"op": "update_block", "block_id": "b_1", field: value}
    if field == "focus":
        return {"op": "set_day_focus", "day_id": "day_3", "focus": value}
    if field in ("duration_min", "distance_m", "target"):
        return {
            "op": "add_block",
            "day_id": "day_3",
            "exercise": "Easy",
            "kind": "run",
            "duration_min": 40,
            field: value,
        }
    if field == "members":
        return {"op": "add_block", "day_id": "day_3", "exercise": "C", "sets": 3, "kind": "circuit", field: value}
    return {"op": "add_block", "day_id": "day_3", "exercise": "X", "sets": 3, "reps": "8", field: value}


@pytest.mark.parametrize(("field", "inside", "outside", "limit", "stated"), _limit_cases(), ids=lambda v: str(v)[:20])
def test_every_stated_limit_is_enforced_and_the_refusal_names_it(demo_con, field, inside, outside, limit, stated):
    """Given a limit the definition states, a value just inside applies and one just outside is refused naming it."""
    assert edit_op_schema()["properties"][field]["description"] == FIELDS[field].words
    assert stated in FIELDS[field].words
    before = _state(demo_con)
    refused = _edit(demo_con, _op_for(field, outside))
    assert refused.startswith("error: op 1") and f"{field}: " in refused and limit in refused, refused
    assert _state(demo_con) == before
    assert _edit(demo_con, _op_for(field, inside)).startswith("ok "), field


def test_ops_per_call_limit_is_enforced_naming_it(demo_con):
    """Given 50 ops the call applies; given 51 it is refused saying at most 50, and nothing changes."""
    ok = _edit(demo_con, *[{"op": "update_block", "block_id": "b_1", "notes": f"n{i}"} for i in range(OPS_MAX)])
    assert ok.startswith("ok b_1 notes")
    before = _state(demo_con)
    refused = _edit(demo_con, *[{"op": "remove_block", "block_id": "b_1"}] * (OPS_MAX + 1))
    assert refused == f"error: ops: expected at most {OPS_MAX} operations per call, got {OPS_MAX + 1}"
    assert _state(demo_con) == before


def test_edit_plan_applies_several_ops_atomically(demo_con):
    """Given an edit_plan batch, all ops apply in one version; with one bad op none do."""
    ok = _edit(
        demo_con,
        {"op": "update_block", "block_id": "b_1", "sets": 5},
        {"op": "add_block", "day_id": "day_3", "exercise": "Face Pull", "sets": 3, "reps": "15", "weight": "BW"},
    )
    assert (
        ok == f"ok b_1 sets 4→5; added b_22 (Wed Face Pull) to day_3 #2; plan {plan_head(demo_con, MAYA).plan_hash[:8]}"
    )
    assert plan_db.versions(demo_con, MAYA)[-1]["author"] == "ai"
    before = _state(demo_con)
    bad = _edit(
        demo_con,
        {"op": "update_block", "block_id": "b_1", "sets": 6},
        {"op": "update_block", "block_id": "b_404", "sets": 3},
    )
    assert bad == "error: op 2 (update_block): block_id: unknown block 'b_404' (not in this athlete's plan)"
    assert _state(demo_con) == before


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        (
            "edit_plan",
            '{"ops": [{"op": "update_block", "block_id": "b_1", "sets": "4"}]}',
            "sets: expected an integer 1-20, got '4' (string)",
        ),
        (
            "edit_plan",
            '{"ops": [{"op": "update_block", "block_id": "bench", "sets": 4}]}',
            "block_id: expected like b_42, got 'bench'",
        ),
        (
            "edit_plan",
            '{"ops": [{"op": "update_block", "block_id": "b_1"}]}',
            "update_block: give at least one of exercise, sets",
        ),
        (
            "edit_plan",
            '{"ops": [{"op": "drop_table"}]}',
            "op: unknown operation 'drop_table' (string); expected one of update_block",
        ),
        (
            "edit_plan",
            '{"ops": [{"op": "update_block", "block_id": "b_1", "mood": 1}]}',
            "mood: not a field of update_block",
        ),
        ("edit_plan", '{"ops": []}', "ops: expected at least one operation"),
        ("edit_plan", '{"ops": 5}', "ops: expected an array of operations, got 5 (integer)"),
        ("edit_plan", '{"mood": 1, "ops": []}', "mood: unknown field; edit_plan takes base_hash, ops"),
        ("edit_plan", "{}", "ops: required"),
        ("edit_plan", "{sets: 4", "arguments: not valid JSON"),
        ("edit_plan", "[1, 2]", "arguments: expected a JSON object, got [1, 2] (array)"),
        (
            "update_block",
            '{"block_id": "b_1"}',
            "tool: unknown tool 'update_block' (string); expected one of edit_plan, get_plan",
        ),
        ("get_plan", '{"x": 1}', "x: unknown field; get_plan takes no arguments"),
    ],
)
def test_bad_calls_come_back_as_one_error_line_naming_the_field(demo_con, name, arguments, message):
    """Given a malformed call, the executor returns one `error:` line naming the field; nothing changes."""
    before = _state(demo_con)
    shown = plan_head(demo_con, MAYA).plan_hash
    result = execute_tool_call(demo_con, MAYA, name, arguments, shown_hash=shown)
    assert result.startswith("error: ") and message in result and "\n" not in result, result
    assert _state(demo_con) == before


HOSTILE = [
    ('{"ops": [{"op": "update_block", "block_id": "b_1", "notes": "\\ud800"}]}', "lone surrogate"),
    ('{"ops": [{"op": "update_block", "block_id": "b_1", "exercise": "x\\udfff"}]}', "lone surrogate"),
    ('{"ops": [{"op": "set_day_focus", "day_id": "day_1", "focus": "\\ud83d"}]}', "lone surrogate"),
    ("[" * 1000 + "]" * 1000, "arguments:"),
    ('{"ops": ' + "[" * 1000 + "]" * 1000 + "}", "ops"),
    ('{"ops": [{"op": "update_block", "block_id": "b_1", "sets": ' + "9" * 4301 + "}]}", "arguments: not valid JSON"),
    ('{"ops": [{"op": "update_block", "block_id": "b_1", "sets": ' + "9" * 4000 + "}]}", "digits"),
    ('{"ops": [{"op": "\\ud800"}]}', "op: unknown operation"),
    ('{"ops": [{"op": "update_block", "\\ud800": 1, "block_id": "b_1"}]}', "not a field"),
]


@pytest.mark.parametrize(("arguments", "message"), HOSTILE, ids=range(len(HOSTILE)))
def test_executor_never_raises_on_hostile_input_and_changes_nothing(demo_con, arguments, message):
    """Given surrogates, 1,000-deep nesting or a 4,301-digit integer, the result is one short, encodable error line."""
    before = _state(demo_con)
    result = execute_tool_call(demo_con, MAYA, "edit_plan", arguments, shown_hash=before[1].plan_hash)
    assert result.startswith("error: ") and message in result, result
    assert len(result) < 300 and "\n" not in result
    result.encode("utf-8")
    assert _state(demo_con) == before


def test_huge_text_is_refused_without_echoing_it(demo_con):
    """Given 1 MB of notes, the error states the limit and the size, not the text."""
    big = json.dumps({"ops": [{"op": "update_block", "block_id": "b_1", "notes": "A" * 1_000_000}]})
    result = execute_tool_call(demo_con, MAYA, "edit_plan", big, shown_hash=plan_head(demo_con, MAYA).plan_hash)
    assert result == f"error: arguments: expected at most {ARGUMENTS_MAX_CHARS} characters, got {len(big)} characters"
    small_enough = json.dumps({"ops": [{"op": "update_block", "block_id": "b_1", "notes": "A" * 100_000}]})
    result = execute_tool_call(
        demo_con, MAYA, "edit_plan", small_enough, shown_hash=plan_head(demo_con, MAYA).plan_hash
    )
    assert result == "error: op 1 (update_block): notes: expected at most 500 characters, got 100000 characters"


def test_a_50000_op_call_is_refused_with_a_short_message(demo_con):
    """Given 50,000 ops, the call is refused by its size or op count in one short line; nothing changes."""
    before = _state(demo_con)
    for op in ({"op": "remove_block", "block_id": "b_1"}, {}):
        result = execute_tool_call(
            demo_con, MAYA, "edit_plan", json.dumps({"ops": [op] * 50_000}), shown_hash=before[1].plan_hash
        )
        assert result.startswith(("error: arguments: expected at most", "error: ops: expected at most 50")), result
        assert len(result) < 120
    assert _state(demo_con) == before


def test_newline_in_a_name_is_refused_as_not_one_line(demo_con):
    """Given an exercise name with a newline, the refusal says one line, not a character count."""
    result = _edit(demo_con, {"op": "update_block", "block_id": "b_1", "exercise": "Bench\nPress"})
    assert (
        result
        == "error: op 1 (update_block): exercise: expected one line, got a line break or control character ('\\n')"
    )


def test_get_plan_returns_the_full_plan_with_ids_and_hash(demo_con):
    """Given get_plan, the result is the full plan text headed by the short hash and version."""
    result = execute_tool_call(demo_con, MAYA, "get_plan", "{}")
    head = plan_head(demo_con, MAYA)
    assert result.splitlines()[0].startswith(f"Plan {head.plan_hash[:8]} v5 ")
    assert result.splitlines()[1].startswith("day_1 Mon Upper A: b_1 Bench Press 4×")


def test_stale_tool_call_is_refused_with_what_changed(demo_con):
    """Given the coach edited since the hash the model saw, the model's call is refused listing the coach's change."""
    seen = plan_head(demo_con, MAYA).plan_hash
    _edit(demo_con, {"op": "update_block", "block_id": "b_1", "sets": 5})
    ops = json.dumps({"ops": [{"op": "update_block", "block_id": "b_2", "sets": 4}]})
    result = execute_tool_call(demo_con, MAYA, "edit_plan", ops, shown_hash=seen)
    assert result.startswith(f"error: stale base_hash {seen[:8]} (v5): the plan is now ")
    assert "changed since: b_1 (Mon Bench Press) sets 4→5." in result


def test_base_hash_defaults_to_the_hash_shown_in_the_last_interaction(demo_con):
    """Given no base_hash in the call, the last interaction's plan hash is the base; none logged means refused."""
    ops = json.dumps({"ops": [{"op": "update_block", "block_id": "b_2", "sets": 4}]})
    assert execute_tool_call(demo_con, MAYA, "edit_plan", ops).startswith("error: base_hash: required")
    plan_db.record_interaction(
        demo_con, MAYA, datetime(2025, 1, 1), plan_head(demo_con, MAYA).plan_hash, "hi", "o200k_base", 10
    )
    assert execute_tool_call(demo_con, MAYA, "edit_plan", ops).startswith("ok b_2 sets 3→4")
