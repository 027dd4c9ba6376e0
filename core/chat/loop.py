"""One chat turn over the real `openai` SDK: the model may call tools for a bounded number of rounds.

The loop knows nothing about which tools exist: it gets the messages, the tool definitions offered this turn and
one executor `execute(name, arguments_json, shown_hash) -> result text`. Unknown tools and arguments that are not
a JSON object are answered with a tool error without calling the executor; a model still calling tools after
`max_rounds` ends the turn with a readable reason. `shown_hash` (the plan hash the model was shown, the base of
its edits) moves forward with each `ok … plan <hash>` result, so a second edit in the same turn is not stale.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import openai

from core.chat.endpoints import Endpoint
from core.errors import CoachError
from core.tokens import DEFAULT_ENCODING, count_tokens

Executor = Callable[[str, str, str | None], str]
DEFAULT_MAX_ROUNDS = 4
_PLAN_HASH_RE = re.compile(r"^ok\b.*\bplan ([0-9a-f]{8,64})\s*$")


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call the model made: raw arguments as sent, the result fed back and its tokens."""

    round: int
    name: str
    arguments: str
    result: str
    result_tokens: int

    @property
    def ok(self) -> bool:
        return not self.result.startswith("error")


@dataclass(frozen=True)
class Usage:
    """Token usage the endpoint reported, summed over the turn's requests."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens)


@dataclass(frozen=True)
class Turn:
    """What one turn did: the answer, every tool call, usage, latency, why it stopped, and the messages sent."""

    answer: str
    stop_reason: str
    tool_calls: tuple[ToolCallRecord, ...]
    usage: Usage
    latency_s: float
    requests: int
    shown_hash: str | None
    messages: tuple[dict[str, Any], ...]

    @property
    def completed(self) -> bool:
        return self.stop_reason == "answered"


def request_tokens(
    messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]], encoding: str = DEFAULT_ENCODING
) -> int:
    """Tokens of the request as raw JSON (messages + tool definitions): what a local server's template pastes in."""
    text = json.dumps(list(messages), ensure_ascii=False)
    if tools:
        text += json.dumps(list(tools), ensure_ascii=False)
    return count_tokens(text, encoding)


def _tool_names(tools: Sequence[dict[str, Any]]) -> list[str]:
    return [t["function"]["name"] for t in tools if t.get("type") == "function"]


def _checked_call(name: str, arguments: str, offered: list[str]) -> str | None:
    """A tool error for an unknown tool or arguments that are not a JSON object; None when the call may run."""
    if name not in offered:
        return f"error: tool: unknown tool {name[:60]!r}; expected one of {', '.join(offered) or '(no tools offered)'}"
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError as exc:
        return f"error: arguments: not valid JSON ({exc.msg} at position {exc.pos}); expected a JSON object"
    if not isinstance(value, dict):
        return f"error: arguments: expected a JSON object, got {type(value).__name__}"
    return None


def _api_error(endpoint: Endpoint, exc: openai.OpenAIError) -> str:
    status = getattr(exc, "status_code", None)
    detail = endpoint.redact(str(exc))[:200]
    return f"endpoint error ({type(exc).__name__}{f' {status}' if status else ''}): {detail}"


# long: one bounded loop — window check, request, usage, tool calls, round limit — reads best in one place
def run_turn(
    endpoint: Endpoint,
    messages: Sequence[dict[str, Any]],
    tools: Sequence[dict[str, Any]],
    execute: Executor,
    *,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    window: int | None = None,
    shown_hash: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 512,
    client: openai.OpenAI | None = None,
) -> Turn:
    """Send `messages` (with `tools` offered) and run tool calls until the model answers or `max_rounds` is used.

    `window` (default: the endpoint's context window) refuses a request whose raw-JSON tokens plus `max_tokens`
    would not fit, before sending it. Endpoint errors end the turn with the error (key redacted) as the reason.
    """
    if not endpoint.live:
        raise CoachError("endpoint: preview sends nothing; show the request instead of running a turn")
    if max_rounds < 0:
        raise CoachError(f"max_rounds {max_rounds}: expected 0 or more")
    window = window if window is not None else endpoint.context_window
    client = client or endpoint.client()
    offered = _tool_names(tools)
    sent: list[dict[str, Any]] = [dict(m) for m in messages]
    records: list[ToolCallRecord] = []
    usage, latency, requests, answer = Usage(), 0.0, 0, ""
    stop_reason = "answered"
    over_limit = False
    # The request after the limit carries the round-limit errors and no tools, so the model can still answer.
    for round_no in range(max_rounds + 2):
        if window is not None and (needed := request_tokens(sent, tools) + max_tokens) > window:
            stop_reason = (
                f"request does not fit: {needed:,} tokens (with {max_tokens} for the answer) > window {window:,}"
            )
            break
        kwargs: dict[str, Any] = {
            "model": endpoint.model,
            "messages": sent,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        if tools and not over_limit:
            kwargs["tools"] = list(tools)
        started = time.perf_counter()
        try:
            response = client.chat.completions.create(**kwargs)
        except openai.OpenAIError as exc:
            stop_reason = _api_error(endpoint, exc)
            break
        finally:
            latency += time.perf_counter() - started
            requests += 1
        if response.usage is not None:
            usage += Usage(response.usage.prompt_tokens or 0, response.usage.completion_tokens or 0)
        message = response.choices[0].message
        calls = message.tool_calls or []
        answer = message.content or ""
        if not calls or over_limit:
            break
        sent.append(
            {
                "role": "assistant",
                "content": message.content,
                "tool_calls": [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.function.name, "arguments": c.function.arguments},
                    }
                    for c in calls
                ],
            }
        )
        over_limit = round_no >= max_rounds
        for call in calls:
            name, arguments = call.function.name, call.function.arguments or ""
            if over_limit:
                result = f"error: round limit: {max_rounds} tool rounds used; not run — answer with what you have"
            else:
                result = _checked_call(name, arguments, offered) or execute(name, arguments, shown_hash)
            if (moved := _PLAN_HASH_RE.match(result)) is not None:
                shown_hash = moved.group(1)
            records.append(ToolCallRecord(round_no + 1, name, arguments, result, count_tokens(result)))
            sent.append({"role": "tool", "tool_call_id": call.id, "content": result})
        if over_limit:
            stop_reason = f"round limit: the model still called tools after {max_rounds} rounds"
    return Turn(answer, stop_reason, tuple(records), usage, round(latency, 3), requests, shown_hash, tuple(sent))
