"""`python -m core context` prints the window split (per part, reserved output, free) and the tool budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.cli import main

MESSAGE = "Add a set of pull-ups to Friday, and how did my runs go?"


def _context(demo_db_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[dict[str, Any], str]:
    base = ["--db", str(demo_db_path), "context", "--athlete", "maya", "--message", MESSAGE, *flags]
    assert main([*base, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(base) == 0
    return data, capsys.readouterr().out


@pytest.mark.parametrize("window", [None, 4096, 2048])
def test_the_window_split_adds_up_and_is_printed_as_in_json(
    demo_db_path: Path, capsys: pytest.CaptureFixture[str], window: int | None
) -> None:
    """Given a window (or none), when `context` runs, then --json's window parts add up to the request, the reserved
    answer and the free rest to the window, and the text prints the same figures in the same order."""
    flags = ["--reserve-output", "300", *(["--window", str(window)] if window else [])]
    data, text = _context(demo_db_path, capsys, *flags)
    split = data["window"]
    parts = split["parts"]
    assert split["size"] == window and split["encoding"] == data["encoding"] == "o200k_base"
    request = {k: v for k, v in parts.items() if k not in ("reserved output", "reserved tool round", "free")}
    assert sum(request.values()) == split["request_tokens"] == data["request_tokens"]
    assert parts["reserved output"] == 300
    assert parts["reserved tool round"] == data["budgets"]["reserve_tool_round"] == 256
    assert parts["free"] == (window - data["request_tokens"] - 300 - 256 if window else 0)
    assert parts["instructions"] == data["parts"]["system_prompt"]["tokens"]
    assert parts["tool definitions"] == data["tool_definition_tokens"]["raw_json"]
    head = f"--- window split (o200k_base; {f'window {window:,} tokens' if window else 'no window set'})"
    assert f"{head}\n" + " · ".join(f"{p} {t}" for p, t in parts.items()) in text


def test_the_tool_definitions_are_shown_against_their_budget(
    demo_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given --tools-budget 300, when `context` runs, then edit_plan (alone over the budget) is swapped for the
    entry point, the read tool stays, and the text shows the raw tokens against that budget, as --json records them."""
    data, text = _context(demo_db_path, capsys, "--tools-budget", "300")
    raw = data["tool_definition_tokens"]["raw_json"]
    assert data["budgets"]["tools"] == 300 and raw <= 300
    assert f"tool definitions: {raw}/300 tokens as raw JSON" in text
    assert [t["name"] for t in data["tools"]] == ["change_plan", "query_cardio"]
    assert [d["text"] for d in data["dropped"] if d["part"] == "tools"] == [
        "tools edit_plan (offered as change_plan) (556 tokens): tool definitions over their 300-token budget"
    ]
    assert data["over_budget"] == [] and "over budget:" not in text


def test_a_tool_set_that_cannot_shrink_to_its_budget_says_why(
    demo_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given an edit request and --tools-budget 10, when `context` runs, then the entry point is kept over the budget
    and both the text (next to the figure) and --json say why."""
    data, text = _context(demo_db_path, capsys, "--tools-budget", "10")
    [over] = data["over_budget"]
    assert (over["key"], over["budget"], over["tokens"]) == (
        "change_plan",
        10,
        data["tool_definition_tokens"]["raw_json"],
    )
    line = f"tool definitions: {over['tokens']}/10 tokens as raw JSON"
    assert line in text and f"\nover budget: {over['text']}\n" in text
    assert "an edit tool is offered on every turn and change_plan is its smallest form" in over["text"]
