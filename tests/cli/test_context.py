"""`python -m core context` (core/cli/context.py): every kind of drop and trim is rendered by name, never a crash."""

from __future__ import annotations

import json

import pytest

from core.cli import main

MESSAGE = "How did my bench go, any run pace issues, am I sore?"
TURNS = ["--turn", "user:How was Monday?", "--turn", "assistant:Solid."]

# (extra arguments, a drop line that must be printed)
CASES = [
    ([*TURNS, "--history-budget", "5"], "history message 1 (user) (4 tokens): history over its 5-token budget"),
    (["--tools-budget", "100"], "tools query_cardio (130 tokens): tool definitions over their 100-token budget"),
    (["--tier2-budget", "50"], "tier2 workout:1 ("),
    (["--tier2-budget", "0"], "tier2 training:1 ("),
    (["--tier1-budget", "30"], "tier1 last_workout ("),
    (["--tier1-budget", "0"], "tier1 phase ("),
    (["--plan-budget", "10"], "plan full (526 tokens): plan part was 526 tokens, over its 10-token budget"),
    (
        [*TURNS, "--window", "600", "--reserve-output", "100"],
        "history message 1 (user) (4 tokens): request over the 600",
    ),
    (["--window", "600", "--reserve-output", "100"], "tools query_cardio (130 tokens): request over the 600"),
    (["--window", "600", "--reserve-output", "100"], "tier2 cardio:2 (45 tokens): request over the 600"),
    (["--window", "600", "--reserve-output", "100"], "plan full (526 tokens): request over the 600"),
    (
        ["--window", "300", "--reserve-output", "60", "--reserve-tool-round", "40"],
        "tier1 insight_1 (14 tokens): request over the 300",
    ),
]


@pytest.mark.parametrize(("extra", "line"), CASES, ids=[c[1].split(" (")[0] + " " + c[0][-2] for c in CASES])
def test_every_kind_of_drop_and_trim_exits_0_and_is_named(demo_db_path, capsys, extra, line):
    """Given budgets or a window that force a drop, when running the CLI, then it exits 0 and prints the drop by name."""
    args = ["--db", str(demo_db_path), "context", "--athlete", "maya", "--message", MESSAGE, *extra]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert line in out.split("--- dropped", 1)[1], out[-1500:]


def test_json_drops_carry_their_fields_and_their_text(demo_db_path, capsys):
    """Given a forced drop, when asking for --json, then each drop has part, key, tokens, reason and its text."""
    args = ["--db", str(demo_db_path), "context", "--athlete", "maya", "--message", MESSAGE, "--tier1-budget", "0"]
    assert main([*args, "--json"]) == 0
    drops = json.loads(capsys.readouterr().out)["dropped"]
    assert drops and all(set(d) == {"part", "key", "tokens", "reason", "text"} for d in drops)
    assert drops[-1]["text"] == f"tier1 phase ({drops[-1]['tokens']} tokens): {drops[-1]['reason']}"


def test_a_bad_turn_is_one_clear_error(demo_db_path, capsys):
    """Given a --turn without a role, when running, then the CLI exits non-zero naming the turn."""
    args = ["--db", str(demo_db_path), "context", "--athlete", "maya", "--message", "hi", "--turn", "hello"]
    assert main(args) != 0
    assert "--turn 'hello': expected 'user:TEXT'" in capsys.readouterr().err


def test_a_shown_hash_prefix_gives_the_unchanged_plan(demo_db_path, capsys):
    """Given the head hash's first 8 characters as --shown-hash, when asking about training, then the plan is 'unchanged'."""
    base = ["--db", str(demo_db_path), "context", "--athlete", "maya", "--message", "How is my training plan?"]
    assert main([*base, "--json"]) == 0
    full = json.loads(capsys.readouterr().out)["parts"]["plan"]
    assert full["mode"] == "full" and full["since"] is None
    assert main([*base, "--shown-hash", full["hash"], "--json"]) == 0
    again = json.loads(capsys.readouterr().out)["parts"]["plan"]
    assert again["mode"] == "unchanged" and again["since"] == full["hash"]
