"""`chat`: one turn with the configured endpoint or the embedded local model; in preview, the exact request.

python -m core chat --athlete maya --message "Add a set to my bench press"
python -m core chat --athlete 2 --message "How is my week?" --json
COACH_LOCAL_MODEL=off python -m core chat --athlete maya --message "hi"   # preview: prints the request
"""

from __future__ import annotations

import argparse
import json

from core.cli import emit
from core.errors import CoachError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="one chat turn (tool loop over the openai SDK), or the request in preview")
    p.add_argument("--athlete", required=True, help="athlete id or handle")
    p.add_argument("--message", required=True, help="what the athlete or coach says")
    p.add_argument("--max-rounds", type=int, default=4, help="tool rounds before the turn is stopped (default 4)")
    p.add_argument("--json", action="store_true", help="print the turn as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from core.chat.endpoints import resolve_endpoint
    from core.chat.executors import plan_executor
    from core.chat.loop import run_turn
    from core.chat.request import plan_request
    from core.db.athletes import resolve_athlete
    from core.demo.generator import open_database

    if not args.message.strip():
        raise CoachError("--message: expected some text, got an empty message")
    con = open_database(args.db)
    try:
        athlete_id = resolve_athlete(con, args.athlete)
        request = plan_request(con, athlete_id, args.message)
        endpoint = resolve_endpoint()
        parts = {"endpoint": endpoint.describe(), "tokens": request.tokens, "request_tokens": request.total_tokens}
        if not endpoint.live:
            payload = {**parts, "messages": list(request.messages), "tools": list(request.tools)}
            lines = [f"{k}: {v}" for k, v in request.tokens.items()]
            text = "\n".join(
                [endpoint.describe(), *lines, "", json.dumps(payload["messages"], indent=2, ensure_ascii=False)]
            )
            emit(args, payload, text)
            return 0
        turn = run_turn(
            endpoint, request.messages, request.tools, plan_executor(con, athlete_id),
            max_rounds=args.max_rounds, shown_hash=request.shown_hash,
        )  # fmt: skip
    finally:
        con.close()
    calls = [
        {
            "round": c.round,
            "name": c.name,
            "arguments": c.arguments,
            "result": c.result,
            "result_tokens": c.result_tokens,
        }
        for c in turn.tool_calls
    ]
    usage = {"prompt_tokens": turn.usage.prompt_tokens, "completion_tokens": turn.usage.completion_tokens}
    payload = {**parts, "answer": turn.answer, "stop": turn.stop_reason, "tool_calls": calls, "usage": usage,
               "latency_s": turn.latency_s, "requests": turn.requests}  # fmt: skip
    lines = [endpoint.describe(), f"answer: {turn.answer}", f"stop: {turn.stop_reason}"]
    lines += [
        f"tool {c['round']}: {c['name']}({c['arguments']}) → {c['result']} [{c['result_tokens']} tokens]" for c in calls
    ]
    lines.append(
        f"usage: {usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion tokens (reported);"
        f" {turn.requests} request(s), {turn.latency_s:.1f} s; request sent: {request.total_tokens} tokens ({request.tokens})"
    )
    emit(args, payload, "\n".join(lines))
    return 0
