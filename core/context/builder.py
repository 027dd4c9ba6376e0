"""`build_context`: what the coach model is sent for one message, with every part counted exactly.

The request is one system message (instructions, Tier 1, Tier 2, the plan part), the kept history,
the user's message, and the tools offered. The plan part rides along when the training topic fires
or the message looks like a request to change the plan; it has its own budget so a full plan cannot
crowd out Tier 2. What it holds follows what *this conversation's* model has seen: `shown_hash` is the
plan hash the conversation showed (or moved to by an edit) last; None (a new conversation) sends the
full plan, a hash sends "unchanged" or the delta since it (see `build_context`).

Tools: an edit tool is offered on every turn (`core.context.tools.offer_tools`: `edit_plan` when
the message looks like a request, else the small `change_plan` entry point), and the offered
definitions are fitted to `Budgets.tools` raw-JSON tokens by dropping read tools from the end.

Fitting a context window (issue 17): when `Budgets.context_window` is set, the request plus
`reserve_output` must fit. Over it, parts are dropped in this order, each recorded: history (oldest
first), read tools (last offered first; an edit tool stays), Tier 2 lines, the plan part, Tier 1
items, and last `edit_plan` is swapped for the small `change_plan` entry point. If even the bare request does not fit, ContextError says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from core.context.budget import Drop, Fitted, fit_sections
from core.context.data import ContextData, load_context_data
from core.context.inference import WorkoutFocus, infer_workout, refers_to_workout
from core.context.tier1 import tier1_sections
from core.context.tier2 import tier2_sections
from core.context.tools import (
    TOOLS_BUDGET,
    OfferedTool,
    fit_tools,
    is_edit_tool,
    offer_tools,
    openai_tool_tokens,
    raw_tool_tokens,
    tool_definitions,
)
from core.context.topics import TopicHit, body_words, detect_topics, edit_intent_words
from core.errors import CoachError
from core.plan.context import PlanContext
from core.plan.model import Plan, short_hash
from core.plan.store import load_plan, plan_context_for_model
from core.plan.tools import EDIT_TOOL, EDITOR_TOOL
from core.quoting import lone_surrogate_at, valid_text
from core.tokens import DEFAULT_ENCODING, check_encoding_name, count_tokens
from core.workouts.sport import Activity

MAX_MESSAGE_CHARS = 4000
TOKENS_PER_MESSAGE = 3  # OpenAI cookbook: every message costs 3 tokens of framing, every reply 3 of priming
REPLY_PRIMING = 3

SYSTEM_PROMPT = (
    "You are a fitness coach. Be brief; call a tool for more."
    " Edit the plan only when asked, naming block and day IDs."
    " If several sessions match, name them and ask which."
)


DROP_ORDER = ("history", "tools", "tier2", "plan", "tier1")  # drops are listed by part in this order


class ContextError(CoachError):
    """A message, budget or window the context cannot be built for."""


@dataclass(frozen=True)
class Budgets:
    """Token budgets per part; `context_window` (None: unlimited) bounds the whole request."""

    tier1: int = 120
    tier2: int = 400
    plan: int = 600  # a multi-sport week (strength + sessions) runs ~400-550 tokens in full
    history: int = 170  # whole newest messages; 170 keeps strategy B's whole request ≤ 0.25 of A's (replay)
    tools: int = TOOLS_BUDGET  # raw-JSON tokens of the tool definitions offered
    context_window: int | None = None
    reserve_output: int = 512

    def check(self) -> None:
        for name in ("tier1", "tier2", "plan", "history", "tools", "reserve_output"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
                raise ContextError(f"budget {name}={value!r}: expected a whole number of tokens 0-100000")
        window = self.context_window
        if window is not None and (
            not isinstance(window, int) or isinstance(window, bool) or not 256 <= window <= 10_000_000
        ):
            raise ContextError(f"context_window={window!r}: expected a whole number of tokens 256-10000000 or None")


def messages_tokens(messages: Sequence[dict[str, Any]], encoding: str = DEFAULT_ENCODING) -> int:
    """The OpenAI cookbook's count for chat messages: 3 per message + its role and content, 3 for the reply."""
    total = REPLY_PRIMING
    for m in messages:
        total += (
            TOKENS_PER_MESSAGE + count_tokens(m["role"], encoding) + count_tokens(str(m.get("content") or ""), encoding)
        )
    return total


