"""`chat_turn` end to end: tiered context → real openai SDK → scripted server on 127.0.0.1 → one executor → DuckDB."""

from __future__ import annotations

import json

import pytest

from core.chat.endpoints import Endpoint
from core.chat.loop import request_tokens
from core.chat.turn import PREVIEW_STOP, chat_turn, path_opener
from core.context.builder import build_context
from core.db import reading, writing
from core.plan.store import apply_ops, load_plan, plan_head

MAYA = 1
EDIT = "Add a set to my bench press on Monday"
SENTINEL = "sk-SENTINEL-0123456789abcdefXYZ"


def _endpoint(server, key: str = "", window: int | None = None) -> Endpoint:
    return Endpoint("openai", server.base_url, "scripted", window, key)


def _edit(*ops: dict, base_hash: str | None = None) -> dict:
    arguments = {"ops": list(ops)} | ({"base_hash": base_hash} if base_hash else {})
    return {"name": "edit_plan", "arguments": json.dumps(arguments)}


def _plan_state(path) -> tuple:
    """Everything a plan edit could change: head, plan, and the versions recorded."""
    with reading(path) as con:
        versions = con.execute("SELECT count(*) FROM plan_versions WHERE athlete_id = ?", [MAYA]).fetchone()[0]
        return plan_head(con, MAYA), load_plan(con, MAYA), versions


def _interactions(path) -> list[dict]:
    with reading(path) as con:
        cur = con.execute("SELECT * FROM interactions ORDER BY interaction_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _blocks(path) -> dict:
    with reading(path) as con:
        return {b.block_id: b for _, _, b in load_plan(con, MAYA).blocks()}


def test_plan_edit_succeeds_is_visible_on_the_plan_and_is_logged_with_actor(demo_db_path, scripted_server):
    """Given a model that edits b_1 via edit_plan, when a coach's turn runs, then the plan, its version and the log show it."""
    server = scripted_server(
        [
            {
                "tool_calls": [_edit({"op": "update_block", "block_id": "b_1", "sets": 5})],
                "usage": {"prompt_tokens": 900},
            },
            {"content": "Added a fifth set.", "usage": {"completion_tokens": 7}},
        ]
    )
    before = plan_head_of(demo_db_path).version  # the demo seeds a history: count from where it ends
    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, EDIT, actor="coach@example.org")
    head = plan_head_of(demo_db_path)
    assert (record.answer, record.stop_reason, record.requests) == ("Added a fifth set.", "answered", 2)
    assert record.tool_calls[0].result.startswith("ok b_1 sets 4→5; plan ")
    assert _blocks(demo_db_path)["b_1"].sets == 5 and head.version == before + 1
    assert record.shown_hash == head.plan_hash  # moved forward from the hash the context showed
    assert "edit_plan" in record.context.tool_names
    assert [t["function"]["name"] for t in server.requests[0]["tools"]] == list(record.context.tool_names)
    assert server.requests[0]["messages"] == record.context.messages()
    with reading(demo_db_path) as con:
        actor = con.execute(
            "SELECT actor FROM plan_versions WHERE athlete_id = ? AND version = ?", [MAYA, before + 1]
        ).fetchone()
    assert actor == ("coach@example.org",)
    row = _interactions(demo_db_path)[-1]
    assert row["interaction_id"] == record.interaction_id and row["actor"] == "coach@example.org"
    assert (row["tools_called"], row["prompt_tokens"], row["completion_tokens"]) == (["edit_plan"], 910, 12)
    assert (row["tier1_tokens"], row["tier2_tokens"]) == (record.context.tier1_tokens, record.context.tier2_tokens)
    assert row["tier3_tokens"] == record.tool_calls[0].result_tokens > 0
    assert row["endpoint"] == "openai" and row["latency_ms"] == round(record.latency_s * 1000)


def plan_head_of(path):
    with reading(path) as con:
        return plan_head(con, MAYA)


