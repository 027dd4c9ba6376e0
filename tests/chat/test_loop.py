"""The bounded tool loop on its own: the moving edit base, the window check, and preview's refusal."""

from __future__ import annotations

import json

import pytest

from core.chat.endpoints import Endpoint
from core.chat.loop import request_tokens, run_turn
from core.chat.turn import TurnTools, path_opener
from core.context.tools import every_tool, tool_definitions
from core.db import reading, transaction, writing
from core.errors import CoachError
from core.plan.store import load_plan, plan_head

MAYA = 1
MESSAGES = [{"role": "system", "content": "You are a coach."}, {"role": "user", "content": "Make Monday harder."}]


def _edit(block_id: str, sets: int) -> dict:
    ops = [{"op": "update_block", "block_id": block_id, "sets": sets}]
    return {"name": "edit_plan", "arguments": json.dumps({"ops": ops})}


def _executor(path):
    return TurnTools(path_opener(path), MAYA, actor="local", encoding="o200k_base")


def test_two_edits_in_one_turn_apply_on_the_moving_shown_hash(demo_db_path, scripted_server):
    """Given a model that edits b_2 then b_1 with no base_hash, when the turn runs, then both apply, the second on
    the first's hash; they are rehearsed (the plan is unchanged) until the turn's tools save them."""
    with reading(demo_db_path) as con:
        shown, before = plan_head(con, MAYA).plan_hash, plan_head(con, MAYA).version
    server = scripted_server(
        [
            {"tool_calls": [_edit("b_2", 4)]},
            {"tool_calls": [_edit("b_1", 5)]},
            {"content": "Done: more sets on Monday."},
        ]
    )
    tools = _executor(demo_db_path)
    turn = run_turn(
        Endpoint("openai", server.base_url, "scripted"),
        MESSAGES,
        tool_definitions(["edit_plan"]),
        tools,
        shown_hash=shown,
    )
    with reading(demo_db_path) as con:
        assert plan_head(con, MAYA).version == before
    with writing(demo_db_path) as con, transaction(con):
        tools.save(con)
    with reading(demo_db_path) as con:
        head = plan_head(con, MAYA)
        blocks = {b.block_id: b for _, _, b in load_plan(con, MAYA).blocks()}
    assert (turn.completed, turn.answer, turn.requests) == (True, "Done: more sets on Monday.", 3)
    assert all(r.ok for r in turn.tool_calls) and head.version == before + 2
    assert (blocks["b_2"].sets, blocks["b_1"].sets) == (4, 5)
    assert turn.shown_hash == head.plan_hash[:8]
    assert turn.usage.prompt_tokens == 30 and turn.usage.completion_tokens == 15 and turn.latency_s > 0


def test_request_that_does_not_fit_the_window_is_not_sent(demo_db_path, scripted_server):
    """Given a 300-token window and every tool offered, when the turn runs, then nothing is sent and the reason says so."""
    server = scripted_server([{"content": "never"}])
    endpoint = Endpoint("openai", server.base_url, "scripted")
    turn = run_turn(endpoint, MESSAGES, every_tool(), _executor(demo_db_path), window=300)
    assert turn.stop_reason.startswith("request does not fit:") and "> window 300" in turn.stop_reason
    assert server.requests == [] and turn.requests == 0


def test_preview_endpoint_refuses_to_run_a_turn(demo_db_path):
    """Given the preview endpoint, when asked to run a turn, then a CoachError says to show the request instead."""
    with pytest.raises(CoachError, match="preview sends nothing"):
        run_turn(Endpoint("preview", None, "preview"), MESSAGES, [], _executor(demo_db_path))


def test_ctrl_c_mid_turn_ends_it_as_failed_with_the_edits_so_far_recorded(demo_db_path, scripted_server):
    """Given a model that makes two edits and a Ctrl-C during the second, when the turn runs, then it ends as failed
    (interrupted), the first edit is in the record to be logged, and no plan hash is claimed as delivered."""
    real = _executor(demo_db_path)
    calls: list[str] = []

    def interrupted_on_second(name: str, arguments: str, shown: str | None) -> str:
        calls.append(name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(name, arguments, shown)

    with reading(demo_db_path) as con:
        shown = plan_head(con, MAYA).plan_hash
    server = scripted_server([{"tool_calls": [_edit("b_2", 4)]}, {"tool_calls": [_edit("b_1", 5)]}, {"content": "x"}])
    turn = run_turn(
        Endpoint("openai", server.base_url, "scripted"),
        MESSAGES,
        tool_definitions(["edit_plan"]),
        interrupted_on_second,
        shown_hash=shown,
        sent_hash=shown,
    )
    assert turn.failed and turn.stop_reason.startswith("interrupted")
    assert [c.result.split(";")[0] for c in turn.tool_calls] == ["ok b_2 sets 3→4"]
    assert turn.delivered_hash is None


def test_a_tool_result_too_big_for_the_window_is_replaced_by_an_error_and_the_turn_is_answered(
    demo_db_path, scripted_server
):
    """Given a window with room for a short result only, when the model asks for the whole plan, then the result is
    replaced by an error asking for less, the next request fits, and the model's answer ends the turn."""
    server = scripted_server([{"tool_calls": [{"name": "get_plan", "arguments": "{}"}]}, {"content": "Sorry."}])
    tools = tool_definitions(["get_plan"])
    window = request_tokens(MESSAGES, tools) + 100 + 160  # 100 for the answer, 160 for the round
    turn = run_turn(
        Endpoint("openai", server.base_url, "scripted"), MESSAGES, tools, _executor(demo_db_path), window=window,
        max_tokens=100,
    )  # fmt: skip
    [call] = turn.tool_calls
    assert call.result.startswith("error: result: ") and "ask for less" in call.result
    assert (turn.stop_reason, turn.answer, turn.requests) == ("answered", "Sorry.", 2)
    second = server.requests[1]
    assert request_tokens(second["messages"], second["tools"]) + 100 <= window
