"""The token monitor's figures: tokens per logged turn by part (stacked), and per interaction type over time.

Like the usage views of Langfuse or promptfoo, read from the interaction log every live turn writes. The parts are
what the request held as counted locally (tool definitions as raw JSON) plus the tool results fed back; the
endpoint's reported prompt tokens, and of them the cached ones (`cached_prompt_tokens`, NULL when not reported), sit
beside them, never mixed in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import duckdb
import pandas as pd

from core.context.builder import Context
from core.context.log import RECOUNTED, recount_parts
from core.db.interactions import interaction_turns

PARTS = ("instructions", "tier1", "tier2", "plan", "history", "tool_definitions", "tool_results")


def turn_tokens(
    con: duckdb.DuckDBPyConnection, athlete_id: int, limit: int = 200, encoding: str | None = None
) -> pd.DataFrame:
    """One row per logged turn (oldest first): `turn` (1..n), type, actor, tokens per part, reported usage, latency.

    With `encoding`, every turn logged with its texts is recounted with that tokenizer (`encoding` then names it and
    `recounted` is True); a turn logged before its texts were kept keeps its counts and its own tokenizer's name.
    """
    frame = interaction_turns(con, athlete_id, limit)
    recounted = [False] * len(frame)
    if encoding is not None:
        for i, (texts, logged_with) in enumerate(zip(frame["part_texts"], frame["encoding"], strict=True)):
            if logged_with == encoding or not isinstance(texts, str):
                continue
            figures = recount_parts(json.loads(texts), encoding)
            if figures is None:
                continue
            for name in RECOUNTED:
                frame.loc[frame.index[i], name] = figures[name]
            frame.loc[frame.index[i], "encoding"] = encoding
            recounted[i] = True
    frame = frame.drop(columns=["part_texts"])
    frame.insert(0, "turn", range(1, len(frame) + 1))
    frame["recounted"] = recounted
    return frame


def tokens_by_part(turns: pd.DataFrame) -> pd.DataFrame:
    """Long form for a stacked bar per turn: columns turn, part, tokens (parts in request order)."""
    long = turns.melt(id_vars=["turn"], value_vars=list(PARTS), var_name="part", value_name="tokens")
    long["part"] = pd.Categorical(long["part"], categories=PARTS, ordered=True)
    return long.sort_values(["turn", "part"]).reset_index(drop=True)


def tokens_by_type(turns: pd.DataFrame) -> pd.DataFrame:
    """Per day and interaction type: turns, request tokens (local count), reported prompt tokens and the cached part
    of them, summed (cached: None when no turn of the group reported it)."""
    if turns.empty:
        return pd.DataFrame(columns=["day", "type", "turns", "request_tokens", "prompt_tokens", "cached_prompt_tokens"])
    days = pd.to_datetime(turns["created_at"]).dt.floor("D")
    grouped = turns.assign(day=days).groupby(["day", "type"], as_index=False)
    return grouped.agg(
        turns=("turn", "size"),
        request_tokens=("request_tokens", "sum"),
        prompt_tokens=("prompt_tokens", "sum"),
        cached_prompt_tokens=("cached_prompt_tokens", lambda v: v.sum(min_count=1)),
    )


def reported_line(turns: pd.DataFrame) -> str:
    """The endpoint's own usage over the logged turns, in one line: prompt tokens, of them cached, completion tokens."""
    reported = turns.dropna(subset=["prompt_tokens"])
    if reported.empty:
        return "Reported by the endpoint: nothing yet (replayed and preview turns send nothing)"
    cached = reported["cached_prompt_tokens"].dropna()
    cached_text = f"{int(cached.sum()):,} of them cached" if not cached.empty else "cached tokens not reported"
    return (
        f"Reported by the endpoint over {len(reported)} turn(s): {int(reported['prompt_tokens'].sum()):,} prompt tokens"
        f" ({cached_text}), {int(reported['completion_tokens'].fillna(0).sum()):,} completion tokens"
    )


def preview_turns(contexts: Sequence[Context]) -> pd.DataFrame:
    """Preview turns (never logged) in `turn_tokens`' columns: `turn` P1..Pn, type 'preview', tokens per part.

    Issue 28: the monitor draws them beside the log, marked as previews; the page keeps them in session state.
    """
    rows = [
        {
            "turn": f"P{i}",
            "type": "preview",
            "instructions": c.system_prompt_tokens,
            "tier1": c.tier1_tokens,
            "tier2": c.tier2_tokens,
            "plan": c.plan_tokens,
            "history": c.history_tokens,
            "tool_definitions": c.tool_def_raw_tokens,
            "tool_results": 0,
            "request_tokens": c.request_tokens,
            "encoding": c.encoding,
        }
        for i, c in enumerate(contexts, start=1)
    ]
    return pd.DataFrame(rows, columns=["turn", "type", *PARTS, "request_tokens", "encoding"])