def test_stale_hash_is_refused_with_a_clear_error_and_plan_unchanged(demo_db_path, scripted_server):
    """Given a coach edit after the hash the model names, when the model edits on it, then a stale error goes back."""
    old = plan_head_of(demo_db_path).plan_hash
    with writing(demo_db_path) as con:
        apply_ops(con, MAYA, [{"op": "update_block", "block_id": "b_3", "sets": 2}], old, "coach")
    before = _plan_state(demo_db_path)
    server = scripted_server(
        [
            {"tool_calls": [_edit({"op": "update_block", "block_id": "b_2", "sets": 4}, base_hash=old[:8])]},
            {"content": "The plan changed; let me re-read it."},
        ]
    )
    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, EDIT)
    result = record.tool_calls[0].result
    assert result.startswith("error:") and "stale" in result.lower(), result
    assert server.requests[1]["messages"][-1]["content"] == result  # the model got the error back
    assert record.stop_reason == "answered" and record.answer == "The plan changed; let me re-read it."
    assert _plan_state(demo_db_path) == before


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            {"name": "delete_everything", "arguments": "{}"},
            "error: tool: unknown tool 'delete_everything'; expected one of ",
        ),
        ({"name": "edit_plan", "arguments": '{"ops": [{"op": "update_block"'}, "error: arguments: not valid JSON ("),
        ({"name": "edit_plan", "arguments": "[1, 2]"}, "error: arguments: expected a JSON object, got list"),
        (_edit({"op": "update_block", "block_id": "b_2", "sets": 99}), "error: "),
        ({"name": "query_cardio", "arguments": '{"days": 0}'}, "error: "),
    ],
    ids=["unknown-tool", "malformed-json", "not-an-object", "sets-out-of-range", "not-offered-query"],
)
def test_refused_tool_call_gets_a_clear_error_back_and_the_plan_is_unchanged(
    demo_db_path, scripted_server, call, expected
):
    """Given an unknown tool or bad arguments, when the turn runs, then the model gets one error line and the plan is unchanged."""
    before = _plan_state(demo_db_path)
    server = scripted_server([{"tool_calls": [call]}, {"content": "I could not do that."}])
    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, EDIT)
    result = record.tool_calls[0].result
    assert result.startswith(expected) and len(result.splitlines()) == 1, result
    assert not record.tool_calls[0].ok
    assert server.requests[1]["messages"][-1] == {"role": "tool", "tool_call_id": "call_1_0", "content": result}
    assert record.stop_reason == "answered" and record.answer == "I could not do that."
    assert _plan_state(demo_db_path) == before


def test_sets_out_of_range_names_the_field_and_its_limit(demo_db_path, scripted_server):
    """Given sets=99, when the edit runs, then the error names `sets` and the 1-20 limit the definition states."""
    server = scripted_server(
        [{"tool_calls": [_edit({"op": "update_block", "block_id": "b_2", "sets": 99})]}, {"content": "x"}]
    )
    result = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, EDIT).tool_calls[0].result
    assert "sets" in result and "1-20" in result, result


def test_loop_past_the_round_limit_ends_cleanly_without_running_more_tools(demo_db_path, scripted_server):
    """Given a model that calls tools forever, when max_rounds=2, then round 3's edit is refused and the turn ends."""
    note = {"tool_calls": [_edit({"op": "update_block", "block_id": "b_2", "notes": "x"})]}
    server = scripted_server(
        [
            note,
            note,
            {"tool_calls": [_edit({"op": "update_block", "block_id": "b_2", "sets": 6})]},
            {"content": "Stop."},
        ]
    )
    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, EDIT, max_rounds=2)
    assert record.stop_reason == "round limit: the model still called tools after 2 rounds"
    assert record.answer == "Stop." and record.requests == 4
    assert record.tool_calls[-1].result.startswith("error: round limit: 2 tool rounds used; not run")
    assert "tools" not in server.requests[-1]
    blocks = _blocks(demo_db_path)
    assert blocks["b_2"].sets != 6 and blocks["b_2"].notes == "x"


def test_preview_returns_the_exact_request_and_sends_and_logs_nothing(demo_db_path):
    """Given the preview endpoint, when a turn runs, then the record holds build_context's request and nothing is logged."""
    before = _interactions(demo_db_path)
    record = chat_turn(path_opener(demo_db_path), Endpoint("preview", None, "preview"), MAYA, EDIT)
    with reading(demo_db_path) as con:
        expected = build_context(con, MAYA, EDIT)
    assert record.request == expected.request("preview") and record.context == expected
    assert (record.live, record.stop_reason, record.usage, record.interaction_id) == (False, PREVIEW_STOP, None, None)
    assert record.parts()["tier 1"] == expected.tier1_tokens and record.parts()["tier 2"] == expected.tier2_tokens
    assert record.shown_hash == expected.plan_hash_shown
    assert _interactions(demo_db_path) == before


