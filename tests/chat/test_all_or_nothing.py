"""A chat turn is all or nothing (issue 24): the model's plan edits and the turn's row commit together when the turn
answers, and none of its edits survive a failed turn, a plan changed under it, or a process killed mid-turn."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.chat.endpoints import Endpoint
from core.chat.turn import chat_turn, path_opener
from core.db import reading, writing
from core.plan.model import short_hash
from core.plan.store import apply_ops, load_plan, plan_head

MAYA = 1
EDIT = "Add a set to my bench press on Monday"
ROOT = Path(__file__).resolve().parents[2]


def _edit(block_id: str = "b_1", sets: int = 5) -> dict:
    return {
        "name": "edit_plan",
        "arguments": json.dumps({"ops": [{"op": "update_block", "block_id": block_id, "sets": sets}]}),
    }


def _counts(path) -> tuple[int, int]:
    with reading(path) as con:
        versions = con.execute("SELECT count(*) FROM plan_versions").fetchone()[0]
        interactions = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
    return versions, interactions


def _sets(path, block_id: str = "b_1") -> int | None:
    with reading(path) as con:
        return {b.block_id: b for _, _, b in load_plan(con, MAYA).blocks()}[block_id].sets


def _last_row(path) -> dict:
    with reading(path) as con:
        cur = con.execute("SELECT * FROM interactions ORDER BY interaction_id DESC LIMIT 1")
        return dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))


def _endpoint(server) -> Endpoint:
    return Endpoint("openai", server.base_url, "scripted")


def test_an_answered_turn_saves_its_edits_with_its_row_and_later_calls_see_them(demo_db_path, scripted_server):
    """Given a model that edits b_1 twice and answers, when the turn runs, then the second edit saw the first, and
    both versions and the row are saved together, the row claiming the edited plan's hash."""
    before = _counts(demo_db_path)
    server = scripted_server(
        [
            {"tool_calls": [_edit(sets=5)]},
            {"tool_calls": [_edit(sets=6)]},
            {"content": "Five sets on Monday."},
        ]
    )
    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, EDIT)
    with reading(demo_db_path) as con:
        head = plan_head(con, MAYA)
    assert not record.failed and record.answer == "Five sets on Monday."
    first, second = record.tool_calls[0].result, record.tool_calls[1].result
    assert first.startswith("ok b_1 sets") and first.split("; ")[0].endswith("→5")
    assert second.startswith("ok b_1 sets 5→6") and second.endswith(f"plan {short_hash(head.plan_hash)}")
    assert _counts(demo_db_path) == (before[0] + 2, before[1] + 1) and _sets(demo_db_path) == 6
    row = _last_row(demo_db_path)
    assert row["plan_hash"] == head.plan_hash and json.loads(row["context_json"])["edits_not_saved"] == 0
    assert record.shown_hash == head.plan_hash


@pytest.mark.parametrize("ending", [[{"status": 500}] * 2, [{"raw": b"<html>gateway</html>"}]], ids=["500", "html"])
def test_a_turn_that_fails_after_two_edits_saves_neither(demo_db_path, scripted_server, ending):
    """Given two edits and then an endpoint failure, when the turn runs, then the plan is as before, one failed row
    says 2 edits were not saved, and the next turn's edit base is the plan as it was."""
    with reading(demo_db_path) as con:
        head = plan_head(con, MAYA)
    before, sets = _counts(demo_db_path), _sets(demo_db_path)
    server = scripted_server([{"tool_calls": [_edit(sets=5)]}, {"tool_calls": [_edit("b_2", 4)]}, *ending])
    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, EDIT)
    assert record.failed and record.stop_reason.endswith("the model's 2 plan edits were not saved")
    assert [c.result.startswith("ok") for c in record.tool_calls] == [True, True]
    assert _counts(demo_db_path) == (before[0], before[1] + 1) and _sets(demo_db_path) == sets
    row = _last_row(demo_db_path)
    assert row["plan_hash"] is None and json.loads(row["context_json"])["edits_not_saved"] == 2
    assert record.shown_hash == head.plan_hash


def test_a_plan_changed_by_a_person_during_the_turn_keeps_theirs_and_refuses_the_models(demo_db_path, scripted_server):
    """Given a coach who saves a change while the model is thinking after its edit, when the turn ends, then the
    coach's change stands, the model's edit is not saved, and the turn is logged as failed saying why."""
    with reading(demo_db_path) as con:
        base = plan_head(con, MAYA).plan_hash
    before = _counts(demo_db_path)
    server = scripted_server([{"tool_calls": [_edit(sets=5)]}, {"content": "Done."}])

    def coach_saves_meanwhile(line: str) -> None:
        if line.startswith("round 2"):
            with writing(demo_db_path) as con:
                apply_ops(con, MAYA, [{"op": "update_block", "block_id": "b_1", "sets": 2}], base, "coach")

    record = chat_turn(path_opener(demo_db_path), _endpoint(server), MAYA, EDIT, progress=coach_saves_meanwhile)
    assert record.failed and record.answer == "Done."
    assert record.stop_reason.startswith("the plan changed during the turn (edit 1 of 1 now gives: ")
    assert record.stop_reason.endswith("the model's 1 plan edit was not saved")
    assert _sets(demo_db_path) == 2 and _counts(demo_db_path) == (before[0] + 1, before[1] + 1)
    row = _last_row(demo_db_path)
    assert row["plan_hash"] is None and json.loads(row["context_json"])["status"] == "failed"


def test_a_process_killed_mid_turn_leaves_neither_edit_nor_row(demo_db_path, scripted_server):
    """Given `python -m core chat` whose model has made an edit and is still thinking, when the process is killed
    (SIGKILL: no clean-up runs), then the database holds no plan version and no interaction row of that turn."""
    release = threading.Event()
    server = scripted_server([{"tool_calls": [_edit(sets=5)]}, {"wait": release, "content": "late"}])
    before, sets = _counts(demo_db_path), _sets(demo_db_path)
    env = os.environ | {
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-test-key-000",
        "OPENAI_MODEL": "scripted",
        "COACH_LOCAL_MODEL": "off",
    }
    command = [sys.executable, "-m", "core", "--db", str(demo_db_path), "chat", "--athlete", "maya", "--message", EDIT]
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(server.requests) < 2 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.requests) == 2, "the model's second request (after its edit ran) never arrived"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
    tool_result = server.requests[1]["messages"][-1]
    assert tool_result["role"] == "tool" and tool_result["content"].startswith("ok b_1 sets")
    assert _counts(demo_db_path) == before and _sets(demo_db_path) == sets
