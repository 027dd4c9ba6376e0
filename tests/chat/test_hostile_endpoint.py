"""A broken or hostile endpoint through `python -m core chat`: one clear line, exit 1, no traceback, and the database
unchanged or wholly changed (plan versions and interaction rows counted before and after) — issue 24."""

from __future__ import annotations

import json
import threading
import time

import pytest

from core.chat.endpoints import Endpoint
from core.chat.loop import Limits
from core.chat.turn import chat_turn, path_opener
from core.cli import main
from core.db import reading
from tests.openai_server import HOSTILE

MAYA = 1
EDIT = "Add a set to my bench press on Monday"


@pytest.fixture(autouse=True)
def _endpoint_env(monkeypatch):
    monkeypatch.setenv("COACH_LOCAL_MODEL", "off")
    monkeypatch.delenv("COACH_CHAT_TIMEOUT", raising=False)


def _use(server, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-000")
    monkeypatch.setenv("OPENAI_MODEL", "scripted")


def _counts(path) -> tuple[int, int]:
    with reading(path) as con:
        versions = con.execute("SELECT count(*) FROM plan_versions").fetchone()[0]
        interactions = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
    return versions, interactions


def _last_interaction(path) -> dict:
    with reading(path) as con:
        cur = con.execute("SELECT * FROM interactions ORDER BY interaction_id DESC LIMIT 1")
        return dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))


def _chat(path, *extra: str) -> int:
    return main(["--db", str(path), "chat", "--athlete", "maya", "--message", EDIT, *extra])


def _edit_call(sets: int = 5, notes: str | None = None) -> dict:
    op = {"op": "update_block", "block_id": "b_1", "sets": sets} | ({"notes": notes} if notes else {})
    return {"name": "edit_plan", "arguments": json.dumps({"ops": [op]})}


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_hostile_first_reply_ends_in_one_line_exit_1_and_only_a_failed_log_row(
    demo_db_path, scripted_server, monkeypatch, capsys, shape
):
    """Given an endpoint whose first reply is a hostile shape, when `chat` runs, then one error line, exit 1, no plan
    version, and one interaction row logged as failed with no plan hash."""
    _use(scripted_server([dict(HOSTILE[shape])]), monkeypatch)
    before = _counts(demo_db_path)
    code = _chat(demo_db_path)
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    assert err.startswith("error: turn failed: reply refused: ") and len(err.splitlines()) == 1, err
    assert "stop: reply refused: " in out
    assert _counts(demo_db_path) == (before[0], before[1] + 1)
    row = _last_interaction(demo_db_path)
    assert row["plan_hash"] is None and json.loads(row["context_json"])["status"] == "failed"


@pytest.mark.parametrize(
    ("shape", "said"), [("error-200", "model overloaded, retry later"), ("error-200-text", "quota")]
)
def test_an_error_sent_with_status_200_is_reported_in_the_endpoints_words(
    demo_db_path, scripted_server, monkeypatch, capsys, shape, said
):
    """Given an endpoint that answers 200 with an error object instead of choices, when `chat` runs, then the one
    error line carries what the endpoint said (on one line), not only that `choices` is missing."""
    _use(scripted_server([dict(HOSTILE[shape])]), monkeypatch)
    assert _chat(demo_db_path) == 1
    err = capsys.readouterr().err
    assert "endpoint error (status 200)" in err and said in err and len(err.splitlines()) == 1


def test_hostile_reply_after_an_edit_saves_no_edit_and_a_failed_row_saying_so(
    demo_db_path, scripted_server, monkeypatch, capsys
):
    """Given a model that edits and then sends an empty body, when `chat` runs, then exit 1, the plan is unchanged
    (a failed turn is all or nothing) and the turn's failed row lists the call and the edit not saved."""
    _use(scripted_server([{"tool_calls": [_edit_call()]}, dict(HOSTILE["empty-body"])]), monkeypatch)
    before = _counts(demo_db_path)
    assert _chat(demo_db_path) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: turn failed: reply refused: endpoint reply: empty body")
    assert "the model's 1 plan edit was not saved" in err and len(err.splitlines()) == 1
    assert _counts(demo_db_path) == (before[0], before[1] + 1)
    row = _last_interaction(demo_db_path)
    details = json.loads(row["context_json"])
    assert row["tools_called"] == ["edit_plan"] and row["plan_hash"] is None
    assert (details["status"], details["edits_not_saved"]) == ("failed", 1)


def test_hostile_tool_calls_get_tool_errors_and_run_nothing(demo_db_path, scripted_server, monkeypatch, capsys):
    """Given tool calls with 600-deep, 4,301-digit, surrogate and oversize arguments, when `chat` runs, then each gets
    one error line back, no plan version is made, and the turn answers (exit 0)."""
    hostile = [
        "[" * 600 + "]" * 600,
        '{"ops": [{"op": "update_block", "block_id": "b_1", "sets": ' + "9" * 4301 + "}]}",
        '{"ops": [{"op": "update_block", "block_id": "b_1", "notes": "\\udc80"}]}',
        '{"ops": [{"op": "update_block", "block_id": "b_1", "notes": "' + "x" * 9000 + '"}]}',
    ]
    calls = [{"name": "edit_plan", "arguments": a} for a in hostile]
    _use(scripted_server([{"tool_calls": calls}, {"content": "Nothing changed."}]), monkeypatch)
    before = _counts(demo_db_path)
    assert _chat(demo_db_path, "--json") == 0
    turn = json.loads(capsys.readouterr().out)
    results = [c["result"] for c in turn["tool_calls"]]
    assert [r.split(";")[0] for r in results] == [
        "error: arguments: nested 600 deep",
        "error: arguments: not valid JSON (Exceeds the limit (4300 digits) for integer string conversion)",
        "error: arguments: contain a lone UTF-16 surrogate",
        "error: arguments: 9,065 characters",
    ]
    assert _counts(demo_db_path) == (before[0], before[1] + 1) and turn["stop"] == "answered"


