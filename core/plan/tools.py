"""Plan tools for the model: one compact `edit_plan` definition and a small `get_plan`, and their executor.

The definitions are built from the op table (`core.plan.op_table`): each op is one
signature line, each field is described once, limits in words ("1-20", "e.g. 8,
8-10, AMRAP, 45s"), not regexes. The executor enforces the exact rules through the
one write path `core.plan.store.apply_ops` (author 'ai') and never raises: every
failure comes back as one `error: <field>: …` line, short whatever the input.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from core.db import plan as plan_db
from core.errors import CoachError
from core.plan.model import Plan, describe, key_name, plan_to_canonical, short_hash
from core.plan.op_table import EDIT_OP_NAMES, FIELDS, OPS, OPS_MAX
from core.plan.ops import check_batch_shape
from core.plan.store import apply_ops, latest_version, load_plan, plan_head
from core.plan.text import format_plan_context

EDIT_TOOL = "edit_plan"
READ_TOOL = "get_plan"
# The small entry point offered on every turn: calling it returns the plan's IDs and unlocks edit_plan.
EDITOR_TOOL = "change_plan"
PLAN_TOOL_NAMES = (EDIT_TOOL, READ_TOOL, EDITOR_TOOL)
UNLOCKS = {EDITOR_TOOL: EDIT_TOOL}
EDITOR_RESULT = (
    f"{EDIT_TOOL} is now offered: call it with ops naming the IDs below (one op per change). Required per op: {{ops}}."
)
# Arguments longer than this are refused before parsing: 50 ops with every text field full fit well inside.
ARGUMENTS_MAX_CHARS = 200_000
_MODEL_FIELDS = tuple(dict.fromkeys(f for name in EDIT_OP_NAMES for f in OPS[name].fields))


# IDs are read off the plan text the model is shown (`b_3`, `m_1`): their type is enough.
_ID_FIELDS = frozenset({"block_id", "member_id"})


def _field_schema(name: str) -> dict[str, Any]:
    """One op field as JSON Schema: a short enum, else its type and its limits in words.

    Null (clear a field) is said once in the description rather than as a `["string", "null"]` per
    field: ~35 tokens, and the executor accepts null wherever a field can be cleared.
    """
    spec = FIELDS[name]
    if spec.choices and len(spec.choices) <= 6:
        return {"enum": list(spec.choices)}
    if name in _ID_FIELDS:
        return {"type": spec.json_type}
    return {"type": spec.json_type, "description": spec.words}


def edit_op_schema() -> dict[str, Any]:
    """The schema of one op: `op` plus every field any model op takes, each optional, no others.

    One flat set of optional fields (not one alternative per op) keeps the definition within the
    tool budget while a grammar built from it (llama.cpp turns tool schemas into decoding grammars)
    can still emit every field; which fields each op requires is in the tool's description, and the
    executor stays the judge of each op. `restore_version` is for people and is not offered.
    """
    return {
        "type": "object",
        "properties": {"op": {"enum": list(EDIT_OP_NAMES)}} | {name: _field_schema(name) for name in _MODEL_FIELDS},
        "required": ["op"],
        "additionalProperties": False,
    }


def plan_tool_definitions() -> list[dict[str, Any]]:
    """The plan tools in OpenAI `tools` format: `edit_plan` (every op, every field declared) and `get_plan`."""
    ops = _required_per_op()
    edit = {
        "name": EDIT_TOOL,
        "description": f"Edit the plan by IDs; ops apply in order, all or nothing. Required per op: {ops}."
        " Other fields set what they name; null clears.",
        "parameters": {
            "type": "object",
            "properties": {
                "base_hash": {"type": "string"},
                "ops": {"type": "array", "items": edit_op_schema()},
            },
            "required": ["ops"],
        },
    }
    read = {
        "name": READ_TOOL,
        "description": "The current plan: IDs, hash, version.",
        "parameters": {"type": "object", "properties": {}},
    }
    editor = {
        "name": EDITOR_TOOL,
        "description": "Call first for any plan change; unlocks edit_plan",
        "parameters": {"type": "object", "properties": {}},
    }
    return [{"type": "function", "function": f} for f in (edit, read, editor)]


def _required_per_op() -> str:
    return "; ".join(" ".join((name, *OPS[name].required)) for name in EDIT_OP_NAMES)


def _ops_arguments(text: Any) -> dict[str, Any]:
    """The call's arguments as a dict, or CoachError with one short line saying what is wrong."""
    if not isinstance(text, str):
        raise CoachError(f"arguments: expected a JSON object as text, got {describe(text)}")
    if len(text) > ARGUMENTS_MAX_CHARS:
        raise CoachError(f"arguments: expected at most {ARGUMENTS_MAX_CHARS} characters, got {len(text)} characters")
    try:
        arguments = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise CoachError(
            f'arguments: not valid JSON ({exc.msg} at character {exc.pos}); expected an object like {{"ops": [...]}}'
        ) from None
    except RecursionError:
        raise CoachError("arguments: nested too deeply; expected an object of ops, at most a few levels deep") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise CoachError(f"arguments: not valid JSON ({str(exc)[:60]}...)") from None
    if not isinstance(arguments, dict):
        raise CoachError(f"arguments: expected a JSON object, got {describe(arguments)}")
    return arguments


