"""`build_context`: what the coach model is sent for one message, with every part counted exactly.

The request is ordered stable part first, so a provider's prompt cache can reuse its prefix across turns: one
system message (instructions, Tier 1), the tools offered (edit tool first, then read tools by name), the kept
history, then the last message: this turn's Tier 2 and plan part ahead of the user's own words
(`request_messages`). The plan part rides along when the training topic fires
or the message looks like a request to change the plan; it has its own budget so a full plan cannot
crowd out Tier 2. What it holds follows what *this conversation's* model has seen: `shown_hash` is the
plan hash the conversation showed (or moved to by an edit) last; None (a new conversation) sends the
full plan, a hash sends "unchanged" or the delta since it (see `build_context`).

Tools: an edit tool is offered on every turn (`core.context.tools.offer_tools`: `edit_plan` when
the message looks like a request, else the small `change_plan` entry point), and the offered
definitions are fitted to `Budgets.tools` raw-JSON tokens: `edit_plan` alone over it is swapped for
`change_plan`, then read tools are dropped from the end. An edit tool still over the budget is kept and
reported as an `Overrun` (`Context.overruns`), never silently.

Fitting a context window: when `Budgets.context_window` is set, the request plus `reserve_output` (the
answer) plus `reserve_tool_round` (one tool call's arguments and its result, which the next request of the
turn carries) must fit. Over it, the cheapest loss goes first, each recorded: history (oldest first), read
tools (last offered first), Tier 2 items, `edit_plan` swapped for the `change_plan` entry point (still an
edit tool, but calling it costs a second round: the plan shown and `edit_plan` unlocked, which a small window
cannot hold, so an edit request keeps `edit_plan` over Tier 2), the plan part, and Tier 1 items last (only
when Tier 1 alone does not fit). Then what was given up is put back wherever it now fits, in the reverse
order: Tier 1, the plan, `edit_plan`, Tier 2, read tools, history (newest first). If even the bare request
does not fit, ContextError says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from core.context.budget import Drop, Fitted, Overrun, fit_sections
from core.context.conversation import (
    REPLY_PRIMING,
    ContextError,
    check_conversation,
    check_message,
    fit_history,
    messages_tokens,
    request_messages,
)
from core.context.data import load_context_data, training_terms
from core.context.edit_intent import body_words, edit_intent_words
from core.context.inference import WorkoutFocus, infer_workout, refers_to_workout
from core.context.tier1 import tier1_sections
from core.context.tier2 import tier2_sections
from core.context.tools import (
    TOOLS_BUDGET,
    OfferedTool,
    definitions_tokens,
    fit_tools_budget,
    is_edit_tool,
    offer_tools,
    openai_tool_tokens,
    request_order,
    tool_definitions,
)
from core.context.topics import TopicHit, detect_topics
from core.plan.context import PlanContext
from core.plan.model import short_hash
from core.plan.store import load_plan, plan_context_for_model
from core.plan.tools import EDIT_TOOL, EDITOR_TOOL
from core.tokens import DEFAULT_ENCODING, check_encoding_name, count_tokens

SYSTEM_PROMPT = (
    "You are a fitness coach. Be brief; call a tool for more."
    " Edit the plan only when asked, naming block and day IDs."
    " If several sessions match, name them and ask which."
)


DROP_ORDER = ("history", "tools", "tier2", "plan", "tier1")  # drops are listed by part in this order


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
    # kept free in the window for one tool round: the call's arguments and its (budgeted) result, so an edit can run
    reserve_tool_round: int = 256

    @property
    def reserved(self) -> int:
        """Tokens of the window the request may not use: the answer and one tool round."""
        return self.reserve_output + self.reserve_tool_round

    def check(self) -> None:
        for name in ("tier1", "tier2", "plan", "history", "tools", "reserve_output", "reserve_tool_round"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
                raise ContextError(f"budget {name}={value!r}: expected a whole number of tokens 0-100000")
        window = self.context_window
        if window is not None and (
            not isinstance(window, int) or isinstance(window, bool) or not 256 <= window <= 10_000_000
        ):
            raise ContextError(f"context_window={window!r}: expected a whole number of tokens 256-10000000 or None")


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
    overruns: tuple[Overrun, ...] = ()  # parts kept over their budget, and why (the edit tool's smallest form)

    @property
    def context_tokens(self) -> int:
        """Tokens of the context as one text (instructions + Tier 1 + Tier 2 + plan), wherever each part is sent."""
        return count_tokens(self.context_text(), self.encoding)

    @property
    def tool_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tools)

    def system_message(self) -> str:
        """The stable part, sent first: the instructions and Tier 1 (the athlete's profile)."""
        return "\n\n".join(p for p in (self.system_prompt, self.tier1) if p)

    def turn_context(self) -> str:
        """What changes per turn, sent with the user's message: Tier 2 and the plan part."""
        return "\n\n".join(p for p in (self.tier2, self.plan) if p)

    def context_text(self) -> str:
        return "\n\n".join(p for p in (self.system_prompt, self.tier1, self.tier2, self.plan) if p)

    def messages(self) -> list[dict[str, Any]]:
        return request_messages(self.system_message(), self.history, self.turn_context(), self.message)

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
            "over_budget": [asdict(o) | {"text": o.describe()} for o in self.overruns],
            "context_tokens": self.context_tokens,
            "request_tokens": self.request_tokens,
            "request_tokens_openai": self.request_tokens_openai,
        }


