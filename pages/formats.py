"""Formats A/B: the same workout data as verbose, compact, ultra, JSON and TOON, with exact token counts."""

import pandas as pd
import plotly.express as px
import streamlit as st

import app_state
from core.errors import CoachError
from core.tokens import count_tokens
from core.workouts.formats import (
    FORMAT_LABELS,
    FORMATS,
    athlete_scope_tables,
    load_workout_data,
    pick_level,
    render_data,
    round_trips,
    scope_options,
    token_boundaries_html,
    token_table,
)
from core.workouts.program import load_athlete
from core.workouts.sport import recent_activity_log


# The database path is part of every cache key so another file's data is never shown.
@st.cache_data(ttl=300, max_entries=16)
def scope_table(db: str, athlete_id: int, encoding: str) -> pd.DataFrame:
    """Tokens by format for each representative scope of one athlete."""
    rows = []
    for data, table in athlete_scope_tables(app_state.connection().cursor(), athlete_id, encoding):
        rows += [{"scope": str(data.scope), "format": FORMAT_LABELS[r.format], "tokens": r.tokens} for r in table]
    return pd.DataFrame(rows)


@st.cache_data(ttl=300, max_entries=4)
def cohort_table(db: str, encoding: str) -> pd.DataFrame:
    """Every demo athlete × scope: tokens per format and the compact / ultra share of verbose."""
    con = app_state.connection().cursor()
    rows = []
    for athlete_id in app_state.roster().athlete_id:
        for data, table in athlete_scope_tables(con, int(athlete_id), encoding):
            by = {r.format: r for r in table}
            row = {"athlete": data.athlete.handle, "scope": str(data.scope)}
            row |= {FORMAT_LABELS[f]: by[f].tokens for f in FORMATS}
            row |= {"compact ×": by["compact"].ratio, "ultra ×": by["ultra"].ratio}
            rows.append(row)
    return pd.DataFrame(rows)


st.title("Formats A/B")
st.caption(
    "One athlete's program, five ways. Token counts are exact (tiktoken); compact and ultra read back "
    "to exactly the same data."
)

athlete_id, encoding = app_state.athlete_id(), app_state.encoding()
con = app_state.connection().cursor()
left, mid, right = st.columns([2, 1, 1])
scope = left.selectbox("Scope", scope_options(con, athlete_id), key="formats_scope")
show_tokens = mid.toggle("Show token boundaries", key="formats_boundaries")
budget = right.number_input("Token budget", min_value=1, value=500, step=50, key="formats_budget")

try:
    data = load_workout_data(con, athlete_id, scope)
except CoachError as exc:
    st.error(str(exc))
    st.stop()

rows = {r.format: r for r in token_table(data, encoding)}
cols = st.columns(len(FORMATS))
for col, fmt in zip(cols, FORMATS, strict=True):
    row = rows[fmt]
    delta = None if fmt == "verbose" else f"{row.ratio - 1:+.0%} vs verbose"
    col.metric(FORMAT_LABELS[fmt], f"{row.tokens:,}", delta, delta_color="inverse")
    text = render_data(data, fmt)
    with col.container(height=520, key=f"formats_box_{fmt}"):
        if show_tokens:
            st.markdown(token_boundaries_html(text, encoding), unsafe_allow_html=True)
        else:
            st.code(text, language=None, wrap_lines=True)

trips = round_trips(data)
choice = pick_level(data, int(budget), encoding)
st.caption(
    f"Round trip: compact {'✓' if trips['compact'] else '✗'}, ultra {'✓' if trips['ultra'] else '✗'} · "
    f"{len(render_data(data, 'ultra')):,} characters in ultra vs {len(render_data(data, 'verbose')):,} verbose"
)
(st.success if choice.level else st.warning)(f"Budget {int(budget)}: {choice.message}")

st.subheader("Tokens by format, every scope")
by_scope = scope_table(app_state.database_key(), athlete_id, encoding)
fig = px.bar(
    by_scope,
    x="scope",
    y="tokens",
    color="format",
    barmode="group",
    log_y=True,
    category_orders={"format": [FORMAT_LABELS[f] for f in FORMATS]},
)
fig.update_yaxes(dtick=1, title="tokens (log scale)")
st.plotly_chart(fig, key="formats_chart")

st.subheader("All demo athletes")
st.dataframe(
    cohort_table(app_state.database_key(), encoding),
    hide_index=True,
    column_config={
        "compact ×": st.column_config.NumberColumn("compact × verbose", format="%.2f"),
        "ultra ×": st.column_config.NumberColumn("ultra × verbose", format="%.2f"),
    },
    key="formats_cohort",
)

st.subheader("Per-sport one-liners, last 7 days")
athlete = load_athlete(con, athlete_id)
log = recent_activity_log(con, athlete_id, athlete.as_of)
st.code(log or "(no activities)", language=None, wrap_lines=True)
st.caption(f"{count_tokens(log, encoding):,} tokens for {len(log.splitlines())} lines")
