"""pages/formats.py under AppTest: every format column with its exact count, the chart and the cohort table."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import connect
from core.db.connection import PROJECT_ROOT
from core.formats import FORMAT_LABELS, FORMATS, load_workout_data, token_table

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture
def page(demo_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The Formats A/B page on a fresh demo database."""
    monkeypatch.setenv("COACH_DB", str(demo_db_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["OPENAI_API_KEY"] = "test-key"
    at.run()
    at.switch_page("pages/formats.py").run()
    assert not at.exception, at.exception
    return at


def _keep_sidebar(at: AppTest) -> AppTest:
    """Re-set the sidebar choices: after switch_page AppTest runs only the page, so app.py's sidebar
    widgets are not drawn and Streamlit drops their keys at the end of each run."""
    at.session_state["athlete_id"] = 1
    at.session_state["encoding"] = "o200k_base"
    return at


def _expected(demo_db_path: Path, athlete: int, scope: str) -> dict[str, int]:
    con = connect(demo_db_path)
    try:
        return {r.format: r.tokens for r in token_table(load_workout_data(con, athlete, scope))}
    finally:
        con.close()


def test_page_shows_every_format_with_its_exact_count(page: AppTest, demo_db_path: Path) -> None:
    """Five metrics (verbose, compact, ultra, JSON, TOON) show the counts core.formats measures, with deltas."""
    expected = _expected(demo_db_path, 1, "current_week")
    shown = {m.label: m.value for m in page.metric}
    for fmt in FORMATS:
        assert shown[FORMAT_LABELS[fmt]] == f"{expected[fmt]:,}"
    assert len(page.code) >= len(FORMATS)
    assert any("vs verbose" in str(m.delta) for m in page.metric)


def test_page_draws_the_chart_and_the_cohort_table(page: AppTest) -> None:
    """The bar chart is drawn and the cohort table lists every demo athlete with all five formats."""
    assert len(page.get("plotly_chart")) == 1
    table = page.dataframe[0].value
    assert set(table["athlete"]) == {"maya", "tomas", "jordan", "aiko", "sam"}
    assert {"verbose", "compact", "ultra", "JSON", "TOON"} <= set(table.columns)


def test_token_boundaries_and_scope_change(page: AppTest, demo_db_path: Path) -> None:
    """Turning on token boundaries draws escaped spans; picking week 3 updates the counts."""
    _keep_sidebar(page).toggle(key="formats_boundaries").set_value(True).run()
    assert not page.exception
    html = "".join(m.value for m in page.markdown)
    assert "<span style=" in html and "&quot;" in html
    _keep_sidebar(page).selectbox(key="formats_scope").set_value("week:3").run()
    assert not page.exception
    expected = _expected(demo_db_path, 1, "week:3")
    assert {m.label: m.value for m in page.metric}["ultra"] == f"{expected['ultra']:,}"


def test_budget_picks_a_level(page: AppTest) -> None:
    """A generous budget keeps verbose; a tiny one says no level fits."""
    _keep_sidebar(page).number_input(key="formats_budget").set_value(100000).run()
    assert "verbose fits" in page.success[0].value
    _keep_sidebar(page).number_input(key="formats_budget").set_value(5).run()
    assert "no level fits" in page.warning[0].value
