"""`chat`: one turn with the configured endpoint or the embedded local model; in preview, the exact request.

python -m core chat --athlete maya --message "Add a set of pull-ups to Friday"
python -m core chat --athlete 2 --message "How is my week?" --json
python -m core chat --athlete maya --message "How did I sleep?" --window 8192 --max-rounds 2
COACH_LOCAL_MODEL=off python -m core chat --athlete maya --message "hi"   # preview: prints the request
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from core.cli import emit
from core.context.budget_profile import add_budget_arguments, budgets_from_args  # issue 28
from core.errors import CoachError

if TYPE_CHECKING:
    from core.chat.turn import TurnRecord


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("chat", help="one chat turn (tiered context + tool loop), or the exact request in preview")
    p.add_argument("--athlete", required=True, help="athlete id or handle")
    p.add_argument("--message", required=True, help="what the athlete or coach says")
    p.add_argument("--max-rounds", type=int, default=4, help="tool rounds before the turn is stopped (default 4)")
    add_budget_arguments(p)  # issue 28: every budget, --window (default: the endpoint's) and --budget-profile
    p.add_argument("--json", action="store_true", help="print the turn as JSON")
    p.set_defaults(handler=run)


def render_turn(record: TurnRecord) -> str:
    """The turn as text: endpoint, tokens per part, then the answer, each tool call and the usage (or the request)."""
    c = record.context
    lines = [record.endpoint]
    topics = ", ".join(f"{t.topic} ({' '.join(t.words)})" for t in c.topics)
    lines.append(f"topics: {topics or 'none'}")
    lines += [f"{name}: {tokens}" for name, tokens in record.parts().items()]
    lines += [record.delta_line(), f"tools offered: {', '.join(c.tool_names)}"]
    lines += [f"dropped: {d.part} {d.item} ({d.tokens} tokens): {d.reason}" for d in c.drops]
    lines.append(f"request: {c.request_tokens} tokens (raw JSON tools), ~{c.request_tokens_openai} OpenAI approx.")
    if not record.live:
        return "\n".join([*lines, "", json.dumps(record.request["messages"], indent=2, ensure_ascii=False)])
    lines += [f"answer: {record.answer}", f"stop: {record.stop_reason}"]
    lines += [
        f"tool {t.round}: {t.name}({t.arguments}) → {t.result} [{t.result_tokens} tokens]" for t in record.tool_calls
    ]
    lines.append(
        f"usage: {record.usage.prompt_tokens} prompt + {record.usage.completion_tokens} completion tokens (reported);"
        f" {record.requests} request(s), {record.latency_s:.1f} s; logged as interaction {record.interaction_id}"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from core.chat.endpoints import resolve_endpoint
    from core.chat.turn import chat_turn, path_opener
    from core.db.athletes import resolve_athlete
    from core.demo.seeding import ensure_demo_database

    if not args.message.strip():
        raise CoachError("--message: expected some text, got an empty message")
    open_database = path_opener(ensure_demo_database(args.db))
    with open_database(False) as con:
        athlete_id = resolve_athlete(con, args.athlete)
    record = chat_turn(
        open_database,
        resolve_endpoint(),
        athlete_id,
        args.message,
        budgets=budgets_from_args(args),  # issue 28
        max_rounds=args.max_rounds,
    )
    payload = record.to_dict()
    if not record.live:
        payload["request"] = record.request
    emit(args, payload, render_turn(record))
    return 0
