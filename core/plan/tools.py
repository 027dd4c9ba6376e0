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
from core.plan.op_table import EDIT_OP_NAMES, OPS, OPS_MAX, field_words, op_signature
from core.plan.ops import check_batch_shape
from core.plan.store import apply_ops, latest_version, load_plan, plan_head
from core.plan.text import format_plan_context

EDIT_TOOL = "edit_plan"
READ_TOOL = "get_plan"
PLAN_TOOL_NAMES = (EDIT_TOOL, READ_TOOL)
# Arguments longer than this are refused before parsing: 50 ops with every text field full fit well inside.
ARGUMENTS_MAX_CHARS = 200_000
_MODEL_FIELDS = tuple(dict.fromkeys(f for name in EDIT_OP_NAMES for f in OPS[name].fields))


def plan_tool_definitions() -> list[dict[str, Any]]:
    """The plan tools in OpenAI `tools` format: `edit_plan` (every op, each field described once) and `get_plan`.

    Fields are described in the description's words rather than as a JSON Schema per
    field: about a third of the tokens, and the executor checks every rule anyway.
    """
    ops = "; ".join(op_signature(OPS[name]) for name in EDIT_OP_NAMES)
    edit = {
        "name": EDIT_TOOL,
        "description": f"Edit the plan by IDs; ops apply in order, all or nothing. Ops ([optional]): {ops}."
        f" Fields: {field_words(_MODEL_FIELDS)}. null clears.",
        "parameters": {
            "type": "object",
            "properties": {
                "base_hash": {"type": "string", "description": "plan hash seen; default: this turn's"},
                "ops": {
                    "type": "array",
                    "description": f"1-{OPS_MAX} ops",
                    "items": {"type": "object", "properties": {"op": {"type": "string"}}, "required": ["op"]},
                },
            },
            "required": ["ops"],
        },
    }
    read = {
        "name": READ_TOOL,
        "description": "The current plan: IDs, hash, version.",
        "parameters": {"type": "object", "properties": {}},
    }
    return [{"type": "function", "function": edit}, {"type": "function", "function": read}]


def _parse_arguments(text: Any) -> dict[str, Any]:
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


def _run(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    name: str,
    arguments: dict[str, Any],
    shown_hash: str | None,
    author: str,
    actor: str,
) -> str:
    if name == READ_TOOL:
        head = plan_head(con, athlete_id)
        return format_plan_context(load_plan(con, athlete_id), head.plan_hash, head.version)
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
        arguments = _parse_arguments(arguments_json_str)
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
