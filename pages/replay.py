"""A/B replay: the scripted conversation under strategy A (no tiers) and B (tiered), per turn, by part and priced."""

from contextlib import closing
from dataclasses import astuple, replace

import altair as alt
import streamlit as st

from core.chat.replay_frames import replay_parts, replay_table, replay_turns, turn_comparison
from core.chat.usage import reported_prompt_tokens
from core.context.caching import CACHING_RULE, DEFAULT_CACHED_PRICE, cache_report
from core.context.replay import DEFAULT_PRICE, load_script
from core.db import snapshot
from core.errors import CoachError
from ui import budget_controls, chat_panel, page_state

PART_COLORS = {**budget_controls.COLORS, "plan + program data": "#a0cbe8"}

st.title("A/B replay")
st.caption(
    "The same scripted conversation, built two ways: A sends the full plan, two weeks of verbose data, the whole "
    "history and every tool each turn; B is the tiered context. Counted exactly, on a copy of the database."
)
athlete, encoding = page_state.athlete_id(), page_state.encoding()
cols = st.columns(3)
price = cols[0].number_input(
    "Price, USD per million input tokens", 0.0, 1000.0, DEFAULT_PRICE, 0.05, key="replay_price"
)
cached_price = cols[1].number_input(
    "Cached price, USD per million", 0.0, 1000.0, DEFAULT_CACHED_PRICE, 0.05, key="replay_cached_price"
)
measure = cols[2].radio("Measure", ["request", "context"], horizontal=True, key="replay_measure",
                        help="request: everything sent incl. tool definitions (raw JSON) and history; context: instructions, tiers and plan")  # fmt: skip
with st.expander("Strategy B's budgets and context window", expanded=False):
    budgets = budget_controls.budget_controls("replay")

endpoint = chat_panel.endpoint_picker("replay", preview_first=True)
if endpoint.live:
    st.caption(
        f"Each turn's A and B requests are also sent to {endpoint.describe()} (max 1 output token) for the prompt tokens it reports."
    )
results = st.session_state.setdefault("replay_results", {})
inputs = (athlete, encoding, astuple(budgets))
run_key, local_key = (*inputs, endpoint.kind), (*inputs, "preview")
pressed = st.button("Run the replay", key="replay_run", type="primary")
# Once run, the replay follows every input at once (budgets, athlete, tokenizer): re-fitted locally, nothing sent
# (measured 1.3-1.6 s for Maya's 18 turns on 2 shared cores, so the whole replay reruns, not just the opened turn).
# Only the button sends requests to a live endpoint.
if pressed or (results and run_key not in results and local_key not in results):
    total = len(load_script())
    bar = st.progress(0.0, text="Replaying…")

    def progress(n: int) -> None:
        bar.progress(n / total, text=f"Turn {n} of {total}")

    live = pressed and endpoint.live
    try:
        with closing(snapshot(page_state.database_key())) as scratch:
            results[run_key if live else local_key] = budget_controls.replay_with_drops(
                scratch, athlete, budgets, encoding,
                on_turn=progress,
                measure=reported_prompt_tokens(endpoint) if live else None,
            )  # fmt: skip
    except CoachError as exc:
        st.error(str(exc))
    bar.empty()
    while len(results) > 8:  # session state: keep the newest runs only
        results.pop(next(iter(results)))

shown = run_key if run_key in results else local_key
if shown not in results:
    st.info("Press *Run the replay* (preview: context tokens counted locally; nothing is sent to a model).")
    st.stop()
run = results[shown]
result, requests = run.result, run.requests
if not run.live:
    st.caption(
        f"Counted locally in {run.seconds:.1f} s, nothing sent. A change of B's budgets, the athlete or the tokenizer"
        " re-fits the whole replay at once"
        + (f"; press *Run the replay* to send it to {endpoint.describe()}." if endpoint.live else ".")
    )
