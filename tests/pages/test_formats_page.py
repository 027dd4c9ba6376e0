"""pages/formats.py under AppTest: two pickable panes with exact counts and their ratio, a linear chart, a legend."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.db import connect
from core.workouts.formats import FORMAT_LABELS, athlete_scope_tables, load_workout_data, render_data, token_table
from core.workouts.levels import READING_KEYS
from core.workouts.program import load_program
from core.workouts.sport import TYPE_CODES
from ui.theme import FORMAT_COLOURS

MARKUP_NOTE = "felt <img src=x onerror=alert(1)> **bold** `tick` :material/bolt:"


@pytest.fixture
def page(open_app: Callable[..., AppTest]) -> AppTest:
    """The Formats A/B page on a fresh demo database, reached through app.py."""
    return open_app("pages/formats.py")


@pytest.fixture
def page_alone(open_page: Callable[..., AppTest]) -> AppTest:
    """The Formats A/B page file on its own, for widget interaction (see conftest.open_page)."""
    return open_page("pages/formats.py")


def _core(demo_db_path: Path, scope: str, athlete: int = 1) -> tuple[dict[str, int], dict[str, str]]:
    """Token counts and texts per format, straight from core."""
    con = connect(demo_db_path)
    try:
        data = load_workout_data(con, athlete, scope)
        counts = {r.format: r.tokens for r in token_table(data)}
        return counts, {fmt: render_data(data, fmt) for fmt in counts}
    finally:
        con.close()


def _values(array: list | dict) -> list:
    """A plotly trace array as a list: plotly sends numbers as base64 typed arrays ({"dtype", "bdata"})."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The first dataframe shown with `column` (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _panes(at: AppTest) -> list[list[str]]:
    """The aligned panes as a person reads them: one [left, right] pair of texts per row (record)."""
    body = next(h.proto.body for h in at.html if "aligned-panes" in h.proto.body)
    rows = re.findall(r"<tr data-record=.*?</tr>", body, flags=re.S)
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)] for r in rows]


def _joined(at: AppTest) -> tuple[str, str]:
    rows = _panes(at)
    return "".join(r[0] for r in rows), "".join(r[1] for r in rows)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_two_panes_show_verbose_and_ultra_with_exact_counts_and_their_ratio(page: AppTest, demo_db_path: Path) -> None:
    """Given the page opened through the app, then the left pane is verbose, the right ultra, each with core's count
    and text, and the ratio right ÷ left is shown."""
    counts, texts = _core(demo_db_path, "current_week")
    shown = _metrics(page)
    assert shown["verbose tokens"] == f"{counts['verbose']:,}"
    assert shown["ultra tokens"] == f"{counts['ultra']:,}"
    assert shown["Right ÷ left (ultra ÷ verbose)"] == f"{counts['ultra'] / counts['verbose']:.2f}×"
    assert _joined(page) == (texts["verbose"], texts["ultra"])
    assert page.selectbox(key="formats_left").value == "verbose"
    assert page.selectbox(key="formats_right").value == "ultra"


def test_picking_json_and_toon_shows_those_formats_unwrapped(page_alone: AppTest, demo_db_path: Path) -> None:
    """When the left pane picks JSON and the right TOON, both panes show that text and count, without line wrapping."""
    page_alone.selectbox(key="formats_left").set_value("json")
    page_alone.selectbox(key="formats_right").set_value("toon").run()
    assert not page_alone.exception
    counts, texts = _core(demo_db_path, "current_week")
    shown = _metrics(page_alone)
    assert shown["JSON tokens"] == f"{counts['json']:,}" and shown["TOON tokens"] == f"{counts['toon']:,}"
    assert shown["Right ÷ left (TOON ÷ JSON)"] == f"{counts['toon'] / counts['json']:.2f}×"
    left, right = _joined(page_alone)
    assert json.loads(left) == json.loads(texts["json"])  # the same data, indented for reading
    assert left == json.dumps(json.loads(texts["json"]), indent=2, ensure_ascii=False)
    assert right == texts["toon"]
    body = next(h.proto.body for h in page_alone.html if "aligned-panes" in h.proto.body)
    assert "white-space:pre" in body and "pre-wrap" not in body  # unwrapped
    assert "JSON is shown indented; counted and sent compact (no spaces)." in [c.value for c in page_alone.caption]


@pytest.mark.parametrize(("left", "right"), [("verbose", "ultra"), ("json", "compact"), ("toon", "verbose")])
def test_panes_line_up_record_by_record(page_alone: AppTest, demo_db_path: Path, left: str, right: str) -> None:
    """Given week 3 in two formats, then each row of the panes holds the same session on both sides (its name and
    date), one row per session after the week's opening, and the rows join back to each format's exact text."""
    page_alone.selectbox(key="formats_scope").set_value("week:3")
    page_alone.selectbox(key="formats_left").set_value(left)
    page_alone.selectbox(key="formats_right").set_value(right).run()
    rows = _panes(page_alone)
    con = connect(demo_db_path)
    week = next(w for w in load_program(con, 1).weeks if w.number == 3)
    con.close()
    assert len(rows) == 1 + len(week.sessions)
    for session, (left_text, right_text) in zip(week.sessions, rows[1:], strict=True):
        for text in (left_text, right_text):
            assert session.name in text and f"{session.scheduled:%d}" in text
            assert not any(other.name in text for other in week.sessions if other.name != session.name)
    _, texts = _core(demo_db_path, "week:3")
    joined = _joined(page_alone)
    shown = {f: json.dumps(json.loads(t), indent=2, ensure_ascii=False) if f == "json" else t for f, t in texts.items()}
    assert joined == (shown[left], shown[right])


