"""Athletes: every athlete at a glance (load, alerts, last overload block, dated), then the selected athlete's
header with their alerts and the last seven days."""

from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from core.analytics.alerts import Alert, athlete_alerts
from core.analytics.load import DEFAULT_ACR_VARIANT, HIGH_ACR, LOW_ACR, acr_column, acr_status, daily_snapshots
from core.analytics.overload import OVERLOAD_ACR, OVERLOAD_MIN_DAYS, OVERLOAD_VARIANT, overload_episodes
from core.db.athletes import activity_minutes_by_day, athlete_overview
from core.errors import CoachError
from core.imports.athlete import add_athlete
from ui import page_state
from ui.theme import MULTI_EXPLAINED, SPORT_LABELS, acr_label, fit_width, profile_label, sport_colour_args

ACR = acr_column(DEFAULT_ACR_VARIANT)  # the one default: Tier 1 and Patterns show the same number and name
OVERLOAD_ACR_COLUMN = acr_column(OVERLOAD_VARIANT)  # the Patterns overload finding's variant, named where shown
CURRENT_DAYS = 7  # an overload block that ended longer ago than this reads as past, not as a warning


@st.cache_data(ttl=300, max_entries=4)
def load_flags(db: str) -> pd.DataFrame:
    """Per athlete: the ACR on the as-of day with its status, and the longest overload block on record
    (ACR above OVERLOAD_ACR for OVERLOAD_MIN_DAYS+ days, the Patterns page's definition), dated."""
    rows = []
    for athlete_id, days in daily_snapshots(page_state.connection().cursor(), with_workouts=False).groupby(
        "athlete_id"
    ):
        days = days.reset_index(drop=True)
        acr_now = days[ACR].iloc[-1]
        blocks = [(a, b) for a, b in overload_episodes(days, OVERLOAD_ACR_COLUMN) if b - a + 1 >= OVERLOAD_MIN_DAYS]
        overload, detail, ago = "", "", None
        if blocks:
            a, b = max(blocks, key=lambda run: run[1] - run[0])
            peak = days[OVERLOAD_ACR_COLUMN].iloc[a : b + 1].max()
            ago = len(days) - 1 - b
            when = "ongoing" if ago == 0 else f"{ago} d ago"
            first = f"{days.day[a]:%d}" if days.day[a].month == days.day[b].month else f"{days.day[a]:%d %b}"
            overload = f"{first}–{days.day[b]:%d %b} · {when}"
            detail = (
                f"{b - a + 1} days of ACR ({OVERLOAD_VARIANT}) above {OVERLOAD_ACR}, "
                f"{days.day[a]:%d %b}–{days.day[b]:%d %b} (peak {peak:.2f}), {'ongoing' if ago == 0 else f'ended {when}'}"
            )
        rows.append(
            {
                "athlete_id": athlete_id,
                "acr_now": acr_now,
                "load": acr_status(acr_now),
                "overload": overload,
                "overload_detail": detail,
                "overload_ago": ago,
            }
        )
    return pd.DataFrame(rows)


@st.cache_data(ttl=300, max_entries=4)
def load_alerts(db: str) -> dict[int, list[Alert]]:
    """Every athlete's alerts on their as-of day (core.analytics.alerts: one rules table)."""
    return athlete_alerts(page_state.connection().cursor())


st.title("Coach Context Lab")
st.caption("The same coaching context in far fewer tokens — measured exactly with tiktoken.")

overview = athlete_overview(page_state.connection().cursor())
overview = overview.merge(load_flags(page_state.database_key()), on="athlete_id", how="left")
alerts = load_alerts(page_state.database_key())
overview["profile"] = overview.profile.map(profile_label)
overview["acr_now"] = overview.acr_now.round(2)  # the value a person reads, also in the grid's accessible text
overview["week"] = [f"{n} · {m:.0f} min" for n, m in zip(overview.sessions_7d, overview.minutes_7d, strict=True)]
overview["alerts"] = overview.athlete_id.map(lambda a: " · ".join(x.label for x in alerts.get(a, [])))