result = replace(result, price_per_million=float(price))  # the cost follows the price input without a rerun
summary = result.summary()
caching = cache_report(result, requests, encoding=encoding, price=float(price), cached_price=float(cached_price))
a_cache, b_cache = caching.strategy("A"), caching.strategy("B")
st.caption(f"Every figure counted with **{encoding}**.")
m = st.columns(3)
m[0].metric("A request tokens", f"{summary['a_request']:,}")
m[1].metric(
    "B request tokens", f"{summary['b_request']:,}", f"{summary['request_ratio'] - 1:.0%}", delta_color="inverse"
)
m[2].metric("B context / A context", f"{summary['context_ratio']:.1%}")
COST_HELP = "at ${price}/M without prompt caching, on the request tokens (tools as raw JSON) the cached figure prices"
c = st.columns(4)
c[0].metric("Cost A", f"${summary['a_cost_usd']:.4f}", help=COST_HELP.format(price=price))
c[1].metric("Cost B", f"${summary['b_cost_usd']:.4f}", help=COST_HELP.format(price=price))
for col, name, figures in ((c[2], "A", a_cache), (c[3], "B", b_cache)):  # both sides of the delta: raw-JSON counts
    col.metric(
        f"Cost {name}, cached",
        f"${figures['cost_cached_usd']:.4f}",
        f"{figures['cost_cached_usd'] - figures['cost_usd']:+.4f} $",
        delta_color="inverse",
        help=f"{figures['cached_tokens']:,} of {figures['input_tokens']:,} input tokens cached (tools as raw JSON);"
        f" ${figures['cost_usd']:.4f} without caching on that count",
    )
st.text(
    f"With prompt caching (${price}/M, cached ${cached_price}/M) the cheaper strategy is {caching.winner}.\n"
    + "\n".join(caching.lines()[1:3])
)
st.caption(f"Caching rule: {CACHING_RULE}.")
if "a_reported" in summary:
    st.metric("Reported prompt tokens A → B", f"{summary['a_reported']:,} → {summary['b_reported']:,}",
              f"{summary['reported_ratio'] - 1:.0%}", delta_color="inverse")  # fmt: skip
elif endpoint.live and any(t.a_reported is None or t.b_reported is None for t in result.turns):
    st.warning("The endpoint refused some requests (e.g. over its window): those turns show no reported count.")

st.subheader(f"{measure.capitalize()} tokens per turn, by part · {encoding}")
parts = replay_parts(result, requests, encoding)
if measure == "context":
    parts = parts[~parts["part"].isin(["history", "message", "tool definitions", "framing"])]
if not parts.empty:  # an empty frame draws as "Infinite extent" warnings
    st.altair_chart(
        alt.Chart(parts)
        .mark_bar()
        .encode(
            x=alt.X("strategy:N", title=None, axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y("sum(tokens):Q", title="tokens"),
            color=alt.Color("part:N", scale=alt.Scale(domain=list(PART_COLORS), range=list(PART_COLORS.values()))),
            column=alt.Column("turn:O", title="turn", spacing=2),
            tooltip=["turn", "strategy", "part", "tokens"],
        )
        .properties(width=22),
    )
frame = replay_turns(result, measure)
st.subheader(f"Cumulative · {encoding}")
if not frame.empty:
    st.altair_chart(
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("turn:Q", scale=alt.Scale(domain=[1, len(result.turns)])), y="cumulative:Q", color="strategy:N"
        ),
        width="stretch",
    )
st.dataframe(replay_table(result), hide_index=True, key="replay_table")

st.subheader("Open one turn")
pick = st.selectbox(
    "Turn", [t.turn for t in result.turns], key="replay_turn",
    format_func=lambda n: f"{n}: {result.turns[n - 1].message[:70]}",
)  # fmt: skip
figures, pair = result.turns[pick - 1], requests[pick - 1]
st.table(turn_comparison(figures, pair, encoding).set_index("part"))
drops = run.drops[pick - 1]
st.text(  # issue 28: what B's budgets left out of this turn, and why
    f"B dropped or trimmed at turn {pick} ({len(drops)}; B's budgets: {budget_controls.budgets_line(budgets)}):\n"
    + ("\n".join(drops) if drops else "nothing")
)
left, right = st.columns(2)
for col, name, request in ((left, "A: no tiers", pair.a), (right, "B: tiered", pair.b)):
    with col:
        st.markdown(f"**{name}** — exact request of turn {pick}")
        st.json(request.messages, expanded=2)
        st.caption(f"tools ({len(request.tools)}), as raw JSON:")
        st.json(request.tools, expanded=False)