@dataclass(frozen=True)
class Context:
    """One message's context: the parts, their exact tokens, why each tool is there and what was dropped."""

    athlete_id: int
    message: str
    encoding: str
    budgets: Budgets
    system_prompt: str
    system_prompt_tokens: int
    tier1: str
    tier1_tokens: int
    tier2: str
    tier2_tokens: int
    tier2_blocks: tuple[str, ...]
    plan: str
    plan_tokens: int
    plan_mode: str | None  # 'unchanged' | 'delta' | 'full' | None (not shown)
    plan_hash_shown: str | None  # the plan hash this turn shows: pass it as the next turn's `shown_hash`
    plan_base_hash: str | None  # the `shown_hash` the part was computed from (None: full, new conversation)
    topics: tuple[TopicHit, ...]
    edit_words: tuple[str, ...]
    body_words: tuple[str, ...]
    focus: WorkoutFocus | None
    tools: tuple[OfferedTool, ...]
    tool_def_raw_tokens: int
    tool_def_openai_tokens: int
    history: tuple[dict[str, Any], ...]
    history_tokens: int
    drops: tuple[Drop, ...]
    request_tokens: int  # messages (cookbook framing) + tool definitions as raw JSON
    request_tokens_openai: int  # messages + the cookbook's approximation of OpenAI's tool rendering
    tool_definitions: tuple[dict[str, Any], ...] = field(repr=False, default=())

    @property
    def context_tokens(self) -> int:
        """Tokens of what the system message holds (instructions + Tier 1 + Tier 2 + plan)."""
        return count_tokens(self.system_message(), self.encoding)

    @property
    def tool_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tools)

    def system_message(self) -> str:
        return "\n\n".join(p for p in (self.system_prompt, self.tier1, self.tier2, self.plan) if p)

    def messages(self) -> list[dict[str, Any]]:
        return [
            {"role": "system", "content": self.system_message()},
            *[dict(m) for m in self.history],
            {"role": "user", "content": self.message},
        ]

    def request(self, model: str = "coach") -> dict[str, Any]:
        """The exact body of an OpenAI `chat.completions.create` call (tools only when some are offered)."""
        body: dict[str, Any] = {"model": model, "messages": self.messages()}
        if self.tool_definitions:
            body["tools"] = [dict(t) for t in self.tool_definitions]
        return body

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values for the CLI, the page and the interaction log."""
        return {
            "athlete_id": self.athlete_id,
            "message": self.message,
            "encoding": self.encoding,
            "budgets": asdict(self.budgets),
            "topics": [{"topic": t.topic, "words": list(t.words)} for t in self.topics],
            "edit_intent": list(self.edit_words),
            "body_words": list(self.body_words),
            "workout_focus": None
            if self.focus is None
            else {"rule": self.focus.rule, "words": list(self.focus.words), "ambiguous": self.focus.ambiguous},
            "parts": {
                "system_prompt": {"tokens": self.system_prompt_tokens, "text": self.system_prompt},
                "tier1": {"tokens": self.tier1_tokens, "budget": self.budgets.tier1, "text": self.tier1},
                "tier2": {
                    "tokens": self.tier2_tokens,
                    "budget": self.budgets.tier2,
                    "blocks": list(self.tier2_blocks),
                    "text": self.tier2,
                },
                "plan": {
                    "tokens": self.plan_tokens,
                    "mode": self.plan_mode,
                    "hash": short_hash(self.plan_hash_shown) if self.plan_hash_shown else None,
                    "since": short_hash(self.plan_base_hash) if self.plan_base_hash else None,
                    "text": self.plan,
                },
                "history": {"tokens": self.history_tokens, "messages": len(self.history)},
            },
            "tools": [{"name": t.name, "reason": t.reason} for t in self.tools],
            "tool_definition_tokens": {
                "raw_json": self.tool_def_raw_tokens,
                "openai_approx": self.tool_def_openai_tokens,
                "openai_method": "OpenAI cookbook num_tokens_for_tools (an approximation)",
            },
            "dropped": [asdict(d) | {"text": d.describe()} for d in self.drops],
            "context_tokens": self.context_tokens,
            "request_tokens": self.request_tokens,
            "request_tokens_openai": self.request_tokens_openai,
        }


def _check_message(message: Any) -> str:
    if not isinstance(message, str) or not message.strip():
        raise ContextError(f"message {message!r:.40}: expected non-empty text")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ContextError(f"message: {len(message)} characters, expected at most {MAX_MESSAGE_CHARS}")
    if lone_surrogate_at(message) >= 0:
        raise ContextError("message: contains a lone UTF-16 surrogate; expected valid Unicode text")
    return message


_CLIPPED = " …[answer clipped]"


def _check_conversation(conversation: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    turns = []
    for i, turn in enumerate(conversation or []):
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ("user", "assistant")
            or not isinstance(turn.get("content"), str)
        ):
            raise ContextError(
                f"conversation[{i}]: expected {{'role': 'user'|'assistant', 'content': text}}, got {turn!r:.60}"
            )
        if turn["role"] == "assistant":  # the model's words: made valid and clipped, never held to the user's limit
            answer = valid_text(turn["content"])
            if len(answer) > MAX_MESSAGE_CHARS:
                answer = answer[: MAX_MESSAGE_CHARS - len(_CLIPPED)] + _CLIPPED
            if answer.strip():
                turns.append({"role": "assistant", "content": answer})
            continue
        turns.append({"role": turn["role"], "content": _check_message(turn["content"])})
    return turns


def _fit_history(
    turns: list[dict[str, Any]], budget: int, encoding: str, why: str
) -> tuple[list[dict[str, Any]], list[Drop]]:
    """Keep the newest whole messages within `budget` tokens (cookbook framing included)."""
    kept: list[dict[str, Any]] = []
    drops: list[Drop] = []
    for i in range(len(turns) - 1, -1, -1):
        if not drops and messages_tokens([turns[i], *kept], encoding) - REPLY_PRIMING <= budget:
            kept.insert(0, turns[i])
        else:
            drops.append(
                Drop(
                    "history", f"message {i + 1} ({turns[i]['role']})", count_tokens(turns[i]["content"], encoding), why
                )
            )
    return kept, drops[::-1]


@dataclass
class _Draft:
    """The mutable state of one build while it is fitted; frozen into a Context at the end."""

    data: ContextData
    message: str
    topics: tuple[TopicHit, ...]
    focus: WorkoutFocus | None
    tools: list[OfferedTool]
    plan: PlanContext | None
    history: list[dict[str, Any]]
    drops: list[Drop]
    tier1_budget: int
    tier2_budget: int


_State = tuple[Fitted, Fitted, int, int, list[dict[str, Any]], int]  # tier 1, tier 2, request, OpenAI, defs, base


def _assemble(d: _Draft, budgets: Budgets, encoding: str, why: str = "") -> _State:
    t1 = fit_sections("tier1", tier1_sections(d.data, ()), d.tier1_budget, encoding, why)
    t2 = fit_sections("tier2", tier2_sections(d.data, d.topics, d.focus), d.tier2_budget, encoding, why)
    defs = tool_definitions([t.name for t in d.tools])
    plan_text = d.plan.text if d.plan else ""
    system = "\n\n".join(p for p in (SYSTEM_PROMPT, t1.text, t2.text, plan_text) if p)
    msgs = [{"role": "system", "content": system}, *d.history, {"role": "user", "content": d.message}]
    base = messages_tokens(msgs, encoding)
    return t1, t2, base + raw_tool_tokens(defs, encoding), base + openai_tool_tokens(defs, encoding), defs, base


def training_terms(plan: Plan, activities: Sequence[Activity]) -> tuple[str, ...]:
    """The athlete's own training words: exercise and circuit-member names in the plan and recent history,
    and the labels of plan days that hold lifting (`Upper A`, `Bodyweight B`)."""
    names: list[str] = []
    for day in plan.days:
        lifting = [b for b in day.blocks if not b.is_session]
        names += [b.exercise for b in lifting] + [m.exercise for b in lifting for m in b.members]
        if lifting and day.focus:
            names.append(day.focus)
    names += [item.name for a in activities for leg in (a, *a.legs) for item in leg.exercises]
    return tuple(sorted(set(names)))


# long: one readable pass from message to request: tiers, plan part, tools, history, window fit, in that order
def build_context(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    message: str,
    *,
    conversation: Sequence[dict[str, Any]] | None = None,
    shown_hash: str | None = None,
    budgets: Budgets = Budgets(),
    encoding: str = DEFAULT_ENCODING,
) -> Context:
    """Build the context for one user message (read-only: logging the turn is `record_turn`'s job).

    `conversation` is the earlier messages of this conversation. `shown_hash` is the plan hash this
    conversation's model was shown last (the previous turn's `Context.plan_hash_shown`, or the hash an
    edit of this conversation moved the plan to); None, as in a new conversation, sends the full plan
    whenever the plan part is sent. The part's mode and `plan_base_hash` record which was sent.
    """
    check_encoding_name(encoding)
    budgets.check()
    message = _check_message(message)
    turns = _check_conversation(conversation)
    data = load_context_data(con, athlete_id)
    terms = training_terms(load_plan(con, athlete_id), data.activities)
    topics = detect_topics(message, terms)
    topic_names = [t.topic for t in topics]
    edit, body = edit_intent_words(message, terms), body_words(message)
    focus = (
        infer_workout(message, data.activities, data.as_of, turns) if refers_to_workout(message, data.as_of) else None
    )
    drops: list[Drop] = []
    plan = None
    if edit or "training" in topic_names:
        plan = plan_context_for_model(con, athlete_id, encoding, since=shown_hash)
        if plan.tokens > budgets.plan:
            drops.append(
                Drop(
                    "plan",
                    plan.mode,
                    plan.tokens,
                    f"plan part was {plan.tokens} tokens, over its {budgets.plan}-token budget",
                )
            )
            plan = None
    history, history_drops = _fit_history(
        turns, budgets.history, encoding, f"history over its {budgets.history}-token budget"
    )
    drops += history_drops
    tools, dropped_tools = fit_tools(offer_tools(topic_names, edit, body), budgets.tools, encoding)
    why = f"tool definitions over their {budgets.tools}-token budget"
    drops += [Drop("tools", t.name, tokens, why) for t, tokens in dropped_tools]
    draft = _Draft(
        data,
        message,
        topics,
        focus,
        list(tools),
        plan,
        history,
        drops,
        budgets.tier1,
        budgets.tier2,
    )
    t1, t2, request, request_openai, defs, base = _assemble(draft, budgets, encoding)
    if budgets.context_window is not None:
        t1, t2, request, request_openai, defs, base = _fit_window(
            draft, budgets, encoding, (t1, t2, request, request_openai, defs, base)
        )
    draft.drops += list(t1.drops) + list(t2.drops)
    draft.drops.sort(key=lambda d: DROP_ORDER.index(d.part))  # stable: within a part, in the order dropped
    history_tokens = messages_tokens(draft.history, encoding) - REPLY_PRIMING if draft.history else 0
    return Context(
        athlete_id=athlete_id,
        message=message,
        encoding=encoding,
        budgets=budgets,
        system_prompt=SYSTEM_PROMPT,
        system_prompt_tokens=count_tokens(SYSTEM_PROMPT, encoding),
        tier1=t1.text,
        tier1_tokens=t1.tokens,
        tier2=t2.text,
        tier2_tokens=t2.tokens,
        tier2_blocks=tuple(dict.fromkeys(k.split(":")[0] for k in t2.keys)),
        plan=draft.plan.text if draft.plan else "",
        plan_tokens=draft.plan.tokens if draft.plan else 0,
        plan_mode=draft.plan.mode if draft.plan else None,
        plan_hash_shown=draft.plan.current_hash if draft.plan else None,
        plan_base_hash=draft.plan.base_hash if draft.plan else None,
        topics=topics,
        edit_words=edit,
        body_words=body,
        focus=focus,
        tools=tuple(draft.tools),
        tool_def_raw_tokens=raw_tool_tokens(defs, encoding),
        tool_def_openai_tokens=openai_tool_tokens(defs, encoding),
        history=tuple(draft.history),
        history_tokens=history_tokens,
        drops=tuple(draft.drops),
        request_tokens=request,
        request_tokens_openai=request_openai,
        tool_definitions=tuple(defs),
    )


def _fit_window(d: _Draft, budgets: Budgets, encoding: str, state: _State) -> _State:
    """Drop parts in the documented order until the request leaves `reserve_output` tokens of the window."""
    room = (budgets.context_window or 0) - budgets.reserve_output
    why = (
        f"request over the {budgets.context_window}-token window minus {budgets.reserve_output} reserved for the answer"
    )

    def over() -> int:
        return state[2] - room

    while over() > 0 and d.history:
        dropped = d.history.pop(0)
        d.drops.append(Drop("history", f"{dropped['role']} message", count_tokens(dropped["content"], encoding), why))
        state = _assemble(d, budgets, encoding)
    while over() > 0 and any(not is_edit_tool(t.name) for t in d.tools):
        tool = d.tools.pop(max(i for i, t in enumerate(d.tools) if not is_edit_tool(t.name)))
        d.drops.append(Drop("tools", tool.name, raw_tool_tokens(tool_definitions([tool.name]), encoding), why))
        state = _assemble(d, budgets, encoding)
    if over() > 0 and state[1].tokens:
        d.tier2_budget = max(0, state[1].tokens - over())
        state = _assemble(d, budgets, encoding, why)
    if over() > 0 and d.plan is not None:
        d.drops.append(Drop("plan", d.plan.mode, d.plan.tokens, why))
        d.plan = None
        state = _assemble(d, budgets, encoding, why)
    if over() > 0 and state[0].tokens:
        d.tier1_budget = max(0, state[0].tokens - over())
        state = _assemble(d, budgets, encoding, why)
    edit_at = next((i for i, t in enumerate(d.tools) if t.name == EDIT_TOOL), None)
    if over() > 0 and edit_at is not None:  # the small entry point instead: it unlocks edit_plan when called
        tokens = raw_tool_tokens(tool_definitions([EDIT_TOOL]), encoding)
        d.drops.append(Drop("tools", f"{EDIT_TOOL} (offered as {EDITOR_TOOL})", tokens, why))
        d.tools[edit_at] = OfferedTool(EDITOR_TOOL, f"{EDIT_TOOL} did not fit the window: the edit entry point")
        state = _assemble(d, budgets, encoding, why)
    if over() > 0:
        raise ContextError(
            f"context_window={budgets.context_window}: the bare request needs {state[2]} tokens plus"
            f" {budgets.reserve_output} reserved for the answer; expected a larger window or a shorter message"
        )
    return state
