"""End to end, *A/B replay*: core's per-strategy totals, bars by part, one turn opened side by side, costs whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.browser import TIMEOUT_MS, Dashboard

TURN = 3


def _table(ui: Dashboard) -> dict[str, list[str]]:
    """The st.table on the page as {row label: [cells…]} (header row under '')."""
    rows = ui.page.get_by_test_id("stTable").locator("tr")
    out = {}
    for row in rows.all():
        cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
        out[cells[0]] = cells[1:]
    return out


def test_running_the_replay_shows_core_figures_and_one_turn_side_by_side(
    ui: Dashboard, app_db: Path, cli: Callable[..., object]
) -> None:
    """Given Maya, when the replay runs and turn 3 is opened, then totals, parts and costs equal `replay --json`."""
    done = cli("--db", str(app_db), "replay", "--athlete", "maya", "--json")
    assert done.returncode == 0, done.stderr
    [expected] = json.loads(done.stdout)
    turn = expected["per_turn"][TURN - 1]
    warnings: list[str] = []
    ui.page.on("console", lambda msg: warnings.append(msg.text))
    ui.open("replay").pick_athlete("Maya Chen")
    ui.page.get_by_role("button", name="Run the replay").click()
    expect(ui.metric("A request tokens")).to_have_text(f"{expected['a_request']:,}", timeout=TIMEOUT_MS)
    ui.wait_idle()
    expect(ui.metric("B request tokens")).to_have_text(f"{expected['b_request']:,}")
    expect(ui.metric("B context / A context")).to_have_text(f"{expected['context_ratio']:.1%}")
    expect(ui.metric("Cost A")).to_have_text(f"${expected['a_cost_usd']:.4f}")
    expect(ui.metric("Cost A, cached")).to_have_text(f"${expected['caching']['A']['cost_cached_usd']:.4f}")
    for label in ("Cost A", "Cost B", "Cost A, cached", "Cost B, cached"):  # shown whole, not cut off with "…"
        box = ui.metric(label)
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), label
    expect(ui.page.get_by_role("heading", name="Request tokens per turn, by part")).to_be_visible()
    expect(ui.page.get_by_role("heading", name="Cumulative")).to_be_visible()
    expect(ui.page.get_by_test_id("stVegaLiteChart")).to_have_count(2)
    assert f"cheaper strategy is {expected['caching']['winner_with_caching']}" in ui.main_text()

    box = ui.keyed("replay_turn").get_by_role("combobox")
    box.click()
    box.press_sequentially(turn["message"][:20])
    box.press("Enter")
    expect(ui.page.get_by_text(f"exact request of turn {TURN}").first).to_be_visible(timeout=TIMEOUT_MS)
    ui.wait_idle()
    table = _table(ui)
    assert table["whole request"][:2] == [f"{turn['a_request']}", f"{turn['b_request']}"]
    assert table["context (instructions, tiers, plan)"][:2] == [f"{turn['a_context']}", f"{turn['b_context']}"]
    assert table["tool definitions"][:2] == [f"{turn['a_tools_raw']}", f"{turn['b_tools_raw']}"]
    assert [table[p][1] for p in ("Tier 1", "Tier 2", "plan")] == [
        f"{turn['b_tier1']}",
        f"{turn['b_tier2']}",
        f"{turn['b_plan']}",
    ]
    assert table["whole request"][2] == f"{turn['b_request'] - turn['a_request']}"
    expect(ui.page.get_by_text(f"A: no tiers — exact request of turn {TURN}")).to_be_visible()
    expect(ui.page.get_by_text(f"B: tiered — exact request of turn {TURN}")).to_be_visible()
    assert not [w for w in warnings if "Infinite extent" in w], warnings
