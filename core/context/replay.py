"""The A/B replay: one scripted conversation, two ways of building each request, every token counted.

Strategy A is a system without tiers: every turn sends the instructions, the verbose program data of
the current and the previous week (the same 14 days Tier 2 looks at), the full plan, every tool, and
the whole conversation so far (stable part first, as B). Strategy B is `build_context`, nothing else. Both see the same
plan edits: coach edits are applied before their turn, the model's scripted tool calls run through
`execute_tool` after it, and each B turn is logged with `record_turn`. The script is one conversation:
B's plan part follows the hash this conversation showed last (full on the first turn, then deltas).
The replay runs on an in-memory copy of the database: the file is never changed.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from core.context.builder import SYSTEM_PROMPT, Budgets, build_context
from core.context.conversation import messages_tokens, request_messages
from core.context.log import record_turn
from core.context.tools import every_tool, execute_tool, openai_tool_tokens, raw_tool_tokens
from core.db import context as sql
from core.db.athletes import athlete_ids
from core.errors import CoachError
from core.plan.store import apply_ops, load_plan, plan_head
from core.plan.text import format_plan_context
from core.tokens import DEFAULT_ENCODING, count_tokens
from core.workouts.formats import get_workout_data, load_workout_data

SCRIPT_PATH = Path(__file__).resolve().parents[2] / "data" / "replay_script.json"
DEFAULT_PRICE = 2.50  # USD per million input tokens; configurable with --price
_T0 = datetime(2026, 11, 19, 8, 0)


class ReplayError(CoachError):
    """A replay script that cannot be read or resolved."""


@dataclass(frozen=True)
class ScriptTurn:
    user: str
    assistant: str
    coach_edits: tuple[dict[str, Any], ...] = ()
    tool_calls: tuple[dict[str, Any], ...] = ()


def load_script(path: Path | str = SCRIPT_PATH) -> list[ScriptTurn]:
    """The scripted turns; ReplayError naming the turn and field when the file is malformed."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReplayError(f"replay script {str(path)!r}: cannot read it ({str(exc)[:80]})") from None
    turns = raw.get("turns") if isinstance(raw, dict) else None
    if not isinstance(turns, list) or not turns:
        raise ReplayError(f"replay script {str(path)!r}: expected an object with a non-empty 'turns' list")
    out = []
    for i, t in enumerate(turns, start=1):
        if not isinstance(t, dict) or not isinstance(t.get("user"), str) or not isinstance(t.get("assistant"), str):
            raise ReplayError(f"replay script turn {i}: expected 'user' and 'assistant' texts")
        out.append(
            ScriptTurn(t["user"], t["assistant"], tuple(t.get("coach_edits", ())), tuple(t.get("tool_calls", ())))
        )
    return out


def _resolver(con: duckdb.DuckDBPyConnection, athlete_id: int) -> Callable[[Any], Any]:
    """Replace `@block:N` / `@block:last` with the athlete's own block IDs (plan order)."""
    blocks = [b.block_id for _, _, b in load_plan(con, athlete_id).blocks()]

    def resolve(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, str) and (m := re.fullmatch(r"@block:(\d+|last)", value)):
            if not blocks:
                raise ReplayError(f"athlete {athlete_id}: the script names {value} but the plan has no blocks")
            return blocks[-1] if m[1] == "last" else blocks[min(int(m[1]), len(blocks)) - 1]
        return value

    return resolve


Measure = Callable[[list[dict[str, Any]], list[dict[str, Any]]], int | None]


@dataclass(frozen=True)
class TurnFigures:
    """One turn under both strategies: context (instructions, tiers, plan) and whole-request tokens."""

    turn: int
    message: str
    a_context: int
    a_tools_raw: int
    a_tools_openai: int
    a_request: int
    a_request_openai: int
    b_context: int
    b_tier1: int
    b_tier2: int
    b_plan: int
    b_plan_mode: str | None
    b_tools: tuple[str, ...]
    b_tools_raw: int
    b_tools_openai: int
    b_request: int
    b_request_openai: int
    b_dropped: int
    tool_results: tuple[str, ...]
    a_reported: int | None = None  # prompt tokens the endpoint reported for A's request (live replay only)
    b_reported: int | None = None


