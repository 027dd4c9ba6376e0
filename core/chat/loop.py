"""One chat turn over the real `openai` SDK: the model may call tools for a bounded number of rounds.

The loop knows nothing about which tools exist: it gets the messages, the tool definitions offered this turn and
one executor `execute(name, arguments_json, shown_hash) -> result text`. Every reply is read from the raw HTTP body
and validated (`core.chat.replies`): a reply that is not a usable chat completion ends the turn with one line, and
nothing in it runs. Everything the model controls is bounded by `Limits` (rounds, calls per reply, argument size
and depth); calls over a limit get a tool error instead of running. Unknown tools and bad arguments are answered
with a tool error without calling the executor. The configured API key is removed from the arguments before they
run, so an endpoint that echoes it cannot write it into the plan. `shown_hash` (the plan hash the model was shown,
the base of its edits) moves forward with each `ok … plan <hash>` result, so a second edit in the same turn is not
stale, and to the plan a tool result shows (`get_plan`, the `change_plan` entry point), so an edit after it needs
no `base_hash` even when the plan was not in the context; `delivered_hash` is the plan hash the model is known to have received (None when the turn failed).
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import openai

from core.chat.endpoints import Endpoint
from core.chat.replies import Reply, ReplyError, check_arguments, parse_reply
from core.errors import CoachError
from core.quoting import valid_text
from core.tokens import DEFAULT_ENCODING, count_tokens

Executor = Callable[[str, str, str | None], str]
Progress = Callable[[str], None]
# (tool names offered, name of the call that just ran) -> the definitions offered from the next request on
NextTools = Callable[[Sequence[str], str], Sequence[dict[str, Any]]]
DEFAULT_MAX_ROUNDS = 4
MAX_ROUNDS_CAP = 10
ANSWERED = "answered"
_PLAN_HASH_RE = re.compile(r"^ok\b.*\bplan ([0-9a-f]{8,64})\s*$")
# The plan's own header (`Plan 9f2c1a3b v5 (sets×reps…`) opening a tool result (after at most one line of
# instructions): the model has now been shown that plan, so its edits are based on it.
_PLAN_SHOWN_RE = re.compile(r"\A(?:[^\n]*\n)?Plan ([0-9a-f]{8,64}) v\d+ \(")


@dataclass(frozen=True)
class Limits:
    """Bounds on everything a model controls in one turn, stated in the turn record.

    `max_rounds` tool rounds (at most MAX_ROUNDS_CAP), `calls_per_reply` tool calls run per reply (the rest get an
    error), `argument_chars` and `argument_depth` per call's arguments, `timeout_s` per request (None: the
    endpoint kind's default, see `Endpoint.client`) and `retries` per request (None: 1 for a configured endpoint,
    0 for the local model, whose one server would only queue the retry behind the request that timed out).
    """

    max_rounds: int = DEFAULT_MAX_ROUNDS
    calls_per_reply: int = 8
    argument_chars: int = 8_000
    argument_depth: int = 16
    timeout_s: float | None = None
    retries: int | None = None

    def check(self) -> None:
        """CoachError naming the first limit out of its range."""
        ranges = {
            "max_rounds": (0, MAX_ROUNDS_CAP),
            "calls_per_reply": (1, 32),
            "argument_chars": (100, 100_000),
            "argument_depth": (2, 64),
            "retries": (0, 5),
        }
        for name, (low, high) in ranges.items():
            value = getattr(self, name)
            if name == "retries" and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise CoachError(f"{name} {value!r}: expected a whole number {low}-{high}")
        if self.timeout_s is not None and not 1 <= self.timeout_s <= 3600:
            raise CoachError(f"timeout {self.timeout_s!r} s: expected 1-3600 seconds")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call the model made: arguments as run (key redacted), the result fed back and its tokens."""

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
    """Token usage the endpoint reported, summed over the turn's requests.

    `cached_prompt_tokens`: of the prompt tokens, those the provider reported served from its prompt cache
    (`usage.prompt_tokens_details.cached_tokens`); None when no request of the turn reported it.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int | None = None

    def __add__(self, other: Usage) -> Usage:
        cached = (
            None
            if self.cached_prompt_tokens is None and other.cached_prompt_tokens is None
            else (self.cached_prompt_tokens or 0) + (other.cached_prompt_tokens or 0)
        )
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens, cached)


@dataclass(frozen=True)
class Turn:
    """What one turn did: the answer, every tool call, usage, latency, why it stopped, and the messages sent.

    `finish_reason` is the endpoint's for the last reply (`stop`, `length`, `tool_calls`, or None); `failed` says
    the turn ended on an error (endpoint, refused reply, request too big), in which case `delivered_hash` is None.
    """

    answer: str
    stop_reason: str
    tool_calls: tuple[ToolCallRecord, ...]
    usage: Usage
    latency_s: float
    requests: int
    shown_hash: str | None
    messages: tuple[dict[str, Any], ...]
    finish_reason: str | None = None
    failed: bool = False
    delivered_hash: str | None = None
    limits: Limits = field(default_factory=Limits)

    @property
    def completed(self) -> bool:
        return self.stop_reason == ANSWERED


def request_tokens(
    messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]], encoding: str = DEFAULT_ENCODING
) -> int:
    """Tokens of the request as raw JSON (messages + tool definitions): what a local server's template pastes in."""
    text = json.dumps(list(messages), ensure_ascii=False)
    if tools:
        text += json.dumps(list(tools), ensure_ascii=False)
    return count_tokens(text, encoding)


