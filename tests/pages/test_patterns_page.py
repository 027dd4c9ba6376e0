"""pages/patterns.py: the figures shown agree with core, untestable families say why, and nothing is drawn
where there is no finding."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.analytics.load import DEFAULT_ACR_VARIANT, snapshot_for_day
from core.analytics.patterns import analyze_patterns
from core.context.builder import build_context
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
    assert [m.label for m in at.metric] == ["ACR (ewma) on 19 Nov"]  # the ratio only: no insight card
    keys = [chart.proto.id for chart in at.get("plotly_chart")]
    assert not any("performance" in k for k in keys)
    assert any(c.value.startswith("No finding") for c in at.caption)


def test_triathlete_overload_is_shaded_with_axis_titles(patterns_page: Callable[..., AppTest]) -> None:
    """The triathlete's overload chart has titled axes and one shaded rectangle per tested episode."""
    at = patterns_page(athlete_id=2, patterns_window="All")
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("patterns_chart_overload"))
    spec = json.loads(chart.proto.spec)
    layout = spec["layout"]
    assert layout["yaxis"]["title"]["text"] == "ACR (uncoupled)" and layout["yaxis2"]["title"]["text"] == "HRV (ms)"
    assert layout["xaxis"]["title"]["text"] == "day"
    assert sum(shape.get("type") == "rect" for shape in layout["shapes"]) >= 1


def test_short_window_renders_for_the_triathlete(patterns_page: Callable[..., AppTest]) -> None:
    """Four weeks of the triathlete render without an exception and with the timeline and PMC charts."""
    at = patterns_page(athlete_id=2, patterns_window="Last 4 weeks")
    assert len(at.get("plotly_chart")) >= 2


def _specs(at: AppTest) -> dict[str, dict]:
    return {chart.proto.id: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}


def test_the_acr_shown_is_the_default_variant_named_with_the_value_tier1_uses(
    patterns_page: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """Given the default settings, when Patterns opens, then it shows the default variant's ACR by name with the value
    Tier 1 states for the same athlete and day."""
    at = patterns_page(athlete_id=2)
    con = connect(demo_db_path)
    snap = snapshot_for_day(con, 2, variant=DEFAULT_ACR_VARIANT)
    tier1 = build_context(con, 2, "How is my load?").tier1
    con.close()
    metric = next(m for m in at.metric if m.label.startswith("ACR ("))
    assert metric.label == f"ACR ({DEFAULT_ACR_VARIANT}) on 19 Nov"
    assert metric.value == f"{snap.acute_chronic_ratio:.2f}"
    assert f"(ACR {metric.value} {DEFAULT_ACR_VARIANT})" in tier1
    assert at.radio(key="patterns_acr").value == DEFAULT_ACR_VARIANT


def test_ratio_axes_have_ticks_on_the_band_lines(patterns_page: Callable[..., AppTest]) -> None:
    """Given the triathlete, when the timeline and overload charts draw a ratio, then 0.8 and 1.3 (and 1.4 for
    overload) are labelled ticks, and the axis starts at 0."""
    specs = _specs(patterns_page(athlete_id=2, patterns_window="All"))
    timeline = next(v for k, v in specs.items() if k.endswith("patterns_timeline"))["layout"]["yaxis2"]
    overload = next(v for k, v in specs.items() if k.endswith("patterns_chart_overload"))["layout"]["yaxis"]
    for axis, marks in ((timeline, {0.8, 1.3}), (overload, {0.8, 1.3, 1.4})):
        assert marks <= set(axis["tickvals"]) and axis["range"][0] == 0
        assert {"0.8", "1.3"} <= set(axis["ticktext"])


@pytest.mark.parametrize("athlete_id", [1, 2, 3, 4, 5])
def test_no_chart_is_drawn_without_data(patterns_page: Callable[..., AppTest], athlete_id: int) -> None:
    """Given any demo athlete, when Patterns opens, then every chart has at least one drawn value, and the lifter's
    empty run chart is replaced by a message."""
    at = patterns_page(athlete_id=athlete_id)
    for key, spec in _specs(at).items():
        assert any(any(v is not None for v in (trace.get("y") or trace.get("x") or [])) for trace in spec["data"]), key
    if athlete_id == 1:
        assert not any(k.endswith("patterns_chart_sequencing") for k in _specs(at))
        assert "Nothing to chart: no runs with heart rate and pace in this window." in [i.value for i in at.info]


def test_pr_bars_count_the_sessions_the_caption_counts(
    patterns_page: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """Given the lifter's PR finding, when its bars are drawn, then each bar says 'k of n set a PR' with the numbers
    of the caption ('k of n such sessions … vs k of n others')."""
    at = patterns_page(athlete_id=1)
    spec = next(v for k, v in _specs(at).items() if k.endswith("patterns_chart_performance"))
    labels = {
        x: t.removesuffix(" set a PR") for trace in spec["data"] for x, t in zip(trace["x"], trace["text"], strict=True)
    }
    caption = next(c.value for c in at.caption if "such sessions set a PR" in c.value)
    rule, other = labels["sessions meeting the rule"], labels["other sessions"]
    assert f"{rule} such sessions set a PR vs {other} others" in caption


def test_the_overload_card_names_its_acr_variant(patterns_page: Callable[..., AppTest], demo_db_path: Path) -> None:
    """Given the triathlete's overload finding (uncoupled ACR), when its card is shown beside a coupled timeline,
    then the card's ratio is named 'ACR (uncoupled)'."""
    at = patterns_page(athlete_id=2, patterns_window="All")
    cards = [c.value for c in at.caption if c.value.startswith("Overload ")]
    assert cards and all("ACR (uncoupled) up to " in c for c in cards)
