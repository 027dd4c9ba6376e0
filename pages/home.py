"""Athletes: every athlete at a glance (load flagged), then the selected athlete's last seven days."""

from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from core.analytics.load import HIGH_ACR, LOW_ACR, acr_column, acr_status, daily_snapshots
from core.analytics.overload import OVERLOAD_ACR, OVERLOAD_MIN_DAYS, OVERLOAD_VARIANT, overload_episodes
from core.db.athletes import activity_minutes_by_day, athlete_overview
from core.errors import CoachError
from core.imports.athlete import add_athlete
from ui import page_state
from ui.theme import MULTI_EXPLAINED, SPORT_LABELS, fit_width, profile_label, sport_colour_args

ACR = acr_column(OVERLOAD_VARIANT)  # the Patterns page's overload uses this variant: both pages agree


@st.cache_data(ttl=300, max_entries=4)
def load_flags(db: str) -> pd.DataFrame:
    """Per athlete: the acute:chronic ratio on the as-of day with its status, and the longest overload block
    on record (ACR above OVERLOAD_ACR for OVERLOAD_MIN_DAYS+ days, the Patterns page's definition)."""
    rows = []
    for athlete_id, days in daily_snapshots(page_state.connection().cursor()).groupby("athlete_id"):
        days = days.reset_index(drop=True)
        acr_now = days[ACR].iloc[-1]
        blocks = [(a, b) for a, b in overload_episodes(days, ACR) if b - a + 1 >= OVERLOAD_MIN_DAYS]
        overload = ""
        if blocks:
            a, b = max(blocks, key=lambda run: run[1] - run[0])
            peak = days[ACR].iloc[a : b + 1].max()
            overload = f"⚠ {b - a + 1} d > {OVERLOAD_ACR}, {days.day[a]:%d %b}–{days.day[b]:%d %b} (peak {peak:.2f})"
        rows.append({"athlete_id": athlete_id, "acr_now": acr_now, "load": acr_status(acr_now), "overload": overload})
    return pd.DataFrame(rows)


st.title("Coach Context Lab")
st.caption("The same coaching context in far fewer tokens — measured exactly with tiktoken.")

overview = athlete_overview(page_state.connection().cursor())
overview = overview.merge(load_flags(page_state.database_key()), on="athlete_id", how="left")
overview["profile"] = overview.profile.map(profile_label)


def fit(column: str, label: str) -> int:
    """Width that shows `column`'s header and longest value unclipped."""
    return fit_width(overview[column].map(lambda v: f"{v:.2f}" if isinstance(v, float) else v), label)


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
            "acr_now",
            "load",
            "overload",
            "plan_days",
            "plan_blocks",
            "plan_members",
        ]
    ],
    hide_index=True,
    column_config={
        "name": st.column_config.TextColumn("Athlete", width=fit("name", "Athlete"), pinned=True),
        "profile": st.column_config.TextColumn("Profile", width=fit("profile", "Profile")),
        "phase": st.column_config.TextColumn("Phase", width=fit("phase", "Phase")),
        "units": st.column_config.TextColumn("Units", width=fit("units", "Units")),
        "sessions_7d": st.column_config.NumberColumn("Sessions (7 d)", width=fit("sessions_7d", "Sessions (7 d)")),
        "mix_7d": st.column_config.TextColumn(
            "By type (7 d)", width=fit("mix_7d", "By type (7 d)"), help=MULTI_EXPLAINED
        ),
        "minutes_7d": st.column_config.NumberColumn(
            "Minutes (7 d)", format="%d", width=fit("minutes_7d", "Minutes (7 d)")
        ),
        "acr_now": st.column_config.NumberColumn(
            "ACR now",
            format="%.2f",
            width=fit("acr_now", "ACR now"),
            help=f"Acute:chronic load ratio ({OVERLOAD_VARIANT}, 7 : 28 days)",
        ),
        "load": st.column_config.TextColumn(
            "Load", width=fit("load", "Load"), help=f"HIGH above {HIGH_ACR}, LOW below {LOW_ACR}"
        ),
        "overload": st.column_config.TextColumn(
            "Overload block",
            width=fit("overload", "Overload block"),
            help=f"{OVERLOAD_MIN_DAYS}+ days of ACR above {OVERLOAD_ACR}",
        ),
        "plan_days": st.column_config.NumberColumn("Training days", width=fit("plan_days", "Training days")),
        "plan_blocks": st.column_config.NumberColumn("Plan blocks", width=fit("plan_blocks", "Plan blocks")),
        "plan_members": st.column_config.NumberColumn("Circuit members", width=fit("plan_members", "Circuit members")),
    },
    key="home_overview",
)
st.caption(MULTI_EXPLAINED)
for row in overview[overview.overload != ""].itertuples():
    st.warning(f"{row.name}: overload block, {row.overload.removeprefix('⚠ ')}", icon=":material/warning:")


def shown(value: object, fmt: str) -> str:
    """The value formatted, or a dash when there is none yet (a new athlete with no history)."""
    return "—" if value is None or pd.isna(value) else fmt.format(value)


with st.expander("Add an athlete", icon=":material/person_add:"), st.form("home_add_athlete", clear_on_submit=True):
    a, b, c, d = st.columns(4)
    handle = a.text_input("Handle", placeholder="sam", key="home_add_handle")
    name = b.text_input("Name", placeholder="Sam Rivera", key="home_add_name")
    time_zone = c.text_input("Time zone", value="UTC", key="home_add_tz", help="IANA name, e.g. Europe/Ljubljana")
    max_hr = d.number_input("Max HR", min_value=100, max_value=240, value=190, key="home_add_max_hr")
    if st.form_submit_button("Add athlete"):
        try:
            with page_state.writing() as con:
                new_id = add_athlete(con, handle=handle, name=name or None, time_zone=time_zone, max_hr=int(max_hr))
            st.cache_data.clear()
            st.success(f"Added {handle.strip().lower()} (id {new_id}): pick them in the sidebar, then use Import.")
        except CoachError as exc:
            st.error(str(exc))

me = overview[overview.athlete_id == page_state.athlete_id()].iloc[0]
st.subheader(f"{me['name']} — {me['phase']} · {me['profile']}")
cols = st.columns(6)
cols[0].metric("Phase", me["phase"])
cols[1].metric("Sessions, last 7 days", int(me["sessions_7d"]))
cols[2].metric("Plan size", f"{int(me['plan_blocks'])} blocks")
cols[3].metric("ACR now", shown(me["acr_now"], "{:.2f}"), me["load"], delta_color="off", delta_arrow="off")
cols[4].metric("Sleep last night", shown(me["sleep_hours"], "{:.1f} h"))
cols[5].metric("HRV", shown(me["hrv_ms"], "{:.0f} ms"))

week = activity_minutes_by_day(page_state.connection().cursor(), page_state.athlete_id())
trained = week.dropna(subset=["type"])
fig = px.bar(
    trained,
    x="day",
    y="minutes",
    color="type",
    title=f"Last 7 days to {me['as_of']:%a %d %b}: minutes by activity type",
    labels={"day": "", "minutes": "minutes", "type": "activity"},
    **sport_colour_args("type"),
)
fig.for_each_trace(lambda trace: trace.update(name=SPORT_LABELS[trace.name]))
fig.update_xaxes(range=[week.day.min() - timedelta(hours=12), week.day.max() + timedelta(hours=12)])
st.plotly_chart(fig, key="home_week_chart")