def test_the_endpoint_window_bounds_the_context(demo_db_path, scripted_server):
    """Given an endpoint with a 1,024-token window, when a turn runs, then the context is fitted to it and says what it dropped."""
    server = scripted_server([{"content": "ok"}])
    record = chat_turn(path_opener(demo_db_path), _endpoint(server, window=1024), MAYA, EDIT)
    assert record.context.budgets.context_window == 1024
    assert record.context.request_tokens + record.context.budgets.reserve_output <= 1024
    assert record.context.drops and record.stop_reason == "answered"


def test_an_edit_turn_completes_in_a_2048_token_window(demo_db_path, scripted_server):
    """Given a 2,048-token window and a model that calls edit_plan then answers, when the turn runs, then the context
    kept room for that tool round: edit_plan was offered, the edit is saved, the second request fits, it is answered."""
    server = scripted_server(
        [
            {"tool_calls": [_edit({"op": "update_block", "block_id": "b_1", "sets": 5})]},
            {"content": "Added a fifth set."},
        ]
    )
    record = chat_turn(path_opener(demo_db_path), _endpoint(server, window=2048), MAYA, EDIT)
    assert (record.stop_reason, record.requests, record.failed) == ("answered", 2, False)
    assert record.context.tool_names == ("edit_plan",)
    assert record.tool_calls[0].result.startswith("ok b_1 sets 4→5; plan ")
    assert _blocks(demo_db_path)["b_1"].sets == 5
    second = server.requests[1]
    assert request_tokens(second["messages"], second["tools"]) + record.context.budgets.reserve_output <= 2048


def test_second_turn_gets_the_delta_since_the_logged_interaction(demo_db_path, scripted_server):
    """Given a turn that edited the plan and was logged, when the next turn asks about training, then it gets 'unchanged'."""
    server = scripted_server(
        [
            {"tool_calls": [_edit({"op": "update_block", "block_id": "b_1", "sets": 5})]},
            {"content": "Done."},
            {"content": "Fine."},
        ]
    )
    opener = path_opener(demo_db_path)
    first = chat_turn(opener, _endpoint(server), MAYA, EDIT)
    history = [{"role": "user", "content": EDIT}, {"role": "assistant", "content": first.answer}]
    second = chat_turn(
        opener, _endpoint(server), MAYA, "Change Monday's bench sets again", history,
        conversation_hash=first.conversation_hash,
    )  # fmt: skip
    assert first.conversation_hash == first.shown_hash  # where the model's own edit moved the plan
    assert first.context.plan_mode == "full" and second.context.plan_mode in ("delta", "unchanged")
    assert second.context.plan_tokens < first.context.plan_tokens


def test_api_key_appears_in_no_record_log_row_or_error(demo_db_path, scripted_server, caplog):
    """Given a sentinel key the server echoes in a 401 and one that works, when turns run, then the key is nowhere kept."""
    caplog.set_level("DEBUG")
    rejected = scripted_server([{"status": 401, "message": f"Incorrect API key provided: {SENTINEL}"}])
    failed = chat_turn(path_opener(demo_db_path), _endpoint(rejected, SENTINEL), MAYA, EDIT)
    accepted = scripted_server([{"content": f"echo {SENTINEL}"}])
    answered = chat_turn(path_opener(demo_db_path), _endpoint(accepted, SENTINEL), MAYA, EDIT)
    assert rejected.headers[0]["authorization"] == f"Bearer {SENTINEL}"  # the key did reach the server
    assert failed.stop_reason.startswith("endpoint error (AuthenticationError 401)")
    kept = " ".join(
        [repr(failed), json.dumps(failed.to_dict()), json.dumps(answered.to_dict(), default=str), caplog.text]
        + [json.dumps(row, default=str) for row in _interactions(demo_db_path)]
    )
    assert SENTINEL not in kept and SENTINEL[-8:] not in kept
    assert len(_interactions(demo_db_path)) == 2


