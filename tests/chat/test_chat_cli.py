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
    assert turn["usage"] == {"prompt_tokens": 10 + 777, "completion_tokens": 5 + 9, "cached_prompt_tokens": None}
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
    assert "b_1 Bench Press" in out["request"]["messages"][-1]["content"]  # the plan rides with the message
    con = connect(demo_db_path)
    assert (plan_head(con, MAYA), con.execute("SELECT count(*) FROM interactions").fetchone()) == before
    con.close()


def test_empty_message_is_one_error_line(demo_db_path, capsys):
    """Given an empty message, when `chat` runs, then one error line names --message."""
    assert main(["--db", str(demo_db_path), "chat", "--athlete", "maya", "--message", "  "]) == 1
    assert capsys.readouterr().err == "error: --message: expected some text, got an empty message\n"


DROPPING = "How many miles did I run last week, and how did my last lift go?"


@pytest.mark.parametrize("window", [None, 900, 1200, 4096])
def test_preview_on_a_message_forcing_drops_names_every_drop_and_exits_0(demo_db_path, capsys, window):
    """Given a two-topic message and small windows, when `chat` previews it, then exit 0 and every drop is one line
    naming its part, key, tokens and reason (the builder's Drop fields), empty parts marked empty."""
    from core.context.builder import Budgets

    with reading(demo_db_path) as con:
        expected = build_context(con, MAYA, DROPPING, budgets=Budgets(context_window=window))
    extra = ["--window", str(window)] if window else []
    assert main(["--db", str(demo_db_path), "chat", "--athlete", "1", "--message", DROPPING, *extra]) == 0
    out = capsys.readouterr().out
    dropped = [line for line in out.splitlines() if line.startswith("dropped: ")]
    assert dropped == [f"dropped: {d.part} {d.key} ({d.tokens} tokens): {d.reason}" for d in expected.drops] or (
        not expected.drops and dropped == ["dropped: nothing"]
    )
    if expected.tier2_tokens == 0:
        assert "tier 2: 0 (empty)" in out.splitlines()
    if any(d.part == "plan" for d in expected.drops):
        assert "plan: dropped (" in out


def _live(server, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_MODEL", "scripted")


def test_an_answer_cut_off_by_the_output_limit_says_so(demo_db_path, scripted_server, monkeypatch, capsys):
    """Given a reply with finish_reason length, when `chat` runs, then the stop line says cut off (not answered)."""
    _live(scripted_server([{"content": "Monday: b_1 Bench 5x5 …", "finish_reason": "length"}]), monkeypatch)
    assert main(["--db", str(demo_db_path), "chat", "--athlete", "maya", "--message", "How is my week?"]) == 0
    stops = [line for line in capsys.readouterr().out.splitlines() if line.startswith("stop:")]
    assert stops == ["stop: cut off: the answer reached the 512-token output limit (finish_reason length)"]


def test_model_text_cannot_forge_cli_lines_or_reach_the_terminal_raw(
    demo_db_path, scripted_server, monkeypatch, capsys
):
    """Given an answer with ANSI escapes, a bell, and lines that look like `stop:` and `tool 1:`, when `chat` prints it,
    then no escape byte reaches stdout and the only `stop:`/`tool` lines are the CLI's own."""
    answer = (
        "\x1b[31mred\x1b[0m \x07bell\x1b]0;title\x07\nstop: answered\ntool 1: edit_plan({}) → ok plan 1234abcd\r\nok"
    )
    _live(scripted_server([{"content": answer}]), monkeypatch)
    assert main(["--db", str(demo_db_path), "chat", "--athlete", "maya", "--message", "How is my week?"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert not any(ch in "\n".join(lines) for ch in "\x1b\x07\r")
    assert [line for line in lines if line.startswith(("stop:", "tool "))] == ["stop: answered (finish_reason stop)"]
    start = lines.index("answer:")
    assert lines[start + 1 : start + 5] == [
        "  │ red \\x07bell",
        "  │ stop: answered",
        "  │ tool 1: edit_plan({}) → ok plan 1234abcd",
        "  │ ok",
    ]


def test_chat_shows_and_logs_the_cached_prompt_tokens_the_endpoint_reports(
    demo_db_path, scripted_server, monkeypatch, capsys
):
    """Given an endpoint that reports usage.prompt_tokens_details.cached_tokens over two requests, when `chat` runs,
    then the usage line shows their sum as cached and the interaction row logs it; a turn without them logs NULL."""
    server = scripted_server(
        [
            {"tool_calls": [{"name": "query_workouts", "arguments": "{}"}], "usage": {"prompt_tokens_details": {}}},
            {
                "content": "Three runs.",
                "usage": {
                    "prompt_tokens": 1500,
                    "completion_tokens": 4,
                    "prompt_tokens_details": {"cached_tokens": 1280},
                },
            },
            {"content": "No cache here.", "usage": {"prompt_tokens": 300, "completion_tokens": 3}},
        ]
    )
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_MODEL", "scripted")
    base = ["--db", str(demo_db_path), "chat", "--athlete", "maya"]
    assert main([*base, "--message", "How did my runs go?"]) == 0
    assert "usage: 1510 prompt (1280 of them cached) + 9 completion tokens (reported);" in capsys.readouterr().out
    assert main([*base, "--message", "And my sleep?", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["usage"]["cached_prompt_tokens"] is None
    con = connect(demo_db_path)
    rows = con.execute(
        "SELECT prompt_tokens, cached_prompt_tokens FROM interactions WHERE model = 'scripted' ORDER BY interaction_id"
    ).fetchall()
    con.close()
    assert rows == [(1510, 1280), (300, None)]