@dataclass
class _Draft:
    """The parts of one build after their own budgets, and what the window fit has taken out of them.

    `out` holds (kind, key) pairs: ('history', index), ('tools', read tool), ('edit', 'edit_plan': offered as
    change_plan), ('tier2', item key), ('plan', ''), ('tier1', item key). Only the window fit changes it.
    """

    message: str
    tier1: Fitted
    tier2: Fitted
    plan: PlanContext | None
    history: list[dict[str, Any]]
    history_offset: int  # how many older messages the history budget dropped (drop keys number from 1)
    tools: tuple[OfferedTool, ...]
    out: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class _Assembled:
    """One assembly of a draft: the parts as they would be sent and the request's exact count."""

    tier1: Fitted
    tier2: Fitted
    plan: PlanContext | None
    history: tuple[dict[str, Any], ...]
    tools: tuple[OfferedTool, ...]
    tool_definitions: tuple[dict[str, Any], ...]
    messages_tokens: int  # the messages with the cookbook's framing
    tool_tokens: int  # the tool definitions as raw JSON

    @property
    def request_tokens(self) -> int:
        return self.messages_tokens + self.tool_tokens


_WINDOW_SWAP_REASON = f"{EDIT_TOOL} did not fit the window: the edit entry point"


def _offered_now(d: _Draft) -> tuple[OfferedTool, ...]:
    tools = []
    for t in d.tools:
        if t.name == EDIT_TOOL and ("edit", EDIT_TOOL) in d.out:
            tools.append(OfferedTool(EDITOR_TOOL, _WINDOW_SWAP_REASON))
        elif ("tools", t.name) not in d.out:
            tools.append(t)
    return tuple(tools)


def _assemble(d: _Draft, encoding: str) -> _Assembled:
    t1 = d.tier1.without({k for kind, k in d.out if kind == "tier1"}, encoding)
    t2 = d.tier2.without({k for kind, k in d.out if kind == "tier2"}, encoding)
    plan = None if ("plan", "") in d.out else d.plan
    history = tuple(m for j, m in enumerate(d.history) if ("history", str(j)) not in d.out)
    tools = request_order(_offered_now(d))
    names = tuple(t.name for t in tools)
    stable = "\n\n".join(p for p in (SYSTEM_PROMPT, t1.text) if p)
    msgs = request_messages(
        stable, history, "\n\n".join(p for p in (t2.text, plan.text if plan else "") if p), d.message
    )
    return _Assembled(
        tier1=t1,
        tier2=t2,
        plan=plan,
        history=history,
        tools=tools,
        tool_definitions=tuple(tool_definitions(names)),
        messages_tokens=messages_tokens(msgs, encoding),
        tool_tokens=definitions_tokens(names, encoding) if names else 0,
    )


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
    message = check_message(message)
    turns = check_conversation(conversation)
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
    history, history_drops = fit_history(
        turns, budgets.history, encoding, f"history over its {budgets.history}-token budget"
    )
    drops += history_drops
    tools, tool_drops, overruns = fit_tools_budget(offer_tools(topic_names, edit, body), budgets.tools, encoding)
    drops += tool_drops
    draft = _Draft(
        message=message,
        tier1=fit_sections("tier1", tier1_sections(data, ()), budgets.tier1, encoding),
        tier2=fit_sections("tier2", tier2_sections(data, topics, focus), budgets.tier2, encoding),
        plan=plan,
        history=history,
        history_offset=len(turns) - len(history),
        tools=tools,
    )
    state = _assemble(draft, encoding)
    if budgets.context_window is not None:
        state, window_drops = _fit_window(draft, budgets, encoding, state)
        drops += window_drops
    drops += list(state.tier1.drops) + list(state.tier2.drops)
    drops.sort(key=lambda d: DROP_ORDER.index(d.part))  # stable: within a part, in the order dropped
    history_tokens = messages_tokens(state.history, encoding) - REPLY_PRIMING if state.history else 0
    t1, t2, shown = state.tier1, state.tier2, state.plan
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
        plan=shown.text if shown else "",
        plan_tokens=shown.tokens if shown else 0,
        plan_mode=shown.mode if shown else None,
        plan_hash_shown=shown.current_hash if shown else None,
        plan_base_hash=shown.base_hash if shown else None,
        topics=topics,
        edit_words=edit,
        body_words=body,
        focus=focus,
        tools=state.tools,
        tool_def_raw_tokens=state.tool_tokens,
        tool_def_openai_tokens=openai_tool_tokens(state.tool_definitions, encoding),
        history=state.history,
        history_tokens=history_tokens,
        drops=tuple(drops),
        overruns=overruns,
        request_tokens=state.request_tokens,
        request_tokens_openai=state.messages_tokens + openai_tool_tokens(state.tool_definitions, encoding),
        tool_definitions=state.tool_definitions,
    )


