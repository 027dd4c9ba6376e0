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
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import duckdb
from jsonschema import Draft202012Validator

from core.analytics.patterns import FAMILIES, find_patterns
from core.context.arguments import describe_value, parse_arguments, schema_problem
from core.context.budget import Drop, Overrun
from core.context.data import athlete_findings
from core.context.tier2 import dated_line
from core.db import context as sql
from core.errors import CoachError
from core.plan.tools import EDIT_TOOL, EDITOR_TOOL, UNLOCKS, execute_tool_call, plan_tool_definitions
from core.quoting import quote
from core.tokens import DEFAULT_ENCODING, count_tokens
from core.workouts.formats import FORMATS, get_workout_data
from core.workouts.sport import Activity, format_sport_line, load_activities, sport_line

RESULT_BUDGET = 400  # tokens of one tool result
TOOLS_BUDGET = 600  # raw-JSON tokens of the tool definitions offered on one turn
GENERAL_TOOL = "query_workouts"
MAX_DAYS = 90
MAX_ATHLETE_ID = 2**31 - 1  # athlete_id is a DuckDB INTEGER
_TYPES = ["any", "strength", "run", "ride", "swim", "yoga", "multi"]


def _days(default: int, high: int = MAX_DAYS, low: int = 1) -> dict[str, Any]:
    """A day count; the limits are in the words the model reads, the executor adds them as min/max (`_strict`)."""
    return {"type": "integer", "description": f"{low}-{high}, default {default}"}


def _flag(what: str) -> dict[str, Any]:
    return {"type": "boolean", "description": what}


def _choice(values: Sequence[str], default: str) -> dict[str, Any]:
    """An enum (its type is implied: a grammar built from it allows only these strings)."""
    return {"enum": list(values), "description": f"default {default}"}


def _tool(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties},
        },
    }


# What the model reads. The executor adds the exact rules in _STRICT_EXTRA below.
QUERY_TOOLS: list[dict[str, Any]] = [
    _tool(
        "query_workouts",
        "Recent workouts of any type as one-liners",
        {"type": _choice(_TYPES, "any"), "days": _days(7), "include_details": _flag("strength exercises and notes")},
    ),
    _tool(
        "query_cardio",
        "Runs, rides and swims in detail",
        {
            "activity_type": _choice(["run", "ride", "swim", "all"], "all"),
            "days": _days(14),
            "include_hr_zones": _flag("minutes per HR zone"),
            "include_routes": _flag("route names"),
        },
    ),
    _tool(
        "query_cross_modality",
        "Tested patterns across sports (effect, n, p)",
        {
            "pattern_type": _choice([*FAMILIES, "all"], "all"),
            "days": _days(365, high=730, low=28) | {"description": "28-730, default all history"},
        },
    ),
    _tool("query_body_comp", "Body weight, body fat and nutrition trend", {"days": _days(28, high=365)}),
    _tool(
        "get_workout_data",
        "The training program (sessions, exercises, logged sets)",
        {
            "scope": {"type": "string", "description": "full_program, current_week, week:N or session:ID"},
            "format": _choice(list(FORMATS), "compact"),
        },
    ),
]
_DAY_LIMITS = {"minimum": 1, "maximum": MAX_DAYS}
_STRICT_EXTRA: dict[str, dict[str, Any]] = {
    "query_workouts": {"days": _DAY_LIMITS},
    "query_cardio": {"days": _DAY_LIMITS},
    "query_cross_modality": {"days": {"minimum": 28, "maximum": 730}},
    "query_body_comp": {"days": {"minimum": 1, "maximum": 365}},
    "get_workout_data": {
        "scope": {"pattern": r"^(full_program|current_week|week:\d{1,3}|session:[A-Za-z0-9_-]{1,40})$"}
    },
}
QUERY_TOOL_NAMES = tuple(t["function"]["name"] for t in QUERY_TOOLS)


