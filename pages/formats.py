"""Formats A/B: two panes, each any format of the same workout data, with exact token counts and their ratio.

The scope picker names weeks and sessions with their dates; JSON is shown indented for reading while its
count is of the compact JSON the model is sent (the token-boundary view shows that exact text).
"""

import inspect
import json

import pandas as pd
import plotly.express as px
import streamlit as st

from core.db.athletes import find_athlete
from core.errors import CoachError
from core.tokens import count_tokens
from core.workouts import compact, sport, ultra, verbose
from core.workouts.formats import (
    FORMAT_LABELS,
    FORMATS,
    TokenRow,
    athlete_scope_tables,
    format_json,
    format_toon,
    load_workout_data,
    pick_level,
    render_data,
    round_trips,
    scope_options,
    token_table,
)
from core.workouts.levels import READING_KEYS
from core.workouts.program import load_program
from core.workouts.sport import TYPE_CODES, recent_activity_log
from ui import page_state
from ui.html_views import aligned_panes_html, record_chunks, token_boundaries_html
from ui.theme import FORMAT_COLOURS, SPORT_LABELS

PANE_HEIGHT = 520
PANES = (("left", "verbose"), ("right", "ultra"))  # (side, format shown first)
# What each format is, in the words of the code that writes it.
FORMAT_DOCS = {
    "verbose": verbose.__doc__,
    "compact": compact.__doc__,
    "ultra": ultra.__doc__,
    "json": format_json.__doc__,
    "toon": format_toon.__doc__,
}


# The database path is part of every cache key so another file's data is never shown. Only what is on screen is
# computed: the picked scope's table, the athlete's four representative scopes, and the cohort only when asked for.
@st.cache_data(ttl=300, max_entries=64)
def picked_table(db: str, athlete_id: int, scope: str, encoding: str) -> list[TokenRow]:
    """The token table of the picked scope (every format rendered and counted once per scope and tokenizer)."""
    return token_table(load_workout_data(page_state.connection().cursor(), athlete_id, scope), encoding)


@st.cache_data(ttl=300, max_entries=64)
def picked_round_trips(db: str, athlete_id: int, scope: str) -> dict[str, bool]:
    """Whether the picked scope's compact and ultra text read back to the same data (parsed once per scope)."""
    return round_trips(load_workout_data(page_state.connection().cursor(), athlete_id, scope))


@st.cache_data(ttl=300, max_entries=16)
def scope_table(db: str, athlete_id: int, encoding: str) -> pd.DataFrame:
    """Tokens by format and their share of verbose, for each representative scope of one athlete."""
    rows = []
    for data, table in athlete_scope_tables(page_state.connection().cursor(), athlete_id, encoding):
        rows += [
            {"scope": str(data.scope), "format": FORMAT_LABELS[r.format], "tokens": r.tokens, "share": r.ratio}
            for r in table
        ]
    return pd.DataFrame(rows)


@st.cache_data(ttl=300, max_entries=4)
def cohort_table(db: str, encoding: str) -> pd.DataFrame:
    """Every demo athlete × scope: tokens per format and the compact / ultra share of verbose."""
    con = page_state.connection().cursor()
    rows = []
    for athlete_id in page_state.roster().athlete_id:
        for data, table in athlete_scope_tables(con, int(athlete_id), encoding):
            by = {r.format: r for r in table}
            row = {"athlete": data.athlete.handle, "scope": str(data.scope)}
            row |= {FORMAT_LABELS[f]: by[f].tokens for f in FORMATS}
            row |= {"compact ×": by["compact"].ratio, "ultra ×": by["ultra"].ratio}
            rows.append(row)
    return pd.DataFrame(rows)


def shown_text(text: str, fmt: str) -> str:
    """The text as a pane shows it: JSON indented (one minified line is unreadable; it is counted as sent)."""
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False) if fmt == "json" else text


def scope_labels(con: object, athlete_id: int) -> dict[str, str]:
    """A reader's label for every scope: 'Week 16 · 10–16 Nov · BUILD', 'Week 16 · Upper A · Tue 11 Nov'."""
    program = load_program(con, athlete_id)  # type: ignore[arg-type]
    labels = {"full_program": "Full program (every week)"}
    for week in program.weeks:
        labels[f"week:{week.number}"] = f"Week {week.number} · {week.start:%d %b}–{week.end:%d %b} · {week.phase}"
        for session in week.sessions:
            when = f"{session.scheduled:%a %d %b}" if session.scheduled else "unscheduled"
            labels[f"session:{session.session_id}"] = f"Week {week.number} · {session.name} · {when}"
    return labels


st.title("Formats A/B")
st.caption(
    "The same workout data in two panes, each in the format you pick. Token counts are exact (tiktoken); "
    "compact and ultra read back to exactly the same data."
)

athlete_id, encoding = page_state.athlete_id(), page_state.encoding()
con = page_state.connection().cursor()
if not load_program(con, athlete_id).weeks:
    st.info("No program for this athlete yet (only imported activities): the formats compare a program's weeks.")
    st.stop()
top = st.columns([2, 1, 1], vertical_alignment="bottom")
labels = scope_labels(con, athlete_id) | {
    "current_week": f"Current week (to {find_athlete(con, athlete_id).as_of:%a %d %b})"
}
scope = top[0].selectbox(
    "Scope: a week or one session",
    scope_options(con, athlete_id),
    format_func=lambda value: labels.get(value, value),
    key="formats_scope",
    help="Type a week number, a session name or a date to find it",
)
show_tokens = top[1].toggle("Show token boundaries", key="formats_boundaries")
budget = top[2].number_input("Token budget", min_value=1, value=500, step=50, key="formats_budget")

