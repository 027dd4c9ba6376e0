"""The tool loop end to end: real openai SDK → scripted server on 127.0.0.1 → plan tools → DuckDB."""

from __future__ import annotations

import json

import pytest

from core.chat.endpoints import Endpoint
from core.chat.executors import plan_executor
from core.chat.loop import run_turn
from core.errors import CoachError
from core.plan.store import load_plan, plan_head
from core.plan.tools import PLAN_TOOL_SCHEMAS

MAYA = 1
MESSAGES = [{"role": "system", "content": "You are a coach."}, {"role": "user", "content": "Make Monday harder."}]


def _endpoint(server, key: str = "") -> Endpoint:
    return Endpoint("openai", server.base_url, "scripted", None, key)


def _call(name: str, arguments: object) -> dict:
    return {"name": name, "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments)}


def _state(con) -> tuple:
    return plan_head(con, MAYA), load_plan(con, MAYA)


def _turn(con, server, *, shown_hash: str | None, max_rounds: int = 4, key: str = ""):
    return run_turn(
        _endpoint(server, key),
        MESSAGES,
        PLAN_TOOL_SCHEMAS,
        plan_executor(con, MAYA),
        max_rounds=max_rounds,
        shown_hash=shown_hash,
    )


def test_plan_edit_succeeds_changes_the_plan_and_moves_shown_hash(demo_con, scripted_server):
    """Given a model that edits b_2 then b_1 with no base_hash, when the turn runs, then both apply on the moving hash."""
    shown = plan_head(demo_con, MAYA).plan_hash
    server = scripted_server(
        [
            {"tool_calls": [_call("update_block", {"block_id": "b_2", "sets": 4})], "usage": {"prompt_tokens": 900}},
            {"tool_calls": [_call("update_block", {"block_id": "b_1", "sets": 5})]},
            {"content": "Done: more sets on Monday.", "usage": {"completion_tokens": 7}},
        ]
    )
    turn = _turn(demo_con, server, shown_hash=shown)
    head = plan_head(demo_con, MAYA)
    blocks = {b.block_id: b for d in load_plan(demo_con, MAYA).days for b in d.blocks}
    assert (turn.completed, turn.answer, turn.requests) == (True, "Done: more sets on Monday.", 3)
    assert turn.tool_calls[0].result.startswith("ok b_2 sets 3→4; plan ")
    assert all(r.ok for r in turn.tool_calls) and head.version == 3
    assert (blocks["b_2"].sets, blocks["b_1"].sets) == (4, 5)
    assert turn.shown_hash == head.plan_hash[:8]
    assert turn.usage.prompt_tokens == 900 + 10 + 10 and turn.usage.completion_tokens == 5 + 5 + 7
    assert turn.tool_calls[0].result_tokens > 0 and turn.latency_s > 0
    # each result went back to the model as a tool message answering its call
    tool_msgs = [m for m in server.requests[2]["messages"] if m["role"] == "tool"]
    assert [m["content"] for m in tool_msgs] == [r.result for r in turn.tool_calls]


def test_stale_hash_is_refused_and_plan_unchanged(demo_con, scripted_server):
    """Given a base_hash the plan has moved past, when the model edits, then a stale error goes back and nothing changes."""
    old = plan_head(demo_con, MAYA).plan_hash
    run_turn(
        _endpoint(
            scripted_server(
                [{"tool_calls": [_call("update_block", {"block_id": "b_3", "sets": 2})]}, {"content": "ok"}]
            )
        ),
        MESSAGES,
        PLAN_TOOL_SCHEMAS,
        plan_executor(demo_con, MAYA),
        shown_hash=old,
    )
    before = _state(demo_con)
    server = scripted_server(
        [
            {"tool_calls": [_call("update_block", {"block_id": "b_2", "sets": 4, "base_hash": old[:8]})]},
            {"content": "Sorry."},
        ]
    )
    turn = _turn(demo_con, server, shown_hash=None)
    assert turn.tool_calls[0].result.startswith("error:") and "stale" in turn.tool_calls[0].result.lower()
    assert turn.completed and turn.answer == "Sorry."
    assert _state(demo_con) == before


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (_call("delete_everything", {}), "error: tool: unknown tool 'delete_everything'; expected one of update_block"),
        (_call("update_block", '{"block_id": "b_2", "sets": 4'), "error: arguments: not valid JSON ("),
        (_call("update_block", "[1, 2]"), "error: arguments: expected a JSON object, got list"),
        (_call("update_block", {"block_id": "b_2", "sets": 99}), "error: sets: expected 1-"),
    ],
    ids=["unknown-tool", "malformed-json", "not-an-object", "out-of-range"],
)
def test_refused_tool_call_gets_a_clear_error_back_and_nothing_changes(demo_con, scripted_server, call, expected):
    """Given an unknown tool or bad arguments, when the turn runs, then the model gets the error and the DB is unchanged."""
    before = _state(demo_con)
    server = scripted_server([{"tool_calls": [call]}, {"content": "I could not do that."}])
    turn = _turn(demo_con, server, shown_hash=before[0].plan_hash)
    assert turn.tool_calls[0].result.startswith(expected), turn.tool_calls[0].result
    assert turn.completed and turn.answer == "I could not do that."
    assert server.requests[1]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1_0",
        "content": turn.tool_calls[0].result,
    }
    assert _state(demo_con) == before


