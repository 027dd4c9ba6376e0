"""The request one chat turn sends, with tokens per part, until the tiered context builder is wired in.

TODO(lead, at merge): replace `plan_request` with `core.context.build_context(con, athlete_id, message, ...)`,
whose system prompt, tiers, offered tools and executor then go to `run_turn` unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from core.plan.store import plan_context_for_model
from core.plan.tools import PLAN_TOOL_SCHEMAS
from core.tokens import DEFAULT_ENCODING, count_tokens

SYSTEM = (
    "You are an AI fitness coach. The athlete's weekly plan follows; IDs like b_42 name blocks. "
    "Change the plan only with the tools, by ID. Answer briefly."
)
# Offered until the context builder picks tools per turn: the three single-op edits, not all nine (issue 17).
OFFERED_TOOLS = ("update_block", "add_block", "remove_block")


@dataclass(frozen=True)
class ChatRequest:
    """Messages and tool definitions of one turn, the plan hash shown, and tokens of each part (raw JSON for tools)."""

    messages: tuple[dict[str, Any], ...]
    tools: tuple[dict[str, Any], ...]
    shown_hash: str
    tokens: dict[str, int]

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens.values())


def plan_request(
    con: duckdb.DuckDBPyConnection, athlete_id: int, message: str, encoding: str = DEFAULT_ENCODING
) -> ChatRequest:
    """System prompt + the plan context (full, delta or unchanged since the last interaction) + the message."""
    plan = plan_context_for_model(con, athlete_id, encoding)
    tools = tuple(t for t in PLAN_TOOL_SCHEMAS if t["function"]["name"] in OFFERED_TOOLS)
    messages = (
        {"role": "system", "content": f"{SYSTEM}\n\n{plan.text}"},
        {"role": "user", "content": message},
    )
    tokens = {
        "system": count_tokens(SYSTEM, encoding),
        f"plan ({plan.mode})": plan.tokens,
        "message": count_tokens(message, encoding),
        "tools (raw JSON)": count_tokens(json.dumps(list(tools), ensure_ascii=False), encoding),
    }
    return ChatRequest(messages, tools, plan.current_hash, tokens)