def fitted_result(
    result: str, call_id: str, sent: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]], room: int
) -> str:
    """The tool result as fed back, within the window: one that would push the next request past `room` (the window
    minus the answer's tokens) is replaced by a short error asking for less, so the turn can still be answered.

    A result reporting a saved change (`ok …`) is always kept whole: the model must learn the plan moved.
    """
    if result.startswith("ok"):
        return result
    needed = request_tokens([*sent, {"role": "tool", "tool_call_id": call_id, "content": result}], tools)
    if needed <= room:
        return result
    left = room - request_tokens([*sent, {"role": "tool", "tool_call_id": call_id, "content": ""}], tools)
    return (
        f"error: result: {count_tokens(result)} tokens, over the {max(left, 0)} left in the context window for it;"
        " not shown — ask for less (a narrower scope or fewer days)"
    )


def _tool_names(tools: Sequence[dict[str, Any]]) -> list[str]:
    return [t["function"]["name"] for t in tools if t.get("type") == "function"]


def _checked_call(name: str, arguments: str, offered: list[str], limits: Limits) -> str | None:
    """A tool error for an unknown tool or arguments the executor must not see; None when the call may run."""
    if name not in offered:
        return f"error: tool: unknown tool {name!r}; expected one of {', '.join(offered) or '(no tools offered)'}"
    return check_arguments(arguments, max_chars=limits.argument_chars, max_depth=limits.argument_depth)


def _api_error(endpoint: Endpoint, exc: openai.OpenAIError) -> str:
    status = getattr(exc, "status_code", None)
    detail = " ".join(endpoint.redact(valid_text(str(exc))).split())[:200]
    return f"endpoint error ({type(exc).__name__}{f' {status}' if status else ''}): {detail}"


def finish_stop_reason(finish_reason: str | None, max_tokens: int) -> str:
    """Why a turn that got a final reply stopped: answered, or cut off by the output limit (finish reason length)."""
    if finish_reason == "length":
        return f"cut off: the answer reached the {max_tokens}-token output limit (finish_reason length)"
    if finish_reason == "content_filter":
        return "cut off: the endpoint's content filter stopped the answer (finish_reason content_filter)"
    return ANSWERED


class DeadlineExceeded(Exception):
    """No complete reply within the request's whole deadline (an endpoint trickling bytes never trips a read timeout)."""


def request_deadline_s(client: openai.OpenAI) -> float:
    """The whole time one request may take: its timeout for each attempt the SDK makes, and a little backoff."""
    timeout = client.timeout
    per_attempt = timeout if isinstance(timeout, int | float) else (getattr(timeout, "read", None) or 60.0)
    return float(per_attempt) * (client.max_retries + 1) + 2.0 * client.max_retries


