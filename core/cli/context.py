"""`context`: build what the coach model would be sent for one message, with tokens per part.

python -m core context --athlete maya --message "How did yesterday's squat session go?"
python -m core context --athlete jordan --message "add a set of pull-ups to Friday" --json
python -m core context --athlete tomas --message "Am I tired?" --tier1-budget 60 --window 8192
python -m core context --athlete maya --message "and Friday?" --turn "user:How was Monday?" --turn "assistant:Solid." \
    --shown-hash 7703c517 --history-budget 20 --tools-budget 100
python -m core context --athlete maya --message "Am I tired?" --budget-profile budgets.toml
python -m core context --athlete maya --message "Am I tired?" --window 8192 --json   # "window": the split by part
python -m core context --athlete maya --message "Cut block b_3 to 3 sets please" --tools-budget 10   # over budget: why
"""

from __future__ import annotations

import argparse
from typing import Any

from core.cli import command_database, emit
from core.context.budget_profile import add_budget_arguments, budgets_from_args, window_parts
from core.context.builder import Context, build_context
from core.context.conversation import ContextError
from core.db.athletes import resolve_athlete
from core.plan.store import plan_head
from core.tokens import DEFAULT_ENCODING, ENCODINGS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("context", help="build the tiered context for one message and show its tokens")
    p.add_argument("--athlete", required=True, help="athlete id or handle, e.g. maya")
    p.add_argument("--message", required=True, help="the user's message")
    p.add_argument("--encoding", default=DEFAULT_ENCODING, choices=ENCODINGS)
    add_budget_arguments(p)  # issue 28: every budget, --window and --budget-profile
    p.add_argument(
        "--turn",
        action="append",
        default=[],
        metavar="ROLE:TEXT",
        help="an earlier message of the conversation, oldest first (repeatable), e.g. 'user:How was Monday?'",
    )
    p.add_argument(
        "--shown-hash",
        default=None,
        help="plan hash (or its first 8+ characters) this conversation showed last; default none: a new conversation",
    )
    p.add_argument("--json", action="store_true", help="print the context, the request and every figure as JSON")
    p.set_defaults(handler=run)


def render_context(ctx: Context) -> str:
    """The human view: topics and why, each part with its tokens, tools and why, drops, totals."""
    topics = "; ".join(f"{t.topic} ({', '.join(t.words)})" for t in ctx.topics) or "none"
    lines = [
        f"topics: {topics}",
        f"edit intent: {' … '.join(ctx.edit_words) or 'no'}",
        f"workout focus: {ctx.focus.rule + (' (ambiguous)' if ctx.focus.ambiguous else '') if ctx.focus else 'none'}",
        "",
        f"--- system prompt ({ctx.system_prompt_tokens} tokens)",
        ctx.system_prompt,
        f"--- tier 1 ({ctx.tier1_tokens}/{ctx.budgets.tier1} tokens)",
        ctx.tier1,
        f"--- tier 2 ({ctx.tier2_tokens}/{ctx.budgets.tier2} tokens; blocks: {', '.join(ctx.tier2_blocks) or 'none'})",
        ctx.tier2,
        f"--- plan ({ctx.plan_tokens} tokens, {ctx.plan_mode or 'not shown'}"
        + (f" since {ctx.plan_base_hash[:8]}" if ctx.plan_base_hash else "")
        + ")",
        ctx.plan,
        "--- tools offered",
        *[f"{t.name}: {t.reason}" for t in ctx.tools],
        f"tool definitions: {ctx.tool_def_raw_tokens}/{ctx.budgets.tools} tokens as raw JSON,"
        f" ~{ctx.tool_def_openai_tokens} by the OpenAI cookbook's approximation of OpenAI's rendering",
        *[f"over budget: {o.describe()}" for o in ctx.overruns],
        "--- dropped",
        *([d.describe() for d in ctx.drops] or ["nothing"]),
        "",
        f"request: {ctx.request_tokens} tokens (raw tool JSON), ~{ctx.request_tokens_openai} (OpenAI approximation)",
        "",
        *window_lines(ctx),
    ]
    return "\n".join(lines)


def window_split(ctx: Context) -> dict[str, Any]:
    """The window split by part, as the page's window bar draws it (`window_parts`): JSON's "window".

    `parts` holds the request's parts (they add up to `request_tokens`), then "reserved output", "reserved tool round"
    and "free" (0 when no window is set); `size` is the window (None: none).
    """
    return {
        "size": ctx.budgets.context_window,
        "encoding": ctx.encoding,
        "request_tokens": ctx.request_tokens,
        "parts": window_parts(ctx),
    }


def window_lines(ctx: Context) -> list[str]:
    """The split as text: a heading naming the tokenizer and the window, then `part N · …` in window order."""
    size = ctx.budgets.context_window
    head = f"window {size:,} tokens" if size else "no window set"
    parts = window_parts(ctx)
    return [f"--- window split ({ctx.encoding}; {head})", " · ".join(f"{p} {t}" for p, t in parts.items())]


def _turns(specs: list[str]) -> list[dict[str, Any]]:
    turns = []
    for spec in specs:
        role, sep, text = spec.partition(":")
        if not sep or role not in ("user", "assistant"):
            raise ContextError(f"--turn {spec[:40]!r}: expected 'user:TEXT' or 'assistant:TEXT'")
        turns.append({"role": role, "content": text})
    return turns


def _full_hash(con: Any, athlete_id: int, given: str | None) -> str | None:
    """A shown hash as given, or the head's full hash when `given` is its prefix (the CLI shows 8 characters)."""
    if given is None:
        return None
    head = plan_head(con, athlete_id).plan_hash
    return head if len(given) >= 8 and head.startswith(given) else given


def run(args: argparse.Namespace) -> int:
    con = command_database(args)
    athlete_id = resolve_athlete(con, args.athlete)
    budgets = budgets_from_args(args)
    ctx = build_context(
        con,
        athlete_id,
        args.message,
        conversation=_turns(args.turn),
        shown_hash=_full_hash(con, athlete_id, args.shown_hash),
        budgets=budgets,
        encoding=args.encoding,
    )
    emit(args, {**ctx.to_dict(), "window": window_split(ctx), "request": ctx.request()}, render_context(ctx))
    return 0
