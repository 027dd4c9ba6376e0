"""End to end, *Patterns*: changing the window changes the tested families, their charts and "not testable" notes."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from core.analytics.patterns import analyze_patterns
from core.db import reading
from core.db.athletes import resolve_athlete
from tests.e2e.browser import Dashboard

WINDOWS = {"Last 4 weeks": 28, "All": None}


def test_changing_the_window_shows_core_families_charts_and_not_testable_notes(ui: Dashboard, app_db: Path) -> None:
    """Given Maya, when the window goes from 4 weeks to all history, then tested / not-testable families and charts follow core."""
    with reading(app_db) as con:
        maya = resolve_athlete(con, "maya")
        reports = {label: analyze_patterns(con, maya, days) for label, days in WINDOWS.items()}
    headers = set()
    ui.open("patterns").pick_athlete("Maya Chen")
    for label, report in reports.items():
        ui.radio("patterns_window", label)
        tested = [r.family for r in report.families if r.testable]
        header = f"Tested here: {', '.join(tested) or 'no family'} ({report.tests} hypotheses)"
        expect(ui.page.get_by_text(header)).to_be_visible()
        headers.add(header)
        expect(ui.chart("patterns_timeline")).to_be_visible()
        expect(ui.chart("patterns_pmc")).to_be_visible()
        for result in report.families:
            if result.testable and result.data.empty:  # e.g. Maya's runs: a message, never empty axes
                expect(ui.keyed(f"patterns_chart_{result.family}")).to_have_count(0)
                expect(ui.page.get_by_text("Nothing to chart: ", exact=False).first).to_be_visible()
            elif result.testable and (result.findings or result.family != "performance"):
                expect(ui.chart(f"patterns_chart_{result.family}")).to_be_visible()
            if not result.testable:
                note = result.note.removeprefix("not testable: ")
                expect(ui.page.get_by_text(f"Not testable in this window — {note}.")).to_be_visible()
    assert len(headers) == 2  # the windows differ, so a page ignoring the window would fail
