"""Patterns: training load and acute:chronic ratio, fitness / fatigue / form, and one chart per pattern family."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

import app_state
from core.analytics.load import ACR_VARIANTS, FATIGUE_DAYS, FITNESS_DAYS, HIGH_ACR, LOW_ACR, acr_column, daily_snapshots
from core.analytics.patterns import FAMILIES, FamilyResult, analyze_family, strongest

WINDOWS = {"Last 4 weeks": 28, "Last 8 weeks": 56, "Last 16 weeks": 112, "All": None}


# The database path is part of every cache key so a test (or a --db switch) never sees another file's data.
@st.cache_data(ttl=300, max_entries=64)
def load_snapshots(db: str, athlete_id: int, days: int | None, fitness: float, fatigue: float) -> pd.DataFrame:
    frame = daily_snapshots(
        app_state.connection().cursor(), [athlete_id], days=days, fitness_days=fitness, fatigue_days=fatigue
    )
    return frame.drop(columns=["workouts"])


@st.cache_data(ttl=300, max_entries=256)
def load_family(db: str, athlete_id: int, family: str, days: int | None) -> FamilyResult:
    return analyze_family(app_state.connection().cursor(), athlete_id, family, days)


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=f"{title} — no data in this window", height=320)
    return fig


st.title("Cross-modality patterns")
st.caption(
    "Load = session-RPE (minutes × RPE) per day; 0-100 = share of the athlete's hardest day. "
    "A finding needs p < 0.01 (permutation test) and a minimum effect size — otherwise nothing is claimed."
)
cols = st.columns([2, 2, 1, 1])
window = cols[0].radio("Window", list(WINDOWS), index=2, key="patterns_window", horizontal=True)
variant = cols[1].radio("Acute:chronic ratio", ACR_VARIANTS, key="patterns_acr", horizontal=True)
fitness_days = cols[2].number_input("Fitness τ (days)", 7, 90, int(FITNESS_DAYS), key="patterns_fitness_days")
fatigue_days = cols[3].number_input("Fatigue τ (days)", 2, 30, int(FATIGUE_DAYS), key="patterns_fatigue_days")
days = WINDOWS[window]
athlete = app_state.athlete_id()
db = app_state.database_key()

snaps = load_snapshots(db, athlete, days, float(fitness_days), float(fatigue_days))
results = {name: load_family(db, athlete, name, days) for name in FAMILIES}

top = strongest([f for r in results.values() for f in r.findings])
if top:
    for col, finding in zip(st.columns(len(top)), top, strict=True):
        with col.container(border=True):
            st.metric(finding.family.capitalize(), f"{finding.effect:+g} {finding.unit}", help=finding.key)
            st.caption(finding.summary)
else:
    st.info("No pattern in this window is distinguishable from noise.")

acr = acr_column(variant)
timeline = make_subplots(specs=[[{"secondary_y": True}]])
timeline.add_bar(x=snaps.day, y=snaps.training_load, name="load (0-100)", marker_color="#9ecae1")
timeline.add_scatter(x=snaps.day, y=snaps.load_7d_avg, name="7-day avg", line_color="#3182bd")
timeline.add_scatter(x=snaps.day, y=snaps[acr], name=f"ACR ({variant})", line_color="#e6550d", secondary_y=True)
timeline.add_hrect(y0=LOW_ACR, y1=HIGH_ACR, fillcolor="green", opacity=0.08, line_width=0, secondary_y=True)
for level in (LOW_ACR, HIGH_ACR):
    timeline.add_hline(y=level, line_dash="dot", line_color="gray", secondary_y=True)
timeline.update_layout(title="Training load and acute:chronic ratio (band 0.8-1.3 = optimal)", height=380)
timeline.update_yaxes(title_text="load (0-100)", secondary_y=False)
timeline.update_yaxes(title_text="ACR", secondary_y=True)
st.plotly_chart(timeline, key="patterns_timeline")

pmc = px.line(
    snaps,
    x="day",
    y=["fitness", "fatigue", "form"],
    title=f"Fitness ({fitness_days} d), fatigue ({fatigue_days} d) and form = fitness − fatigue (session-RPE AU)",
    labels={"value": "AU", "day": "", "variable": ""},
)
pmc.update_layout(height=340)
st.plotly_chart(pmc, key="patterns_pmc")


def family_chart(result: FamilyResult) -> go.Figure:
    """The chart that shows this family's evidence best (scatter, box or paired bars)."""
    d = result.data
    name = result.family
    if d.empty:
        return _empty(name.capitalize())
    if name == "sequencing":
        return px.scatter(
            d, x="pace_min_km", y="avg_hr", color="group", title="Run HR vs pace, after heavy legs or not",
            labels={"pace_min_km": "pace (min/km)", "avg_hr": "avg HR (bpm)"},
        )  # fmt: skip
    if name == "interference":
        return px.scatter(
            d, x="minutes", y="e1rm_change_pct", color="sport", symbol="region",
            title="4-week volume vs change in e1RM into the next block",
            labels={"minutes": "minutes in block", "e1rm_change_pct": "e1RM change (% of baseline)"},
        )  # fmt: skip
    if name == "synergy":
        return px.scatter(
            d, x="z2_min", y="next_hrv", size=d.ride_min.clip(lower=1), title="Weekly zone-2 minutes vs next week's HRV",
            labels={"z2_min": "zone-2 minutes", "next_hrv": "next week's HRV (ms)"}, hover_data=["week", "ride_min"],
        )  # fmt: skip
    if name == "recovery":
        shown = d.assign(evening=d.evening_yoga.map({True: "after evening yoga", False: "other nights"}))
        return px.box(
            shown, x="evening", y="next_deep_sleep_pct", points="all", hover_data=["day", "combo"],
            title="Deep sleep the night after", labels={"evening": "", "next_deep_sleep_pct": "deep sleep (%)"},
        )  # fmt: skip
    if name == "overload":
        fig = make_subplots(specs=[[{"secondary_y": True}]])
        fig.add_scatter(x=d.day, y=d.acr, name="ACR (uncoupled)", line_color="#e6550d")
        fig.add_scatter(x=d.day, y=d.hrv_ms, name="HRV (ms)", line_color="#31a354", secondary_y=True)
        fig.add_hline(y=1.4, line_dash="dot", line_color="red")
        fig.update_layout(title="Acute:chronic ratio above 1.4 and HRV")
        return fig
    bars = (
        d.assign(group=d.rule.map({True: "rule sessions", False: "other sessions"}))
        .groupby("group", as_index=False)
        .agg(pr_rate=("pr", "mean"), sessions=("pr", "size"), sleep_h=("sleep_hours", "mean"))
    )
    return px.bar(
        bars, x="group", y="pr_rate", text="sessions", hover_data=["sleep_h"],
        title="PR rate: sessions meeting the best rule vs others", labels={"pr_rate": "share with a PR", "group": ""},
    )  # fmt: skip


st.subheader("Pattern families")
grid = st.columns(2)
for i, (name, result) in enumerate(results.items()):
    with grid[i % 2]:
        st.plotly_chart(family_chart(result), key=f"patterns_chart_{name}")
        if result.findings:
            st.caption(" ".join(f.summary for f in result.findings))
        else:
            st.caption(f"No finding — {result.note}.")
