"""An endpoint that echoes the API key in every field it can reach: the key reaches no database byte, printed line,
log record or stored argument (issue 24). `redact` covers keys of any length."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.chat.endpoints import redact
from core.cli import main
from core.db import reading

SENTINEL = "sk-ECHO-5ent1nel-Qz9"
SHORT = "k3y9Zq"


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("sk-proj-abcdefghijklmnop12345678", "bad key sk-proj-****12345678", "bad key **********"),
        (SENTINEL, f"401: incorrect key {SENTINEL[:12]}", "401: incorrect key ***"),  # a prefix the endpoint cut
        (SENTINEL, f"p1={SENTINEL[:9]} p2={SENTINEL[9:]}", "p1=*** p2=***"),  # split over two fields
        (SENTINEL, "note " + "".join(f"%{b:02X}" for b in SENTINEL.encode()), "note ***"),  # percent-encoded
        (SENTINEL, f"tool x{SENTINEL[3:].replace('-', '_')}", "tool xECHO_***_Qz9"),  # pieces of 6+
        (SENTINEL, "sk-EC and 5ent is fine; so is 100% of Qz", "sk-EC and 5ent is fine; so is 100% of Qz"),
        (SHORT, f"echo {SHORT} and ****9Zq", "echo *** and ****9Zq"),
        (SHORT, "key ending ...y9Zq", "key ending ...***"),
        ("abcd", "x abcd y", "x *** y"),
        ("", "nothing to hide", "nothing to hide"),
    ],
    ids=[
        "long-tail-8",
        "cut-prefix",
        "split",
        "percent-encoded",
        "tool-name",
        "short-runs-kept",
        "short-whole",
        "short-tail-4",
        "four-chars",
        "no-key",
    ],
)
def test_redact_removes_keys_of_any_length_and_the_tails_errors_show(key, text, expected):
    """Given keys long and short and messages showing them whole, by their last 4 or 8 characters, cut, split,
    percent-encoded or inside a name, then no piece of 6 or more characters survives; shorter runs are left."""
    assert redact(text, key) == expected


def _echo_script(body: dict) -> dict:
    """Round 1: edit b_1's notes and query with the key in the arguments; round 2: answer and finish with the key."""
    if body["messages"][-1]["role"] != "tool":
        notes = {"ops": [{"op": "update_block", "block_id": "b_1", "notes": f"token {SENTINEL}"}]}
        return {
            "content": f"thinking about {SENTINEL}",
            "tool_calls": [
                {"name": "edit_plan", "arguments": json.dumps(notes)},
                {"name": "query_workouts", "arguments": json.dumps({"exercise": SENTINEL, SENTINEL: 1})},
                {"name": "get_plan", "arguments": json.dumps({"note": SENTINEL[-4:]})},
                {"name": SENTINEL, "arguments": "{}"},
            ],
        }
    return {"content": f"Your key is {SENTINEL} (…{SENTINEL[-4:]})", "finish_reason": SENTINEL[:30]}