def _request(endpoint: Endpoint, client: openai.OpenAI, kwargs: dict[str, Any]) -> Reply:
    """One request; the raw body validated into a Reply (the SDK's own parsing does not validate).

    The SDK's timeout bounds each wait for bytes, not the request: it runs in a daemon thread joined with the
    whole deadline, and past it the turn goes on without it (its connection is closed, best effort)."""
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["body"] = client.chat.completions.with_raw_response.create(**kwargs).http_response.content
        except BaseException as exc:  # handed to the caller's thread, which raises it
            outcome["error"] = exc

    deadline = request_deadline_s(client)
    worker = threading.Thread(target=send, name="chat-request", daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        client.close()
        raise DeadlineExceeded(f"no complete reply within {deadline:.0f} s; the endpoint kept sending or waiting")
    if "error" in outcome:
        raise outcome["error"]
    return parse_reply(outcome["body"], endpoint.redact)


# long: one bounded loop — window check, request, validation, usage, tool calls, limits — reads best in one place
def run_turn(
    endpoint: Endpoint,
    messages: Sequence[dict[str, Any]],
    tools: Sequence[dict[str, Any]],
    execute: Executor,
    *,
    limits: Limits | None = None,
    max_rounds: int | None = None,
    window: int | None = None,
    shown_hash: str | None = None,
    sent_hash: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 512,
    client: openai.OpenAI | None = None,
    progress: Progress | None = None,
    next_tools: NextTools | None = None,
) -> Turn:
    """Send `messages` (with `tools` offered) and run tool calls until the model answers or the limits are used.

    `window` (default: the endpoint's context window) refuses a request whose raw-JSON tokens plus `max_tokens`
    would not fit, before sending it, and budgets each tool result to the room left (`fitted_result`). `sent_hash`
    is the plan hash the messages show (None: no plan part).
    Endpoint errors and refused replies end the turn with one line (key redacted) as the reason; `progress`
    hears one line before each request. `next_tools` says what is offered after a call that ran without an error
    (an entry point such as `change_plan` unlocks `edit_plan` for the rest of the turn); the loop itself still
    knows no tool by name.
    """
    if not endpoint.live:
        raise CoachError("endpoint: preview sends nothing; show the request instead of running a turn")
    limits = limits or Limits()
    if max_rounds is not None:
        if not isinstance(max_rounds, int) or max_rounds < 0:
            raise CoachError(f"max_rounds {max_rounds}: expected 0 or more")
        limits = Limits(**{**limits.to_dict(), "max_rounds": max_rounds})
    limits.check()
    window = window if window is not None else endpoint.context_window
    retries = limits.retries if limits.retries is not None else (0 if endpoint.kind == "local" else 1)
    client = client or endpoint.client(timeout=limits.timeout_s, max_retries=retries)
    offered = _tool_names(tools)
    sent: list[dict[str, Any]] = [dict(m) for m in messages]
    records: list[ToolCallRecord] = []
    usage, latency, requests, answer = Usage(), 0.0, 0, ""
    stop_reason, finish, failed = ANSWERED, None, False
    in_flight, delivered = sent_hash, None
    over_limit = False
    # The request after the limit carries the round-limit errors and no tools, so the model can still answer.
    try:
        for round_no in range(limits.max_rounds + 2):
            if window is not None and (needed := request_tokens(sent, tools) + max_tokens) > window:
                stop_reason = (
                    f"request does not fit: {needed:,} tokens (with {max_tokens} for the answer) > window {window:,}"
                )
                failed = True
                break
            kwargs: dict[str, Any] = {
                "model": endpoint.model,
                "messages": sent,
                "temperature": temperature,
                "max_tokens": max_tokens,
            }
            if tools and not over_limit:
                kwargs["tools"] = list(tools)
            if progress is not None:
                progress(f"round {round_no + 1}: waiting for {endpoint.model}")
            started = time.perf_counter()
            try:
                reply = _request(endpoint, client, kwargs)
            except openai.OpenAIError as exc:
                stop_reason, failed = _api_error(endpoint, exc), True
                break
            except ReplyError as exc:
                stop_reason, failed = f"reply refused: {endpoint.redact(str(exc))}", True
                break
            except DeadlineExceeded as exc:
                stop_reason, failed = f"endpoint error (timeout): {exc}", True
                break
            finally:
                latency += time.perf_counter() - started
                requests += 1
            delivered = in_flight
            usage += Usage(reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.cached_prompt_tokens)
            answer = endpoint.redact(reply.content)
            finish = None if reply.finish_reason is None else endpoint.redact(reply.finish_reason)
            if not reply.tool_calls or over_limit:
                stop_reason = finish_stop_reason(finish, max_tokens) if not over_limit else stop_reason
                break
            calls = [dataclasses.replace(c, name=endpoint.redact(c.name)) for c in reply.tool_calls]
            redacted = [endpoint.redact_arguments(c.arguments) for c in calls]
            sent.append(
                {
                    "role": "assistant",
                    "content": reply.content or None,
                    "tool_calls": [
                        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": args}}
                        for c, args in zip(calls, redacted, strict=True)
                    ],
                }
            )
            over_limit = round_no >= limits.max_rounds
            for i, (call, arguments) in enumerate(zip(calls, redacted, strict=True)):
                if over_limit:
                    result = (
                        f"error: round limit: {limits.max_rounds} tool rounds used; not run — answer with what you have"
                    )
                elif i >= limits.calls_per_reply:
                    result = f"error: limit: {limits.calls_per_reply} tool calls per reply; call {i + 1} not run"
                else:
                    result = _checked_call(call.name, arguments, offered, limits) or execute(
                        call.name, arguments, shown_hash
                    )
                result = endpoint.redact(valid_text(result))
                if next_tools is not None and call.name in offered and not result.startswith("error"):
                    tools = list(next_tools(offered, call.name))
                    offered = _tool_names(tools)
                if window is not None:
                    result = fitted_result(result, call.id, sent, tools, window - max_tokens)
                if (moved := _PLAN_HASH_RE.match(result) or _PLAN_SHOWN_RE.match(result)) is not None:
                    shown_hash = in_flight = moved.group(1)
                records.append(ToolCallRecord(round_no + 1, call.name, arguments, result, count_tokens(result)))
                sent.append({"role": "tool", "tool_call_id": call.id, "content": result})
            if over_limit:
                stop_reason = f"round limit: the model still called tools after {limits.max_rounds} rounds"
    except KeyboardInterrupt:
        # Ctrl-C mid-turn: the turn ends as failed, logged with the calls so far (its edits are not saved).
        stop_reason, failed = "interrupted: the turn was stopped before the model answered", True
    return Turn(
        answer,
        stop_reason,
        tuple(records),
        usage,
        round(latency, 3),
        requests,
        shown_hash,
        tuple(sent),
        None if failed else finish,  # a failed turn has no last reply: the last round's reason is not its
        failed,
        None if failed else delivered,
        limits,
    )