def _strict(tool: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = copy.deepcopy(tool["function"]["parameters"])
    schema["additionalProperties"] = False
    for prop, extra in _STRICT_EXTRA.get(tool["function"]["name"], {}).items():
        schema["properties"][prop].update(extra)
    return schema


_VALIDATORS = {t["function"]["name"]: Draft202012Validator(_strict(t)) for t in QUERY_TOOLS}


# ---------------------------------------------------------------- the plan tools: the one place that names them


def every_plan_tool() -> list[dict[str, Any]]:
    """Every plan tool core.plan defines, the `change_plan` entry point included (the executor runs each)."""
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
    """Only what the turn needs, most needed first (fitting drops from the end).

    An edit tool is offered on every turn, so the model, not a word list, decides whether the user
    asked for a change: `edit_plan` itself when the message looks like a request (`edit_words`), else
    the ~50-token `change_plan` entry point that returns the plan's IDs and unlocks `edit_plan`
    (`tools_after_call`). Read tools follow by topic; the general read tool only when no topic tool is.
    """
    if edit_words:
        offered = [OfferedTool(EDIT_TOOL, f"edit intent: {' … '.join(edit_words)}")]
    else:
        offered = [OfferedTool(EDITOR_TOOL, "always: the edit entry point (unlocks edit_plan)")]
    if "cardio" in topics:
        offered.append(OfferedTool("query_cardio", "cardio topic"))
    if "cross_training" in topics or "recovery" in topics:
        which = " and ".join(t for t in ("cross_training", "recovery") if t in topics)
        offered.append(OfferedTool("query_cross_modality", f"{which} topic"))
    if body_words:
        offered.append(OfferedTool("query_body_comp", f"body/nutrition words: {', '.join(body_words)}"))
    if "training" in topics and not edit_words:
        offered.append(OfferedTool("get_workout_data", "training topic"))
    if len(offered) == 1 and not edit_words:
        offered.append(OfferedTool(GENERAL_TOOL, "no topic tool: the general read tool"))
    return tuple(offered)


def is_edit_tool(name: str) -> bool:
    """The tools that let the model change the plan (kept by every fitting: the last thing dropped)."""
    return name in (EDIT_TOOL, EDITOR_TOOL)


def fit_tools(
    offered: Sequence[OfferedTool], budget: int, encoding: str = DEFAULT_ENCODING
) -> tuple[tuple[OfferedTool, ...], tuple[tuple[OfferedTool, int], ...]]:
    """Keep the offered tools within `budget` raw-JSON tokens: drop read tools from the end; the edit tool stays.

    Returns (kept, dropped with each one's own tokens).
    """
    kept = list(offered)
    dropped: list[tuple[OfferedTool, int]] = []
    while raw_tool_tokens(tool_definitions([t.name for t in kept]), encoding) > budget:
        readers = [i for i, t in enumerate(kept) if not is_edit_tool(t.name)]
        if not readers:
            break
        tool = kept.pop(readers[-1])
        dropped.append((tool, raw_tool_tokens(tool_definitions([tool.name]), encoding)))
    return tuple(kept), tuple(dropped)


def tools_after_call(
    offered: Sequence[str], called: str, budget: int = TOOLS_BUDGET, encoding: str = DEFAULT_ENCODING
) -> tuple[str, ...]:
    """The tool names for the rest of the turn once `called` has run.

    An entry point (`change_plan`) is replaced by the tool it unlocks (`edit_plan`), first; read
    tools that no longer fit `budget` are dropped from the end. Any other call changes nothing.
    The chat loop sends `tool_definitions(tools_after_call(...))` on its next request of the turn.
    """
    if called not in UNLOCKS or called not in offered:
        return tuple(offered)
    names = [UNLOCKS[called], *(n for n in offered if n not in (called, UNLOCKS[called]))]
    kept, _ = fit_tools([OfferedTool(n, "") for n in names], budget, encoding)
    return tuple(t.name for t in kept)


def tool_definitions(names: Sequence[str]) -> list[dict[str, Any]]:
    """The definitions of the named tools, in that order."""
    by_name = {t["function"]["name"]: t for t in [*QUERY_TOOLS, *every_plan_tool()]}
    return [by_name[n] for n in names]


def every_tool() -> list[dict[str, Any]]:
    """Every tool strategy A offers every turn: the query tools and the plan tools (not the entry point)."""
    return [*QUERY_TOOLS, *(t for t in every_plan_tool() if t["function"]["name"] not in UNLOCKS)]


# ---------------------------------------------------------------- the executor


def _error_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"error: {text[:200]}"


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

    `actor` is the person in the chat, recorded on any plan version a plan edit makes. Checked in
    order, before anything runs: the tool name, the athlete id, the arguments (size, depth, JSON,
    Unicode), that the athlete exists, then the tool's schema.
    """
    if not isinstance(name, str):
        return f"error: tool: expected a tool name (a string), got {type(name).__name__}"
    plan_tool = name in _plan_tool_names()
    if not plan_tool and name not in _VALIDATORS:
        offered = ", ".join([*QUERY_TOOL_NAMES, *sorted(_plan_tool_names())])
        return f"error: tool: unknown tool {describe_value(name)}; expected one of {offered}"
    if isinstance(athlete_id, bool) or not isinstance(athlete_id, int) or not 0 < athlete_id <= MAX_ATHLETE_ID:
        return (
            f"error: athlete_id: expected an athlete's numeric id (1-{MAX_ATHLETE_ID}; resolve a handle"
            f" with resolve_athlete first), got {describe_value(athlete_id)}"
        )
    args, problem = parse_arguments(arguments_json)
    if args is None:
        return f"error: {problem}"
    if not sql.athlete_exists(con, athlete_id):
        return f"error: athlete_id {athlete_id}: not found; expected an existing athlete's id"
    if plan_tool:
        try:
            return _run_plan_tool(con, athlete_id, name, arguments_json, shown_hash, actor)
        except (CoachError, duckdb.Error, ValueError, RecursionError) as exc:
            return _error_line(exc)
    errors = sorted(_VALIDATORS[name].iter_errors(args), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        return "error: " + "; ".join(schema_problem(e) for e in errors)
    try:
        text = _QUERIES[name](con, athlete_id, args)
    except (CoachError, duckdb.Error, ValueError) as exc:
        return _error_line(exc)
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


# ---------------------------------------------------------------- the tool budget of one request


@functools.lru_cache(maxsize=256)
def definitions_tokens(names: tuple[str, ...], encoding: str) -> int:
    """Raw-JSON tokens of the named tools' definitions (fitting recounts the same few sets many times)."""
    return raw_tool_tokens(tool_definitions(names), encoding)


def request_order(tools: Sequence[OfferedTool]) -> tuple[OfferedTool, ...]:
    """The offered tools in the order they are sent: the edit tool (offered every turn) first, then read tools by
    name, so the same tools are always sent the same way and a turn's definitions share the longest prefix with the
    last turn's."""
    return tuple(sorted(tools, key=lambda t: (not is_edit_tool(t.name), t.name)))


def fit_tools_budget(
    offered: Sequence[OfferedTool], budget: int, encoding: str
) -> tuple[tuple[OfferedTool, ...], list[Drop], tuple[Overrun, ...]]:
    """The offered tools within `budget` raw-JSON tokens, what was dropped, and what is kept over it and why.

    `edit_plan` alone over the budget is swapped for the small `change_plan` entry point first (it unlocks
    `edit_plan` when called), then read tools are dropped from the end. An edit tool is offered on every turn,
    so one still over the budget is kept and reported as an Overrun rather than silently exceeding it.
    """
    why = f"tool definitions over their {budget}-token budget"
    drops: list[Drop] = []
    tools = list(offered)
    edit_tokens = definitions_tokens((EDIT_TOOL,), encoding)
    at = next((i for i, t in enumerate(tools) if t.name == EDIT_TOOL), None)
    if at is not None and edit_tokens > budget:
        drops.append(Drop("tools", f"{EDIT_TOOL} (offered as {EDITOR_TOOL})", edit_tokens, why))
        tools[at] = OfferedTool(EDITOR_TOOL, f"{EDIT_TOOL} is over the tool budget: the edit entry point")
    kept, dropped = fit_tools(tools, budget, encoding)
    drops += [Drop("tools", t.name, tokens, why) for t, tokens in dropped]
    names = tuple(t.name for t in kept)
    total = definitions_tokens(names, encoding) if names else 0
    overruns: tuple[Overrun, ...] = ()
    if total > budget:
        overruns = (
            Overrun(
                "tools",
                ", ".join(names),
                total,
                budget,
                f"an edit tool is offered on every turn and {EDITOR_TOOL} is its smallest form",
            ),
        )
    return kept, drops, overruns
