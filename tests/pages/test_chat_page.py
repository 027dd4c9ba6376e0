"""The Coach chat page under AppTest: preview shows every tier with build_context's numbers; a live turn against the
scripted server shows its tool calls (failed ones too) and usage; the API key is on no page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.context.builder import build_context
from core.context.log import record_turn
from core.db import connect, reading
from core.plan.store import load_plan, plan_head
from core.tokens import count_tokens
from tests.recount import exact_counts

MAYA = 1
EDIT = "Add a set to my bench press on Monday"
SENTINEL = "sk-PAGE-SENTINEL-0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "OPENAI_CONTEXT_WINDOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COACH_LOCAL_MODEL", "off")


def _everything(node: object) -> str:
    """Every element the page drew, as protobuf text: what a browser could ever see."""
    parts = [str(getattr(node, "proto", ""))]
    parts += [_everything(child) for child in getattr(node, "children", {}).values()]
    return "\n".join(parts)


def _parts(at: AppTest) -> dict[str, int]:
    frame = at.dataframe[0].value
    return dict(zip(frame["part"], frame["tokens"], strict=True))


def _live_page(page: str, server: object, **state: object) -> AppTest:
    """A page file on its own, its endpoint the scripted server with the sentinel key (as secrets.toml would give).

    Callers set COACH_DB to their private database first (the `live_db` fixture).
    """
    at = AppTest.from_file(str(Path(__file__).parents[2] / "pages" / page), default_timeout=60)
    at.secrets["OPENAI_BASE_URL"] = server.base_url
    at.secrets["OPENAI_API_KEY"] = SENTINEL
    at.secrets["OPENAI_MODEL"] = "scripted"
    for key, value in {"athlete_id": MAYA, "encoding": "o200k_base", **state}.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def live_db(demo_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The private demo database, made the app's database for pages opened with `_live_page`."""
    monkeypatch.setenv("COACH_DB", str(demo_db_path))
    return demo_db_path


def test_chat_page_renders_in_preview(open_app: Callable[..., AppTest]) -> None:
    """Given no endpoint picked, when the Coach chat page opens, then it renders with the input and an empty monitor."""
    at = open_app("pages/chat.py", chat_mode="preview")
    assert at.title[0].value == "Coach chat"
    assert at.radio(key="chat_mode").value == "preview"
    assert at.chat_input(key="chat_input") is not None
    assert "No logged turns" in at.info[0].value


