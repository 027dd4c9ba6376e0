"""The A/B replay as frames for charts: strategy A vs B per turn and cumulatively, context and whole request.

Figures are the replay's own (`core.context.replay`), so the page, `python -m core replay` and the benchmark agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from core.context.builder import SYSTEM_PROMPT
from core.context.caching import TurnRequests
from core.context.conversation import REPLY_PRIMING, messages_tokens
from core.context.replay import AthleteReplay, TurnFigures
from core.tokens import count_tokens

MEASURES = {"context": ("a_context", "b_context"), "request": ("a_request", "b_request")}


def replay_turns(result: AthleteReplay, measure: str = "request") -> pd.DataFrame:
    """One row per turn and strategy: turn, strategy ('A: no tiers' | 'B: tiered'), tokens, cumulative tokens."""
    a_field, b_field = MEASURES[measure]
    rows = [
        {"turn": t.turn, "strategy": label, "tokens": getattr(t, field)}
        for t in result.turns
        for label, field in (("A: no tiers", a_field), ("B: tiered", b_field))
    ]
    frame = pd.DataFrame(rows)
    frame["cumulative"] = frame.groupby("strategy")["tokens"].cumsum()
    return frame


def replay_table(result: AthleteReplay) -> pd.DataFrame:
    """Per turn: the message, A and B context and request tokens, B's tiers, plan mode and tools offered."""
    return pd.DataFrame(
        [
            {
                "turn": t.turn,
                "message": t.message,
                "A context": t.a_context,
                "B context": t.b_context,
                "A request": t.a_request,
                "B request": t.b_request,
                "B tier 1": t.b_tier1,
                "B tier 2": t.b_tier2,
                "B plan": t.b_plan,
                "B plan mode": t.b_plan_mode or "-",
                "B tools (raw JSON)": t.b_tools_raw,
                "B tools": ", ".join(t.b_tools),
                **(
                    {"A reported": t.a_reported, "B reported": t.b_reported}
                    if any(x.a_reported is not None or x.b_reported is not None for x in result.turns)
                    else {}
                ),
            }
            for t in result.turns
        ]
    )


STRATEGIES = ("A: no tiers", "B: tiered")


def _history_and_message(messages: list[dict[str, Any]], message: str, encoding: str) -> tuple[int, int]:
    """Tokens of the history (cookbook framing, as the builder counts it) and of the user's own message (the last
    message may carry B's turn context ahead of it: that is counted as Tier 2 and plan)."""
    history = messages[1:-1]
    return (messages_tokens(history, encoding) - REPLY_PRIMING if history else 0), count_tokens(message, encoding)


def turn_parts(t: TurnFigures, requests: TurnRequests, encoding: str) -> dict[str, dict[str, int]]:
    """One turn's requests by part, per strategy; 'framing' is what makes each add up to its whole-request count.

    A's system message holds the instructions, two weeks of verbose data and the full plan ('plan + program data');
    B's holds the instructions and Tier 1, and its last message carries Tier 2 and the plan part before the user's. Tool definitions are raw JSON, as in the replay.
    """
    instructions = count_tokens(SYSTEM_PROMPT, encoding)
    a_history, a_message = _history_and_message(requests.a.messages, t.message, encoding)
    b_history, b_message = _history_and_message(requests.b.messages, t.message, encoding)
    a = {
        "instructions": instructions,
        "Tier 1": 0,
        "Tier 2": 0,
        "plan": 0,
        "plan + program data": t.a_context - instructions,
        "history": a_history,
        "message": a_message,
        "tool definitions": t.a_tools_raw,
    }
    b = {
        "instructions": instructions,
        "Tier 1": t.b_tier1,
        "Tier 2": t.b_tier2,
        "plan": t.b_plan,
        "plan + program data": 0,
        "history": b_history,
        "message": b_message,
        "tool definitions": t.b_tools_raw,
    }
    a["framing"] = t.a_request - sum(a.values())
    b["framing"] = t.b_request - sum(b.values())
    return {STRATEGIES[0]: a, STRATEGIES[1]: b}


def turn_comparison(t: TurnFigures, requests: TurnRequests, encoding: str) -> pd.DataFrame:
    """One turn side by side: per part A's tokens, B's and B − A, then the context and the whole request."""
    parts = turn_parts(t, requests, encoding)
    rows = [{"part": p, "A": parts[STRATEGIES[0]][p], "B": parts[STRATEGIES[1]][p]} for p in parts[STRATEGIES[0]]]
    rows += [
        {"part": "context (instructions, tiers, plan)", "A": t.a_context, "B": t.b_context},
        {"part": "whole request", "A": t.a_request, "B": t.b_request},
    ]
    frame = pd.DataFrame(rows)
    frame["B − A"] = frame["B"] - frame["A"]
    return frame


def replay_parts(result: AthleteReplay, requests: Sequence[TurnRequests], encoding: str) -> pd.DataFrame:
    """Long form for per-turn bars stacked by part: turn, strategy, part, tokens (zero parts left out)."""
    rows = [
        {"turn": t.turn, "strategy": s, "part": p, "tokens": n}
        for t, r in zip(result.turns, requests, strict=True)
        for s, parts in turn_parts(t, r, encoding).items()
        for p, n in parts.items()
        if n
    ]
    return pd.DataFrame(rows, columns=["turn", "strategy", "part", "tokens"])