@dataclass(frozen=True)
class AthleteReplay:
    athlete_id: int
    handle: str
    turns: tuple[TurnFigures, ...]
    price_per_million: float

    def total(self, field: str) -> int:
        return sum(getattr(t, field) for t in self.turns)

    @property
    def context_ratio(self) -> float:
        """Strategy B's context tokens over A's, summed over the script."""
        return self.total("b_context") / self.total("a_context")

    @property
    def request_ratio(self) -> float:
        return self.total("b_request") / self.total("a_request")

    def cost(self, field: str) -> float:
        return round(self.total(field) * self.price_per_million / 1_000_000, 6)

    def summary(self) -> dict[str, Any]:
        return {
            "athlete_id": self.athlete_id,
            "handle": self.handle,
            "turns": len(self.turns),
            "a_context": self.total("a_context"),
            "b_context": self.total("b_context"),
            "context_ratio": round(self.context_ratio, 4),
            "a_request": self.total("a_request"),
            "b_request": self.total("b_request"),
            "request_ratio": round(self.request_ratio, 4),
            "a_cost_usd": self.cost("a_request"),  # without caching, on the request tokens above (tools as raw JSON)
            "b_cost_usd": self.cost("b_request"),
            "b_request_median": statistics.median(t.b_request for t in self.turns),
            "b_tools_raw_median": statistics.median(t.b_tools_raw for t in self.turns),
            "b_tools_raw_max": max(t.b_tools_raw for t in self.turns),
            "a_tools_raw": self.turns[0].a_tools_raw,
            "a_tools_openai": self.turns[0].a_tools_openai,
            **self._reported(),
        }

    def _reported(self) -> dict[str, Any]:
        """Totals of the endpoint's reported prompt tokens, only when every request of both strategies was measured."""
        a = [t.a_reported for t in self.turns if t.a_reported is not None]
        b = [t.b_reported for t in self.turns if t.b_reported is not None]
        if not a or len(a) < len(self.turns) or len(b) < len(self.turns):
            return {}
        return {"a_reported": sum(a), "b_reported": sum(b), "reported_ratio": round(sum(b) / sum(a), 4)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "per_turn": [asdict(t) for t in self.turns]}


def strategy_a_system(con: duckdb.DuckDBPyConnection, athlete_id: int, weeks_text: str) -> str:
    """The no-tier system message, stable part first: instructions, verbose program data, then the full plan (it
    changes when edited, so it goes after what does not)."""
    head = plan_head(con, athlete_id)
    plan = format_plan_context(load_plan(con, athlete_id), head.plan_hash, head.version)
    return "\n\n".join([SYSTEM_PROMPT, weeks_text, plan])


def verbose_recent_weeks(con: duckdb.DuckDBPyConnection, athlete_id: int) -> str:
    """The verbose program data of the current and previous week."""
    current = load_workout_data(con, athlete_id, "current_week").program.weeks[0].number
    scopes = [f"week:{n}" for n in (current - 1, current) if n >= 1]
    return "\n\n".join(get_workout_data(con, athlete_id, s, "verbose") for s in scopes)