def test_300_calls_in_one_reply_run_only_the_per_reply_limit(demo_db_path, scripted_server):
    """Given one reply with 300 edit calls, when the turn runs, then 8 run, 292 get a limit error, and the limits are in
    the record and the logged row."""
    calls = [_edit_call(notes=f"note {i}") for i in range(300)]
    server = scripted_server([{"tool_calls": calls}, {"content": "Done."}])
    before = _counts(demo_db_path)
    record = chat_turn(path_opener(demo_db_path), Endpoint("openai", server.base_url, "scripted"), MAYA, EDIT)
    ran = [c for c in record.tool_calls if not c.result.startswith("error: limit")]
    assert len(ran) == 8 and len(record.tool_calls) == 300
    assert record.tool_calls[8].result == "error: limit: 8 tool calls per reply; call 9 not run"
    assert _counts(demo_db_path) == (before[0] + 8, before[1] + 1)
    assert json.loads(_last_interaction(demo_db_path)["context_json"])["limits"]["calls_per_reply"] == 8
    assert record.to_dict()["limits"] == Limits().to_dict()


def test_rounds_over_the_cap_are_refused_in_one_line(demo_db_path, capsys):
    """Given --max-rounds 1000000000, when `chat` runs, then one error line names the cap and nothing is sent."""
    before = _counts(demo_db_path)
    assert _chat(demo_db_path, "--max-rounds", "1000000000") == 1
    assert capsys.readouterr().err == "error: max_rounds 1000000000: expected a whole number 0-10\n"
    assert _counts(demo_db_path) == before


def test_a_slow_endpoint_times_out_once_without_retries_by_the_flag(demo_db_path, scripted_server, monkeypatch, capsys):
    """Given an endpoint that never answers, when `chat --timeout 1` runs, then the turn ends with a timeout line after
    at most 2 attempts (one retry), exit 1, logged as failed."""
    release = threading.Event()
    server = scripted_server(lambda body: {"wait": release, "content": "late"})
    _use(server, monkeypatch)
    try:
        code = _chat(demo_db_path, "--timeout", "1")
    finally:
        release.set()
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: turn failed: endpoint error (APITimeoutError)"), err
    assert len(server.requests) <= 2
    assert _last_interaction(demo_db_path)["plan_hash"] is None


def test_an_endpoint_trickling_bytes_is_cut_off_at_the_whole_request_deadline(
    demo_db_path, scripted_server, monkeypatch, capsys
):
    """Given an endpoint that sends a valid reply one byte every 0.05 s (each wait far under the timeout; about 20 s
    in all), when `chat --timeout 1` runs, then the turn ends at the whole deadline of 1 s per attempt with one
    timeout line, exit 1, no plan version and a failed row, long before the reply would have been complete."""
    server = scripted_server(lambda body: {"content": "slow but valid " * 20, "trickle_s": 0.05})
    _use(server, monkeypatch)
    before = _counts(demo_db_path)
    started = time.monotonic()
    code = _chat(demo_db_path, "--timeout", "1")
    took = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: turn failed: endpoint error (timeout): no complete reply within"), err
    assert took < 15  # the reply alone would take about 20 s; the deadline is 1 s × 2 attempts and backoff
    assert _counts(demo_db_path) == (before[0], before[1] + 1)
    assert json.loads(_last_interaction(demo_db_path)["context_json"])["status"] == "failed"


def test_timeout_from_the_environment_is_validated(demo_db_path, monkeypatch, capsys):
    """Given COACH_CHAT_TIMEOUT=soon, when `chat` runs, then one line names the setting and what it expects."""
    monkeypatch.setenv("COACH_CHAT_TIMEOUT", "soon")
    assert _chat(demo_db_path) == 1
    assert capsys.readouterr().err == "error: COACH_CHAT_TIMEOUT 'soon': expected a number of seconds 1-3600\n"


def test_a_failed_turn_does_not_move_the_plan_base_so_the_next_turn_resends_the_plan(demo_db_path, scripted_server):
    """Given a turn that fails with a 500, when the next turn runs, then the failed row has no plan hash and the next
    turn's plan part is the one the failed turn would have sent (not 'unchanged')."""
    server = scripted_server([{"status": 500}, {"status": 500}, {"content": "Here is your week."}])
    endpoint = Endpoint("openai", server.base_url, "scripted")
    opener = path_opener(demo_db_path)
    failed = chat_turn(opener, endpoint, MAYA, EDIT)
    assert failed.failed and failed.stop_reason.startswith("endpoint error (InternalServerError 500)")
    assert _last_interaction(demo_db_path)["plan_hash"] is None and failed.conversation_hash is None
    second = chat_turn(opener, endpoint, MAYA, EDIT, conversation_hash=failed.conversation_hash)
    assert (second.context.plan_mode, second.context.plan) == (failed.context.plan_mode, failed.context.plan)
    assert second.answered and _last_interaction(demo_db_path)["plan_hash"] == second.context.plan_hash_shown
    assert second.conversation_hash == second.context.plan_hash_shown
