"""End to end, *Athletes*: the roster, the picked athlete's figures and the 7-day chart, as core computes them."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from core.db import reading
from core.db.athletes import activity_minutes_by_day, athlete_overview
from tests.e2e.browser import TIMEOUT_MS, Dashboard
from ui.theme import SPORT_LABELS


def test_roster_lists_every_athlete_with_core_session_counts(ui: Dashboard, app_db: Path) -> None:
    """Given the demo roster, when the Athletes page opens, then each row shows core's name, phase and 7-day volume."""
    with reading(app_db) as con:
        overview = athlete_overview(con)
    ui.open()
    expect(ui.cell(overview.name.iloc[0])).to_be_attached(timeout=TIMEOUT_MS)  # the grid fills its table after drawing
    cells = ui.table_cells()
    for row in overview.itertuples():
        start = cells.index(row.name)
        shown = cells[start : start + 7]
        assert row.phase in shown and f"{row.sessions_7d} · {row.minutes_7d:.0f} min" in shown, cells


def test_switching_athlete_updates_heading_metrics_and_week_chart(ui: Dashboard, app_db: Path) -> None:
    """Given two athletes, when each is picked in the sidebar, then heading, metrics and chart legend follow core's figures."""
    with reading(app_db) as con:
        overview = athlete_overview(con).set_index("name")
        sports = {
            name: sorted(SPORT_LABELS[t] for t in activity_minutes_by_day(con, int(a)).type.dropna().unique())
            for name, a in overview.athlete_id.items()
        }
    ui.open()
    shown = []
    for name in ("Tomás Rivera", "Maya Chen"):
        me = overview.loc[name]
        ui.pick_athlete(name)
        expect(ui.page.get_by_role("heading", name=f"{name} — {me.phase}")).to_be_visible()
        expect(ui.metric("Sessions, last 7 days")).to_have_text(str(me.sessions_7d))
        expect(ui.metric("Plan size")).to_have_text(f"{me.plan_blocks} blocks")
        expect(ui.chart("home_week_chart")).to_be_visible()
        assert sorted(ui.legend("home_week_chart")) == sports[name]
        shown.append((ui.metric("Sessions, last 7 days").inner_text(), ui.legend("home_week_chart")))
    assert shown[0] != shown[1]  # the two athletes differ, so a page stuck on one would fail