def test_loop_past_the_round_limit_ends_cleanly_without_running_more_tools(demo_con, scripted_server):
    """Given a model that calls tools forever, when max_rounds=2, then round 3's call is refused and the turn ends."""
    shown = plan_head(demo_con, MAYA).plan_hash
    edit = {"tool_calls": [_call("update_block", {"block_id": "b_2", "notes": "x"})]}
    server = scripted_server(
        [edit, edit, {"tool_calls": [_call("update_block", {"block_id": "b_2", "sets": 6})]}, {"content": "Stopping."}]
    )
    turn = _turn(demo_con, server, shown_hash=shown, max_rounds=2)
    assert turn.stop_reason == "round limit: the model still called tools after 2 rounds"
    assert turn.answer == "Stopping." and turn.requests == 4
    assert turn.tool_calls[-1].result.startswith("error: round limit: 2 tool rounds used; not run")
    assert "tools" not in server.requests[-1]  # the last request lets the model answer, not call again
    blocks = {b.block_id: b for d in load_plan(demo_con, MAYA).days for b in d.blocks}
    assert blocks["b_2"].sets != 6 and blocks["b_2"].notes == "x"


def test_request_that_does_not_fit_the_window_is_not_sent(demo_con, scripted_server):
    """Given a 300-token window and ~5,000 tokens of tools, when the turn runs, then nothing is sent and the reason says so."""
    server = scripted_server([{"content": "never"}])
    turn = run_turn(_endpoint(server), MESSAGES, PLAN_TOOL_SCHEMAS, plan_executor(demo_con, MAYA), window=300)
    assert turn.stop_reason.startswith("request does not fit:") and "> window 300" in turn.stop_reason
    assert server.requests == [] and turn.requests == 0


def test_preview_endpoint_refuses_to_run_a_turn(demo_con):
    """Given the preview endpoint, when asked to run a turn, then a CoachError says to show the request instead."""
    with pytest.raises(CoachError, match="preview sends nothing"):
        run_turn(Endpoint("preview", None, "preview"), MESSAGES, [], plan_executor(demo_con, MAYA))


def test_api_key_appears_in_no_error_record_or_repr(demo_con, scripted_server, caplog):
    """Given a sentinel key the server rejects (echoing it), when a turn runs, then the key is nowhere we keep or show."""
    sentinel = "sk-SENTINEL-0123456789abcdefXYZ"
    server = scripted_server([{"status": 401, "message": f"Incorrect API key provided: {sentinel}"}])
    caplog.set_level("DEBUG")
    turn = _turn(demo_con, server, shown_hash=None, key=sentinel)
    assert server.headers[0]["authorization"] == f"Bearer {sentinel}"  # the key did reach the server
    assert turn.stop_reason.startswith("endpoint error (AuthenticationError 401)")
    kept = repr(turn) + repr(_endpoint(server, sentinel)) + _endpoint(server, sentinel).describe() + caplog.text
    assert sentinel not in kept and sentinel[-8:] not in kept
