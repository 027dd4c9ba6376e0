"""Plan edits as OpenAI function-calling tools: JSON Schemas, and an executor that runs them.

Each plan op is one tool (`update_block`, `add_block`, ...) carrying `base_hash`,
the plan hash the model was shown; `edit_plan` applies several ops atomically.
The executor validates arguments against the schema (jsonschema), then calls the
one write path `core.plan.store.apply_ops` with author 'ai'. It never raises for bad
input: errors come back as one readable line for the model, naming the field.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from core.db import plan as plan_db
from core.errors import CoachError
from core.plan.model import (
    REPS_RE,
    SETS_MAX,
    SETS_MIN,
    WEIGHT_RE,
    Plan,
    describe,
    plan_to_canonical,
    short_hash,
)
from core.plan.store import apply_ops

_HASH = {
    "type": "string",
    "pattern": "^[0-9a-f]{8,64}$",
    "description": "Hash of the plan you based this on (8+ hex digits); omit to use the plan shown in this turn.",
}
_BLOCK_ID = {"type": "string", "pattern": r"^b_[1-9]\d*$", "description": "a block ID like b_42"}
_MEMBER_ID = {"type": "string", "pattern": r"^m_[1-9]\d*$", "description": "a circuit member ID like m_7"}
_DAY_ID = {
    "type": "string",
    "enum": [f"day_{n}" for n in range(1, 8)],
    "description": "day_1 = Monday ... day_7 = Sunday.",
}
_EXERCISE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 80,
    "description": "Exercise name (circuit name for a circuit).",
}
_SETS = {"type": "integer", "minimum": SETS_MIN, "maximum": SETS_MAX, "description": "Sets (rounds for a circuit)."}
_REPS = {"type": ["string", "null"], "pattern": REPS_RE.pattern, "description": "'8', '8-10', 'AMRAP' or '45s'"}
_WEIGHT = {"type": ["string", "null"], "pattern": WEIGHT_RE.pattern, "description": "'225lbs', '100kg' or 'BW'"}
_REST = {"type": ["integer", "null"], "minimum": 0, "maximum": 3600, "description": "Rest in seconds."}
_NOTES = {"type": ["string", "null"], "maxLength": 500}
_POSITION = {"type": "integer", "minimum": 1, "description": "1-based position; default: last."}
_MEMBER = {
    "type": "object",
    "properties": {"exercise": _EXERCISE, "reps": _REPS, "weight": _WEIGHT, "notes": _NOTES},
    "required": ["exercise"],
    "additionalProperties": False,
}


def _object(properties: dict[str, Any], required: list[str], min_properties: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if min_properties:
        schema["minProperties"] = min_properties
    return schema


# op name -> (description, parameters without base_hash)
OP_SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    "update_block": (
        "Change fields of one block (a single exercise or a circuit) by ID.",
        _object(
            {
                "block_id": _BLOCK_ID,
                "exercise": _EXERCISE,
                "sets": _SETS,
                "reps": _REPS,
                "weight": _WEIGHT,
                "rest_s": _REST,
                "notes": _NOTES,
            },
            ["block_id"],
            min_properties=2,
        ),
    ),
    "add_block": (
        "Add a single exercise (kind 'single': sets, reps, weight) or a circuit (kind 'circuit': sets = rounds,"
        " members) to a day.",
        _object(
            {
                "day_id": _DAY_ID,
                "position": _POSITION,
                "kind": {"type": "string", "enum": ["single", "circuit"]},
                "exercise": _EXERCISE,
                "sets": _SETS,
                "reps": _REPS,
                "weight": _WEIGHT,
                "rest_s": _REST,
                "notes": _NOTES,
                "members": {"type": "array", "items": _MEMBER, "maxItems": 12},
            },
            ["day_id", "exercise", "sets"],
        ),
    ),
    "remove_block": ("Remove a block (and a circuit's members) by ID.", _object({"block_id": _BLOCK_ID}, ["block_id"])),
    "move_block": (
        "Move a block to another day and/or position.",
        _object({"block_id": _BLOCK_ID, "day_id": _DAY_ID, "position": _POSITION}, ["block_id"], min_properties=2),
    ),
    "add_member": (
        "Add an exercise to a circuit block.",
        _object(
            {
                "block_id": _BLOCK_ID,
                "position": _POSITION,
                "exercise": _EXERCISE,
                "reps": _REPS,
                "weight": _WEIGHT,
                "notes": _NOTES,
            },
            ["block_id", "exercise"],
        ),
    ),
    "update_member": (
        "Change fields of one circuit member by ID.",
        _object(
            {"member_id": _MEMBER_ID, "exercise": _EXERCISE, "reps": _REPS, "weight": _WEIGHT, "notes": _NOTES},
            ["member_id"],
            min_properties=2,
        ),
    ),
    "remove_member": ("Remove a circuit member by ID.", _object({"member_id": _MEMBER_ID}, ["member_id"])),
    "set_day_focus": (
        "Set or clear (null) a day's focus label.",
        _object({"day_id": _DAY_ID, "focus": {"type": ["string", "null"], "maxLength": 60}}, ["day_id", "focus"]),
    ),
}


def _with_hash(parameters: dict[str, Any]) -> dict[str, Any]:
    schema = json.loads(json.dumps(parameters))
    schema["properties"] = {"base_hash": _HASH, **schema["properties"]}
    return schema


def _batch_schema() -> dict[str, Any]:
    variants = []
    for name, (_, parameters) in OP_SCHEMAS.items():
        variant = json.loads(json.dumps(parameters))
        variant["properties"] = {"op": {"const": name}, **variant["properties"]}
        variant["required"] = ["op", *variant["required"]]
        if "minProperties" in variant:
            variant["minProperties"] += 1
        variants.append(variant)
    return {
        "type": "object",
        "properties": {
            "base_hash": _HASH,
            "ops": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"oneOf": variants}},
        },
        "required": ["ops"],
        "additionalProperties": False,
    }


TOOL_PARAMETERS: dict[str, dict[str, Any]] = {name: _with_hash(p) for name, (_, p) in OP_SCHEMAS.items()}
TOOL_PARAMETERS["edit_plan"] = _batch_schema()
_DESCRIPTIONS = {name: d for name, (d, _) in OP_SCHEMAS.items()}
_DESCRIPTIONS["edit_plan"] = (
    "Apply several plan ops at once, all or nothing. Each op is {op: <tool name>, ...its fields}."
)

PLAN_TOOL_SCHEMAS: list[dict[str, Any]] = [
    {"type": "function", "function": {"name": name, "description": _DESCRIPTIONS[name], "parameters": params}}
    for name, params in TOOL_PARAMETERS.items()
]
PLAN_TOOL_NAMES = tuple(TOOL_PARAMETERS)
_VALIDATORS = {name: Draft202012Validator(params) for name, params in TOOL_PARAMETERS.items()}


def _field(error: ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"{path}.{missing}" if path else missing
    return path or "arguments"


def _problem(error: ValidationError) -> str:
    """One error as `field: expected ..., got ...`."""
    field, value, rule = _field(error), error.instance, error.validator
    if rule == "type":
        expected = (
            error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        )
        return f"{field}: expected {expected}, got {describe(value)}"
    if rule == "pattern":
        hint = error.schema.get("description", f"matching {error.validator_value}")
        return f"{field}: expected {hint}, got {value!r}"
    if rule == "required":
        return f"{field}: required"
    if rule == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {})))
        return (
            f"{field}.{extra[0] if extra else '?'}: unknown field"
            if field != "arguments"
            else f"{extra[0]}: unknown field"
        )
    if rule in ("minimum", "maximum"):
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        expected = f"{low}-{high}" if high is not None else f"at least {low}"
        return f"{field}: expected {expected}, got {describe(value)}"
    if rule == "enum":
        return f"{field}: expected one of {', '.join(map(str, error.validator_value))}, got {describe(value)}"
    if rule == "minProperties":
        return f"{field}: give at least one field to change besides the ID"
    if rule == "oneOf":
        op = value.get("op") if isinstance(value, dict) else None
        if op in _VALIDATORS and op != "edit_plan":
            inner = [
                e
                for e in _VALIDATORS[op].iter_errors(
                    {"base_hash": "0" * 8, **{k: v for k, v in value.items() if k != "op"}}
                )
            ]
            if inner:
                return f"{field}.{_problem(sorted(inner, key=lambda e: list(e.absolute_path))[0])}"
        return f"{field}.op: expected one of {', '.join(OP_SCHEMAS)}, got {describe(op)}"
    return f"{field}: {error.message}"


def validate_tool_arguments(name: str, arguments: Any) -> list[str]:
    """Schema problems of one tool call's arguments (empty list: valid)."""
    if name not in _VALIDATORS:
        return [f"tool: unknown tool {name!r}; expected one of {', '.join(PLAN_TOOL_NAMES)}"]
    if not isinstance(arguments, dict):
        return [f"arguments: expected a JSON object, got {describe(arguments)}"]
    errors = sorted(_VALIDATORS[name].iter_errors(arguments), key=lambda e: [str(p) for p in e.absolute_path])
    return [_problem(e) for e in errors]


