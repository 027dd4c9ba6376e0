"""Patterns: training load and acute:chronic ratio, fitness / fatigue / form, and one chart per testable family."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core.analytics.findings import FDR_Q
from core.analytics.load import (
    ACR_VARIANTS,
    DEFAULT_ACR_VARIANT,
    FATIGUE_DAYS,
    FITNESS_DAYS,
    HIGH_ACR,
    LOW_ACR,
    acr_column,
    daily_snapshots,
)
from core.analytics.overload import OVERLOAD_ACR, OVERLOAD_VARIANT
from core.analytics.patterns import FamilyResult, PatternReport, analyze_patterns, strongest
from ui import page_state
from ui.theme import acr_label, has_points, ratio_axis

WINDOWS = {"Last 4 weeks": 28, "Last 8 weeks": 56, "Last 16 weeks": 112, "All": None}
# Fixed colours and category order, so a group looks the same for every athlete.
GROUP_COLOURS = {"≤36 h after legs": "#d95f02", "other runs": "#7570b3"}
NIGHT_ORDER = ["after evening yoga", "other nights"]
EMPTY = {  # what a family's chart would draw, for the message shown instead of empty axes
    "sequencing": "no runs with heart rate and pace",
    "interference": "no strength block with run or swim volume",
    "synergy": "no week with zone-2 and HRV data",
    "recovery": "no night with deep-sleep data",
    "overload": "no day with an acute:chronic ratio",
    "performance": "no strength session",
    "effort": "no rated session after a night with sleep data",
}


# The database path is part of every cache key so a test (or a --db switch) never sees another file's data.
@st.cache_data(ttl=300, max_entries=64)
def load_snapshots(db: str, athlete_id: int, days: int | None, fitness: float, fatigue: float) -> pd.DataFrame:
    frame = daily_snapshots(
        page_state.connection().cursor(), [athlete_id], days=days, fitness_days=fitness, fatigue_days=fatigue
    )
    return frame.drop(columns=["workouts"])


@st.cache_data(ttl=300, max_entries=64)
def load_report(db: str, athlete_id: int, days: int | None) -> PatternReport:
    return analyze_patterns(page_state.connection().cursor(), athlete_id, days)


def named_variant(family: str, text: str) -> str:
    """An overload finding's 'ACR up to 2.07' names its variant ('ACR (uncoupled) up to 2.07'): the timeline above
    shows the default variant, so an unnamed ratio would read as the same measure."""
    if family != "overload" or acr_label(OVERLOAD_VARIANT) in text:
        return text
    return text.replace("ACR ", f"{acr_label(OVERLOAD_VARIANT)} ", 1)


st.title("Cross-modality patterns")
st.caption(
    "Load = session-RPE (minutes × RPE) per day; 0-100 = share of the athlete's hardest day; a workout without "
    f"RPE is unknown load, not zero. A finding needs a false discovery rate of at most {FDR_Q:.0%} "
    "(Benjamini–Hochberg over every hypothesis of every family tested in this window) and a minimum effect size. "
    "Each window is a separate look at the data."
)
cols = st.columns([2, 2, 1, 1])
window = cols[0].radio("Window", list(WINDOWS), index=2, key="patterns_window", horizontal=True)
variant = cols[1].radio(
    "Acute:chronic ratio",
    ACR_VARIANTS,
    index=ACR_VARIANTS.index(DEFAULT_ACR_VARIANT),
    format_func=lambda v: f"{v} (default)" if v == DEFAULT_ACR_VARIANT else v,
    key="patterns_acr",
    horizontal=True,
    help="The default is the ratio the Athletes page, the alerts and Tier 1 use",
)
fitness_days = cols[2].number_input("Fitness τ (days)", 7, 90, int(FITNESS_DAYS), key="patterns_fitness_days")
fatigue_days = cols[3].number_input("Fatigue τ (days)", 2, 30, int(FATIGUE_DAYS), key="patterns_fatigue_days")
days = WINDOWS[window]
athlete = page_state.athlete_id()
db = page_state.database_key()

snaps = load_snapshots(db, athlete, days, float(fitness_days), float(fatigue_days))
report = load_report(db, athlete, days)
testable = [r.family for r in report.families if r.testable]
untestable = [r.family for r in report.families if not r.testable]
st.markdown(
    f"**Tested here:** {', '.join(testable) or 'no family'} ({report.tests} hypotheses)"
    + (f" · **not testable:** {', '.join(untestable)}" if untestable else "")
)

top = strongest(report.findings)
if top:
    for col, finding in zip(st.columns(len(top)), top, strict=True):
        with col.container(border=True):
            st.metric(finding.family.capitalize(), finding.effect_text)
            st.caption(named_variant(finding.family, finding.headline))
else:
    st.info("No pattern in this window is distinguishable from noise.")

acr = acr_column(variant)
if not snaps.empty:
    today = snaps.iloc[-1]
    st.metric(
        f"{acr_label(variant)} on {today.day:%d %b}",
        "—" if pd.isna(today[acr]) else f"{today[acr]:.2f}",
        help="The acute:chronic ratio on the athlete's latest day, in the variant picked above",
    )
timeline = make_subplots(specs=[[{"secondary_y": True}]])
timeline.add_bar(x=snaps.day, y=snaps.training_load, name="load (0-100)", marker_color="#9ecae1")
timeline.add_scatter(x=snaps.day, y=snaps.load_7d_avg, name="7-day avg", line_color="#3182bd")
timeline.add_scatter(x=snaps.day, y=snaps[acr], name=acr_label(variant), line_color="#e6550d", secondary_y=True)
timeline.add_hrect(y0=LOW_ACR, y1=HIGH_ACR, fillcolor="green", opacity=0.08, line_width=0, secondary_y=True)
for level in (LOW_ACR, HIGH_ACR):
    timeline.add_hline(y=level, line_dash="dot", line_color="gray", secondary_y=True)
timeline.update_layout(
    title=f"Training load and {acr_label(variant)} (band {LOW_ACR}-{HIGH_ACR} = optimal)", height=380
)
timeline.update_yaxes(title_text="load (0-100)", secondary_y=False, automargin=True)
timeline.update_yaxes(title_text=acr_label(variant), secondary_y=True, **ratio_axis(snaps[acr]))
if has_points(timeline):
    st.plotly_chart(timeline, key="patterns_timeline")
else:
    st.info("No training days in this window: nothing to chart.")

pmc = px.line(
    snaps,
    x="day",
    y=["fitness", "fatigue", "form"],
    title=f"Fitness ({fitness_days} d), fatigue ({fatigue_days} d); form = yesterday's fitness − fatigue (AU)",
    labels={"value": "session-RPE AU", "day": "", "variable": ""},
)
pmc.update_layout(height=340)
if has_points(pmc):
    st.plotly_chart(pmc, key="patterns_pmc")


def overload_chart(result: FamilyResult) -> go.Figure:
    """ACR and HRV over the window, each tested episode shaded."""
    d = result.data
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_scatter(x=d.day, y=d.acr, name=acr_label(OVERLOAD_VARIANT), line_color="#e6550d")
    fig.add_scatter(x=d.day, y=d.hrv_ms, name="HRV (ms)", line_color="#31a354", secondary_y=True)
    fig.add_hline(y=OVERLOAD_ACR, line_dash="dot", line_color="red")
    for h in result.tests:
        fig.add_vrect(x0=h.evidence["start"], x1=h.evidence["end"], fillcolor="red", opacity=0.12, line_width=0)
    fig.update_layout(title=f"{acr_label(OVERLOAD_VARIANT)} above {OVERLOAD_ACR} (shaded) and HRV")
    fig.update_xaxes(title_text="day")
    fig.update_yaxes(
        title_text=acr_label(OVERLOAD_VARIANT),
        secondary_y=False,
        **ratio_axis(d.acr, (LOW_ACR, HIGH_ACR, OVERLOAD_ACR)),
    )
    fig.update_yaxes(title_text="HRV (ms)", secondary_y=True, tickformat=".0f", automargin=True)
    return fig


def family_chart(result: FamilyResult) -> go.Figure | None:
    """The chart that shows this family's evidence best; None when there is nothing worth drawing."""
    d = result.data
    name = result.family
    if d is None or d.empty:
        return None
    if name == "sequencing":
        return px.scatter(
            d, x="pace_min_km", y="avg_hr", color="group", color_discrete_map=GROUP_COLOURS,
            category_orders={"group": list(GROUP_COLOURS)}, hover_data=["day", "duration_min"],
            title="Run HR vs pace, after heavy legs or not",
            labels={"pace_min_km": "pace (min/km)", "avg_hr": "avg HR (bpm)", "group": ""},
        )  # fmt: skip
    if name == "interference":
        return px.scatter(
            d, x="minutes", y="e1rm_change_pct", color="sport", symbol="region",
            category_orders={"sport": ["run", "swim"], "region": ["lower", "upper"]},
            title="4-week volume vs change in e1RM into the next block",
            labels={"minutes": "minutes in block", "e1rm_change_pct": "e1RM change (% of baseline)"},
        )  # fmt: skip
    if name == "synergy":
        return px.scatter(
            d, x="z2_min", y="next_hrv", title="Weekly zone-2 minutes vs next week's HRV", hover_data=["week", "ride_min"],
            labels={"z2_min": "zone-2 minutes in the week", "next_hrv": "next week's mean HRV (ms)"},
        )  # fmt: skip
    if name == "recovery":
        shown = d.assign(evening=d.evening_yoga.map({True: NIGHT_ORDER[0], False: NIGHT_ORDER[1]}))
        return px.box(
            shown, x="evening", y="next_deep_sleep_pct", points="all", hover_data=["day", "combo"],
            category_orders={"evening": NIGHT_ORDER}, title="Deep sleep the night after",
            labels={"evening": "", "next_deep_sleep_pct": "deep sleep (%)"},
        )  # fmt: skip
    if name == "overload":
        return overload_chart(result)
    if name == "effort":
        return px.scatter(
            d, x="sleep_hours", y="rpe", hover_data=["day"], title="Session RPE after the night before",
            labels={"sleep_hours": "sleep the night before (h)", "rpe": "session RPE"},
        )  # fmt: skip
    if not result.findings:  # a PR-rate bar chart of a rule that is not a finding would suggest one
        return None
    if result.findings[0].unit.startswith("extra reps"):  # the finding counts only sessions with a rep residual
        d = d[d.rep_resid.notna()]
    bars = (
        d.assign(group=d.rule.map({True: "sessions meeting the rule", False: "other sessions"}))
        .groupby("group", as_index=False)
        .agg(pr_rate=("pr", "mean"), prs=("pr", "sum"), sessions=("pr", "size"))
    )
    bars["label"] = [f"{p:.0f} of {n} set a PR" for p, n in zip(bars.prs, bars.sessions, strict=True)]
    return px.bar(
        bars, x="group", y="pr_rate", text="label", category_orders={"group": ["sessions meeting the rule", "other sessions"]},
        title=f"PR rate: {result.findings[0].evidence['rule']} vs other sessions",
        labels={"pr_rate": "share of sessions with a PR", "group": ""},
    ).update_yaxes(tickformat=".0%")  # fmt: skip


st.subheader("Pattern families")
grid = st.columns(2)
for i, result in enumerate(report.families):
    with grid[i % 2]:
        st.markdown(f"**{result.family.capitalize()}**")
        if not result.testable:
            st.info(f"Not testable in this window — {result.note.removeprefix('not testable: ')}.")
            continue
        chart = family_chart(result)
        if chart is not None and has_points(chart):
            st.plotly_chart(chart, key=f"patterns_chart_{result.family}")
        elif chart is not None or result.data is None or result.data.empty:  # else: a rule that is no finding
            st.info(f"Nothing to chart: {EMPTY.get(result.family, 'no data')} in this window.")
        if result.findings:
            st.caption(" ".join(named_variant(f.family, f.summary) + "." for f in result.findings))
        else:
            st.caption(f"No finding — {result.note}.")
