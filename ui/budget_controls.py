"""The developer's workbench widgets: a control for every budget and the window (with presets), the window bar.

Used by *Coach chat* and *A/B replay*. The figures come from core (`window_parts`, `build_context`), the same
functions `python -m core context` prints, and every figure names the tokenizer that counted it. The replay page
runs the replay through `replay_with_drops`, which also keeps what strategy B dropped each turn, and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from core.context.budget import Drop
from core.context.budget_profile import (
    WINDOW,
    WINDOW_PARTS,
    WINDOW_PRESETS,
    budget_fields,
    budgets_from_mapping,
    label,
    profile_toml,
    refit_conversation,
    window_parts,
)
from core.context.builder import Budgets, Context, build_context
from core.context.caching import TurnRequests, replay_requests
from core.context.replay import AthleteReplay, Measure
from core.db.interactions import newest_turn_drops
from core.errors import CoachError
from ui import page_state

NO_WINDOW = "none"
CUSTOM = "custom"
COLORS = {  # one colour per part, the same in every bar
    "instructions": "#4c78a8",
    "Tier 1": "#f58518",
    "Tier 2": "#e45756",
    "plan": "#72b7b2",
    "history": "#54a24b",
    "tool definitions": "#eeca3b",
    "message": "#b279a2",
    "framing": "#9d755d",
    "reserved output": "#bab0ac",
    "reserved tool round": "#d6cfc9",
    "free": "#eeeeee",
}


def _apply_preset(key: str) -> None:
    preset = st.session_state[f"{key}_preset"]
    if preset in WINDOW_PRESETS:
        st.session_state[f"{key}_window"] = WINDOW_PRESETS[preset]
    elif preset == NO_WINDOW:
        st.session_state[f"{key}_window"] = 0


def _window_changed(key: str) -> None:
    window = st.session_state[f"{key}_window"]
    named = {v: k for k, v in WINDOW_PRESETS.items()}
    st.session_state[f"{key}_preset"] = named.get(window, NO_WINDOW if window == 0 else CUSTOM)


def budget_controls(key: str) -> Budgets:
    """Number inputs for every budget and the window, a window preset, and the profile download; the Budgets set."""
    defaults = Budgets()
    names = [n for n in budget_fields() if n != WINDOW]
    st.session_state.setdefault(f"{key}_window", 0)
    st.session_state.setdefault(f"{key}_preset", NO_WINDOW)
    top = st.columns([1, 1, 2])
    top[0].selectbox(
        "Window preset",
        [NO_WINDOW, *WINDOW_PRESETS, CUSTOM],
        key=f"{key}_preset",
        on_change=_apply_preset,
        args=(key,),
        help="Common context windows; 'none' fits only the per-part budgets",
    )
    top[1].number_input(
        "Context window (0: none)",
        0,
        10_000_000,
        step=1024,
        key=f"{key}_window",
        on_change=_window_changed,
        args=(key,),
    )
    cols = st.columns(len(names))
    values: dict[str, Any] = {WINDOW: int(st.session_state[f"{key}_window"])}
    for col, name in zip(cols, names, strict=True):
        values[name] = int(
            col.number_input(label(name), 0, 100_000, int(getattr(defaults, name)), 10, key=f"{key}_budget_{name}")
        )
    try:
        budgets = budgets_from_mapping(values, source="budgets")
    except CoachError as exc:
        st.error(str(exc))
        budgets = defaults
    top[2].download_button(
        "Download these budgets (TOML profile)",
        profile_toml(budgets),
        file_name="budgets.toml",
        mime="application/toml",
        key=f"{key}_profile_download",
        help="Use it with `python -m core context|replay|chat --budget-profile budgets.toml`",
    )
    return budgets


def budgets_line(budgets: Budgets) -> str:
    """The budgets as one line, by their labels ('Tier 1 120 · … · Context window none')."""
    values = {n: getattr(budgets, n) for n in budget_fields()}
    return " · ".join(f"{label(n)} {v if v is not None else 'none'}" for n, v in values.items())


def parts_line(ctx: Context) -> str:
    """One line of the request's parts against their budgets (the tokenizer named), as `core context` prints them."""
    b = ctx.budgets
    window = f"window {b.context_window:,}" if b.context_window else "no window"
    return (
        f"[{ctx.encoding}] instructions {ctx.system_prompt_tokens} · Tier 1 {ctx.tier1_tokens}/{b.tier1}"
        f" · Tier 2 {ctx.tier2_tokens}/{b.tier2} · plan {ctx.plan_tokens}/{b.plan} ({ctx.plan_mode or 'not shown'})"
        f" · history {ctx.history_tokens}/{b.history} · tool definitions {ctx.tool_def_raw_tokens}/{b.tools}"
        f" · request {ctx.request_tokens} of {window}, {b.reserve_output} reserved for the answer,"
        f" {b.reserve_tool_round} for a tool round"
    )


