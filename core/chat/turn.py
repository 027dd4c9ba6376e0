"""One chat turn end to end: the tiered context, the bounded tool loop, the interaction log — what the panel shows.

`chat_turn` is the one way the page, the embedded panel and the CLI talk to a model. The database is opened per
step, never across a model call (DuckDB allows one writer per file, and a model call can take minutes): a read
connection to build the context, one per tool call (a write connection only for a plan edit), and a write
connection to log the turn. In preview it builds the same context and returns the exact request, sending nothing
and logging nothing (no model saw the plan, so "since the last interaction" must not move).

Every live turn is logged, whatever happens: a turn that failed (endpoint error, refused reply, request too big,
Ctrl-C) is logged as failed with no plan hash, and so does not move the conversation's plan hash (the next turn
resends the plan). A turn is all or nothing: the model's plan edits run for real when it makes them (it needs
their true result and new hash) but are rolled back, and are saved only with the turn's row, in one transaction,
when the turn answers. A failed turn saves none (its row says how many were not saved); a process killed
mid-turn leaves neither. Earlier answers are clipped to the message limit and made
valid Unicode before they are sent again, so one long or odd answer cannot make later messages fail.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from core.chat.endpoints import Endpoint
from core.chat.loop import ANSWERED, Limits, Progress, ToolCallRecord, Turn, Usage, run_turn
from core.context.builder import Budgets, Context, build_context
from core.context.conversation import CLIPPED, MAX_MESSAGE_CHARS
from core.context.log import part_texts, record_turn, recount_parts
from core.context.tools import execute_tool, openai_tool_tokens, tool_definitions, tools_after_call
from core.db import reading, transaction, writing
from core.db.transactions import WriteConflict, rehearsal
from core.errors import CoachError
from core.plan.model import short_hash
from core.plan.store import plan_head
from core.plan.tools import EDIT_TOOL
from core.quoting import valid_text
from core.tokens import DEFAULT_ENCODING, count_tokens

DatabaseOpener = Callable[[bool], AbstractContextManager[duckdb.DuckDBPyConnection]]
PREVIEW_STOP = "preview: nothing sent"
# The keyword build_context takes for the plan hash this conversation's model was shown (core/context, issue 23).
CONVERSATION_HASH_KEYWORD = "shown_hash"


def path_opener(path: Path | str | None) -> DatabaseOpener:
    """Open the database file for one step: `writing(path)` when asked to write, else `reading(path)`."""

    def open_database(write: bool) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        return writing(path) if write else reading(path)

    return open_database


@dataclass(frozen=True)
class TurnRecord:
    """Everything one turn showed and did: the context (tiers, topics, drops, tools offered), the request, and —
    when live — the answer, each tool call, the reported usage, latency, why it stopped and the logged row."""

    context: Context
    endpoint: str
    live: bool
    model: str
    request: dict[str, Any] = field(repr=False)
    actor: str = "local"
    answer: str = ""
    stop_reason: str = PREVIEW_STOP
    tool_calls: tuple[ToolCallRecord, ...] = ()
    usage: Usage | None = None
    latency_s: float | None = None
    requests: int = 0
    shown_hash: str | None = None
    interaction_id: int | None = None
    finish_reason: str | None = None
    failed: bool = False
    conversation_hash: str | None = None
    limits: Limits = field(default_factory=Limits)

    @property
    def answered(self) -> bool:
        return self.stop_reason == ANSWERED

    def counts(self, encoding: str | None = None) -> tuple[dict[str, int], int]:
        """`parts()` and the request's tokens counted with `encoding` (default: the turn's own tokenizer): the same
        texts recounted exactly as the builder counts them (`recount_parts`), so a tokenizer switch recounts the turn.
        """
        c = self.context
        if encoding is None or encoding == c.encoding:
            return self.parts(), c.request_tokens
        figures = recount_parts(part_texts(c, [call.result for call in self.tool_calls]), encoding)
        assert figures is not None  # the results are given, so every figure can be recounted
        parts = {
            "instructions": figures["instructions"],
            "tier 1": figures["tier1"],
            "tier 2": figures["tier2"],
            "plan": figures["plan"],
            "history": figures["history"],
            "tools (raw JSON)": figures["tool_definitions"],
            "tools (OpenAI approx.)": openai_tool_tokens(c.tool_definitions, encoding),
        }
        return parts, figures["request_tokens"]

    def parts(self) -> dict[str, int]:
        """Tokens of each part of the request, as built (tool definitions as raw JSON and the OpenAI estimate)."""
        c = self.context
        return {
            "instructions": c.system_prompt_tokens,
            "tier 1": c.tier1_tokens,
            "tier 2": c.tier2_tokens,
            "plan": c.plan_tokens,
            "history": c.history_tokens,
            "tools (raw JSON)": c.tool_def_raw_tokens,
            "tools (OpenAI approx.)": c.tool_def_openai_tokens,
        }

    @property
    def tool_result_tokens(self) -> int:
        return sum(c.result_tokens for c in self.tool_calls)

    def delta_line(self) -> str:
        """What the model was told about the plan: unchanged, the delta, the full plan, or nothing this turn."""
        c = self.context
        dropped = [d for d in c.drops if d.part == "plan"]
        if c.plan_mode is None and dropped:
            return f"plan: dropped ({dropped[0].tokens} tokens): {dropped[0].reason}"
        if c.plan_mode is None:
            return "plan: not sent this turn (no training topic or edit intent)"
        shown = f", hash {short_hash(c.plan_hash_shown)}" if c.plan_hash_shown else ""
        return f"plan: {c.plan_mode} ({c.plan_tokens} tokens{shown})"

    def billed_prompt_tokens(self) -> int:
        """Prompt tokens to price: the endpoint's reported usage when live, else the request's OpenAI estimate."""
        if self.usage is not None and self.usage.prompt_tokens:
            return self.usage.prompt_tokens
        return self.context.request_tokens_openai

    def cost_usd(self, price_per_million: float) -> float:
        return round(self.billed_prompt_tokens() * price_per_million / 1_000_000, 6)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values for the CLI (never the key: it is not in the record)."""
        return {
            "endpoint": self.endpoint,
            "live": self.live,
            "model": self.model,
            "actor": self.actor,
            "context": self.context.to_dict(),
            "parts": self.parts(),
            "delta": self.delta_line(),
            "request_tokens": self.context.request_tokens,
            "answer": self.answer,
            "stop": self.stop_reason,
            "tool_calls": [dataclasses.asdict(c) for c in self.tool_calls],
            "usage": None if self.usage is None else dataclasses.asdict(self.usage),
            "latency_s": self.latency_s,
            "requests": self.requests,
            "shown_hash": self.shown_hash,
            "interaction_id": self.interaction_id,
            "finish_reason": self.finish_reason,
            "failed": self.failed,
            "conversation_hash": self.conversation_hash,
            "limits": self.limits.to_dict(),
        }


