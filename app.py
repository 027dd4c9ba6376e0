"""Coach Context Lab: the sign-in gate, navigation and the sidebar choices every page shares."""

import streamlit as st

from core.errors import CoachError
from core.tokens import ENCODINGS
from ui import gate, page_state, theme

st.set_page_config(page_title="Coach Context Lab", page_icon=str(theme.FAVICON), layout="wide")
pages = [
    st.Page("pages/home.py", title="Athletes", icon=":material/groups:", default=True),
    st.Page("pages/plan.py", title="Weekly plan", icon=":material/calendar_view_week:"),
    st.Page("pages/chat.py", title="Coach chat", icon=":material/chat:"),
    st.Page("pages/history.py", title="Plan history & diff", icon=":material/difference:"),
    st.Page("pages/formats.py", title="Formats A/B", icon=":material/compare_arrows:"),
    st.Page("pages/replay.py", title="A/B replay", icon=":material/stacked_bar_chart:"),
    st.Page("pages/patterns.py", title="Patterns", icon=":material/insights:"),
    st.Page("pages/comprehension.py", title="Comprehension", icon=":material/quiz:"),
    st.Page("pages/imports.py", title="Import", icon=":material/upload_file:"),
]
# Before anything that reads athletes' data: until someone is signed in (or the app is local), the run stops here.
nav = gate.gated_navigation(pages)

try:
    roster = page_state.roster()
except CoachError as exc:
    st.error(str(exc))
    st.stop()

names = dict(zip(roster.athlete_id, roster.name + " · " + roster.phase, strict=True))
if st.session_state.get("athlete_id") not in names:
    st.session_state["athlete_id"] = int(roster.athlete_id.iloc[0])
st.sidebar.selectbox("Athlete", list(names), format_func=names.get, key="athlete_id")
st.sidebar.selectbox("Tokenizer", ENCODINGS, key="encoding", help="Exact counts with tiktoken, loaded offline")

page_state.follow_deep_link()
with page_state.page_run():
    nav.run()
