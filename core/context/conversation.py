"""The user's message and the conversation as the builder takes them: checked, the model's earlier answers made
valid and clipped (never held to the user's limit), the history fitted newest first, the OpenAI cookbook's
count of chat messages that every request figure uses, and the messages' order (stable part first).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.context.budget import Drop
from core.errors import CoachError
from core.quoting import lone_surrogate_at, valid_text
from core.tokens import DEFAULT_ENCODING, count_tokens

MAX_MESSAGE_CHARS = 4000
TOKENS_PER_MESSAGE = 3  # OpenAI cookbook: every message costs 3 tokens of framing, every reply 3 of priming
REPLY_PRIMING = 3


TURN_MESSAGE_HEAD = "Message:"  # after the turn's context, whose blocks name themselves ("[TRAINING] …", "Plan …")


def request_messages(
    stable: str, history: Sequence[dict[str, Any]], turn_context: str, message: str
) -> list[dict[str, Any]]:
    """A request's messages, stable part first, so a provider's prompt cache can reuse the longest prefix.

    The system message holds what stays the same across turns of a conversation (instructions, Tier 1); the history
    grows at the end of it; what changes per turn (Tier 2, the plan part) rides in the last message, ahead of the
    user's own words, which stay last. Earlier turns are kept as the user wrote them, so no turn's context is sent
    twice.
    """
    user = f"{turn_context}\n\n{TURN_MESSAGE_HEAD} {message}" if turn_context else message
    return [{"role": "system", "content": stable}, *[dict(m) for m in history], {"role": "user", "content": user}]


class ContextError(CoachError):
    """A message, budget or window the context cannot be built for."""


def messages_tokens(messages: Sequence[dict[str, Any]], encoding: str = DEFAULT_ENCODING) -> int:
    """The OpenAI cookbook's count for chat messages: 3 per message + its role and content, 3 for the reply."""
    total = REPLY_PRIMING
    for m in messages:
        total += (
            TOKENS_PER_MESSAGE + count_tokens(m["role"], encoding) + count_tokens(str(m.get("content") or ""), encoding)
        )
    return total


def check_message(message: Any) -> str:
    if not isinstance(message, str) or not message.strip():
        raise ContextError(f"message {message!r:.40}: expected non-empty text")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ContextError(f"message: {len(message)} characters, expected at most {MAX_MESSAGE_CHARS}")
    if lone_surrogate_at(message) >= 0:
        raise ContextError("message: contains a lone UTF-16 surrogate; expected valid Unicode text")
    return message


CLIPPED = " …[answer clipped]"


def check_conversation(conversation: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
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
                answer = answer[: MAX_MESSAGE_CHARS - len(CLIPPED)] + CLIPPED
            if answer.strip():
                turns.append({"role": "assistant", "content": answer})
            continue
        turns.append({"role": turn["role"], "content": check_message(turn["content"])})
    return turns


def fit_history(
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
