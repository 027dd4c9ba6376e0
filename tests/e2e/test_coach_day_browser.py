"""End to end, a coach's morning: the roster readable at 1400 px with alerts, one ACR (value and variant) on every
page, and no chart drawn without data."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, expect

from core.analytics.alerts import athlete_alerts
from core.analytics.load import DEFAULT_ACR_VARIANT, snapshot_for_day
from core.db import reading
from tests.e2e.browser import TIMEOUT_MS, VIEWPORT, Dashboard
from ui.theme import fit_width

GRID_FONT = '14px "Source Sans", sans-serif'  # st.dataframe's cell font; headers are drawn in the same size
ROSTER_COLUMNS = 7


def _text_widths(ui: Dashboard, texts: list[str]) -> list[float]:
    """Rendered widths in px of `texts` in the grid's font, measured by the browser itself."""
    return ui.page.evaluate(
        """([font, texts]) => { const c = document.createElement('canvas').getContext('2d'); c.font = font;
           return texts.map(t => c.measureText(t).width); }""",
        [GRID_FONT, texts],
    )


def test_roster_headers_fit_without_scrolling_and_no_cell_is_cut(ui: Dashboard) -> None:
    """Given the Athletes page at 1400 px, when it opens, then every roster column header is in view (no horizontal
    scroll) and every column is wider than its widest header or cell as the browser measures it (no '…')."""
    ui.open()
    grid = ui.page.get_by_test_id("stDataFrame").first
    expect(grid.locator("th")).to_have_count(
        ROSTER_COLUMNS, timeout=TIMEOUT_MS
    )  # the accessible grid lists only the columns in view
    expect(grid.locator("th").last).to_have_text("Last 7 days")
    headers = grid.locator("th").all_inner_texts()
    cells = grid.locator("td").all_inner_texts()
    columns = [cells[i :: len(headers)] for i in range(len(headers))]
    for header, values in zip(headers, columns, strict=True):
        widest = max(_text_widths(ui, [header, *values]))
        assert widest + 16 <= fit_width(values, header), (header, widest)  # 8 px cell padding each side


def test_alerts_are_listed_and_dated_in_the_athletes_header(ui: Dashboard, app_db: Path) -> None:
    """Given core's alerts, when the coach picks Aiko, then her header shows each alert with its start date."""
    with reading(app_db) as con:
        alerts = athlete_alerts(con)[4]
    assert alerts
    ui.open().pick_athlete("Aiko Sato")
    for alert in alerts:
        expect(ui.page.get_by_test_id("stMain").get_by_text(alert.dated, exact=True)).to_be_visible()


def test_the_lifters_patterns_show_a_message_instead_of_an_empty_run_chart(ui: Dashboard) -> None:
    """Given Maya (no runs), when Patterns opens, then no run chart is drawn and a message says why."""
    ui.open("patterns").pick_athlete("Maya Chen")
    expect(ui.page.get_by_text("Nothing to chart: no runs with heart rate and pace in this window.")).to_be_visible()
    expect(ui.keyed("patterns_chart_sequencing")).to_have_count(0)


def test_one_acr_value_and_name_on_athletes_tier1_and_patterns(
    serve_with_env: Callable[..., contextlib.AbstractContextManager[str]], browser: Browser, demo_db_path: Path
) -> None:
    """Given Tomás on his latest day, when the coach reads the ACR on Athletes, in Tier 1 (chat preview) and on
    Patterns, then all three show the same value and name the same (default) variant."""
    with reading(demo_db_path) as con:
        value = f"{snapshot_for_day(con, 2, variant=DEFAULT_ACR_VARIANT).acute_chronic_ratio:.2f}"
    name = f"ACR ({DEFAULT_ACR_VARIANT})"
    with serve_with_env(COACH_LOCAL_MODEL="off", OPENAI_API_KEY="", OPENAI_BASE_URL="") as url:
        page = browser.new_page(viewport=VIEWPORT)
        ui = Dashboard(page, url)
        try:
            ui.open().pick_athlete("Tomás Rivera")
            expect(page.get_by_test_id("stDataFrame").first.locator("th")).to_have_count(7, timeout=TIMEOUT_MS)
            headers = page.get_by_test_id("stDataFrame").first.locator("th").all_inner_texts()
            cells = ui.table_cells()
            row = cells.index("Tomás Rivera")
            assert cells[row + headers.index(name)] == value
            expect(ui.metric(name)).to_have_text(value)

            ui.go("Patterns")
            expect(ui.metric(f"{name} on 19 Nov")).to_have_text(value)

            ui.go("Coach chat")
            box = page.get_by_test_id("stChatInputTextArea")
            box.fill("How is my training load?")
            box.press("Enter")
            expect(page.get_by_text("Preview: nothing was sent")).to_be_visible(timeout=TIMEOUT_MS)
            page.get_by_text("Tier 1 text").click()
            tier1 = page.locator("code").filter(has_text="Phase: BUILD")
            expect(tier1).to_contain_text(f"(ACR {value} {DEFAULT_ACR_VARIANT})")
            ui.assert_no_exception()
        finally:
            with contextlib.suppress(Exception):
                ui.screenshot("test_one_acr_value_and_name_on_athletes_tier1_and_patterns")
            page.close()
