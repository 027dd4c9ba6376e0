"""What a live endpoint reports for a request it is sent: the A/B replay's "reported usage" next to our own count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai

from core.chat.endpoints import Endpoint
from core.errors import CoachError


def reported_prompt_tokens(endpoint: Endpoint) -> Callable[[list[dict[str, Any]], list[dict[str, Any]]], int | None]:
    """A `measure(messages, tools)` for `core.context.replay`: one call with max_tokens=1, the prompt tokens reported.

    A request the endpoint refuses (e.g. over its window: strategy A often is) gives None, shown as unknown.
    """
    if not endpoint.live:
        raise CoachError("endpoint: preview sends nothing; pick a configured endpoint or the local model to measure")
    client = endpoint.client()

    def measure(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> int | None:
        kwargs: dict[str, Any] = {"model": endpoint.model, "messages": messages, "max_tokens": 1, "temperature": 0}
        if tools:
            kwargs["tools"] = tools
        try:
            response = client.chat.completions.create(**kwargs)
        except openai.OpenAIError:
            return None
        return response.usage.prompt_tokens if response.usage else None

    return measure