def _window_pieces(d: _Draft, encoding: str, why: str) -> list[tuple[tuple[str, str], Drop]]:
    """What the window fit may take out, cheapest loss first, each with the Drop recorded if it stays out.

    History (oldest first), read tools (last offered first), Tier 2 items, `edit_plan` swapped for the
    `change_plan` entry point, the plan part, and Tier 1 items last (each tier lowest priority first).
    """
    pieces = [
        (
            ("history", str(j)),
            Drop(
                "history",
                f"message {d.history_offset + j + 1} ({m['role']})",
                count_tokens(m["content"], encoding),
                why,
            ),
        )
        for j, m in enumerate(d.history)
    ]
    readers = [t.name for t in d.tools if not is_edit_tool(t.name)]
    pieces += [(("tools", n), Drop("tools", n, definitions_tokens((n,), encoding), why)) for n in reversed(readers)]
    pieces += [
        (("tier2", i.key), Drop("tier2", i.key, count_tokens(i.text, encoding), why))
        for i in d.tier2.items_in_drop_order()
    ]
    if any(t.name == EDIT_TOOL for t in d.tools):
        tokens = definitions_tokens((EDIT_TOOL,), encoding)
        pieces.append((("edit", EDIT_TOOL), Drop("tools", f"{EDIT_TOOL} (offered as {EDITOR_TOOL})", tokens, why)))
    if d.plan is not None:
        pieces.append((("plan", ""), Drop("plan", d.plan.mode, d.plan.tokens, why)))
    pieces += [
        (("tier1", i.key), Drop("tier1", i.key, count_tokens(i.text, encoding), why))
        for i in d.tier1.items_in_drop_order()
    ]
    return pieces


def _fit_window(d: _Draft, budgets: Budgets, encoding: str, state: _Assembled) -> tuple[_Assembled, list[Drop]]:
    """Fit the request into the window minus what is reserved (the answer and one tool round): give up the cheapest
    loss first, then put back whatever fits in the room left, in the reverse order (Tier 1, plan, `edit_plan`,
    Tier 2, read tools, history newest first). Returns the fitted assembly and a Drop for each piece still out."""
    room = (budgets.context_window or 0) - budgets.reserved
    why = (
        f"request over the {budgets.context_window}-token window minus {budgets.reserve_output} reserved for the"
        f" answer and {budgets.reserve_tool_round} for a tool round"
    )
    given_up: list[tuple[tuple[str, str], Drop]] = []
    for key, drop in _window_pieces(d, encoding, why):
        if state.request_tokens <= room:
            break
        d.out.add(key)
        given_up.append((key, drop))
        state = _assemble(d, encoding)
    if state.request_tokens > room:
        raise ContextError(
            f"context_window={budgets.context_window}: the bare request needs {state.request_tokens} tokens plus"
            f" {budgets.reserve_output} reserved for the answer and {budgets.reserve_tool_round} for a tool round;"
            " expected a larger window or a shorter message"
        )
    for key, _ in reversed(given_up):  # restoring only ever takes room, so one pass leaves nothing that would fit
        kind, name = key
        if kind == "history" and any(("history", str(j)) in d.out for j in range(int(name) + 1, len(d.history))):
            continue  # the history stays the newest whole messages: no older one back past a newer one left out
        d.out.discard(key)
        trial = _assemble(d, encoding)
        if trial.request_tokens <= room:
            state = trial
        else:
            d.out.add(key)
    return state, [drop for key, drop in given_up if key in d.out]