def _check_envelope(name: str, arguments: dict[str, Any]) -> None:
    if name not in PLAN_TOOL_NAMES:
        raise CoachError(f"tool: unknown tool {describe(name)}; expected one of {', '.join(PLAN_TOOL_NAMES)}")
    allowed = ("base_hash", "ops") if name == EDIT_TOOL else ()
    unknown = sorted(key_name(k) for k in arguments if k not in allowed)
    if unknown:
        raise CoachError(f"{unknown[0]}: unknown field; {name} takes {', '.join(allowed) or 'no arguments'}")
    if name == EDIT_TOOL:
        if "ops" not in arguments:
            raise CoachError(f"ops: required (an array of 1-{OPS_MAX} ops)")
        check_batch_shape(arguments["ops"], OPS_MAX)
        _refuse_people_ops(arguments["ops"])


def _refuse_people_ops(ops: list[Any]) -> None:
    """Ops meant for people (restore_version) are refused whole before anything runs: the plan stays as it is."""
    for i, op in enumerate(ops):
        kind = op.get("op") if isinstance(op, dict) else None
        if isinstance(kind, str) and kind in OPS and not OPS[kind].for_model:
            raise CoachError(
                f"ops[{i}].op: {kind!r} is for people (the Plan page or `python -m core plan revert`), not the model;"
                f" expected one of {', '.join(EDIT_OP_NAMES)}; nothing was changed"
            )


def _run(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    name: str,
    arguments: dict[str, Any],
    shown_hash: str | None,
    author: str,
    actor: str,
) -> str:
    if name in (READ_TOOL, EDITOR_TOOL):
        head = plan_head(con, athlete_id)
        text = format_plan_context(load_plan(con, athlete_id), head.plan_hash, head.version)
        return text if name == READ_TOOL else EDITOR_RESULT.format(ops=_required_per_op()) + "\n" + text
    base = arguments.get("base_hash") or shown_hash or plan_db.last_interaction_plan_hash(con, athlete_id)
    if base is None:
        return "error: base_hash: required (no plan has been shown in this conversation yet); read the plan first"
    before = plan_head(con, athlete_id)
    new_hash = apply_ops(con, athlete_id, arguments["ops"], base, author, actor=actor)
    latest = latest_version(con, athlete_id)
    if latest is None or latest.version == before.version:
        return f"ok no change; plan {short_hash(new_hash)}"
    return f"ok {'; '.join(latest.summary) or 'applied'}; plan {short_hash(new_hash)}"


def execute_tool_call(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    name: str,
    arguments_json_str: str,
    *,
    shown_hash: str | None = None,
    author: str = "ai",
    actor: str = "local",
) -> str:
    """Run one plan tool call (for `actor`, the person in the chat); returns `ok b_42 sets 3→4; plan 9f2c1a3b`, the plan text, or `error: …`.

    The base hash is the call's `base_hash`, else `shown_hash` (what the chat showed
    the model this turn; update it from each `ok` result), else the plan hash of
    the athlete's latest logged interaction. A plan changed since is refused.
    """
    try:
        arguments = _ops_arguments(arguments_json_str)
        _check_envelope(name, arguments)
        return _run(con, athlete_id, name, arguments, shown_hash, author, actor)
    except CoachError as exc:
        return f"error: {exc}"
    except Exception as exc:  # the model must always get a line back, never a traceback
        return f"error: {name if isinstance(name, str) else 'tool'}: could not be run ({type(exc).__name__})"


def structured_tool_call_text(name: str, arguments: dict[str, Any]) -> str:
    """The tool call as it travels on the wire (name + JSON-string arguments), for token counting."""
    return json.dumps({"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)}, ensure_ascii=False)


def verbose_tool_call_text(plan: Plan) -> str:
    """The pre-ID way to change a plan: the model re-sends the whole updated plan in one call."""
    days = [
        {
            "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][n],
            "focus": d["focus"],
            "exercises": [
                {k: v for k, v in b.items() if k not in ("block_id",) and v not in (None, [])}
                | {
                    "members": [
                        {k: v for k, v in m.items() if k != "member_id" and v is not None} for m in b.get("members", [])
                    ]
                }
                if b.get("members")
                else {k: v for k, v in b.items() if k not in ("block_id", "members") and v is not None}
                for b in d["blocks"]
            ],
        }
        for n, d in enumerate(plan_to_canonical(plan)["days"])
    ]
    return structured_tool_call_text("update_weekly_plan", {"weekly_plan": days})
