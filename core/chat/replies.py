"""An endpoint's reply, validated into a typed value or refused with one line: the chat's outer boundary.

The `openai` SDK builds its response objects without validating them (a `choices: null`, content given as a list or
usage counts as strings arrive as-is and fail later, somewhere else). So the loop reads the raw HTTP body and this
module turns it into a `Reply` or raises `ReplyError` naming the field, what came and what was expected. Text is
made valid Unicode (a lone UTF-16 surrogate becomes U+FFFD) so it can be printed, logged and stored.

Tool-call arguments are checked separately (`check_arguments`), before anything runs: size, nesting depth (counted
by a scan, never by recursion), JSON, a JSON object, no integer over Python's 4,300-digit limit, no lone surrogate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.errors import CoachError
from core.quoting import has_lone_surrogate, lone_surrogate_at, valid_text

MAX_BODY_BYTES = 4_000_000
MAX_NAME_CHARS = 64
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ReplyError(CoachError):
    """An endpoint reply that is not a chat completion this loop can use; nothing in it was acted on."""


@dataclass(frozen=True)
class ReplyUsage:
    """The usage counts an endpoint reported for one request (0 when it reported none).

    `cached_prompt_tokens` is `usage.prompt_tokens_details.cached_tokens` (prompt tokens the provider served from
    its prompt cache), None when the endpoint did not report it.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int | None = None