def tool_call_ops(name: str, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """The write-path ops a (valid) tool call stands for."""
    if name == "edit_plan":
        return [dict(op) for op in arguments["ops"]]
    return [{"op": name, **{k: v for k, v in arguments.items() if k != "base_hash"}}]


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
    """Run one plan tool call (for `actor`, the person in the chat); returns `ok b_42 sets 3→4; plan 9f2c1a3b` or `error: <field>: ...`.

    The base hash is the call's `base_hash`, else `shown_hash` (what the chat showed
    the model this turn; update it from each `ok` result), else the plan hash of
    the athlete's latest logged interaction. A plan changed since is refused.
    """
    try:
        arguments = json.loads(arguments_json_str) if arguments_json_str.strip() else {}
    except (json.JSONDecodeError, AttributeError) as exc:
        return f'error: arguments: not valid JSON ({exc}); expected an object like {{"block_id": ..., ...}}'
    problems = validate_tool_arguments(name, arguments)
    if problems:
        return "error: " + "; ".join(problems)
    base = arguments.get("base_hash") or shown_hash or plan_db.last_interaction_plan_hash(con, athlete_id)
    if base is None:
        return "error: base_hash: required (no plan has been shown in this conversation yet); read the plan first"
    try:
        new_hash = apply_ops(con, athlete_id, tool_call_ops(name, arguments), base, author, actor=actor)
    except CoachError as exc:
        return f"error: {exc}"
    if new_hash.startswith(base):
        return f"ok no change; plan {short_hash(new_hash)}"
    row = plan_db.version_by_hash(con, athlete_id, new_hash)
    summary = json.loads(row["changes_json"]).get("summary", []) if row else []
    return f"ok {'; '.join(summary) or 'applied'}; plan {short_hash(new_hash)}"


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
                        {k: v for k, v in m.items() if k != "member_id" and v is not None} for m in b["members"]
                    ]
                }
                if b["members"]
                else {k: v for k, v in b.items() if k not in ("block_id", "members") and v is not None}
                for b in d["blocks"]
            ],
        }
        for n, d in enumerate(plan_to_canonical(plan)["days"])
    ]
    return structured_tool_call_text("update_weekly_plan", {"weekly_plan": days})