@dataclass(frozen=True)
class StagedEdit:
    """One plan edit the model made this turn, as called, with the result it was given."""

    name: str
    arguments: str
    shown_hash: str | None
    result: str


class TurnTools:
    """The executor for one turn's tool calls (`core.context.tools.execute_tool`), each on its own connection.

    A plan edit is rehearsed, not kept: it runs for real in a transaction that is rolled back (on top of this
    turn's earlier edits, replayed), so the model gets its true result and new hash, and every later call sees
    the plan as the turn has edited it. `save` replays the edits inside the caller's transaction, so they commit
    with the turn's row or not at all (a process killed mid-turn leaves neither).
    """

    def __init__(self, open_database: DatabaseOpener, athlete_id: int, *, actor: str, encoding: str) -> None:
        self._open = open_database
        self._athlete_id = athlete_id
        self._actor = actor
        self._encoding = encoding
        self.edits: list[StagedEdit] = []

    def _run(self, con: duckdb.DuckDBPyConnection, name: str, arguments: str, shown_hash: str | None) -> str:
        return execute_tool(
            con, self._athlete_id, name, arguments, shown_hash=shown_hash, encoding=self._encoding, actor=self._actor
        )

    def __call__(self, name: str, arguments: str, shown_hash: str | None) -> str:
        rehearse = name == EDIT_TOOL or bool(self.edits)
        try:
            with self._open(rehearse) as con:
                if not rehearse:
                    return self._run(con, name, arguments, shown_hash)
                with rehearsal(con, "plan edit"):
                    self.save(con)
                    result = self._run(con, name, arguments, shown_hash)
        except (CoachError, duckdb.Error, ValueError, TypeError, RecursionError) as exc:
            first = str(exc).splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            return f"error: tool {name} failed: {first}"
        if name == EDIT_TOOL and result.startswith("ok"):
            self.edits.append(StagedEdit(name, arguments, shown_hash, result))
        return result

    def save(self, con: duckdb.DuckDBPyConnection) -> None:
        """Replay this turn's edits on `con` (inside the caller's transaction); refuse them all if one no longer
        gives the result the model was told (the plan changed under the turn)."""
        for n, edit in enumerate(self.edits, 1):
            again = self._run(con, edit.name, edit.arguments, edit.shown_hash)
            if again != edit.result:
                raise EditsNotSaved(f"edit {n} of {len(self.edits)} now gives: {again.removeprefix('error: ')[:200]}")


