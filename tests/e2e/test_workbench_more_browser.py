"""End to end, more of the developer's workbench: the tool-definitions budget and the window bar on *Coach chat*
against `python -m core context`, a budget turned on *A/B replay* re-fitting at once as `replay --json` does, and
logged turns labelled with the tokenizer that counted them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from core.context.builder import build_context
from core.context.log import record_turn
from core.db import writing
from tests.e2e.browser import TIMEOUT_MS, Dashboard, serve

MESSAGE = "Add a set of pull-ups to Friday, and how did my runs go?"
READS = "How did my runs go and how did I sleep, and my weight?"  # offers three read tools: room to drop some
MAYA = 1


@pytest.fixture(scope="module")
def app_url(app_db: Path) -> Iterator[str]:
    """No endpoint and no local model: the pages are in preview, nothing is ever sent."""
    with serve(app_db, app_db.parent, COACH_LOCAL_MODEL="off", OPENAI_API_KEY="", OPENAI_BASE_URL="") as url:
        yield url


def _run(cli: Callable[..., Any], app_db: Path, *args: str) -> Any:
    done = cli("--db", str(app_db), *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _context(cli: Callable[..., Any], app_db: Path, *flags: str, message: str = MESSAGE) -> dict[str, Any]:
    return _run(cli, app_db, "context", "--athlete", "maya", "--message", message, *flags)  # type: ignore[no-any-return]


def _expected_line(c: dict[str, Any]) -> str:
    """The page's parts line for `core context --json` output: every part against its budget, tools included."""
    p, b = c["parts"], c["budgets"]
    window = f"window {b['context_window']:,}" if b["context_window"] else "no window"
    return (
        f"[{c['encoding']}] instructions {p['system_prompt']['tokens']} · Tier 1 {p['tier1']['tokens']}/{b['tier1']}"
        f" · Tier 2 {p['tier2']['tokens']}/{b['tier2']} · plan {p['plan']['tokens']}/{b['plan']}"
        f" ({p['plan']['mode'] or 'not shown'}) · history {p['history']['tokens']}/{b['history']}"
        f" · tool definitions {c['tool_definition_tokens']['raw_json']}/{b['tools']}"
        f" · request {c['request_tokens']} of {window}, {b['reserve_output']} reserved for the answer,"
        f" {b['reserve_tool_round']} for a tool round"
    )


def _main(ui: Dashboard) -> str:
    return ui.page.get_by_test_id("stMainBlockContainer").first.inner_text(timeout=TIMEOUT_MS)


def _set(ui: Dashboard, key: str, value: int | str) -> None:
    box = ui.keyed(key).locator("input")
    box.fill(str(value))
    box.press("Enter")
    ui.wait_idle()


def _svg_labels(ui: Dashboard, key: str) -> list[str]:
    """The aria-labels of the SVG chart in the container `key` (vega-lite writes one per mark, axis and title)."""
    chart = ui.keyed(key).locator("svg.marks").last  # the drawn chart (a rerun may briefly hold two)
    expect(chart).to_be_visible(timeout=TIMEOUT_MS)
    labels: list[str] = chart.locator("[aria-label]").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    return labels


def _bar_parts(ui: Dashboard) -> dict[str, int]:
    """The window bar's own segments: part -> tokens, read from the drawn SVG marks."""
    out = {}
    for text in _svg_labels(ui, "chat_window_bar"):
        if m := re.fullmatch(r"tokens: ([\d,]+); row: This turn; part: ([^;]+); order: \d+", text):
            out[m[2]] = int(m[1].replace(",", ""))
    return out


