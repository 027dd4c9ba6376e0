"""`python -m core chat`: one real turn through the tool loop, or the exact request in preview."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.context.builder import build_context
from core.db import connect, reading
from core.plan.store import load_plan, plan_head

MAYA = 1


@pytest.fixture(autouse=True)
def _no_endpoint(monkeypatch):
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COACH_LOCAL_MODEL", "off")


def test_chat_turn_edits_the_plan_and_prints_answer_tool_calls_and_usage(
    demo_db_path, scripted_server, monkeypatch, capsys
):
    """Given a scripted model that adds a set to b_1, when `chat --json` runs, then the plan changed and the turn is printed."""
    server = scripted_server(
        [
            {
                "tool_calls": [
                    {
                        "name": "edit_plan",
                        "arguments": '{"ops": [{"op": "update_block", "block_id": "b_1", "sets": 5}]}',
                    }
                ]
            },
            {"content": "Added a fifth set of bench press.", "usage": {"prompt_tokens": 777, "completion_tokens": 9}},
        ]
    )
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli-sentinel-0123456789")
    monkeypatch.setenv("OPENAI_MODEL", "scripted")
    with reading(demo_db_path) as con:
        before = plan_head(con, MAYA).version  # the demo seeds a history: count from where it ends
    code = main(["--db", str(demo_db_path), "chat", "--athlete", "maya", "--message", "Add a set to bench", "--json"])
    out = capsys.readouterr().out
    turn = json.loads(out)
    assert code == 0 and turn["answer"] == "Added a fifth set of bench press." and turn["stop"] == "answered"
    assert turn["tool_calls"][0]["result"].startswith("ok b_1 sets 4→5; plan ")
    assert turn["usage"] == {"prompt_tokens": 10 + 777, "completion_tokens": 5 + 9}
    assert "sk-cli-sentinel" not in out and "0123456789" not in out
    assert [t["function"]["name"] for t in server.requests[0]["tools"]] == [t["name"] for t in turn["context"]["tools"]]
    assert "edit_plan" in [t["name"] for t in turn["context"]["tools"]]
    con = connect(demo_db_path)
    blocks = {b.block_id: b for d in load_plan(con, MAYA).days for b in d.blocks}
    assert blocks["b_1"].sets == 5 and plan_head(con, MAYA).version == before + 1
    logged = con.execute(
        "SELECT tools_called, model FROM interactions WHERE interaction_id = ?", [turn["interaction_id"]]
    )
    assert logged.fetchall() == [(["edit_plan"], "scripted")]
    con.close()


def test_without_endpoint_chat_prints_the_exact_request_and_changes_nothing(demo_db_path, capsys):
    """Given no endpoint, when `chat --json` runs, then it prints build_context's request and tokens per part, and changes nothing."""
    message = "Add a set to my bench press on Monday"
    con = connect(demo_db_path)
    before = (plan_head(con, MAYA), con.execute("SELECT count(*) FROM interactions").fetchone())
    expected = build_context(con, MAYA, message)
    con.close()
    assert main(["--db", str(demo_db_path), "chat", "--athlete", "maya", "--message", message, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["endpoint"].startswith("preview") and out["stop"] == "preview: nothing sent"
    assert out["request"] == expected.request("preview")
    assert out["parts"]["tier 1"] == expected.tier1_tokens and out["parts"]["plan"] == expected.plan_tokens
    assert "b_1 Bench Press" in out["request"]["messages"][0]["content"]
    con = connect(demo_db_path)
    assert (plan_head(con, MAYA), con.execute("SELECT count(*) FROM interactions").fetchone()) == before
    con.close()


def test_empty_message_is_one_error_line(demo_db_path, capsys):
    """Given an empty message, when `chat` runs, then one error line names --message."""
    assert main(["--db", str(demo_db_path), "chat", "--athlete", "maya", "--message", "  "]) == 1
    assert capsys.readouterr().err == "error: --message: expected some text, got an empty message\n"
