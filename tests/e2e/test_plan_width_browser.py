"""End to end, the Weekly plan with the coach chat beside it at 1400 px: every numeric column (sets, reps, rest,
minutes, distance; the week's planned and done totals) is in view and wide enough for its values, so none reads "18…"."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser import TIMEOUT_MS, Dashboard
from ui.theme import fit_width

GRID_FONT = '14px "Source Sans", sans-serif'  # st.dataframe's cell font; headers are drawn in the same size
DAY_NUMBERS = ("Sets", "Reps", "Weight", "Rest s", "Min", "Dist m")
WEEK_NUMBERS = ("Planned", "Done")
WEEK_IN_VIEW = ("Day", "Compliance", "Planned", "Done")  # the verdict too: a coach reads it first


def _text_widths(ui: Dashboard, texts: list[str]) -> list[float]:
    """Rendered widths in px of `texts` in the grid's font, measured by the browser itself."""
    widths: list[float] = ui.page.evaluate(
        """([font, texts]) => { const c = document.createElement('canvas').getContext('2d'); c.font = font;
           return texts.map(t => c.measureText(t).width); }""",
        [GRID_FONT, texts],
    )
    return widths


def _columns_in_view(ui: Dashboard, index: int) -> dict[str, list[str]]:
    """The columns of the `index`-th dataframe that the grid draws in view (its accessible table lists only those,
    and only once the grid is on screen), header → cell texts."""
    grid = ui.page.get_by_test_id("stDataFrame").nth(index)
    grid.scroll_into_view_if_needed()
    expect(grid.locator("th").first).to_be_attached(timeout=TIMEOUT_MS)
    headers = grid.locator("th").all_inner_texts()
    cells = grid.locator("td").all_inner_texts()
    return {h: cells[i :: len(headers)] for i, h in enumerate(headers)}


def test_with_the_chat_beside_the_plan_no_number_is_cut(ui: Dashboard) -> None:
    """Given maya's Weekly plan with the coach chat beside it at 1400 px, then every day table shows all its numeric
    columns in view and each is wider than its widest value as the browser measures it, and the week's totals too:
    no "…" in a distance, a duration, a set count or a total."""
    ui.open("plan")
    ui.keyed("plan_chat_open").get_by_text("Coach chat beside the plan").click()
    ui.wait_idle()
    expect(ui.page.get_by_test_id("stChatInput")).to_be_visible(timeout=TIMEOUT_MS)  # the chat is beside the plan
    checked = 0
    grids = ui.page.get_by_test_id("stDataFrame").count()  # the week, then one per day with blocks
    assert grids >= 3
    for index in range(grids):
        columns = _columns_in_view(ui, index)
        wanted = WEEK_NUMBERS if index == 0 else DAY_NUMBERS
        assert set(WEEK_IN_VIEW if index == 0 else wanted) <= set(columns), (index, list(columns))  # not scrolled off
        for header in wanted:
            values = columns[header]
            widest = max(_text_widths(ui, [header, *values]))
            assert widest + 16 <= fit_width(values, header), (index, header, widest)  # 8 px cell padding each side
            assert not any(v.endswith("…") for v in values), (index, header, values)
            checked += 1
    assert checked >= 10  # the week's two totals and at least two days' numbers were read
    _headline_is_whole(ui)
    ui.screenshot("plan_width_chat_beside")


def _headline_is_whole(ui: Dashboard) -> None:
    """Every headline figure above the week is drawn whole: no element of it is wider than the box it sits in
    (a metric value cut with '…' is exactly that), and each reads its total in full."""
    head = ui.keyed("plan_headline")
    expect(head).to_contain_text("Done this week", timeout=TIMEOUT_MS)
    cut = head.locator("*").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"
    )
    assert not cut, cut
    text = head.inner_text()
    assert "Planned this week" in text and "Done this week" in text and " min" in text, text


def test_the_headline_totals_are_whole_with_the_chat_closed(ui: Dashboard) -> None:
    """Given maya's Weekly plan at 1400 px without the chat, then the week's planned and done totals above the
    week are drawn in full."""
    ui.open("plan")
    _headline_is_whole(ui)
