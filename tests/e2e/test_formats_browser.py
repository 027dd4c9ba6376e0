"""End to end, *Formats A/B*: scope, both panes' formats and the tokenizer picked as a reviewer would; counts are core's."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from core.db import reading
from core.db.athletes import resolve_athlete
from core.workouts.formats import FORMAT_LABELS, load_workout_data, token_table
from tests.e2e.browser import Dashboard

SCOPE = "full_program"
SCOPE_LABEL = "Full program (every week)"  # what the picker shows for it


def _counts(app_db: Path, encoding: str) -> dict[str, int]:
    with reading(app_db) as con:
        data = load_workout_data(con, resolve_athlete(con, "tomas"), SCOPE)
        return {r.format: r.tokens for r in token_table(data, encoding)}


def test_two_panes_show_core_token_counts_for_the_picked_scope_formats_and_tokenizer(
    ui: Dashboard, app_db: Path
) -> None:
    """Given Tomás's full program, when compact vs JSON are picked under each tokenizer, then both panes and the ratio match core."""
    ui.open("formats").pick_athlete("Tomás Rivera")
    ui.select("formats_scope", SCOPE_LABEL)
    ui.select("formats_left", FORMAT_LABELS["compact"]).select("formats_right", FORMAT_LABELS["json"])
    seen = []
    for encoding in ("cl100k_base", "o200k_base"):
        counts = _counts(app_db, encoding)
        ui.pick_tokenizer(encoding)
        expect(ui.metric("compact tokens")).to_have_text(f"{counts['compact']:,}")
        expect(ui.metric("JSON tokens")).to_have_text(f"{counts['json']:,}")
        expect(ui.metric("Right ÷ left (JSON ÷ compact)")).to_have_text(f"{counts['json'] / counts['compact']:.2f}×")
        expect(ui.keyed("formats_panes").locator(".aligned-panes")).to_be_visible()
        seen.append(counts["compact"])
    assert seen[0] != seen[1]  # the tokenizers disagree, so a page ignoring the picker would fail
    expect(ui.chart("formats_chart")).to_be_visible()


def test_the_two_panes_line_up_session_by_session(ui: Dashboard) -> None:
    """Given Tomás's week 3 as verbose beside ultra, when the reader scrolls the one pane box, then each session's text
    starts at the same height on both sides (same name, same row top), so records never drift apart."""
    ui.open("formats").pick_athlete("Tomás Rivera")
    ui.select("formats_scope", "Week 3 ·", prefix=True)
    rows = ui.keyed("formats_panes").locator("tr[data-record]")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3  # the week's opening and at least two sessions
    for i in range(1, rows.count()):
        row = rows.nth(i)
        row.scroll_into_view_if_needed()
        left, right = row.locator("td").nth(0), row.locator("td").nth(1)
        top_left, top_right = left.bounding_box(), right.bounding_box()
        assert top_left is not None and top_right is not None
        assert abs(top_left["y"] - top_right["y"]) < 1  # level: one row holds both
        name = left.inner_text().split("Session ")[1].split(":")[1].split("(")[0].strip()  # "--- Session 2: Lower A (…"
        assert right.inner_text().startswith(("S", "W")) and name in right.inner_text()
