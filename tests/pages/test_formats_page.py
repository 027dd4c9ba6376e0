"""pages/formats.py under AppTest: every format column with its exact count, the chart and the cohort table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import connect
from core.workouts.formats import FORMAT_LABELS, FORMATS, load_workout_data, token_table


@pytest.fixture
def page(open_app: Callable[..., AppTest]) -> AppTest:
    """The Formats A/B page on a fresh demo database."""
    return open_app("pages/formats.py")


@pytest.fixture
def page_alone(open_page: Callable[..., AppTest]) -> AppTest:
    """The Formats A/B page file on its own, for widget interaction (see conftest.open_page)."""
    return open_page("pages/formats.py")


def _expected(demo_db_path: Path, athlete: int, scope: str) -> dict[str, int]:
    con = connect(demo_db_path)
    try:
        return {r.format: r.tokens for r in token_table(load_workout_data(con, athlete, scope))}
    finally:
        con.close()


def test_page_shows_every_format_with_its_exact_count(page: AppTest, demo_db_path: Path) -> None:
    """Five metrics (verbose, compact, ultra, JSON, TOON) show the counts core.workouts.formats measures, with deltas."""
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


def test_token_boundaries_and_scope_change(page_alone: AppTest, demo_db_path: Path) -> None:
    """Turning on token boundaries draws escaped spans; picking week 3 updates the counts."""
    page_alone.toggle(key="formats_boundaries").set_value(True).run()
    assert not page_alone.exception
    html = "".join(m.value for m in page_alone.markdown)
    assert "<span style=" in html and "&quot;" in html
    page_alone.selectbox(key="formats_scope").set_value("week:3").run()
    assert not page_alone.exception
    expected = _expected(demo_db_path, 1, "week:3")
    assert {m.label: m.value for m in page_alone.metric}["ultra"] == f"{expected['ultra']:,}"


def test_budget_picks_a_level(page_alone: AppTest) -> None:
    """A generous budget keeps verbose; a tiny one says no level fits."""
    page_alone.number_input(key="formats_budget").set_value(100000).run()
    assert "verbose fits" in page_alone.success[0].value
    page_alone.number_input(key="formats_budget").set_value(5).run()
    assert "no level fits" in page_alone.warning[0].value
