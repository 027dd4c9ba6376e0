"""Home: every athlete at a glance, then the selected athlete's last seven days."""

from datetime import timedelta

import plotly.express as px
import streamlit as st

import app_state
from core.db.athletes import activity_minutes_by_day, athlete_overview

st.title("Coach Context Lab")
st.caption("The same coaching context in far fewer tokens — measured exactly with tiktoken.")

overview = athlete_overview(app_state.connection().cursor())
st.dataframe(
    overview[
        [
            "name",
            "profile",
            "phase",
            "units",
            "sessions_7d",
            "mix_7d",
            "minutes_7d",
            "plan_days",
            "plan_blocks",
            "plan_members",
        ]
    ],
    hide_index=True,
    column_config={
        "name": "Athlete",
        "profile": "Profile",
        "phase": "Phase",
        "units": "Units",
        "sessions_7d": st.column_config.NumberColumn("Sessions (7 d)"),
        "mix_7d": "By type (7 d)",
        "minutes_7d": st.column_config.NumberColumn("Minutes (7 d)", format="%d"),
        "plan_days": st.column_config.NumberColumn("Training days"),
        "plan_blocks": st.column_config.NumberColumn("Plan blocks"),
        "plan_members": st.column_config.NumberColumn("Circuit members"),
    },
    key="home_overview",
)

me = overview[overview.athlete_id == app_state.athlete_id()].iloc[0]
st.subheader(f"{me['name']} — {me['phase']}")
cols = st.columns(5)
cols[0].metric("Phase", me["phase"])
cols[1].metric("Sessions, last 7 days", int(me["sessions_7d"]))
cols[2].metric("Plan size", f"{int(me['plan_blocks'])} blocks")
cols[3].metric("Sleep last night", f"{me['sleep_hours']:.1f} h")
cols[4].metric("HRV", f"{me['hrv_ms']:.0f} ms")

week = activity_minutes_by_day(app_state.connection().cursor(), app_state.athlete_id())
trained = week.dropna(subset=["type"])
fig = px.bar(
    trained,
    x="day",
    y="minutes",
    color="type",
    title=f"Last 7 days to {me['as_of']:%a %d %b}: minutes by activity type",
    labels={"day": "", "minutes": "minutes", "type": "activity"},
)
fig.update_xaxes(range=[week.day.min() - timedelta(hours=12), week.day.max() + timedelta(hours=12)])
st.plotly_chart(fig, key="home_week_chart")
