"""Every page renders under AppTest on a private demo database; the Athletes page shows core's figures readably."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.analytics.load import daily_snapshots
from core.analytics.overload import OVERLOAD_VARIANT
from core.analytics.patterns import find_patterns
from core.db import connect
from core.db.athletes import athlete_overview
from core.db.connection import PROJECT_ROOT
from core.demo.effects import planted_effect
from ui.theme import CHAR_PX, MULTI_EXPLAINED, SPORT_COLOURS, SPORT_LABELS


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> AppTest:
    """The app pointed at a fresh demo database, first run done (the Athletes page is the default)."""
    return open_app()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_athletes_page_lists_every_athlete_with_a_readable_profile(app: AppTest) -> None:
    """The overview lists all five demo athletes with profile labels, not snake_case keys."""
    table = app.dataframe[0].value
    assert list(table["name"]) == ["Maya Chen", "Tomás Rivera", "Jordan Blake", "Aiko Sato", "Sam Okafor"]
    assert list(table["profile"]) == [
        "Lifter (cut)",
        "Triathlete",
        "Hybrid (run + lift)",
        "Yoga + cycling",
        "Control (mixed sports)",
    ]
    assert _metrics(app)["Phase"] == "CUT"


def test_athletes_page_figures_equal_core(app: AppTest, demo_db_path: Path) -> None:
    """Sessions, mix and today's acute:chronic ratio in the table and metrics are the values core computes."""
    con = connect(demo_db_path)
    overview = athlete_overview(con)
    snaps = daily_snapshots(con)
    con.close()
    table = app.dataframe[0].value
    assert list(table["sessions_7d"]) == list(overview["sessions_7d"])
    assert list(table["mix_7d"]) == list(overview["mix_7d"])
    acr_today = snaps.groupby("athlete_id")[f"acr_{OVERLOAD_VARIANT}"].last()
    assert list(table["acr_now"]) == pytest.approx(list(acr_today))
    shown = _metrics(app)
    assert shown["Sessions, last 7 days"] == str(overview["sessions_7d"].iloc[0])
    assert shown["ACR now"] == f"{acr_today.iloc[0]:.2f}"


def test_the_planted_overload_block_is_flagged_as_patterns_finds_it(app: AppTest, demo_db_path: Path) -> None:
    """Only the triathlete is flagged, with the days and peak the Patterns overload finding reports, and a warning."""
    con = connect(demo_db_path)
    finding = next(f for f in find_patterns(con, 2, "overload") if f.key == "overload_block")
    con.close()
    table = app.dataframe[0].value
    flagged = table[table["overload"] != ""]
    assert planted_effect("overload_block").athlete == "tomas"
    assert list(flagged["name"]) == ["Tomás Rivera"]
    text = flagged["overload"].iloc[0]
    assert text.startswith(f"⚠ {finding.evidence['days']} d > 1.4")
    assert f"peak {finding.evidence['peak_acr']:.2f}" in text
    assert [w.value for w in app.warning] == [f"Tomás Rivera: overload block, {text.removeprefix('⚠ ')}"]


def test_no_column_is_clipped(app: AppTest) -> None:
    """Every column's width fits its header and its longest shown value."""
    config = json.loads(app.dataframe[0].proto.columns)
    table = app.dataframe[0].value
    shown = {column: spec for column, spec in config.items() if column in table.columns}
    assert set(shown) == set(table.columns)
    for column, spec in shown.items():
        values = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in table[column]]
        longest = max([len(spec["label"]), *map(len, values)])
        assert isinstance(spec["width"], int) and spec["width"] >= CHAR_PX * longest, (column, spec["width"])


def _trace_colours(at: AppTest) -> dict[str, str]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {trace["name"]: trace["marker"]["color"] for trace in spec["data"]}


def test_each_sport_keeps_one_colour_across_athletes_and_multi_is_explained(app: AppTest) -> None:
    """The lifter's and the triathlete's week charts colour every sport with its one app colour; the brick
    is labelled and explained."""
    maya = _trace_colours(app)
    app.sidebar.selectbox(key="athlete_id").set_value(2).run()
    assert not app.exception
    tomas = _trace_colours(app)
    expected = {SPORT_LABELS[sport]: colour for sport, colour in SPORT_COLOURS.items()}
    assert maya.items() <= expected.items() and tomas.items() <= expected.items()
    assert "multi (brick)" in tomas and set(maya) & set(tomas)
    assert MULTI_EXPLAINED in [c.value for c in app.caption]


def test_picking_another_athlete_changes_the_page(app: AppTest) -> None:
    """Choosing the triathlete in the sidebar updates the heading and metrics to that athlete."""
    app.sidebar.selectbox(key="athlete_id").set_value(2).run()
    assert not app.exception
    assert _metrics(app)["Phase"] == "BUILD"
    assert app.subheader[0].value == "Tomás Rivera — BUILD · Triathlete"


@pytest.mark.parametrize("page", sorted(p.name for p in (PROJECT_ROOT / "pages").glob("*.py")))
def test_every_page_renders_without_exception(app: AppTest, page: str) -> None:
    """Each file in pages/ runs under AppTest with no exception and draws at least a title."""
    app.switch_page(f"pages/{page}").run()
    assert not app.exception, app.exception
    assert app.title
