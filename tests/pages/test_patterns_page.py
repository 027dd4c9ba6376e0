"""pages/patterns.py: the figures shown agree with core, untestable families say why, and nothing is drawn
where there is no finding."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.analytics.patterns import analyze_patterns
from core.db import connect


@pytest.fixture
def patterns_page(open_app: Callable[..., AppTest]) -> Callable[..., AppTest]:
    """Factory: the Patterns page with sidebar/page state preset."""
    return lambda **state: open_app("pages/patterns.py", **state)


def _report(path: Path, athlete_id: int, days: int | None):
    con = connect(path)
    try:
        return analyze_patterns(con, athlete_id, days)
    finally:
        con.close()


def test_hybrid_athlete_card_and_caption_show_the_same_numbers_as_core(
    patterns_page: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """Given the hybrid athlete over all history, the insight card shows the leg-day effect exactly as the finding's
    summary prints it, the caption carries that summary with its q-value, and only testable families get a chart."""
    at = patterns_page(athlete_id=3, patterns_window="All")
    report = _report(demo_db_path, 3, None)
    leg = next(f for f in report.findings if f.key == "leg_day_run_hr")
    assert at.metric[0].value == leg.effect_text and leg.effect_text.split()[0] in leg.summary
    captions = " ".join(c.value for c in at.caption)
    assert leg.summary in captions and "Benjamini–Hochberg" in captions
    testable = [r.family for r in report.families if r.testable]
    shown = {chart.proto.id for chart in at.get("plotly_chart")}
    assert len(shown) == 2 + len(testable) - (0 if report.family("performance").findings else 1) * (
        "performance" in testable
    )
    assert "leg_day_run_hr" not in captions and "cycling_run_economy" not in " ".join(m.value for m in at.markdown)


def test_untestable_families_say_why_instead_of_empty_axes(
    patterns_page: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """Given the lifter (no runs, 16 weeks), interference and leg-day sequencing cannot run: the page lists the
    families tested and shows 'Not testable' with the reason for each family without any hypothesis."""
    at = patterns_page(athlete_id=1, patterns_window="All")
    report = _report(demo_db_path, 1, None)
    untestable = [r for r in report.families if not r.testable]
    assert untestable and "interference" in [r.family for r in untestable]
    infos = [i.value for i in at.info]
    assert sum(v.startswith("Not testable in this window") for v in infos) == len(untestable)
    assert any("needs 6" in v for v in infos)
    header = next(m.value for m in at.markdown if m.value.startswith("**Tested here:**"))
    assert f"({report.tests} hypotheses)" in header and "interference" in header.split("not testable:")[1]


def test_control_athlete_page_claims_nothing_and_draws_no_pr_bars(patterns_page: Callable[..., AppTest]) -> None:
    """The control athlete's page has no insight card, a 'No finding' caption under each testable family, and no
    PR-rate bar chart (there is no finding to illustrate)."""
    at = patterns_page(athlete_id=5, patterns_window="Last 8 weeks", patterns_acr="ewma")
    assert len(at.metric) == 0
    keys = [chart.proto.id for chart in at.get("plotly_chart")]
    assert not any("performance" in k for k in keys)
    assert any(c.value.startswith("No finding") for c in at.caption)


def test_triathlete_overload_is_shaded_with_axis_titles(patterns_page: Callable[..., AppTest]) -> None:
    """The triathlete's overload chart has titled axes and one shaded rectangle per tested episode."""
    at = patterns_page(athlete_id=2, patterns_window="All")
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("patterns_chart_overload"))
    import json

    spec = json.loads(chart.proto.spec)
    layout = spec["layout"]
    assert layout["yaxis"]["title"]["text"] == "acute:chronic ratio" and layout["yaxis2"]["title"]["text"] == "HRV (ms)"
    assert layout["xaxis"]["title"]["text"] == "day"
    assert sum(shape.get("type") == "rect" for shape in layout["shapes"]) >= 1


def test_short_window_renders_for_the_triathlete(patterns_page: Callable[..., AppTest]) -> None:
    """Four weeks of the triathlete render without an exception and with the timeline and PMC charts."""
    at = patterns_page(athlete_id=2, patterns_window="Last 4 weeks")
    assert len(at.get("plotly_chart")) >= 2
