"""Coach chat: the chat panel for the sidebar's athlete, then the token monitor over the interaction log."""

import streamlit as st

from core.chat.monitor import preview_turns, tokens_by_part, tokens_by_type, turn_tokens
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
turns = turn_tokens(page_state.connection().cursor(), page_state.athlete_id())
if turns.empty:
    st.info("No logged turns for this athlete yet: live turns (not previews) are logged.")
else:
    st.subheader("Tokens per turn, by part")
    st.bar_chart(tokens_by_part(turns), x="turn", y="tokens", color="part", stack=True)
    st.subheader("Per interaction type over time")
    st.bar_chart(tokens_by_type(turns), x="day", y="request_tokens", color="type")
    st.dataframe(turns, hide_index=True, key="chat_monitor_turns")
if not previews.empty:  # issue 28: preview turns, marked, never written to the log
    st.subheader(f"Preview turns (not logged), by part · {previews['encoding'].iloc[0]}")
    st.bar_chart(tokens_by_part(previews), x="turn", y="tokens", color="part", stack=True)
