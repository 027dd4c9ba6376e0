"""The interaction log: one row per model turn in `interactions`.

The plan hash recorded is the one the turn *showed* (None when the plan part was not sent). The details
say which plan part was sent: `plan_mode` (full / delta / unchanged) and `plan_since`, the hash of this
conversation the delta was computed from (None: the full plan of a new conversation).

Each row also keeps the texts its counts were taken from (`part_texts`, migration 014): the instructions, Tier 1,
Tier 2, the plan part, the request's messages, the tool definitions and the tool results. `recount_parts` counts
them again under any tokenizer exactly as `build_context` counted them, so a tokenizer switch recounts the log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import duckdb

from core.context.builder import Context
from core.context.conversation import REPLY_PRIMING, messages_tokens
from core.context.tools import raw_tool_tokens
from core.db import context as sql
from core.tokens import count_tokens

# the figures recount_parts gives, named as the monitor names them
RECOUNTED = ("instructions", "tier1", "tier2", "plan", "history", "tool_definitions", "tool_results", "request_tokens")


def part_texts(context: Context, tool_results: Sequence[str] | None) -> dict[str, Any]:
    """What each counted part of a turn said, as plain JSON values (`tool_results` None: not known)."""
    return {
        "instructions": context.system_prompt,
        "tier1": context.tier1,
        "tier2": context.tier2,
        "plan": context.plan,
        "messages": context.messages(),
        "tools": [dict(t) for t in context.tool_definitions],
        "tool_results": None if tool_results is None else list(tool_results),
    }


def recount_parts(texts: Mapping[str, Any], encoding: str) -> dict[str, int] | None:
    """A logged turn's figures (RECOUNTED) counted again from its `part_texts` with `encoding`, the way the builder
    counts them; None when the texts cannot give every figure (tool results logged as a count only)."""
    results = texts.get("tool_results")
    if results is None:
        return None
    messages = list(texts["messages"])
    history = messages[1:-1]
    tools = raw_tool_tokens(texts["tools"], encoding)
    return {
        "instructions": count_tokens(texts["instructions"], encoding),
        "tier1": count_tokens(texts["tier1"], encoding),
        "tier2": count_tokens(texts["tier2"], encoding),
        "plan": count_tokens(texts["plan"], encoding),
        "history": messages_tokens(history, encoding) - REPLY_PRIMING if history else 0,
        "tool_definitions": tools,
        "tool_results": sum(count_tokens(r, encoding) for r in results),
        "request_tokens": messages_tokens(messages, encoding) + tools,
    }


def record_turn(
    con: duckdb.DuckDBPyConnection,
    context: Context,
    *,
    tools_called: Sequence[str] = (),
    tool_result_tokens: int | None = None,
    tool_results: Sequence[str] | None = None,
    model: str | None = None,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    cached_prompt_tokens: int | None = None,
    at: datetime | None = None,
    actor: str = "local",
    latency_s: float | None = None,
    endpoint: str | None = None,
    failed: bool = False,
    plan_hash_delivered: str | None = None,
    outcome: Mapping[str, Any] | None = None,
) -> int:
    """Log one turn built from `context` (plus what the model reported); returns the interaction id.

    `tool_results` are the texts fed back to the model (kept so the turn can be recounted; with none given and
    no `tool_result_tokens`, there were none).

    `actor` is the signed-in person (or 'local'), `endpoint` the endpoint kind (openai | local), `latency_s`
    the model's time for the whole turn, `cached_prompt_tokens` the prompt tokens the endpoint reported served from
    its prompt cache (None: not reported). The API key is never an argument here, so it cannot be logged.
    A `failed` turn records no plan hash (the model may never have seen the plan); otherwise the hash is
    `plan_hash_delivered` (where the model's own edits moved it) or the one the context showed. `outcome`
    (status, stop reason, finish reason, limits) is kept in `context_json`.
    """
    details = {
        "topics": [{"topic": t.topic, "words": list(t.words)} for t in context.topics],
        "tools": [{"name": t.name, "reason": t.reason} for t in context.tools],
        "dropped": [asdict(d) for d in context.drops],
        "over_budget": [asdict(o) for o in context.overruns],
        "plan_mode": context.plan_mode,
        "plan_since": context.plan_base_hash,
        "request_tokens_openai": context.request_tokens_openai,
        **(outcome or {}),
    }
    return sql.insert_interaction(
        con,
        {
            "athlete_id": context.athlete_id,
            "created_at": at or datetime.now(UTC).replace(tzinfo=None),
            "plan_hash": None if failed else (plan_hash_delivered or context.plan_hash_shown),
            "user_message": context.message,
            "encoding": context.encoding,
            "tier1_tokens": context.tier1_tokens,
            "tier2_tokens": context.tier2_tokens,
            "tier3_tokens": tool_result_tokens,
            "plan_tokens": context.plan_tokens,
            "model": model,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "cached_prompt_tokens": cached_prompt_tokens,
            "system_tokens": context.system_prompt_tokens,
            "history_tokens": context.history_tokens,
            "tool_def_raw_tokens": context.tool_def_raw_tokens,
            "tool_def_openai_tokens": context.tool_def_openai_tokens,
            "request_tokens": context.request_tokens,
            "topics": [t.topic for t in context.topics],
            "tools_offered": list(context.tool_names),
            "tools_called": list(tools_called),
            "context_json": json.dumps(details, ensure_ascii=False),
            "actor": actor,
            "latency_ms": None if latency_s is None else round(latency_s * 1000),
            "endpoint": endpoint,
            "part_texts": json.dumps(
                part_texts(context, [] if tool_results is None and not tool_result_tokens else tool_results),
                ensure_ascii=False,
            ),
        },
    )
