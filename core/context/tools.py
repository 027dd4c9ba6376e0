"""Tier 3: the query tools' compact definitions, which tools a turn is offered, and the one executor.

Definitions are short: limits are stated in words ("1-90") in what the model reads, while the
executor validates against the same schema plus the exact rules (patterns, no unknown fields) and
names the rule that failed. Every query is bound to the conversation's athlete, whatever the
arguments say: no schema has an athlete field, so one in the arguments is refused as unknown.
`execute_tool` never raises: bad JSON, deep nesting, huge numbers and lone surrogates come back
as one `error: ...` line for the model. Results are compact and cut to a budget at line ends.

Tool-definition tokens are counted two ways: raw JSON (what an OpenAI-compatible local server's
chat template pastes into the prompt) and an approximation of OpenAI's own rendering, the OpenAI
cookbook's `num_tokens_for_tools` ("How to count tokens with tiktoken"): 7 tokens per function,
its `name:description`, 3 per property plus `name:type:description`, enum items 3 each plus their
text, 12 at the end. It is an approximation, not OpenAI's count.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import duckdb
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from core.analytics.patterns import FAMILIES, find_patterns
from core.context.data import athlete_findings
from core.context.tier2 import dated_line
from core.db import context as sql
from core.errors import CoachError
from core.plan.tools import execute_tool_call, plan_tool_definitions
from core.quoting import quote
from core.tokens import DEFAULT_ENCODING, count_tokens
from core.workouts.formats import FORMATS, get_workout_data
from core.workouts.sport import Activity, format_sport_line, load_activities, sport_line

RESULT_BUDGET = 400  # tokens of one tool result
GENERAL_TOOL = "query_workouts"
MAX_DAYS = 90
_TYPES = ["any", "strength", "run", "ride", "swim", "yoga", "multi"]


def _days(default: int, high: int = MAX_DAYS, low: int = 1) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high, "description": f"{low}-{high}, default {default}"}


def _flag(what: str) -> dict[str, Any]:
    return {"type": "boolean", "description": what}


def _tool(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties},
        },
    }


# What the model reads. The executor adds the exact rules in _STRICT below.
QUERY_TOOLS: list[dict[str, Any]] = [
    _tool(
        "query_workouts",
        "Recent workouts of any type as one-liners",
        {
            "type": {"type": "string", "enum": _TYPES, "description": "default any"},
            "days": _days(7),
            "include_details": _flag("strength exercises and notes"),
        },
    ),
    _tool(
        "query_cardio",
        "Runs, rides and swims in detail",
        {
            "activity_type": {"type": "string", "enum": ["run", "ride", "swim", "all"], "description": "default all"},
            "days": _days(14),
            "include_hr_zones": _flag("minutes per HR zone"),
            "include_routes": _flag("route names"),
        },
    ),
    _tool(
        "query_cross_modality",
        "Tested patterns across sports (effect, n, p)",
        {
            "pattern_type": {"type": "string", "enum": [*FAMILIES, "all"], "description": "default all"},
            "days": _days(365, high=730, low=28) | {"description": "28-730, default all history"},
        },
    ),
    _tool("query_body_comp", "Body weight, body fat and nutrition trend", {"days": _days(28, high=365)}),
    _tool(
        "get_workout_data",
        "The training program (sessions, exercises, logged sets)",
        {
            "scope": {"type": "string", "description": "full_program, current_week, week:N or session:ID"},
            "format": {"type": "string", "enum": list(FORMATS), "description": "default compact"},
        },
    ),
]
_STRICT_EXTRA: dict[str, dict[str, Any]] = {
    "get_workout_data": {
        "scope": {"pattern": r"^(full_program|current_week|week:\d{1,3}|session:[A-Za-z0-9_-]{1,40})$"}
    },
}
QUERY_TOOL_NAMES = tuple(t["function"]["name"] for t in QUERY_TOOLS)


def _strict(tool: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(tool["function"]["parameters"])
    schema["additionalProperties"] = False
    for prop, extra in _STRICT_EXTRA.get(tool["function"]["name"], {}).items():
        schema["properties"][prop].update(extra)
    return schema


_VALIDATORS = {t["function"]["name"]: Draft202012Validator(_strict(t)) for t in QUERY_TOOLS}


# ---------------------------------------------------------------- the plan tools: the one place that names them


def plan_edit_tools() -> list[dict[str, Any]]:
    """The plan-edit tool offered with edit intent: the batch `edit_plan` (every op described once)."""
    return [t for t in plan_tool_definitions() if t["function"]["name"] == "edit_plan"]


def every_plan_tool() -> list[dict[str, Any]]:
    """Every plan tool core.plan defines (what strategy A sends every turn)."""
    return list(plan_tool_definitions())


def _run_plan_tool(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    name: str,
    arguments_json: str,
    shown_hash: str | None,
    actor: str,
) -> str:
    return execute_tool_call(con, athlete_id, name, arguments_json, shown_hash=shown_hash, actor=actor)


def _plan_tool_names() -> set[str]:
    return {t["function"]["name"] for t in every_plan_tool()}


# ---------------------------------------------------------------- counting definitions


def raw_tool_tokens(tools: Sequence[dict[str, Any]], encoding: str = DEFAULT_ENCODING) -> int:
    """Tokens of the definitions as raw JSON (json.dumps of the `tools` list)."""
    return count_tokens(json.dumps(list(tools)), encoding) if tools else 0


def openai_tool_tokens(tools: Sequence[dict[str, Any]], encoding: str = DEFAULT_ENCODING) -> int:
    """The OpenAI cookbook's approximation of how OpenAI renders `tools` (gpt-4o constants); not exact."""
    if not tools:
        return 0
    total = 0
    for tool in tools:
        fn = tool["function"]
        total += 7 + count_tokens(f"{fn['name']}:{fn.get('description', '').removesuffix('.')}", encoding)
        properties = fn.get("parameters", {}).get("properties", {})
        if properties:
            total += 3
            for key, prop in properties.items():
                total += 3
                if "enum" in prop:
                    total += -3 + sum(3 + count_tokens(str(item), encoding) for item in prop["enum"])
                desc = str(prop.get("description", "")).removesuffix(".")
                total += count_tokens(f"{key}:{prop.get('type', '')}:{desc}", encoding)
    return total + 12


