"""pages/patterns.py: the timeline, the fitness chart and one chart per family render under AppTest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.analytics.patterns import FAMILIES, find_patterns
from core.db import connect


@pytest.fixture
def patterns_page(open_app: Callable[..., AppTest]) -> Callable[..., AppTest]:
    """Factory: the Patterns page with sidebar/page state preset."""
    return lambda **state: open_app("pages/patterns.py", **state)


def test_page_shows_timeline_pmc_and_one_chart_per_family(
    patterns_page: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """For the hybrid athlete: 2 + one chart per family, the leg-day finding as an insight card and a caption."""
    at = patterns_page(athlete_id=3, patterns_window="All")
    keys = [chart.proto.id for chart in at.get("plotly_chart")]
    assert len(keys) == 2 + len(FAMILIES)
    con = connect(demo_db_path)
    leg = next(f for f in find_patterns(con, 3, "sequencing") if f.key == "leg_day_run_hr")
    con.close()
    assert at.metric[0].value == f"{leg.effect:+.2f} {leg.unit}" and leg.effect > 0
    captions = " ".join(c.value for c in at.caption)
    assert "heavy leg sessions" in captions and "No finding" in captions


def test_control_athlete_page_claims_nothing(patterns_page: Callable[..., AppTest]) -> None:
    """The control athlete's page has no insight cards and a 'No finding' caption under every family chart."""
    at = patterns_page(athlete_id=5, patterns_window="Last 8 weeks", patterns_acr="ewma")
    assert len(at.metric) == 0
    assert len(at.get("plotly_chart")) == 2 + len(FAMILIES)
    assert sum(c.value.startswith("No finding") for c in at.caption) == len(FAMILIES)


def test_short_window_renders_for_the_triathlete(patterns_page: Callable[..., AppTest]) -> None:
    """Four weeks of the triathlete still draws every chart without an exception."""
    at = patterns_page(athlete_id=2, patterns_window="Last 4 weeks")
    assert len(at.get("plotly_chart")) == 2 + len(FAMILIES)