# SVG, not Streamlit's canvas: each segment is then an element whose aria-label carries its part and tokens,
# so a browser test can read the bar's own numbers (vega-lite writes "tokens: 39; row: This turn; part: instructions")
SVG = {"embedOptions": {"renderer": "svg"}}


def _bar(frame: pd.DataFrame, y: str, title: str) -> alt.Chart:
    parts = [p for p in WINDOW_PARTS if p in set(frame["part"])]
    chart: alt.Chart = (
        alt.Chart(frame, title=title, usermeta=SVG)
        .mark_bar()
        .encode(
            x=alt.X("sum(tokens):Q", title="tokens", stack="zero"),
            y=alt.Y(f"{y}:N", title=None, sort=None),
            color=alt.Color(
                "part:N",
                scale=alt.Scale(domain=parts, range=[COLORS[p] for p in parts]),
                sort=parts,
                legend=alt.Legend(orient="bottom", columns=5),
            ),
            order=alt.Order("order:Q"),
            tooltip=[y, "part", "tokens"],
        )
    )
    return chart


def stacked_bars(frame: pd.DataFrame, x: str, *, key: str) -> None:
    """A column per `x` value (in the frame's order, not sorted as text) stacked by `part` in the frame's order.

    SVG like the window bar, so each column's label can be read in a browser test.
    """
    data = frame.assign(part=frame["part"].astype(str), order=frame.groupby(x, sort=False).cumcount())
    st.container(key=key).altair_chart(
        alt.Chart(data, usermeta=SVG)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:N", sort=None, title=x, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(tokens):Q", title="tokens"),
            color=alt.Color("part:N", sort=list(dict.fromkeys(data["part"]))),
            order=alt.Order("order:Q"),
            tooltip=[x, "part", "tokens"],
        ),
        width="stretch",
    )


def _long(label_: str, parts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"row": label_, "part": p, "tokens": t, "order": i}
        for i, (p, t) in enumerate(parts.items())
        if t > 0 or p == "free"
    ]


def window_bar(ctx: Context, key: str, title: str = "This turn") -> None:
    """The whole window as one horizontal bar split by part, the tokenizer named; the parts as text too."""
    parts = window_parts(ctx)
    size = ctx.budgets.context_window
    heading = f"{title}: {ctx.request_tokens:,} request tokens" + (
        f" + {ctx.budgets.reserved:,} reserved (answer, tool round) of a {size:,}-token window"
        if size
        else " (no window set)"
    )
    with st.container(key=f"{key}_window_bar"):  # a keyed box: tests find the bar (and read its SVG) by it
        st.altair_chart(
            _bar(pd.DataFrame(_long(title, parts)), "row", f"{heading} · counted with {ctx.encoding}"),
            width="stretch",
        )
    st.text("Window: " + " · ".join(f"{p} {t}" for p, t in parts.items()) + f" [{ctx.encoding}]")


def conversation_bars(contexts: Sequence[Context]) -> None:
    """The same split for every turn of the conversation, one bar per turn (recounted with the current tokenizer)."""
    if not contexts:
        return
    rows = [r for i, c in enumerate(contexts, start=1) for r in _long(f"turn {i}", window_parts(c))]
    encoding = contexts[0].encoding
    st.altair_chart(
        _bar(pd.DataFrame(rows), "row", f"Every turn, recounted with {encoding}"),
        width="stretch",
    )