def test_scope_change_updates_both_counts(page_alone: AppTest, demo_db_path: Path) -> None:
    """When week 3 is picked, both panes' counts are week 3's as core counts them."""
    page_alone.selectbox(key="formats_scope").set_value("week:3").run()
    counts, _ = _core(demo_db_path, "week:3")
    shown = _metrics(page_alone)
    assert (shown["verbose tokens"], shown["ultra tokens"]) == (f"{counts['verbose']:,}", f"{counts['ultra']:,}")


def test_scopes_are_named_by_week_and_session_with_dates(page_alone: AppTest, demo_db_path: Path) -> None:
    """The scope picker shows weeks with their dates and phase and sessions by name and date, never raw IDs."""
    picker = page_alone.selectbox(key="formats_scope")
    shown = picker.options
    assert shown[0].startswith("Current week (to Thu 19 Nov)") and shown[1] == "Full program (every week)"
    assert not any("session:" in o or "week-" in o for o in shown)
    con = connect(demo_db_path)
    program = load_program(con, 1)
    con.close()
    week = program.weeks[-1]
    assert f"Week {week.number} · {week.start:%d %b}–{week.end:%d %b} · {week.phase}" in shown
    first = week.sessions[0]
    assert f"Week {week.number} · {first.name} · {first.scheduled:%a %d %b}" in shown


def test_legend_explains_sport_codes_and_reading_keys(page: AppTest) -> None:
    """The legend lists every sport code (S: R: C: W: Y: M: O:) with its activity and shows both reading keys from core."""
    legend = _table(page, "code")
    assert list(legend["code"]) == [f"{c}:" for c in TYPE_CODES.values()] == ["S:", "R:", "C:", "W:", "Y:", "M:", "O:"]
    assert list(legend["activity"])[-2:] == ["multi (brick)", "other"]
    codes = [c.value for c in page.code]
    assert READING_KEYS["compact"] in codes and READING_KEYS["ultra"] in codes


def test_chart_is_a_linear_share_of_verbose_without_red(page: AppTest, demo_db_path: Path) -> None:
    """The chart plots each format's share of verbose on a linear axis, in the app's format colours (none red)."""
    spec = json.loads(page.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["yaxis"].get("type", "linear") == "linear"
    con = connect(demo_db_path)
    tables = athlete_scope_tables(con, 1)
    con.close()
    expected = {(str(d.scope), FORMAT_LABELS[r.format]): r.ratio for d, table in tables for r in table}
    plotted = {(x, t["name"]): y for t in spec["data"] for x, y in zip(t["x"], _values(t["y"]), strict=True)}
    assert plotted == pytest.approx(expected)
    colours = {t["name"]: t["marker"]["color"] for t in spec["data"]}
    assert colours == FORMAT_COLOURS
    for colour in colours.values():
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert not (r > 150 and r > 2 * g and r > 2 * b), colour


def test_cohort_table_lists_every_demo_athlete_once_asked_for(page: AppTest, open_app: Callable[..., AppTest]) -> None:
    """Given the page, when "Compare every demo athlete" is on, then every athlete shows with all five formats."""
    assert not any("athlete" in d.value.columns for d in page.dataframe)  # not computed until asked for
    table = _table(open_app("pages/formats.py", formats_cohort_open=True), "athlete")
    assert set(table["athlete"]) == {"maya", "tomas", "jordan", "aiko", "sam"}
    assert set(FORMAT_LABELS.values()) <= set(table.columns)


@pytest.fixture
def marked_up_note(demo_db_path: Path) -> str:
    """An athlete note holding HTML, markdown and a shortcode on the first exercise of maya's program."""
    con = connect(demo_db_path)
    con.execute(
        "UPDATE program_exercises SET athlete_notes = ? WHERE rowid = (SELECT min(rowid) FROM program_exercises "
        "WHERE athlete_id = 1)",
        [MARKUP_NOTE],
    )
    con.close()
    return MARKUP_NOTE


def test_note_with_markup_is_shown_as_text_in_panes_and_token_view(
    marked_up_note: str, open_page: Callable[..., AppTest]
) -> None:
    """Given a note with <img>, ** and backticks, the verbose pane shows it verbatim as code, and the token view
    escapes it: no <img> element, backticks and asterisks left literal (no markdown pass)."""
    at = open_page("pages/formats.py", formats_scope="full_program")
    assert marked_up_note in _joined(at)[0]
    at.toggle(key="formats_boundaries").set_value(True).run()
    assert not at.exception
    body = "".join(h.proto.body for h in at.html)
    assert "<img" not in body and "<code>" not in body and "<strong>" not in body
    shown = html.unescape(re.sub(r"<[^>]+>", "", body))
    assert marked_up_note in shown


def test_budget_picks_a_level(page_alone: AppTest) -> None:
    """A generous budget keeps verbose; a tiny one says no level fits."""
    page_alone.number_input(key="formats_budget").set_value(100000).run()
    assert "verbose fits" in page_alone.success[0].value
    page_alone.number_input(key="formats_budget").set_value(5).run()
    assert "no level fits" in page_alone.warning[0].value