def fit(column: str, label: str) -> int:
    """Width that shows `column`'s header and longest value unclipped."""
    return fit_width(overview[column].map(lambda v: f"{v:.2f}" if isinstance(v, float) else v), label)


ACR_HEADER = acr_label(DEFAULT_ACR_VARIANT)
ROSTER = {  # the order a coach scans: who, load now, what needs attention, then the week's volume
    "name": st.column_config.TextColumn("Athlete", width=fit("name", "Athlete"), pinned=True),
    "phase": st.column_config.TextColumn("Phase", width=fit("phase", "Phase")),
    "acr_now": st.column_config.NumberColumn(
        ACR_HEADER,
        format="%.2f",
        width=fit("acr_now", ACR_HEADER),
        help=f"Acute:chronic load ratio, {DEFAULT_ACR_VARIANT} (7 : 28 days of session-RPE load)",
    ),
    "load": st.column_config.TextColumn(
        "Load", width=fit("load", "Load"), help=f"HIGH above {HIGH_ACR}, LOW below {LOW_ACR}"
    ),
    "alerts": st.column_config.TextColumn(
        "Alerts", width=fit("alerts", "Alerts"), help="Dated in the table below and in the athlete's header"
    ),
    "overload": st.column_config.TextColumn(
        "Last overload block",
        width=fit("overload", "Last overload block"),
        help=f"{OVERLOAD_MIN_DAYS}+ days of ACR ({OVERLOAD_VARIANT}) above {OVERLOAD_ACR}, as Patterns finds it",
    ),
    "week": st.column_config.TextColumn(
        "Last 7 days", width=fit("week", "Last 7 days"), help="Sessions · minutes; by type in the chart below"
    ),
}
st.dataframe(overview[list(ROSTER)], hide_index=True, column_config=ROSTER, key="home_overview")
alert_rows = pd.DataFrame(
    [
        {"Athlete": name, "Alert": alert.text, "Since": alert.since, "Days": alert.days}
        for athlete_id, name in zip(overview.athlete_id, overview.name, strict=True)
        for alert in alerts.get(athlete_id, [])
    ],
    columns=["Athlete", "Alert", "Since", "Days"],
)
if alert_rows.empty:
    st.caption("No alerts: no rule of docs/pages.md holds for any athlete today.")
else:
    st.dataframe(
        alert_rows,
        hide_index=True,
        column_config={
            "Athlete": st.column_config.TextColumn(width=fit_width(alert_rows.Athlete, "Athlete"), pinned=True),
            "Alert": st.column_config.TextColumn(width=fit_width(alert_rows.Alert, "Alert")),
            "Since": st.column_config.DateColumn(format="ddd D MMM", width=fit_width(["Wed 19 Nov"], "Since")),
            "Days": st.column_config.NumberColumn(width=fit_width(alert_rows.Days, "Days")),
        },
        key="home_alerts",
    )
for row in overview[overview.overload != ""].itertuples():
    if row.overload_ago is not None and row.overload_ago <= CURRENT_DAYS:
        st.warning(f"{row.name}: overload block, {row.overload_detail}", icon=":material/warning:")
    else:
        st.caption(f"{row.name}: past overload block, {row.overload_detail}.")


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
cols[3].metric(ACR_HEADER, shown(me["acr_now"], "{:.2f}"), me["load"], delta_color="off", delta_arrow="off")
cols[4].metric("Sleep last night", shown(me["sleep_hours"], "{:.1f} h"))
cols[5].metric("HRV", shown(me["hrv_ms"], "{:.0f} ms"))

for alert in alerts.get(int(me["athlete_id"]), []):
    box = st.info if alert.key == "training_streak" else st.warning
    box(alert.dated, icon=":material/notifications:")

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
st.caption(MULTI_EXPLAINED)
