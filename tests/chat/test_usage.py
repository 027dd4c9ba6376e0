"""core.chat.usage: the A/B replay sends both strategies' exact requests to a live endpoint and keeps what it reports."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest

from core.chat.endpoints import Endpoint
from core.chat.usage import reported_prompt_tokens
from core.context.replay import load_script, replay
from core.db import snapshot
from core.errors import CoachError

MAYA = 1


def _reply_by_size(body: dict) -> dict:
    """The scripted endpoint 'counts' a request as its JSON length over ten; requests past 400,000 characters are refused."""
    size = len(json.dumps({"messages": body["messages"], "tools": body.get("tools", [])}))
    if size > 400_000:
        return {"status": 400, "message": "too long for this window"}
    return {"content": ".", "usage": {"prompt_tokens": size // 10, "completion_tokens": 1}}


def test_live_replay_records_what_the_endpoint_reported_for_both_strategies(demo_db_path: Path, scripted_server):
    """Given a live endpoint, when the replay measures each turn, then A and B carry the endpoint's own counts."""
    server = scripted_server(_reply_by_size)
    endpoint = Endpoint("openai", server.base_url, "scripted", None, "sk-test")
    with closing(snapshot(demo_db_path)) as con:
        result = replay(con, [MAYA], measure=reported_prompt_tokens(endpoint))[0]
    turns = len(load_script())
    assert len(server.requests) == 2 * turns  # A then B, every turn, each sent once with max_tokens=1
    assert all(r["max_tokens"] == 1 for r in server.requests)
    for n, t in enumerate(result.turns):
        a, b = server.requests[2 * n], server.requests[2 * n + 1]
        assert t.a_reported == len(json.dumps({"messages": a["messages"], "tools": a.get("tools", [])})) // 10
        assert t.b_reported == len(json.dumps({"messages": b["messages"], "tools": b.get("tools", [])})) // 10
        assert len(a.get("tools", [])) > len(b.get("tools", []))  # A offers every tool, B only the turn's
    summary = result.summary()
    assert summary["b_reported"] < summary["a_reported"]
    assert summary["reported_ratio"] == round(summary["b_reported"] / summary["a_reported"], 4)


def test_a_refused_request_is_unknown_not_zero_and_no_total_is_claimed(demo_db_path: Path, scripted_server):
    """Given an endpoint that refuses every request, when measuring, then each count is None and no reported total shows."""
    server = scripted_server(lambda body: {"status": 400, "message": "context length exceeded"})
    endpoint = Endpoint("openai", server.base_url, "scripted", None, "sk-test")
    with closing(snapshot(demo_db_path)) as con:
        result = replay(con, [MAYA], measure=reported_prompt_tokens(endpoint))[0]
    assert {t.a_reported for t in result.turns} == {None} and {t.b_reported for t in result.turns} == {None}
    assert "a_reported" not in result.summary()


def test_preview_cannot_measure():
    """Given the preview endpoint, when asking for a measure, then a clear error says nothing is sent."""
    with pytest.raises(CoachError, match="preview sends nothing"):
        reported_prompt_tokens(Endpoint("preview", None, "preview"))