try:
    data = load_workout_data(con, athlete_id, scope)
except CoachError as exc:
    st.error(str(exc))
    st.stop()

rows = {r.format: r for r in picked_table(page_state.database_key(), athlete_id, scope, encoding)}
picked, texts = {}, {}
for col, (side, first) in zip(st.columns(2), PANES, strict=True):
    with col.container(key=f"formats_{side}_pane"):
        fmt = st.selectbox(
            f"{side.capitalize()} pane",
            FORMATS,
            index=FORMATS.index(first),
            format_func=FORMAT_LABELS.get,
            key=f"formats_{side}",
        )
        picked[side] = rows[fmt]
        st.metric(
            f"{FORMAT_LABELS[fmt]} tokens",
            f"{rows[fmt].tokens:,}",
            f"{rows[fmt].ratio:.0%} of verbose",
            delta_color="off",
            delta_arrow="off",
        )
        texts[side] = render_data(data, fmt)
        if show_tokens:
            st.html(token_boundaries_html(texts[side], encoding, height=PANE_HEIGHT))
if not show_tokens:  # one scrolling table, one row per session, so the two formats stay level record by record
    shown = {side: shown_text(texts[side], picked[side].format) for side in texts}
    heads = (FORMAT_LABELS[picked["left"].format], FORMAT_LABELS[picked["right"].format])
    with st.container(key="formats_panes"):
        chunks = [record_chunks(shown[side], picked[side].format) for side in ("left", "right")]
        st.html(aligned_panes_html(chunks[0], chunks[1], heads, height=PANE_HEIGHT))
    if "json" in (picked["left"].format, picked["right"].format):
        st.caption("JSON is shown indented; counted and sent compact (no spaces).")

left, right = picked["left"], picked["right"]
st.metric(
    f"Right ÷ left ({FORMAT_LABELS[right.format]} ÷ {FORMAT_LABELS[left.format]})",
    f"{right.tokens / (left.tokens or 1):.2f}×",
    f"{right.tokens - left.tokens:+,} tokens",
    delta_color="off",
    delta_arrow="off",
)

trips = picked_round_trips(page_state.database_key(), athlete_id, scope)
choice = pick_level(data, int(budget), encoding)
st.caption(
    f"Round trip: compact {'✓' if trips['compact'] else '✗'}, ultra {'✓' if trips['ultra'] else '✗'} · "
    f"{rows['ultra'].chars:,} characters in ultra vs {rows['verbose'].chars:,} verbose"
)
(st.success if choice.level else st.warning)(f"Budget {int(budget)}: {choice.message}")

with st.expander("How to read the formats and the notations", expanded=False), st.container(key="formats_legend"):
    for fmt in FORMATS:
        st.markdown(f"**{FORMAT_LABELS[fmt]}**")
        st.text(inspect.cleandoc(FORMAT_DOCS[fmt] or "").split("\n\n")[0])
        if fmt in READING_KEYS:
            st.code(READING_KEYS[fmt], language=None, wrap_lines=True)
    st.markdown("**Per-sport one-liners**")
    st.dataframe(
        pd.DataFrame(
            {"code": [f"{c}:" for c in TYPE_CODES.values()], "activity": [SPORT_LABELS[t] for t in TYPE_CODES]}
        ),
        hide_index=True,
        key="formats_legend_codes",
    )
    st.code(inspect.cleandoc(sport.__doc__ or ""), language=None, wrap_lines=True)

st.subheader("Share of verbose tokens, every scope")
by_scope = scope_table(page_state.database_key(), athlete_id, encoding)
fig = px.bar(
    by_scope,
    x="scope",
    y="share",
    color="format",
    barmode="group",
    text_auto=".0%",
    hover_data={"tokens": ":,"},
    color_discrete_map=FORMAT_COLOURS,
    category_orders={"format": [FORMAT_LABELS[f] for f in FORMATS]},
    labels={"share": "tokens as a share of verbose", "scope": ""},
)
fig.update_yaxes(tickformat=".0%", rangemode="tozero")
fig.add_hline(y=1, line_dash="dot", line_color="#9E9E9E", annotation_text="verbose = 100%")
st.plotly_chart(fig, key="formats_chart")

st.subheader("All demo athletes")
if not st.toggle("Compare every demo athlete", key="formats_cohort_open", help="Counts every athlete's scopes"):
    st.caption("Off: every athlete's four scopes in five formats are counted only when you ask for them.")
else:
    st.dataframe(
        cohort_table(page_state.database_key(), encoding),
        hide_index=True,
        column_config={
            "compact ×": st.column_config.NumberColumn("compact × verbose", format="%.2f"),
            "ultra ×": st.column_config.NumberColumn("ultra × verbose", format="%.2f"),
        },
        key="formats_cohort",
    )

st.subheader("Per-sport one-liners, last 7 days")
athlete = find_athlete(con, athlete_id)
log = recent_activity_log(con, athlete_id, athlete.as_of)
st.code(log or "(no activities)", language=None, wrap_lines=False)
st.caption(f"{count_tokens(log, encoding):,} tokens for {len(log.splitlines())} lines")