def fit_report(ctx: Context) -> None:
    """What the current budgets kept, dropped or trimmed, and why (the same lines `core context` prints)."""
    st.text(parts_line(ctx))
    if ctx.drops:
        st.text(
            "Dropped or trimmed:\n" + "\n".join(f"{d.part} {d.key} ({d.tokens} tokens): {d.reason}" for d in ctx.drops)
        )
    else:
        st.text("Dropped: nothing")
    if ctx.overruns:
        st.text("Kept over budget:\n" + "\n".join(o.describe() for o in ctx.overruns))


SAMPLE_MESSAGE = "How did yesterday's squat session go?"


def _conversation_pairs(key: str, athlete: int) -> list[tuple[str, str, bool]]:
    """The chat panel's conversation for this athlete: (user, answer, live) per turn (its session state)."""
    turns = st.session_state.get(f"{key}_history", {}).get(athlete, [])
    return [(t["user"], t["record"].answer, t["record"].live) for t in turns]


def workbench(key: str) -> Budgets:
    """Every budget and the window, and the current turn re-fitted at once with them (preview: no model)."""
    athlete, encoding = page_state.athlete_id(), page_state.encoding()
    with st.expander("Budgets and the context window", expanded=True):
        budgets = budget_controls(key)
        pairs = _conversation_pairs(key, athlete)
        message = st.text_input(
            "Message to fit (preview, sends nothing)",
            pairs[-1][0] if pairs else SAMPLE_MESSAGE,
            key=f"{key}_fit_message",
        )
        history = [
            m
            for u, a, _ in pairs
            for m in ({"role": "user", "content": u}, {"role": "assistant", "content": a})
            if m["content"].strip()
        ]
        try:
            ctx = build_context(
                page_state.connection().cursor(),
                athlete,
                message,
                conversation=history,
                budgets=budgets,
                encoding=encoding,
            )
        except CoachError as exc:
            st.error(str(exc))
            return budgets
        fit_report(ctx)
        window_bar(ctx, key, "This turn")
    return budgets


def conversation_contexts(key: str, budgets: Budgets) -> list[tuple[bool, Context]]:
    """Every turn of the panel's conversation rebuilt with these budgets and the current tokenizer: (live, Context)."""
    pairs = _conversation_pairs(key, page_state.athlete_id())
    try:
        contexts = refit_conversation(
            page_state.connection().cursor(),
            page_state.athlete_id(),
            [(u, a) for u, a, _ in pairs],
            budgets,
            page_state.encoding(),
        )
    except CoachError as exc:
        st.error(str(exc))
        return []
    return [(live, c) for (_, _, live), c in zip(pairs, contexts, strict=True)]


@dataclass(frozen=True)
class ReplayRun:
    """One replay for the page: the figures, A's and B's exact requests, B's drops per turn, and how long it took."""

    result: AthleteReplay
    requests: tuple[TurnRequests, ...]
    drops: tuple[tuple[str, ...], ...]  # per turn, `Drop.describe()` lines: what B left out and why
    seconds: float
    live: bool


def replay_with_drops(
    con: duckdb.DuckDBPyConnection,
    athlete: int,
    budgets: Budgets,
    encoding: str,
    *,
    on_turn: Callable[[int], None] | None = None,
    measure: Measure | None = None,
) -> ReplayRun:
    """`replay_requests` for one athlete on `con` (a private copy), with what B dropped or trimmed each turn.

    The replay logs each B turn (its drops in the log's details) on its scratch copy just before `on_turn(n)`,
    so the drops are read back there; the figures themselves carry only their number (`b_dropped`).
    """
    drops: list[tuple[str, ...]] = []

    def turn_done(n: int) -> None:
        drops.append(tuple(Drop(**d).describe() for d in newest_turn_drops(con, athlete)))
        if on_turn:
            on_turn(n)

    started = time.perf_counter()
    [(result, requests)] = replay_requests(
        con, [athlete], budgets=budgets, encoding=encoding, on_turn=turn_done, measure=measure
    )
    return ReplayRun(result, requests, tuple(drops), time.perf_counter() - started, measure is not None)