def test_long_and_odd_answers_are_clipped_valid_text_when_sent_again():
    """Given a 5,000-character answer with a lone surrogate and an empty one, when history is prepared, then the answer
    is clipped to the message limit and valid, the empty one left out, and user messages kept as they were."""
    from core.chat.turn import CLIPPED, sendable_history
    from core.context.conversation import MAX_MESSAGE_CHARS

    history = [
        {"role": "user", "content": "How is my week?"},
        {"role": "assistant", "content": "x" * 5000 + "\ud800"},
        {"role": "user", "content": "And Monday?"},
        {"role": "assistant", "content": "  "},
    ]
    sent = sendable_history(history)
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert len(sent[1]["content"]) == MAX_MESSAGE_CHARS and sent[1]["content"].endswith(CLIPPED)
    sent[1]["content"].encode("utf-8")


def test_a_turn_after_a_long_odd_answer_is_built_and_answered(demo_db_path, scripted_server):
    """Given a conversation whose earlier answer is 5,000 characters with a lone surrogate, when the next turn runs,
    then it is built and answered (the model's words do not trip the user's message limit)."""
    server = scripted_server([{"content": "Fine."}])
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "y" * 5000 + "\udc00"}]
    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, "How is my week?", history)
    assert record.answered and record.answer == "Fine."


def test_the_change_plan_entry_point_unlocks_edit_plan_for_the_rest_of_the_turn(demo_db_path, scripted_server):
    """Given a request offered only the `change_plan` entry point, when the model calls it and then `edit_plan`, then
    the next request offers `edit_plan` (in the entry point's place), the edit runs and is saved with the turn."""
    server = scripted_server(
        [
            {"tool_calls": [{"name": "change_plan", "arguments": "{}"}]},
            {"tool_calls": [_edit({"op": "update_block", "block_id": "b_1", "sets": 5})]},
            {"content": "Done: five sets."},
        ]
    )
    message = "my knee says no bench on Monday"  # a change nobody names: only the model can tell
    before = plan_head_of(demo_db_path).version
    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, message)
    offered = [[t["function"]["name"] for t in r.get("tools", [])] for r in server.requests]
    assert "change_plan" in offered[0] and "edit_plan" not in offered[0]
    assert offered[1][0] == "edit_plan" and "change_plan" not in offered[1] and offered[2] == offered[1]
    assert [c.name for c in record.tool_calls] == ["change_plan", "edit_plan"]
    assert record.tool_calls[1].result.startswith("ok b_1 sets 4→5; plan ")
    assert (record.stop_reason, _blocks(demo_db_path)["b_1"].sets) == ("answered", 5)
    assert plan_head_of(demo_db_path).version == before + 1


@pytest.mark.parametrize(
    "message",
    [
        "the long run clashes with a wedding on saturday",
        "I can't swim tomorrow, the pool is closed",
        "Tuesday suits yoga better than Monday",
    ],
)
def test_an_edit_after_the_entry_point_needs_no_base_hash_when_the_plan_was_not_in_context(
    demo_db_path, scripted_server, message
):
    """Given a message whose context carries no plan, when the model calls `change_plan` (which shows the plan) and
    then `edit_plan` without a base_hash, as a grammar-bound model that sees base_hash as optional will, then the
    edit is based on the plan just shown, runs and is saved."""
    server = scripted_server(
        [
            {"tool_calls": [{"name": "change_plan", "arguments": "{}"}]},
            {"tool_calls": [_edit({"op": "update_block", "block_id": "b_1", "sets": 5})]},
            {"content": "Done."},
        ]
    )
    before = plan_head_of(demo_db_path)
    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, message)
    sent = json.dumps(server.requests[0]["messages"])
    assert "Plan changes" not in sent  # the plan was not in the context
    assert f"Plan {before.plan_hash[:8]} v{before.version}" not in sent
    assert [c.name for c in record.tool_calls] == ["change_plan", "edit_plan"]
    assert record.tool_calls[1].result.startswith("ok b_1 sets 4→5; plan "), record.tool_calls[1].result
    assert (record.stop_reason, _blocks(demo_db_path)["b_1"].sets) == ("answered", 5)
    assert plan_head_of(demo_db_path).version == before.version + 1


def test_an_entry_point_call_that_fails_unlocks_nothing(demo_db_path, scripted_server):
    """Given a call to a tool that was not offered, when it is refused, then the tools offered next are unchanged."""
    server = scripted_server([{"tool_calls": [{"name": "get_plan", "arguments": "{}"}]}, {"content": "Nothing to do."}])
    chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, "my knee says no bench on Monday")
    first, second = ([t["function"]["name"] for t in r.get("tools", [])] for r in server.requests)
    assert first == second and "edit_plan" not in second