# long: one pass per scripted turn: coach edits, both requests, the model's calls, the log, the figures
def replay_athlete(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    turns: Sequence[ScriptTurn],
    *,
    budgets: Budgets | None = None,
    encoding: str = DEFAULT_ENCODING,
    price_per_million: float = DEFAULT_PRICE,
    on_turn: Callable[[int], None] | None = None,
    measure: Measure | None = None,
) -> AthleteReplay:
    """Replay the script for one athlete on `con` (callers pass a scratch copy: this edits the plan).

    `measure(messages, tools)`, when given, sends a request to a live endpoint and returns the prompt tokens it
    reported (None when it could not); it is injected so this package never talks to a model itself.
    """
    facts = sql.athlete_facts(con, athlete_id)
    if facts is None:
        raise ReplayError(f"athlete_id {athlete_id}: not found")
    resolve = _resolver(con, athlete_id)
    weeks_text = verbose_recent_weeks(con, athlete_id)
    all_tools = every_tool()
    a_raw, a_openai = raw_tool_tokens(all_tools, encoding), openai_tool_tokens(all_tools, encoding)
    history: list[dict[str, Any]] = []
    figures = []
    shown: str | None = None  # the plan hash this conversation's model has seen (None: none yet)
    for n, turn in enumerate(turns, start=1):
        if turn.coach_edits:
            apply_ops(con, athlete_id, resolve(list(turn.coach_edits)), plan_head(con, athlete_id).plan_hash, "coach")
        a_system = strategy_a_system(con, athlete_id, weeks_text)
        a_messages = request_messages(a_system, history, "", turn.user)
        a_base = messages_tokens(a_messages, encoding)
        ctx = build_context(
            con,
            athlete_id,
            turn.user,
            conversation=history,
            shown_hash=shown,
            budgets=budgets or Budgets(),
            encoding=encoding,
        )
        shown = ctx.plan_hash_shown or shown
        results = tuple(
            execute_tool(con, athlete_id, call["name"], json.dumps(resolve(call["arguments"])), shown_hash=shown)
            for call in turn.tool_calls
        )
        if any(r.startswith("ok") for r in results):  # the model's own edit: it knows the plan it moved to
            shown = plan_head(con, athlete_id).plan_hash
        reported: tuple[int | None, int | None] = (None, None)
        if measure is not None:  # send both strategies' exact requests; the endpoint reports what it counted
            body = ctx.request()
            reported = (measure(a_messages, all_tools), measure(body["messages"], body.get("tools", [])))
        record_turn(
            con,
            ctx,
            tools_called=[c["name"] for c in turn.tool_calls],
            tool_result_tokens=sum(count_tokens(r, encoding) for r in results),
            tool_results=results,
            at=_T0 + timedelta(minutes=n),
        )
        figures.append(
            TurnFigures(
                turn=n,
                message=turn.user,
                a_context=count_tokens(a_system, encoding),
                a_tools_raw=a_raw,
                a_tools_openai=a_openai,
                a_request=a_base + a_raw,
                a_request_openai=a_base + a_openai,
                b_context=ctx.context_tokens,
                b_tier1=ctx.tier1_tokens,
                b_tier2=ctx.tier2_tokens,
                b_plan=ctx.plan_tokens,
                b_plan_mode=ctx.plan_mode,
                b_tools=ctx.tool_names,
                b_tools_raw=ctx.tool_def_raw_tokens,
                b_tools_openai=ctx.tool_def_openai_tokens,
                b_request=ctx.request_tokens,
                b_request_openai=ctx.request_tokens_openai,
                b_dropped=len(ctx.drops),
                tool_results=results,
                a_reported=reported[0],
                b_reported=reported[1],
            )
        )
        history += [{"role": "user", "content": turn.user}, {"role": "assistant", "content": turn.assistant}]
        if on_turn:
            on_turn(n)
    return AthleteReplay(athlete_id, facts["handle"], tuple(figures), price_per_million)


def replay(
    con: duckdb.DuckDBPyConnection,
    athletes: Sequence[int] | None = None,
    *,
    script: Path | str = SCRIPT_PATH,
    budgets: Budgets | None = None,
    encoding: str = DEFAULT_ENCODING,
    price_per_million: float = DEFAULT_PRICE,
    on_turn: Callable[[int], None] | None = None,
    measure: Measure | None = None,
) -> list[AthleteReplay]:
    """Replay the script for each athlete (default: all) on a scratch copy of the database."""
    if not (isinstance(price_per_million, int | float) and 0 <= price_per_million <= 10_000):
        raise ReplayError(f"price {price_per_million!r}: expected USD per million input tokens, 0-10000")
    turns = load_script(script)
    ids = list(athletes) if athletes else athlete_ids(con)
    with sql.scratch_copy(con) as scratch:
        return [
            replay_athlete(
                scratch,
                a,
                turns,
                budgets=budgets,
                encoding=encoding,
                price_per_million=price_per_million,
                on_turn=on_turn,
                measure=measure,
            )
            for a in ids
        ]
