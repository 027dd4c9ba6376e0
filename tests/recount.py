"""Every token-monitor figure as a tokenizer counts a logged turn's texts, written out independently of
`recount_parts` (3 framing tokens a message, 3 for the reply), for the tests that check the recount."""

from __future__ import annotations

import json
from typing import Any

from core.tokens import count_tokens


def _framed(messages: list[dict[str, Any]], encoding: str) -> int:
    return sum(3 + count_tokens(m["role"], encoding) + count_tokens(m["content"] or "", encoding) for m in messages)


def exact_counts(texts: dict[str, Any], encoding: str) -> dict[str, int]:
    """Each figure of one logged turn, counted from its logged texts with `encoding`."""
    tools = count_tokens(json.dumps(texts["tools"]), encoding) if texts["tools"] else 0
    return {
        "instructions": count_tokens(texts["instructions"], encoding),
        "tier1": count_tokens(texts["tier1"], encoding),
        "tier2": count_tokens(texts["tier2"], encoding),
        "plan": count_tokens(texts["plan"], encoding),
        "history": _framed(texts["messages"][1:-1], encoding),
        "tool_definitions": tools,
        "tool_results": sum(count_tokens(r, encoding) for r in texts["tool_results"]),
        "request_tokens": _framed(texts["messages"], encoding) + 3 + tools,
    }
