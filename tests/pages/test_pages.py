"""Every page renders under AppTest on a private demo database; the Athletes page shows core's figures readably."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.analytics.alerts import athlete_alerts
from core.analytics.load import DEFAULT_ACR_VARIANT, daily_snapshots
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
    """The overview lists all five demo athletes; the header names the profile with its label, not its key."""
    table = app.dataframe[0].value
    assert list(table["name"]) == ["Maya Chen", "Tomás Rivera", "Jordan Blake", "Aiko Sato", "Sam Okafor"]
    assert app.subheader[0].value == "Maya Chen — CUT · Lifter (cut)"
    assert _metrics(app)["Phase"] == "CUT"


def test_athletes_page_figures_equal_core(app: AppTest, demo_db_path: Path) -> None:
    """Sessions, mix and today's acute:chronic ratio in the table and metrics are the values core computes."""
    con = connect(demo_db_path)
    overview = athlete_overview(con)
    snaps = daily_snapshots(con)
    con.close()
    table = app.dataframe[0].value
    assert list(table["week"]) == [
        f"{n} · {m:.0f} min" for n, m in zip(overview["sessions_7d"], overview["minutes_7d"], strict=True)
    ]
    acr_today = snaps.groupby("athlete_id")[f"acr_{DEFAULT_ACR_VARIANT}"].last()
    assert list(table["acr_now"]) == list(acr_today.round(2))
    config = json.loads(app.dataframe[0].proto.columns)
    assert config["acr_now"]["label"] == f"ACR ({DEFAULT_ACR_VARIANT})"
    shown = _metrics(app)
    assert shown["Sessions, last 7 days"] == str(overview["sessions_7d"].iloc[0])
    assert shown[f"ACR ({DEFAULT_ACR_VARIANT})"] == f"{acr_today.iloc[0]:.2f}"


def test_alerts_show_on_the_roster_and_dated_in_the_athletes_header(app: AppTest, demo_db_path: Path) -> None:
    """Given core's alerts, when the Athletes page opens, then the roster names each athlete's alerts, the alert
    table dates them, and the picked athlete's header shows each with its start date."""
    con = connect(demo_db_path)
    alerts = athlete_alerts(con)
    con.close()
    table = app.dataframe[0].value
    assert list(table["alerts"]) == [" · ".join(a.label for a in alerts[i]) for i in table.index + 1]
    listed = app.dataframe[1].value
    assert list(listed["Alert"]) == [a.text for i in sorted(alerts) for a in alerts[i]]
    header = [w.value for w in app.warning] + [i.value for i in app.info]
    assert {a.dated for a in alerts[1]} <= set(header) and alerts[1]


def test_the_planted_overload_block_is_flagged_as_patterns_finds_it(app: AppTest, demo_db_path: Path) -> None:
    """Only the triathlete is flagged, with the days and peak the Patterns overload finding reports, and a warning."""
    con = connect(demo_db_path)
    finding = next(f for f in find_patterns(con, 2, "overload") if f.key == "overload_block")
    con.close()
    table = app.dataframe[0].value
    flagged = table[table["overload"] != ""]
    assert planted_effect("overload_block").athlete == "tomas"
    assert list(flagged["name"]) == ["Tomás Rivera"]
    start, end = (pd.Timestamp(finding.evidence[k]) for k in ("start", "end"))
    assert flagged["overload"].iloc[0].startswith(f"{start:%d}–{end:%d %b} · ")
    past = [c.value for c in app.caption if c.value.startswith("Tomás Rivera: past overload block")]
    assert past == [
        f"Tomás Rivera: past overload block, {finding.evidence['days']} days of ACR (uncoupled) above 1.4, "
        f"{start:%d %b}–{end:%d %b} (peak {finding.evidence['peak_acr']:.2f}), ended {(pd.Timestamp('2026-11-19') - end).days} d ago."
    ]
    assert not any("overload" in w.value for w in app.warning)  # ended a month ago: not a current warning


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
