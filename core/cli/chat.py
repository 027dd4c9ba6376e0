"""`chat`: one turn with the configured endpoint or the embedded local model; in preview, the exact request.

python -m core chat --athlete maya --message "Add a set of pull-ups to Friday"
python -m core chat --athlete 2 --message "How is my week?" --json
python -m core chat --athlete maya --message "How did I sleep?" --window 8192 --max-rounds 2
python -m core chat --athlete maya --message "How is my week?" --timeout 30   # or COACH_CHAT_TIMEOUT=30
COACH_LOCAL_MODEL=off python -m core chat --athlete maya --message "hi"   # preview: prints the request

A turn that failed (endpoint error, refused reply, request too big) prints the turn, then one `error:` line on
stderr, and exits 1. Model text (answer, tool arguments and results) is printed with terminal escapes and control
characters shown as `\\x1b`-style escapes, and each answer line behind `  │ `, so it cannot pass for the CLI's own
`stop:` or `tool 1:` lines.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from core.cli import emit
from core.context.budget_profile import add_budget_arguments, budgets_from_args  # issue 28
from core.errors import CoachError

if TYPE_CHECKING:
    from core.chat.loop import Progress
    from core.chat.turn import TurnRecord


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("chat", help="one chat turn (tiered context + tool loop), or the exact request in preview")
    p.add_argument("--athlete", required=True, help="athlete id or handle")
    p.add_argument("--message", required=True, help="what the athlete or coach says")
    p.add_argument("--max-rounds", type=int, default=4, help="tool rounds before the turn is stopped (0-10, default 4)")
    p.add_argument(
        "--timeout", type=float, default=None, help="seconds per request (default: COACH_CHAT_TIMEOUT, else 60/300)"
    )
    add_budget_arguments(p)  # every budget, --window (default: the endpoint's) and --budget-profile
    p.add_argument("--json", action="store_true", help="print the turn as JSON")
    p.set_defaults(handler=run)


ANSWER_PREFIX = "  │ "
# CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), and two-byte ESC sequences.
_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """`text` without terminal escape sequences; other control characters (and bidi overrides) shown escaped."""
    text = _ANSI_RE.sub("", text)
    return _CONTROL_RE.sub(lambda m: repr(m.group())[1:-1], text)


def _flat_line(text: str) -> str:
    return terminal_safe(" ".join(text.split("\n")))


def answer_lines(answer: str) -> list[str]:
    """The model's answer as printed: each line escaped and behind `ANSWER_PREFIX`."""
    lines = terminal_safe(answer.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    return [ANSWER_PREFIX + line for line in lines] if answer.strip() else [ANSWER_PREFIX + "(no answer text)"]


def render_turn(record: TurnRecord) -> str:
    """The turn as text: endpoint, tokens per part (empty parts named), every drop, then the answer, the stop
    reason with the endpoint's finish reason, each tool call and the usage (or, in preview, the request)."""
    c = record.context
    lines = [record.endpoint]
    topics = ", ".join(f"{t.topic} ({' '.join(t.words)})" for t in c.topics)
    lines.append(f"topics: {topics or 'none'}")
    lines += [f"{name}: {tokens}" + (" (empty)" if tokens == 0 else "") for name, tokens in record.parts().items()]
    lines += [record.delta_line(), f"tools offered: {', '.join(c.tool_names) or 'none'}"]
    lines += [f"dropped: {d.part} {d.key} ({d.tokens} tokens): {d.reason}" for d in c.drops] or ["dropped: nothing"]
    lines.append(f"request: {c.request_tokens} tokens (raw JSON tools), ~{c.request_tokens_openai} OpenAI approx.")
    if not record.live:
        return "\n".join([*lines, "", json.dumps(record.request["messages"], indent=2, ensure_ascii=False)])
    lines += ["answer:", *answer_lines(record.answer)]
    said = record.finish_reason and "finish_reason" not in record.stop_reason
    finish = f" (finish_reason {_flat_line(record.finish_reason or '')})" if said else ""
    lines.append(f"stop: {_flat_line(record.stop_reason)}{finish}")
    lines += [
        f"tool {t.round}: {t.name}({_flat_line(t.arguments)}) → {_flat_line(t.result)} [{t.result_tokens} tokens]"
        for t in record.tool_calls
    ]
    limits = record.limits
    lines.append(
        f"limits: {limits.max_rounds} rounds, {limits.calls_per_reply} calls per reply, arguments ≤"
        f" {limits.argument_chars:,} characters and {limits.argument_depth} deep"
    )
    usage = record.usage
    if usage is not None:
        lines.append(
            f"usage: {usage.prompt_tokens} prompt"
            + ("" if usage.cached_prompt_tokens is None else f" ({usage.cached_prompt_tokens} of them cached)")
            + f" + {usage.completion_tokens} completion tokens (reported);"
            f" {record.requests} request(s), {record.latency_s or 0:.1f} s;"
            f" logged as interaction {record.interaction_id}{' (failed)' if record.failed else ''}"
        )
    return "\n".join(lines)


@contextlib.contextmanager
def waiting(enabled: bool) -> Iterator[Progress]:
    """A line on stderr with the elapsed time while the model works (only on a terminal); yields a progress hook."""
    from tqdm import tqdm

    bar = tqdm(
        total=None, desc="asking the model", bar_format="{desc} {elapsed}", file=sys.stderr, disable=not enabled or None
    )
    done = threading.Event()

    def tick() -> None:
        while not done.wait(0.5):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield lambda line: bar.set_description_str(line)
    finally:
        done.set()
        ticker.join()
        bar.close()


def run(args: argparse.Namespace) -> int:
    from core.chat.endpoints import chat_timeout, resolve_endpoint
    from core.chat.loop import Limits
    from core.chat.turn import chat_turn, path_opener
    from core.db.athletes import resolve_athlete
    from core.demo.seeding import ensure_demo_database

    if not args.message.strip():
        raise CoachError("--message: expected some text, got an empty message")
    limits = Limits(max_rounds=args.max_rounds, timeout_s=args.timeout if args.timeout is not None else chat_timeout())
    limits.check()
    open_database = path_opener(ensure_demo_database(args.db))
    with open_database(False) as con:
        athlete_id = resolve_athlete(con, args.athlete)
    endpoint = resolve_endpoint()
    with waiting(endpoint.live and not args.json) as progress:
        record = chat_turn(
            open_database,
            endpoint,
            athlete_id,
            args.message,
            budgets=budgets_from_args(args),
            limits=limits,
            progress=progress,
        )
    payload = record.to_dict()
    if not record.live:
        payload["request"] = record.request
    emit(args, payload, render_turn(record))
    if record.failed:
        print(f"error: turn failed: {_flat_line(record.stop_reason)}", file=sys.stderr)
        return 130 if record.stop_reason.startswith("interrupted") else 1
    return 0