def _every_string(path: Path) -> str:
    """Every value of every table, as text (what the file holds, whatever its compression)."""
    with reading(path) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return "\n".join(repr(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)


def test_a_key_echoed_everywhere_is_in_no_database_byte_output_or_log(
    demo_db_path, scripted_server, monkeypatch, capsys, caplog
):
    """Given a sentinel key echoed in content, tool arguments, the finish reason, a 401 and an HTML page, when three CLI
    turns run, then the edit ran with the key redacted and the key is in no table, file byte, output or log."""
    caplog.set_level("DEBUG")
    monkeypatch.setenv("COACH_LOCAL_MODEL", "off")
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    monkeypatch.setenv("OPENAI_MODEL", "scripted")
    servers = [
        scripted_server(_echo_script),
        scripted_server([{"status": 401, "message": f"Incorrect API key provided: {SENTINEL}"}]),
        scripted_server([{"raw": f"<html>{'x' * 25}{SENTINEL}</html>".encode(), "content_type": "text/html"}]),
    ]
    codes = []
    for server in servers:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        codes.append(
            main(["--db", str(demo_db_path), "chat", "--athlete", "maya", "--message", "Add a note to b_1", "--json"])
        )
    out, err = capsys.readouterr()
    assert codes == [0, 1, 1]
    assert servers[0].headers[0]["authorization"] == f"Bearer {SENTINEL}"  # the key did reach the endpoint
    with reading(demo_db_path) as con:
        notes = con.execute("SELECT notes FROM plan_blocks WHERE athlete_id = 1 AND block_id = 'b_1'").fetchone()
        changes = con.execute("SELECT changes_json FROM plan_versions ORDER BY version DESC LIMIT 1").fetchone()
    assert notes == ("token ***",) and "token ***" in changes[0]  # the edit ran, on redacted arguments
    stored = _every_string(demo_db_path)
    files = b"".join(p.read_bytes() for p in demo_db_path.parent.iterdir() if p.name.startswith(demo_db_path.name))
    for kept in (stored, out, err, caplog.text, files.decode("latin-1")):
        assert SENTINEL not in kept and SENTINEL[-8:] not in kept and SENTINEL[-4:] not in kept


def _spelled(text: str, every: int) -> str:
    """`text` as JSON string content with every `every`-th character written as a \\u escape."""
    return "".join(f"\\u{ord(c):04x}" if i % every == 0 else c for i, c in enumerate(text))


@pytest.mark.parametrize("every", [1, 3, len(SENTINEL)], ids=["all-escaped", "every-third", "first-only"])
def test_a_key_spelled_with_json_escapes_in_tool_arguments_is_redacted_before_it_runs(
    demo_db_path, scripted_server, monkeypatch, capsys, every
):
    """Given an endpoint that writes the key into an edit's notes with JSON escapes (text replacement alone misses
    them; the executor would decode them), when the CLI turn runs, then the edit runs with the key redacted and the
    key is in no table or file byte."""
    monkeypatch.setenv("COACH_LOCAL_MODEL", "off")
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    monkeypatch.setenv("OPENAI_MODEL", "scripted")
    arguments = (
        '{"ops": [{"op": "update_block", "block_id": "b_1", "notes": "token ' + _spelled(SENTINEL, every) + '"}]}'
    )
    server = scripted_server([{"tool_calls": [{"name": "edit_plan", "arguments": arguments}]}, {"content": "Noted."}])
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    assert main(["--db", str(demo_db_path), "chat", "--athlete", "maya", "--message", "Add a note to b_1"]) == 0
    capsys.readouterr()
    with reading(demo_db_path) as con:
        notes = con.execute("SELECT notes FROM plan_blocks WHERE athlete_id = 1 AND block_id = 'b_1'").fetchone()
    assert notes == ("token ***",)
    stored = _every_string(demo_db_path)
    files = b"".join(p.read_bytes() for p in demo_db_path.parent.iterdir() if p.name.startswith(demo_db_path.name))
    for kept in (stored, files.decode("latin-1")):
        assert SENTINEL not in kept and SENTINEL[:12] not in kept and _spelled(SENTINEL, every) not in kept


@pytest.mark.parametrize(("before", "after"), [('{"ops": [', ""), ("[" * 80, "]" * 80)], ids=["not-json", "too-deep"])
def test_arguments_that_spell_the_key_and_cannot_be_rewritten_are_withheld_whole(before, after):
    """Given escaped-key arguments that are not JSON or nest too deep to rewrite, then they are withheld whole."""
    from core.chat.endpoints import WITHHELD_ARGUMENTS, redact_arguments

    assert redact_arguments(f'{before}"{_spelled(SENTINEL, 2)}"{after}', SENTINEL) == WITHHELD_ARGUMENTS
    assert redact_arguments(f'{before}"\\u0073k-nothing"{after}', SENTINEL) == f'{before}"\\u0073k-nothing"{after}'
