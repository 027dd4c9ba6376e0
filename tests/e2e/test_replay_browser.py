"""End to end, *A/B replay*: running the scripted conversation shows core's per-strategy totals and both charts."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from playwright.sync_api import expect

from core.context.replay import replay
from core.db import snapshot
from core.db.athletes import resolve_athlete
from tests.e2e.browser import TIMEOUT_MS, Dashboard


def test_running_the_replay_shows_core_totals_and_both_charts(ui: Dashboard, app_db: Path) -> None:
    """Given Maya picked, when the coach runs the replay, then A's and B's request tokens equal core's replay and charts draw."""
    with closing(snapshot(app_db)) as con:
        summary = replay(con, [resolve_athlete(con, "maya")])[0].summary()
    ui.open("replay").pick_athlete("Maya Chen")
    ui.page.get_by_role("button", name="Run the replay").click()
    expect(ui.metric("A request tokens")).to_have_text(f"{summary['a_request']:,}", timeout=TIMEOUT_MS)
    ui.wait_idle()
    expect(ui.metric("B request tokens")).to_have_text(f"{summary['b_request']:,}")
    expect(ui.metric("B context / A context")).to_have_text(f"{summary['context_ratio']:.1%}")
    assert summary["b_request"] < summary["a_request"]
    expect(ui.page.get_by_role("heading", name="Request tokens per turn")).to_be_visible()
    expect(ui.page.get_by_role("heading", name="Cumulative")).to_be_visible()
    expect(ui.page.get_by_test_id("stVegaLiteChart")).to_have_count(2)
    expect(ui.page.get_by_test_id("stDataFrame")).to_have_count(1)  # the per-turn table