@dataclass(frozen=True)
class ToolCall:
    """One tool call as the model sent it: id, tool name and the raw arguments text (not yet checked)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Reply:
    """A validated chat completion: the answer text, the tool calls, why the model stopped and the usage."""

    content: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str | None
    usage: ReplyUsage


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _parse_json(text: str, what: str, expected: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ReplyError(f"{what}: nested too deeply to read; expected {expected}") from None
    except ValueError as exc:  # JSONDecodeError, and an integer over Python's 4,300-digit limit
        detail = str(exc).split(":")[0] if "digits" in str(exc) else str(exc)
        raise ReplyError(f"{what}: not valid JSON ({detail[:80]}); expected {expected}") from None


def _as_is(text: str) -> str:
    return text


def parse_reply(body: bytes, redact: Callable[[str], str] = _as_is) -> Reply:
    """The chat completion in a raw HTTP body, or ReplyError naming the first thing that is not one.

    `redact` is applied to any piece of the body an error message quotes, before it is shortened (so no prefix of
    a secret the body echoes can be left in the message)."""
    if not body.strip():
        raise ReplyError("endpoint reply: empty body; expected a JSON chat.completion object")
    if len(body) > MAX_BODY_BYTES:
        raise ReplyError(f"endpoint reply: {len(body):,} bytes; expected at most {MAX_BODY_BYTES:,}")
    text = body.decode("utf-8", errors="replace")
    if text.lstrip()[:1] not in ("{", "["):
        start = redact(" ".join(text.split()[:20]))[:40]
        raise ReplyError(f"endpoint reply: not JSON (starts {start!r}); expected a chat.completion object")
    data = _parse_json(text, "endpoint reply", "a chat.completion object")
    if not isinstance(data, dict):
        raise ReplyError(f"endpoint reply: {_kind(data)}; expected a chat.completion object")
    choices = data.get("choices")
    error = data.get("error")
    if not choices and isinstance(error, (dict, str)):  # an error sent with status 200: say what the endpoint said
        said = error.get("message") if isinstance(error, dict) else error
        shown = redact(" ".join(str(said).split()))[:120] if said else _kind(error)
        raise ReplyError(f"endpoint error (status 200): {valid_text(shown)!r}; expected a chat.completion object")
    if not isinstance(choices, list) or not choices:
        raise ReplyError(f"choices: {_kind(choices) if choices != [] else 'empty'}; expected a list of 1 choice")
    choice = choices[0]
    if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
        raise ReplyError("choices[0].message: missing or not an object; expected {role, content, tool_calls}")
    message = choice["message"]
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise ReplyError(f"choices[0].message.content: {_kind(content)}; expected text or null")
    finish = choice.get("finish_reason")
    if finish is not None and not (isinstance(finish, str) and len(finish) <= 40):
        raise ReplyError(f"choices[0].finish_reason: {_kind(finish)}; expected text such as 'stop' or null")
    return Reply(
        valid_text(content or ""),
        _tool_calls(message.get("tool_calls"), redact),
        None if finish is None else valid_text(finish),
        _usage(data.get("usage")),
    )


def _tool_calls(raw: object, redact: Callable[[str], str]) -> tuple[ToolCall, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ReplyError(f"tool_calls: {_kind(raw)}; expected a list of calls or null")
    calls = []
    for i, call in enumerate(raw):
        where = f"tool_calls[{i}]"
        if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
            raise ReplyError(f"{where}.function: missing or not an object; expected {{name, arguments}}")
        name, arguments = call["function"].get("name"), call["function"].get("arguments")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            shown = repr(redact(valid_text(name))[:MAX_NAME_CHARS]) if isinstance(name, str) else _kind(name)
            raise ReplyError(f"{where}.function.name: {shown}; expected a tool name (letters, digits, _ . -)")
        if arguments is None:
            arguments = ""
        if not isinstance(arguments, str):
            raise ReplyError(f"{where}.function.arguments: {_kind(arguments)}; expected a JSON text")
        call_id = call.get("id")
        if call_id is not None and not (isinstance(call_id, str) and 0 < len(call_id) <= 200):
            raise ReplyError(f"{where}.id: {_kind(call_id)}; expected text of 1-200 characters")
        calls.append(ToolCall(valid_text(call_id or f"call_{i}"), name, arguments))
    return tuple(calls)


def _usage(raw: object) -> ReplyUsage:
    if raw is None:
        return ReplyUsage()
    if not isinstance(raw, dict):
        raise ReplyError(f"usage: {_kind(raw)}; expected an object of token counts or null")
    counts = [_usage_count(f"usage.{name}", raw.get(name)) or 0 for name in ("prompt_tokens", "completion_tokens")]
    details = raw.get("prompt_tokens_details")
    if details is not None and not isinstance(details, dict):
        raise ReplyError(f"usage.prompt_tokens_details: {_kind(details)}; expected an object of token counts or null")
    cached = _usage_count("usage.prompt_tokens_details.cached_tokens", (details or {}).get("cached_tokens"))
    if cached is not None and cached > counts[0]:
        raise ReplyError(
            f"usage.prompt_tokens_details.cached_tokens: {cached}; expected at most the {counts[0]} prompt tokens"
        )
    return ReplyUsage(counts[0], counts[1], cached)


def _usage_count(where: str, value: object) -> int | None:
    """A reported token count (None when absent); ReplyError naming `where` when it is not a whole number."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000_000:
        shown = repr(value)[:20] if isinstance(value, str | int | float) else _kind(value)
        raise ReplyError(f"{where}: {shown}; expected a whole number of tokens")
    return value


def json_depth(text: str) -> int:
    """The deepest nesting of `[` / `{` in a JSON text, found by one scan (strings skipped): no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def check_arguments(arguments: str, *, max_chars: int, max_depth: int) -> str | None:
    """One `error: …` line for arguments the executor must not see; None when they may run."""
    if len(arguments) > max_chars:
        return f"error: arguments: {len(arguments):,} characters; expected at most {max_chars:,}"
    if lone_surrogate_at(arguments) >= 0:
        return "error: arguments: contain a lone UTF-16 surrogate; expected valid Unicode text"
    if (depth := json_depth(arguments)) > max_depth:
        return f"error: arguments: nested {depth} deep; expected at most {max_depth}"
    if not arguments.strip():
        return None
    try:
        value = _parse_json(arguments, "arguments", "a JSON object")
    except ReplyError as exc:
        return f"error: {exc}"
    if not isinstance(value, dict):
        return f"error: arguments: expected a JSON object, got {type(value).__name__}"
    if has_lone_surrogate(value):
        return "error: arguments: contain a lone UTF-16 surrogate; expected valid Unicode text"
    return None