def test_preview_message_shows_every_tier_with_build_contexts_tokens(
    open_page: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """Given preview, when a message is sent, then each tier's tokens equal build_context's and nothing is logged."""
    at = open_page("pages/chat.py", chat_mode="preview")
    at.chat_input(key="chat_input").set_value(EDIT).run()
    assert not at.exception, at.exception
    with reading(demo_db_path) as con:
        expected = build_context(con, MAYA, EDIT)
        logged = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
    parts = _parts(at)
    assert (parts["tier 1"], parts["tier 2"], parts["plan"]) == (
        expected.tier1_tokens,
        expected.tier2_tokens,
        expected.plan_tokens,
    )
    assert parts["instructions"] == expected.system_prompt_tokens
    assert parts["tools (raw JSON)"] == expected.tool_def_raw_tokens
    assert parts["request (raw JSON tools)"] == expected.request_tokens
    texts = [t.value for t in at.text]
    assert any(t.startswith("Topics: training (") for t in texts)
    assert f"plan: full ({expected.plan_tokens} tokens, hash {expected.plan_hash_shown[:8]})" in texts
    assert "Preview: nothing was sent" in at.info[0].value
    assert at.json[0].value == json.dumps(expected.request("preview"))
    assert [m.name for m in at.chat_message] == ["user", "assistant"] and logged == 0


def test_switching_the_tokenizer_recounts_an_earlier_turn_s_parts(
    open_page: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """Given a turn built with o200k_base, when the sidebar's tokenizer becomes cl100k_base, then the turn's parts and
    request are cl100k_base's exact counts of the same texts and the turn says it was recounted."""
    at = open_page("pages/chat.py", chat_mode="preview")
    at.chat_input(key="chat_input").set_value(EDIT).run()
    with reading(demo_db_path) as con:
        built = build_context(con, MAYA, EDIT)  # the texts the turn holds (built with o200k_base)
    at.session_state["encoding"] = "cl100k_base"
    at.run()
    assert not at.exception, at.exception
    parts = _parts(at)
    enc = "cl100k_base"
    tools = count_tokens(json.dumps(list(built.tool_definitions)), enc)
    framed = sum(3 + count_tokens(m["role"], enc) + count_tokens(m["content"], enc) for m in built.messages()) + 3
    assert parts == {
        "instructions": count_tokens(built.system_prompt, enc),
        "tier 1": count_tokens(built.tier1, enc),
        "tier 2": count_tokens(built.tier2, enc),
        "plan": count_tokens(built.plan, enc),
        "history": 0,
        "tools (raw JSON)": tools,
        "tools (OpenAI approx.)": parts["tools (OpenAI approx.)"],
        "request (raw JSON tools)": framed + tools,
    }
    assert parts["tier 2"] != built.tier2_tokens or parts["plan"] != built.plan_tokens  # the tokenizers do differ
    assert "Counted with cl100k_base (recounted: the turn was built and counted with o200k_base)" in [
        c.value for c in at.caption
    ]


def test_clear_button_empties_this_athletes_conversation(open_page: Callable[..., AppTest]) -> None:
    """Given one previewed turn, when Clear is pressed, then no chat message is left."""
    at = open_page("pages/chat.py", chat_mode="preview")
    at.chat_input(key="chat_input").set_value("How did I sleep?").run()
    assert len(at.chat_message) == 2
    at.button(key="chat_clear").click().run()
    assert not at.exception and len(at.chat_message) == 0


def test_live_turn_shows_edit_failed_call_usage_and_never_the_key(
    live_db: Path, scripted_server: Callable[..., object]
) -> None:
    """Given a scripted model that calls an unknown tool then edits b_1, when a message is sent, then the page shows both
    calls (the failed one as an error), usage and latency, the plan changed, the turn is logged, and the key is nowhere."""
    ops = json.dumps({"ops": [{"op": "update_block", "block_id": "b_1", "sets": 5}]})
    server = scripted_server(
        [
            {"tool_calls": [{"name": "drop_tables", "arguments": "{}"}]},
            {"tool_calls": [{"name": "edit_plan", "arguments": ops}]},
            {"content": "Added a fifth set.", "usage": {"prompt_tokens": 1234, "completion_tokens": 6}},
        ]
    )
    with reading(live_db) as con:
        before = plan_head(con, MAYA).version  # the demo seeds a history: count from where it ends
    at = _live_page("chat.py", server, chat_mode="openai")
    at.chat_input(key="chat_input").set_value(EDIT).run()
    assert not at.exception, at.exception
    assert server.headers[0]["authorization"] == f"Bearer {SENTINEL}"
    assert "Added a fifth set." in [t.value for t in at.text]
    assert "Failed tool call 1" in at.error[0].value
    codes = [c.value for c in at.code]
    assert any("result: error: tool: unknown tool 'drop_tables'" in c for c in codes)
    assert any(c.startswith('arguments: {"ops"') and "result: ok b_1 sets 4→5; plan " in c for c in codes)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Prompt tokens (reported)"] == f"{10 + 10 + 1234:,}" and metrics["Latency"].endswith(" s")
    with reading(live_db) as con:
        blocks = {b.block_id: b for _, _, b in load_plan(con, MAYA).blocks()}
        head = plan_head(con, MAYA)
        rows = con.execute("SELECT * FROM interactions").fetchall()
    assert blocks["b_1"].sets == 5 and head.version == before + 1 and len(rows) == 1
    page = _everything(at._tree)
    assert SENTINEL not in page and SENTINEL[-8:] not in page
    assert SENTINEL not in repr(rows) and SENTINEL[-8:] not in repr(rows)


def test_a_logged_turn_shows_its_cached_prompt_tokens_beside_input_and_output_and_in_the_monitor(
    live_db: Path, scripted_server: Callable[..., object]
) -> None:
    """Given an endpoint that reports 1,280 of 1,500 prompt tokens cached, when a message is sent, then the turn shows
    the cached tokens next to the prompt and completion tokens, and the token monitor's table and line include them."""
    usage = {"prompt_tokens": 1500, "completion_tokens": 9, "prompt_tokens_details": {"cached_tokens": 1280}}
    server = scripted_server([{"content": "Steady week.", "usage": usage}])
    at = _live_page("chat.py", server, chat_mode="openai")
    at.chat_input(key="chat_input").set_value("How was my week?").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Prompt tokens (reported)"], metrics["Cached prompt tokens"], metrics["Completion tokens"]) == (
        "1,500",
        "1,280",
        "9",
    )
    logged = at.dataframe[-1].value  # the token monitor's table of logged turns, drawn last
    assert list(logged["prompt_tokens"]) == [1500] and list(logged["cached_prompt_tokens"]) == [1280]
    assert (
        "Reported by the endpoint over 1 turn(s): 1,500 prompt tokens (1,280 of them cached), 9 completion tokens"
        in [t.value for t in at.text]
    )


def test_switching_the_tokenizer_recounts_every_logged_turn_shown_in_the_monitor(
    live_db: Path, scripted_server: Callable[..., object]
) -> None:
    """Given two live turns logged under o200k_base (the second with history and a tool result), when the sidebar's
    tokenizer is switched to cl100k_base, then every figure in the monitor is cl100k_base's exact count of the same
    logged text, the turns and the headings say cl100k_base, and switching back restores the logged figures."""
    server = scripted_server(
        [
            {"content": "Steady week."},
            {"tool_calls": [{"name": "query_cardio", "arguments": "{}"}]},
            {"content": "Two easy runs."},
        ]
    )
    at = _live_page("chat.py", server, chat_mode="openai")
    for message in ("How was my week?", "What was my pace on the runs?"):
        at.chat_input(key="chat_input").set_value(message).run()
        assert not at.exception, at.exception
    names = ["instructions", "tier1", "tier2", "plan", "history", "tool_definitions", "tool_results", "request_tokens"]
    logged = at.dataframe[-1].value
    assert list(logged["encoding"]) == ["o200k_base", "o200k_base"]
    with reading(live_db) as con:
        texts = [
            json.loads(t) for (t,) in con.execute("SELECT part_texts FROM interactions ORDER BY created_at").fetchall()
        ]
    assert texts[1]["tool_results"] and texts[1]["messages"][1:-1]  # a tool result and history to recount
    for row, text in zip(logged.to_dict("records"), texts, strict=True):
        assert {n: int(row[n]) for n in names} == exact_counts(text, "o200k_base")
    at.session_state["encoding"] = "cl100k_base"
    at.run()
    assert not at.exception, at.exception
    shown = at.dataframe[-1].value
    assert list(shown["encoding"]) == ["cl100k_base", "cl100k_base"] and list(shown["recounted"]) == [True, True]
    for row, text in zip(shown.to_dict("records"), texts, strict=True):
        assert {n: int(row[n]) for n in names} == exact_counts(text, "cl100k_base")
    assert any((shown[n] != logged[n]).any() for n in names)
    assert "Tokens per turn, by part · counted with cl100k_base" in [h.value for h in at.subheader]
    at.session_state["encoding"] = "o200k_base"
    at.run()
    assert at.dataframe[-1].value[names].equals(logged[names])


def test_token_monitor_charts_logged_turns(open_app: Callable[..., AppTest], demo_db_path: Path) -> None:
    """Given two logged turns, when the chat page opens, then the monitor's table shows both with their tiers."""
    con = connect(demo_db_path)
    contexts = [build_context(con, MAYA, m) for m in (EDIT, "How were my runs?")]
    for context in contexts:
        record_turn(con, context, model="m", prompt_tokens=900, tools_called=["query_cardio"])
    con.close()
    at = open_app("pages/chat.py", chat_mode="preview")
    turns = at.dataframe[-1].value
    assert list(turns["tier1"]) == [c.tier1_tokens for c in contexts]
    assert list(turns["type"]) == ["tool query", "tool query"]
    assert (
        len(at.get("vega_lite_chart")) == 3
    )  # issue 28: the window bar of the current turn, then the two monitor charts


def test_panel_beside_the_weekly_plan_shows_the_models_edit_in_the_same_run(
    live_db: Path, scripted_server: Callable[..., object]
) -> None:
    """Given the plan page with the chat open, when the model edits b_1, then the plan drawn beside it already shows 5 sets."""
    ops = json.dumps({"ops": [{"op": "update_block", "block_id": "b_1", "sets": 5}]})
    server = scripted_server([{"tool_calls": [{"name": "edit_plan", "arguments": ops}]}, {"content": "Done."}])
    with reading(live_db) as con:
        before = plan_head(con, MAYA).version
    at = _live_page("plan.py", server, plan_chat_open=True, plan_chat_mode="openai")
    assert next(d.value for d in at.dataframe if "ID" in d.value.columns).iloc[0]["Sets"] == "4"
    at.chat_input(key="plan_chat_input").set_value(EDIT).run()
    assert not at.exception, at.exception
    assert not at.sidebar.chat_message  # beside the plan, in a column of the page, not in the sidebar
    side = next(c for c in at.columns if c.chat_message)
    assert [m.name for m in side.chat_message] == ["user", "assistant"]
    assert not any("ID" in d.value.columns for d in side.dataframe)  # the plan is drawn in the other column
    assert {m.label: m.value for m in at.metric}["Version"] == f"v{before + 1}"
    monday = next(d.value for d in at.main.dataframe if "ID" in d.value.columns)
    assert monday.iloc[0]["Sets"] == "5"


def test_a_long_odd_answer_does_not_make_later_messages_fail(
    live_db: Path, scripted_server: Callable[..., object]
) -> None:
    """Given an answer of 5,000 characters holding a lone surrogate, when the next two messages are sent, then both
    are answered with no error (the history check no longer counts the model's words against the user's limit)."""
    long_answer = "Plan notes: " + "x" * 5000 + " \ud800 end"
    server = scripted_server(
        [{"raw": json.dumps({"choices": [{"message": {"content": long_answer}, "finish_reason": "stop"}]}).encode()},
         {"content": "Second answer."}, {"content": "Third answer."}]
    )  # fmt: skip
    at = _live_page("chat.py", server, chat_mode="openai")
    for message in ("How is my week?", "And Monday?", "And Tuesday?"):
        at.chat_input(key="chat_input").set_value(message).run()
        assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    texts = [t.value for t in at.text]
    assert "Second answer." in texts and "Third answer." in texts
    sent = server.requests[2]["messages"]
    assert sent[-2]["content"] == "Second answer." and sent[-1]["content"].endswith("And Tuesday?")  # the user's last
    assert {"role": "user", "content": "And Monday?"} in sent  # earlier messages as the user wrote them


def test_a_hostile_reply_shows_one_error_and_logs_a_failed_turn(
    live_db: Path, scripted_server: Callable[..., object]
) -> None:
    """Given an endpoint answering with an HTML page that echoes the key, when a message is sent, then the page shows
    one st.error (key redacted), no exception, no plan version, one failed row without a plan hash."""
    server = scripted_server([{"raw": f"<html>proxy {SENTINEL}</html>".encode(), "content_type": "text/html"}])
    with reading(live_db) as con:
        versions = con.execute("SELECT count(*) FROM plan_versions").fetchone()[0]
    at = _live_page("chat.py", server, chat_mode="openai")
    at.chat_input(key="chat_input").set_value(EDIT).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["The turn failed: reply refused: endpoint reply: not JSON (starts "
                                           "'<html>proxy ***</html>'); expected a chat.completion object"]  # fmt: skip
    with reading(live_db) as con:
        assert con.execute("SELECT count(*) FROM plan_versions").fetchone()[0] == versions
        assert con.execute("SELECT plan_hash FROM interactions").fetchall() == [(None,)]
    assert SENTINEL not in _everything(at._tree)
