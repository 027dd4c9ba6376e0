"""A/B replay: the scripted conversation under strategy A (no tiers) and B (tiered), per turn and cumulative."""

from contextlib import closing
from dataclasses import replace

import streamlit as st

from core.chat.replay_frames import replay_table, replay_turns
from core.chat.usage import reported_prompt_tokens
from core.context.builder import Budgets
from core.context.replay import DEFAULT_PRICE, load_script, replay
from core.db import snapshot
from core.errors import CoachError
from ui import chat_panel, page_state

st.title("A/B replay")
st.caption(
    "The same scripted conversation, built two ways: A sends the full plan, two weeks of verbose data, the whole "
    "history and every tool each turn; B is the tiered context. Counted exactly, on a copy of the database."
)
athlete = page_state.athlete_id()
cols = st.columns(3)
price = cols[0].number_input(
    "Price, USD per million input tokens", 0.0, 1000.0, DEFAULT_PRICE, 0.05, key="replay_price"
)
window = cols[1].number_input("B's context window (0: none)", 0, 1_000_000, 0, 1024, key="replay_window")
measure = cols[2].radio("Measure", ["request", "context"], horizontal=True, key="replay_measure",
                        help="request: everything sent incl. tool definitions (raw JSON) and history; context: the system message")  # fmt: skip

endpoint = chat_panel.endpoint_picker("replay", preview_first=True)
if endpoint.live:
    st.caption(
        f"Each turn's A and B requests are also sent to {endpoint.describe()} (max 1 output token) for the prompt tokens it reports."
    )
results = st.session_state.setdefault("replay_results", {})
run_key = (athlete, page_state.encoding(), int(window), endpoint.kind)
if st.button("Run the replay", key="replay_run", type="primary"):
    total = len(load_script())
    bar = st.progress(0.0, text="Replaying…")
    try:
        with closing(snapshot(page_state.database_key())) as scratch:
            results[run_key] = replay(
                scratch, [athlete], budgets=Budgets(context_window=int(window) or None),
                encoding=page_state.encoding(), price_per_million=float(price),
                on_turn=lambda n: bar.progress(n / total, text=f"Turn {n} of {total}"),
                measure=reported_prompt_tokens(endpoint) if endpoint.live else None,
            )[0]  # fmt: skip
    except CoachError as exc:
        st.error(str(exc))
    bar.empty()

result = results.get(run_key)
if result is None:
    st.info("Press *Run the replay* (preview: context tokens counted locally; nothing is sent to a model).")
    st.stop()
result = replace(result, price_per_million=float(price))  # the cost follows the price input without a rerun
summary = result.summary()
m = st.columns(4)
m[0].metric("A request tokens", f"{summary['a_request']:,}")
m[1].metric(
    "B request tokens", f"{summary['b_request']:,}", f"{summary['request_ratio'] - 1:.0%}", delta_color="inverse"
)
m[2].metric("B context / A context", f"{summary['context_ratio']:.1%}")
m[3].metric(
    "Cost A → B", f"${summary['a_cost_usd']:.4f} → ${summary['b_cost_usd']:.4f}", help=f"at ${price}/M (OpenAI approx.)"
)
if "a_reported" in summary:
    st.metric("Reported prompt tokens A → B", f"{summary['a_reported']:,} → {summary['b_reported']:,}",
              f"{summary['reported_ratio'] - 1:.0%}", delta_color="inverse")  # fmt: skip
elif endpoint.live and any(t.a_reported is None or t.b_reported is None for t in result.turns):
    st.warning("The endpoint refused some requests (e.g. over its window): those turns show no reported count.")
frame = replay_turns(result, measure)
st.subheader(f"{measure.capitalize()} tokens per turn")
st.bar_chart(frame, x="turn", y="tokens", color="strategy", stack=False)
st.subheader("Cumulative")
st.line_chart(frame, x="turn", y="cumulative", color="strategy")
st.dataframe(replay_table(result), hide_index=True, key="replay_table")