def test_lowering_the_tool_budget_changes_parts_and_drops_as_core_context_does(
    ui: Dashboard, app_db: Path, cli: Callable[..., Any]
) -> None:
    """Given Coach chat in preview, when the tool-definitions budget is lowered, then the parts line shows the tool
    definitions against that budget and the drops name the read tools left out, as `context --tools-budget` does."""
    ui.open("chat").pick_athlete("Maya Chen")
    _set(ui, "chat_fit_message", READS)
    before = _context(cli, app_db, message=READS)
    expect(ui.page.get_by_text(_expected_line(before), exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    dropped = [d for d in before["dropped"] if d["part"] == "tools"]
    assert dropped == []  # the default budget offers every read tool the message asks for
    for budget in (300, 100):
        _set(ui, "chat_budget_tools", budget)
        c = _context(cli, app_db, "--tools-budget", str(budget), message=READS)
        expect(ui.page.get_by_text(_expected_line(c), exact=True)).to_be_visible(timeout=TIMEOUT_MS)
        now = [d for d in c["dropped"] if d["part"] == "tools"]
        assert len(now) > len(dropped) and all(f"over their {budget}-token budget" in d["reason"] for d in now)
        text = _main(ui)
        assert all(d["text"] in text for d in c["dropped"]), (c["dropped"], text[:3000])
        assert f"tool definitions {c['tool_definition_tokens']['raw_json']}/{budget} ·" in text
        dropped = now


def test_the_window_bar_equals_core_contexts_window_split(ui: Dashboard, app_db: Path, cli: Callable[..., Any]) -> None:
    """Given Coach chat in preview, when the window and budgets change, then the bar's drawn segments, its title and
    the text line under it equal the window split `context --json` prints for the same flags."""
    ui.open("chat").pick_athlete("Maya Chen")
    _set(ui, "chat_fit_message", MESSAGE)
    given: dict[str, str] = {}
    for key, flag, value in (
        ("chat_window", "--window", 4096),
        ("chat_budget_reserve_output", "--reserve-output", 500),
        ("chat_budget_reserve_tool_round", "--reserve-tool-round", 200),
        ("chat_budget_tools", "--tools-budget", 300),
        ("chat_window", "--window", 1024),
    ):
        _set(ui, key, value)
        given[flag] = str(value)
        c = _context(cli, app_db, *[x for pair in given.items() for x in pair])
        split = c["window"]
        expect(ui.page.get_by_text(_expected_line(c), exact=True)).to_be_visible(timeout=TIMEOUT_MS)
        drawn = {p: t for p, t in split["parts"].items() if t > 0 or p == "free"}  # zero parts draw no segment
        assert _bar_parts(ui) == drawn, (given, _bar_parts(ui), split)
        title = (
            f"This turn: {split['request_tokens']:,} request tokens"
            f" + {split['parts']['reserved output'] + split['parts']['reserved tool round']:,} reserved (answer, tool"
            f" round) of a {split['size']:,}-token window · counted with {split['encoding']}"
        )
        assert f"Title text '{title}'" in _svg_labels(ui, "chat_window_bar")
        line = "Window: " + " · ".join(f"{p} {t}" for p, t in split["parts"].items()) + f" [{split['encoding']}]"
        expect(ui.page.get_by_text(line, exact=True)).to_be_visible()
    assert split["parts"]["free"] == max(0, 1024 - split["request_tokens"] - 500 - 200)


def _replay(cli: Callable[..., Any], app_db: Path, *flags: str) -> dict[str, Any]:
    [result] = _run(cli, app_db, "replay", "--athlete", "maya", *flags)
    return result  # type: ignore[no-any-return]


def _table(ui: Dashboard) -> dict[str, list[str]]:
    out = {}
    for row in ui.page.get_by_test_id("stTable").locator("tr").all():
        cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
        out[cells[0]] = cells[1:]
    return out


def _expect_replay(ui: Dashboard, r: dict[str, Any]) -> None:
    expect(ui.metric("A request tokens")).to_have_text(f"{r['a_request']:,}", timeout=TIMEOUT_MS)
    expect(ui.metric("B request tokens")).to_have_text(f"{r['b_request']:,}", timeout=TIMEOUT_MS)
    expect(ui.metric("B context / A context")).to_have_text(f"{r['context_ratio']:.1%}")
    expect(ui.metric("Cost B")).to_have_text(f"${r['b_cost_usd']:.4f}")
    expect(ui.metric("Cost B, cached")).to_have_text(f"${r['caching']['B']['cost_cached_usd']:.4f}")
    ui.wait_idle()
    expect(ui.page.get_by_test_id("stTable")).to_be_visible(timeout=TIMEOUT_MS)
    turn = r["per_turn"][0]  # turn 1 is the one opened by default
    table = _table(ui)
    assert [table[p][1] for p in ("Tier 1", "Tier 2", "plan", "tool definitions", "whole request")] == [
        f"{turn[k]}" for k in ("b_tier1", "b_tier2", "b_plan", "b_tools_raw", "b_request")
    ], table
    assert f"B dropped or trimmed at turn 1 ({turn['b_dropped']};" in _main(ui)


def test_turning_a_budget_on_the_replay_refits_at_once_as_replay_json_does(
    ui: Dashboard, app_db: Path, cli: Callable[..., Any]
) -> None:
    """Given the replay run once, when B's Tier 1 and tool budgets are turned (the button not pressed again), then the
    totals, costs and the opened turn's parts and drops equal `replay --json` with the same flags."""
    default = _replay(cli, app_db)
    ui.open("replay").pick_athlete("Maya Chen")
    ui.click("Run the replay")
    _expect_replay(ui, default)
    ui.page.get_by_text("Strategy B's budgets and context window").click()
    flags: list[str] = []
    for key, flag, value in (
        ("replay_budget_tier1", "--tier1-budget", 40),
        ("replay_budget_tools", "--tools-budget", 200),
    ):
        _set(ui, key, value)
        flags += [flag, str(value)]
        expected = _replay(cli, app_db, *flags)
        assert expected["b_request"] != default["b_request"]  # the budget changes what B sends
        _expect_replay(ui, expected)
        assert "re-fits the whole replay at once" in _main(ui)
    # open the first turn whose read tools the 200-token budget cut: they must be named as dropped, with the reason
    n, turn = next(
        (i, t)
        for i, (d, t) in enumerate(zip(default["per_turn"], expected["per_turn"], strict=True), start=1)
        if set(t["b_tools"]) < set(d["b_tools"])
    )
    box = ui.keyed("replay_turn").get_by_role("combobox")
    box.click()
    box.press_sequentially(turn["message"][:20])
    box.press("Enter")
    expect(ui.page.get_by_text(f"exact request of turn {n}").first).to_be_visible(timeout=TIMEOUT_MS)
    ui.wait_idle()
    drops = re.search(rf"B dropped or trimmed at turn {n} \((\d+);[^\n]*\n((?:.+\n?)*)", _main(ui))
    assert drops and int(drops[1]) == turn["b_dropped"] > 0
    reasons = drops[2].splitlines()[: turn["b_dropped"]]
    assert any("over its 40-token budget" in r for r in reasons), reasons
    for tool in set(default["per_turn"][n - 1]["b_tools"]) - set(turn["b_tools"]):
        assert any(r.startswith(f"tools {tool} (") and "over their 200-token budget" in r for r in reasons), reasons
    table = _table(ui)
    assert (table["Tier 1"][1], table["tool definitions"][1]) == (f"{turn['b_tier1']}", f"{turn['b_tools_raw']}")


def test_logged_turns_are_labelled_with_the_tokenizer_that_counted_them(ui: Dashboard, app_db: Path) -> None:
    """Given two logged turns, one counted with cl100k_base before texts were logged and one with o200k_base with its
    texts, when the monitor draws them, then each turn's column names its tokenizer, both charts' headings name them,
    and a preview turn names the current one; after a switch to cl100k_base the turn with texts is recounted (its
    column says cl100k_base) and the older one keeps its own. This module's last test: it writes."""
    with writing(app_db) as con:
        for hour, encoding in ((9, "cl100k_base"), (10, "o200k_base")):
            ctx = build_context(con, MAYA, "How did I sleep this week?", encoding=encoding)
            record_turn(con, ctx, at=datetime(2026, 1, 5, hour), model="m")
        con.execute("UPDATE interactions SET part_texts = NULL WHERE encoding = 'cl100k_base'")  # logged before 014
    ui.open("chat").pick_athlete("Maya Chen")
    counted = "counted with cl100k_base, o200k_base"
    expect(ui.page.get_by_role("heading", name=f"Tokens per turn, by part · {counted}")).to_be_visible()
    expect(ui.page.get_by_role("heading", name=f"Per interaction type over time · {counted}")).to_be_visible()
    labels = ui.keyed("chat_monitor_parts").locator("svg.marks text").all_text_contents()
    assert "1 · cl100k_base" in labels and "2 · o200k_base" in labels, labels
    box = ui.page.get_by_test_id("stChatInputTextArea")
    box.fill("How was my sleep this week?")
    box.press("Enter")
    ui.wait_idle()
    expect(ui.page.get_by_role("heading", name="Preview turns (not logged), by part · o200k_base")).to_be_visible()
    assert "P1" in ui.keyed("chat_monitor_previews").locator("svg.marks text").all_text_contents()
    ui.pick_tokenizer("cl100k_base")
    expect(ui.page.get_by_role("heading", name="Preview turns (not logged), by part · cl100k_base")).to_be_visible()
    expect(ui.page.get_by_role("heading", name="Tokens per turn, by part · counted with cl100k_base")).to_be_visible()
    labels = ui.keyed("chat_monitor_parts").locator("svg.marks text").all_text_contents()
    assert "1 · cl100k_base" in labels and "2 · cl100k_base" in labels, labels  # turn 2 recounted from its texts
