"""Coach chat: the chat panel for the sidebar's athlete, then the token monitor over the interaction log."""

import streamlit as st

from core.chat.monitor import preview_turns, reported_line, tokens_by_part, tokens_by_type, turn_tokens
from ui import budget_controls, chat_panel, page_state

st.title("Coach chat")
st.caption(
    "Each turn is built by the tiered context builder; every token of the request is counted, "
    "every tool call shown. Live turns are logged: that log is what the next turn's plan delta is measured from."
)
budgets = budget_controls.workbench("chat")  # issue 28: every budget and the window, the current turn re-fitted
chat_panel.chat_panel("chat", budgets)

st.header("Token monitor")
refit = budget_controls.conversation_contexts("chat", budgets)  # issue 28: every turn recounted, previews kept
budget_controls.conversation_bars([c for _, c in refit])
previews = preview_turns([c for live, c in refit if not live])
# every logged turn recounted with the sidebar's tokenizer from its logged texts; each is labelled with its tokenizer
turns = turn_tokens(page_state.connection().cursor(), page_state.athlete_id(), encoding=page_state.encoding())
if turns.empty:
    st.info("No logged turns for this athlete yet: live turns (not previews) are logged.")
else:
    counted_with = f"counted with {', '.join(sorted(set(turns['encoding'])))}"
    if (kept := int((turns["encoding"] != page_state.encoding()).sum())) > 0:
        st.caption(f"{kept} turn(s) logged before their texts were kept show the counts of their own tokenizer.")
    st.subheader(f"Tokens per turn, by part · {counted_with}")
    by_part = tokens_by_part(turns).merge(turns[["turn", "encoding"]], on="turn")
    by_part["turn"] = by_part["turn"].astype(str) + " · " + by_part["encoding"]
    budget_controls.stacked_bars(by_part, "turn", key="chat_monitor_parts")
    st.subheader(f"Per interaction type over time · {counted_with}")
    by_type = tokens_by_type(turns.assign(type=turns["type"] + " · " + turns["encoding"]))
    st.bar_chart(by_type, x="day", y="request_tokens", color="type")
    st.text(reported_line(turns))  # the endpoint's figures, cached prompt tokens included, beside our counts
    st.dataframe(turns, hide_index=True, key="chat_monitor_turns")
if not previews.empty:  # issue 28: preview turns, marked, never written to the log
    st.subheader(f"Preview turns (not logged), by part · {previews['encoding'].iloc[0]}")
    budget_controls.stacked_bars(tokens_by_part(previews), "turn", key="chat_monitor_previews")