class EditsNotSaved(CoachError):
    """The plan changed while the model worked, so the turn's edits were not saved."""


def sendable_history(history: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Earlier messages as they are sent again: the model's answers made valid Unicode and clipped to the message
    limit (they are the model's words, not the user's, so they must not trip the user's limit), empty ones left out.
    """
    out = []
    for message in history:
        content = message.get("content")
        if message.get("role") == "assistant" and isinstance(content, str):
            content = valid_text(content)
            if len(content) > MAX_MESSAGE_CHARS:
                content = content[: MAX_MESSAGE_CHARS - len(CLIPPED)] + CLIPPED
            if not content.strip():
                continue
        out.append({**message, "content": content})
    return out


def _build(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    message: str,
    history: list[dict[str, Any]],
    budgets: Budgets,
    encoding: str,
    conversation_hash: str | None,
) -> Context:
    """build_context, passing the conversation's plan hash when the builder takes it (added by issue 23's context
    half; until it lands the delta is measured from the last logged interaction)."""
    extra: dict[str, Any] = {}
    if CONVERSATION_HASH_KEYWORD in inspect.signature(build_context).parameters:
        extra[CONVERSATION_HASH_KEYWORD] = conversation_hash
    return build_context(con, athlete_id, message, conversation=history, budgets=budgets, encoding=encoding, **extra)


def _log_turn(
    open_database: DatabaseOpener, endpoint: Endpoint, context: Context, turn: Turn, actor: str, edits: TurnTools
) -> tuple[int, Turn]:
    """Write the turn's interaction row and, for a turn that answered, its plan edits with it in one transaction.

    A failed turn keeps none of its edits (no answer, so no change either; its row records how many were not
    saved) and claims no plan hash. When the edits no longer apply, the turn is logged as failed instead.
    """
    count = len(edits.edits)
    if count and not turn.failed:
        try:
            with open_database(True) as con, transaction(con, "chat turn"):
                edits.save(con)
                head = plan_head(con, context.athlete_id).plan_hash  # the full hash the edit results abbreviate
                turn = dataclasses.replace(
                    turn,
                    shown_hash=_full(turn.shown_hash, head),
                    delivered_hash=_full(turn.delivered_hash, head),
                )
                return _record(con, endpoint, context, turn, actor, 0), turn
        except (EditsNotSaved, WriteConflict) as exc:
            reason = f"the plan changed during the turn ({exc}): {_not_saved(count)}"
            turn = dataclasses.replace(turn, failed=True, delivered_hash=None, stop_reason=reason)
    elif count:
        turn = dataclasses.replace(turn, stop_reason=f"{turn.stop_reason}; {_not_saved(count)}")
    with open_database(True) as con:
        return _record(con, endpoint, context, turn, actor, count), turn


def _full(short: str | None, head: str) -> str | None:
    return head if short and head.startswith(short) else short


def _not_saved(count: int) -> str:
    return f"the model's {count} plan edit{'s were' if count != 1 else ' was'} not saved"


def _record(
    con: duckdb.DuckDBPyConnection,
    endpoint: Endpoint,
    context: Context,
    turn: Turn,
    actor: str,
    discarded: int,
) -> int:
    outcome = {
        "status": "failed" if turn.failed else "ok",
        "stop_reason": turn.stop_reason,
        "finish_reason": turn.finish_reason,
        "limits": turn.limits.to_dict(),
        "edits_not_saved": discarded,
    }
    return record_turn(
        con,
        context,
        tools_called=[c.name for c in turn.tool_calls],
        tool_result_tokens=sum(count_tokens(c.result, context.encoding) for c in turn.tool_calls),
        tool_results=[c.result for c in turn.tool_calls],
        model=endpoint.model,
        prompt_tokens=turn.usage.prompt_tokens,
        completion_tokens=turn.usage.completion_tokens,
        cached_prompt_tokens=turn.usage.cached_prompt_tokens,
        actor=actor,
        latency_s=turn.latency_s,
        endpoint=endpoint.kind,
        failed=turn.failed,
        plan_hash_delivered=turn.delivered_hash,
        outcome=outcome,
    )


def chat_turn(
    open_database: DatabaseOpener,
    endpoint: Endpoint,
    athlete_id: int,
    message: str,
    history: Sequence[dict[str, Any]] = (),
    *,
    shown_hash: str | None = None,
    conversation_hash: str | None = None,
    actor: str = "local",
    budgets: Budgets | None = None,
    encoding: str = DEFAULT_ENCODING,
    max_rounds: int | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> TurnRecord:
    """Build the tiered context for `message`, run the tool loop (live) and log the turn; preview only builds.

    The window is the endpoint's unless `budgets` names one. `shown_hash` (the hash an earlier turn moved to)
    is the edit base when this turn shows no plan; `conversation_hash` the plan hash this conversation's model
    last received (the record's `conversation_hash` is the next one). Raises CoachError only for a message,
    budget or limit refused before anything is sent, or a log write that fails; endpoint, reply and tool
    failures are in the record (`stop_reason`, `failed`, each call's `error: …` result).
    """
    budgets = budgets or Budgets()
    limits = limits or Limits()
    if max_rounds is not None:
        limits = dataclasses.replace(limits, max_rounds=max_rounds)
    limits.check()
    if budgets.context_window is None and endpoint.context_window is not None:
        budgets = dataclasses.replace(budgets, context_window=endpoint.context_window)
    with open_database(False) as con:
        context = _build(con, athlete_id, message, sendable_history(history), budgets, encoding, conversation_hash)
    record = TurnRecord(
        context,
        endpoint.describe(),
        endpoint.live,
        endpoint.model,
        context.request(endpoint.model),
        actor,
        shown_hash=context.plan_hash_shown or shown_hash,
        conversation_hash=conversation_hash,
        limits=limits,
    )
    if not endpoint.live:
        return record
    tools = TurnTools(open_database, athlete_id, actor=actor, encoding=encoding)
    turn = run_turn(
        endpoint,
        context.messages(),
        context.tool_definitions,
        tools,
        limits=limits,
        window=budgets.context_window,
        shown_hash=record.shown_hash,
        sent_hash=context.plan_hash_shown,
        max_tokens=budgets.reserve_output,
        progress=progress,
        next_tools=lambda offered, called: tool_definitions(tools_after_call(offered, called, budgets.tools, encoding)),
    )
    interaction, turn = _log_turn(open_database, endpoint, context, turn, actor, tools)
    return dataclasses.replace(
        record,
        answer=endpoint.redact(turn.answer),
        stop_reason=turn.stop_reason,
        finish_reason=turn.finish_reason,
        failed=turn.failed,
        conversation_hash=turn.delivered_hash or conversation_hash,
        tool_calls=turn.tool_calls,
        usage=turn.usage,
        latency_s=turn.latency_s,
        requests=turn.requests,
        shown_hash=record.shown_hash if turn.failed else turn.shown_hash,  # a failed turn saved no edit
        interaction_id=interaction,
    )
