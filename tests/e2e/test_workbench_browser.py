"""End to end, the developer's workbench on *Coach chat*: every budget and the window turned in preview, checked
against `python -m core context` with the same flags; the tokenizer switched and every figure recounted."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import TIMEOUT_MS, Dashboard, serve

MESSAGE = "Add a set of pull-ups to Friday, and how did my runs go?"
PREVIEW = "How was my sleep this week?"


@pytest.fixture(scope="module")
def app_url(app_db: Path) -> Iterator[str]:
    """No endpoint and no local model: the page is in preview, nothing is ever sent."""
    with serve(app_db, app_db.parent, COACH_LOCAL_MODEL="off", OPENAI_API_KEY="", OPENAI_BASE_URL="") as url:
        yield url


def _core(cli: Callable[..., Any], app_db: Path, *flags: str, encoding: str = "o200k_base") -> dict[str, Any]:
    done = cli("--db", str(app_db), "context", "--athlete", "maya", "--message", MESSAGE, "--encoding", encoding,
               "--json", *flags)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _expected_line(c: dict[str, Any]) -> str:
    """The page's parts line for `core context --json` output (same fields, same order)."""
    p, b = c["parts"], c["budgets"]
    window = f"window {b['context_window']:,}" if b["context_window"] else "no window"
    return (
        f"[{c['encoding']}] instructions {p['system_prompt']['tokens']} · Tier 1 {p['tier1']['tokens']}/{b['tier1']}"
        f" · Tier 2 {p['tier2']['tokens']}/{b['tier2']} · plan {p['plan']['tokens']}/{b['plan']}"
        f" ({p['plan']['mode'] or 'not shown'}) · history {p['history']['tokens']}/{b['history']}"
        f" · tool definitions {c['tool_definition_tokens']['raw_json']}/{b['tools']} · request {c['request_tokens']} of {window},"
        f" {b['reserve_output']} reserved for the answer, {b['reserve_tool_round']} for a tool round"
    )


def _expect_matches(ui: Dashboard, c: dict[str, Any]) -> None:
    expect(ui.page.get_by_text(_expected_line(c), exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    drops = [f"{d['part']} {d['key']} ({d['tokens']} tokens): {d['reason']}" for d in c["dropped"]]
    text = _main(ui)
    if drops:
        assert all(d in text for d in drops), (drops, text[:3000])
    else:
        assert "Dropped: nothing" in text
    assert f"[{c['encoding']}]" in text and f"counted with {c['encoding']}" in text  # the window bar's title


def _main(ui: Dashboard) -> str:
    """The page body's text (the main block: not the sidebar, not the chat input at the bottom)."""
    return ui.page.get_by_test_id("stMainBlockContainer").first.inner_text(timeout=TIMEOUT_MS)


def _fit(ui: Dashboard, text: str) -> None:
    box = ui.keyed("chat_fit_message").locator("input")
    box.fill(text)
    box.press("Enter")
    ui.wait_idle()


def _set(ui: Dashboard, key: str, value: int) -> None:
    box = ui.keyed(key).locator("input")
    box.fill(str(value))
    box.press("Enter")
    ui.wait_idle()


def test_each_budget_and_the_window_refit_the_turn_as_core_context_does(
    ui: Dashboard, app_db: Path, cli: Callable[..., Any]
) -> None:
    """Given Coach chat in preview, when each budget and the window change, then parts, drops and the window bar
    equal `python -m core context` with the same flags."""
    ui.open("chat").pick_athlete("Maya Chen")
    _fit(ui, MESSAGE)
    _expect_matches(ui, _core(cli, app_db))
    flags: list[str] = []
    for key, flag, value in (
        ("chat_budget_tier1", "--tier1-budget", 40),
        ("chat_budget_tier2", "--tier2-budget", 60),
        ("chat_budget_plan", "--plan-budget", 100),
        ("chat_budget_history", "--history-budget", 50),
        ("chat_budget_reserve_output", "--reserve-output", 300),
        ("chat_window", "--window", 1024),
    ):
        _set(ui, key, value)
        flags += [flag, str(value)]
        _expect_matches(ui, _core(cli, app_db, *flags))
    expect(ui.keyed("chat_preset").get_by_role("combobox")).to_have_value("custom")
    preset = ui.keyed("chat_preset").get_by_role("combobox")
    preset.click()
    preset.press_sequentially("8k")
    preset.press("Enter")
    ui.wait_idle()
    expect(ui.keyed("chat_window").locator("input")).to_have_value("8192")
    flags[-1] = "8192"
    _expect_matches(ui, _core(cli, app_db, *flags))
    assert "Window: instructions" in _main(ui) and " free " in _main(ui)


def test_switching_tokenizer_recounts_every_figure_and_labels_it(
    ui: Dashboard, app_db: Path, cli: Callable[..., Any]
) -> None:
    """Given Coach chat, when the tokenizer switches, then the turn is recounted as `core context --encoding` counts
    it, and the preview turns in the monitor are recounted and labelled with the new encoding."""
    ui.open("chat").pick_athlete("Maya Chen").pick_tokenizer("cl100k_base")
    _fit(ui, MESSAGE)
    _expect_matches(ui, _core(cli, app_db, encoding="cl100k_base"))
    for text in (PREVIEW, "And my runs?"):
        box = ui.page.get_by_test_id("stChatInputTextArea")
        box.fill(text)
        box.press("Enter")
        ui.wait_idle()
    expect(ui.page.get_by_text("Preview turns (not logged), by part · cl100k_base")).to_be_visible()
    ui.pick_tokenizer("o200k_base")
    expect(ui.page.get_by_text("Preview turns (not logged), by part · o200k_base")).to_be_visible()
    body = _main(ui)
    # every figure is o200k_base's now; the earlier turns only say which tokenizer they were built with
    built = " (recounted: the turn was built and counted with cl100k_base)"
    assert "Counted with o200k_base" + built in body
    body = body.replace(built, "")
    assert "cl100k_base" not in body and "[o200k_base]" in body and "counted with o200k_base" in body