# ---------------------------------------------------------------- which tools a turn gets


@dataclass(frozen=True)
class OfferedTool:
    name: str
    reason: str


def offer_tools(topics: Sequence[str], edit_words: Sequence[str], body_words: Sequence[str]) -> tuple[OfferedTool, ...]:
    """Only what the turn needs: the general read tool always, the rest by topic and intent, in this order."""
    offered = [OfferedTool(GENERAL_TOOL, "always: the general read tool")]
    if edit_words:
        offered += [
            OfferedTool(t["function"]["name"], f"edit intent: {' … '.join(edit_words)}") for t in plan_edit_tools()
        ]
    if "cardio" in topics:
        offered.append(OfferedTool("query_cardio", "cardio topic"))
    if "cross_training" in topics or "recovery" in topics:
        which = " and ".join(t for t in ("cross_training", "recovery") if t in topics)
        offered.append(OfferedTool("query_cross_modality", f"{which} topic"))
    if body_words:
        offered.append(OfferedTool("query_body_comp", f"body/nutrition words: {', '.join(body_words)}"))
    if "training" in topics and not edit_words:
        offered.append(OfferedTool("get_workout_data", "training topic"))
    return tuple(offered)


def tool_definitions(names: Sequence[str]) -> list[dict[str, Any]]:
    """The definitions of the named tools, in that order."""
    by_name = {t["function"]["name"]: t for t in [*QUERY_TOOLS, *every_plan_tool()]}
    return [by_name[n] for n in names]


def every_tool() -> list[dict[str, Any]]:
    """Every tool there is (strategy A offers all of them every turn)."""
    return [*QUERY_TOOLS, *every_plan_tool()]


# ---------------------------------------------------------------- the executor


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _problem(error: ValidationError) -> str:
    field = ".".join(str(p) for p in error.absolute_path) or "arguments"
    rule, schema = error.validator, error.schema
    if rule == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        name = extra[0] if extra else "?"
        hint = "; tools always read this conversation's athlete" if "athlete" in name.lower() else ""
        return f"{name}: unknown field, expected one of {', '.join(schema.get('properties', {})) or 'none'}{hint}"
    if rule in ("minimum", "maximum"):
        return f"{field}: expected {schema.get('minimum')}-{schema.get('maximum')} ({rule} {error.validator_value}), got {_describe(error.instance)}"
    if rule == "enum":
        return f"{field}: expected one of {', '.join(map(str, error.validator_value))}, got {_describe(error.instance)}"
    if rule == "pattern":
        return f"{field}: expected {schema.get('description', 'a valid value')}, got {_describe(error.instance)}"
    if rule == "type":
        return f"{field}: expected {error.validator_value}, got {_describe(error.instance)}"
    return f"{field}: {error.message[:120]}"


