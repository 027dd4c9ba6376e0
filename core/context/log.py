"""The interaction log: one row per model turn in `interactions`.

The plan hash recorded is the one the turn *showed* (None when the plan part was not sent). The details
say which plan part was sent: `plan_mode` (full / delta / unchanged) and `plan_since`, the hash of this
conversation the delta was computed from (None: the full plan of a new conversation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import duckdb

from core.context.builder import Context
from core.db import context as sql


def record_turn(
    con: duckdb.DuckDBPyConnection,
    context: Context,
    *,
    tools_called: Sequence[str] = (),
    tool_result_tokens: int | None = None,
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
        },
    )