def _has_lone_surrogate(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _parse_arguments(arguments_json: str) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(arguments_json, str):
        return None, f"arguments: expected a JSON string, got {type(arguments_json).__name__}"
    if len(arguments_json) > 20_000:
        return None, f"arguments: {len(arguments_json)} characters, expected at most 20000"
    try:
        value = json.loads(arguments_json) if arguments_json.strip() else {}
    except RecursionError:
        return None, "arguments: nested too deeply, expected a flat JSON object"
    except ValueError as exc:  # JSONDecodeError, and ints too long to convert
        return None, f'arguments: not valid JSON ({str(exc)[:80]}); expected an object like {{"days": 7}}'
    if not isinstance(value, dict):
        return None, f"arguments: expected a JSON object, got {type(value).__name__}"
    if _has_lone_surrogate(value):
        return None, "arguments: text contains a lone UTF-16 surrogate; expected valid Unicode text"
    return value, ""


def execute_tool(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    name: str,
    arguments_json: str,
    *,
    shown_hash: str | None = None,
    encoding: str = DEFAULT_ENCODING,
    budget: int = RESULT_BUDGET,
    actor: str = "local",
) -> str:
    """Run one tool call for the conversation's athlete; returns the result or one `error: ...` line.

    `actor` is the person in the chat, recorded on any plan version a plan edit makes.
    """
    if name in _plan_tool_names():
        if not isinstance(arguments_json, str):
            return f"error: arguments: expected a JSON string, got {type(arguments_json).__name__}"
        args, problem = _parse_arguments(arguments_json)
        if args is None:
            return f"error: {problem}"
        try:
            return _run_plan_tool(con, athlete_id, name, arguments_json, shown_hash, actor)
        except (CoachError, duckdb.Error, ValueError, RecursionError) as exc:
            return f"error: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}"
    if name not in _VALIDATORS:
        offered = ", ".join([*QUERY_TOOL_NAMES, *sorted(_plan_tool_names())])
        return f"error: tool: unknown tool {_describe(name)}; expected one of {offered}"
    args, problem = _parse_arguments(arguments_json)
    if args is None:
        return f"error: {problem}"
    errors = sorted(_VALIDATORS[name].iter_errors(args), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        return "error: " + "; ".join(_problem(e) for e in errors)
    try:
        text = _QUERIES[name](con, athlete_id, args)
    except (CoachError, duckdb.Error, ValueError) as exc:
        return f"error: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}"
    return budget_result(text, budget, encoding)


def budget_result(text: str, budget: int, encoding: str = DEFAULT_ENCODING) -> str:
    """`text` if within `budget` tokens, else its first whole lines that fit and how many were left out."""
    if count_tokens(text, encoding) <= budget:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        note = f"... {len(lines) - i} more lines not shown; ask for fewer days or a narrower type"
        if count_tokens("\n".join([*kept, line, note]), encoding) > budget:
            return "\n".join(
                [*kept, f"... {len(lines) - i} more lines not shown; ask for fewer days or a narrower type"]
            )
        kept.append(line)
    return "\n".join(kept)


# ---------------------------------------------------------------- the queries (all scoped to athlete_id)


def _window(con: duckdb.DuckDBPyConnection, athlete_id: int, days: int) -> tuple[dict[str, Any], list[Activity]]:
    facts = sql.athlete_facts(con, athlete_id)
    if facts is None:
        raise CoachError(f"athlete_id {athlete_id}: not found")
    as_of = facts["as_of"]
    return facts, load_activities(con, athlete_id, as_of - timedelta(days=days - 1), as_of)


def _query_workouts(con: duckdb.DuckDBPyConnection, athlete_id: int, args: dict[str, Any]) -> str:
    days, typ, details = args.get("days", 7), args.get("type", "any"), args.get("include_details", False)
    facts, acts = _window(con, athlete_id, days)
    acts = [a for a in acts if typ == "any" or a.type == typ or any(leg.type == typ for leg in a.legs)]
    if not acts:
        return f"No {'' if typ == 'any' else typ + ' '}workouts in the last {days} days"
    labels = sql.activity_labels(con, athlete_id, [a.activity_id for a in acts])
    titles = {k: v["title"] for k, v in labels.items() if v["title"]}
    lines = []
    for a in acts:
        line = dated_line(a if details else replace(a, exercises=()), facts["units"], titles)
        note = labels.get(a.activity_id, {}).get("notes")
        lines.append(line + (f" |N:{quote(note)}" if details and note else ""))
    return "\n".join(lines)


def _query_cardio(con: duckdb.DuckDBPyConnection, athlete_id: int, args: dict[str, Any]) -> str:
    days, typ = args.get("days", 14), args.get("activity_type", "all")
    zones, routes = args.get("include_hr_zones", False), args.get("include_routes", False)
    facts, acts = _window(con, athlete_id, days)
    sessions = [leg for a in acts for leg in (a.legs or (a,)) if leg.type in ("run", "ride", "swim")]
    sessions = [s for s in sessions if typ == "all" or s.type == typ]
    if not sessions:
        return f"No {'cardio' if typ == 'all' else typ} in the last {days} days"
    labels = sql.activity_labels(con, athlete_id, [s.activity_id for s in sessions]) if routes else {}
    lines = []
    for s in sessions:
        line = sport_line(s, facts["units"])
        if not zones:
            line = replace(line, zones=())
        text = f"{s.start_time:%b %d %H:%M} {format_sport_line(line)}"
        route = labels.get(s.activity_id, {}).get("route_name")
        lines.append(text + (f" route {quote(route)}" if routes and route else ""))
    return "\n".join(lines)


def _query_cross_modality(con: duckdb.DuckDBPyConnection, athlete_id: int, args: dict[str, Any]) -> str:
    family = args.get("pattern_type", "all")
    days = args.get("days")
    if days is None:
        findings = [f for f in athlete_findings(con, athlete_id) if family == "all" or f.family == family]
    else:
        findings = find_patterns(con, athlete_id, None if family == "all" else family, days)
    if not findings:
        return f"No {family if family != 'all' else ''} pattern passed the tests".replace("  ", " ")
    return "\n".join(
        f"{f.family}: {quote(f.summary)} effect {f.effect:+g} {f.unit}, n={f.n}, p={f.p_value:.2g}" for f in findings
    )


def _query_body_comp(con: duckdb.DuckDBPyConnection, athlete_id: int, args: dict[str, Any]) -> str:
    days = args.get("days", 28)
    facts = sql.athlete_facts(con, athlete_id)
    if facts is None:
        raise CoachError(f"athlete_id {athlete_id}: not found")
    rows = sql.body_comp_rows(con, athlete_id, facts["as_of"] - timedelta(days=days - 1))
    if not rows:
        return f"No body composition logged in the last {days} days"
    first, last = rows[0], rows[-1]
    lines = [f"{len(rows)} days {first['day']:%b %d}→{last['day']:%b %d}"]
    for label, key, unit in (("weight", "weight_kg", "kg"), ("body fat", "body_fat_pct", "%")):
        values = [r[key] for r in rows if r[key] is not None]
        if values:
            lines.append(
                f"{label} {values[0]:.1f}→{values[-1]:.1f}{unit} ({values[-1] - values[0]:+.1f}), range {min(values):.1f}-{max(values):.1f}"
            )
    for label, key in (("calories", "calories"), ("protein", "protein_g")):
        values = [r[key] for r in rows if r[key] is not None]
        if values:
            lines.append(f"{label} avg {sum(values) / len(values):.0f}{'g' if key == 'protein_g' else ''}/day")
    return "\n".join(lines)


def _get_workout_data(con: duckdb.DuckDBPyConnection, athlete_id: int, args: dict[str, Any]) -> str:
    return get_workout_data(con, athlete_id, args.get("scope", "current_week"), args.get("format", "compact"))


_QUERIES = {
    "query_workouts": _query_workouts,
    "query_cardio": _query_cardio,
    "query_cross_modality": _query_cross_modality,
    "query_body_comp": _query_body_comp,
    "get_workout_data": _get_workout_data,
}
