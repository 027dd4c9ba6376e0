"""Plan history & diff: the version timeline, a diff of any two versions, and what the model would get.

Change lines quote user text (notes, names); they are drawn as dataframe cells and code, never as markdown.
"""

import pandas as pd
import streamlit as st

import app_auth
import app_state
from core.errors import CoachError
from core.plan.diff import render_change
from core.plan.store import context_between_versions, diff_versions, plan_versions, revert_to_version

athlete = app_state.athlete_id()
con = app_state.connection().cursor()
versions = plan_versions(con, athlete)

st.title("Plan history & diff")
if not versions:
    st.info("No plan versions recorded for this athlete yet.")
    st.stop()

st.dataframe(
    pd.DataFrame(
        [
            {
                "Version": f"v{v.version}",
                "Hash": v.plan_hash[:8],
                "Author": v.author,
                "By": v.actor,
                "When (UTC)": v.created_at,
                "Changes": "; ".join(v.summary[:4]) + (f"; … {len(v.summary) - 4} more" if len(v.summary) > 4 else ""),
            }
            for v in versions
        ]
    ),
    hide_index=True,
    key="history_timeline",
)

numbers = [v.version for v in versions]
cols = st.columns(2)
base = cols[0].selectbox(
    "From (the plan the model last saw)", numbers, index=max(0, len(numbers) - 2), key="history_from"
)
target = cols[1].selectbox("To", numbers, index=len(numbers) - 1, key="history_to")

diff = diff_versions(con, athlete, base, target)
st.subheader(f"Diff v{base} → v{target}")
sign = {"added": "+", "removed": "−", "moved": "↕", "changed": "~"}
if diff.is_empty:
    st.caption("Same plan.")
else:
    st.dataframe(
        pd.DataFrame(
            [{"Change": f"{sign[c.change]} {c.change}", "What": render_change(c)} for c in diff.changes],
            columns=["Change", "What"],
        ),
        hide_index=True,
        key="history_diff",
    )

ctx = context_between_versions(con, athlete, base, target, app_state.encoding())
st.subheader("What the model gets")
st.code(ctx.text, language=None)
cols = st.columns(3)
cols[0].metric("Full plan", f"{ctx.full_tokens} tokens")
cols[1].metric("Delta" if ctx.mode != "full" else "Sent (full fallback)", f"{ctx.tokens} tokens")
cols[2].metric("Reduction", f"{ctx.reduction:.0%}")
if ctx.reason and ctx.mode == "full":
    st.caption(f"Full plan sent: {ctx.reason}.")

st.subheader("Revert")
if reverted := st.session_state.pop("history_reverted", None):
    st.success(reverted)
current = versions[-1]
# The base is the plan this page showed on its previous run, so an edit made since is refused, not overwritten.
shown_key = f"history_shown_hash_{athlete}"
shown_hash = st.session_state.get(shown_key, current.plan_hash)
pick = st.selectbox(
    "Make an earlier version current again (recorded as a new version; nothing is lost)",
    [n for n in numbers if n != current.version],
    format_func=lambda n: f"v{n}",
    key="history_revert_to",
)
if pick is not None and st.button(f"Revert to v{pick}", key="history_revert"):
    try:
        with app_state.writing() as writer:
            new_hash = revert_to_version(writer, athlete, pick, base_hash=shown_hash, actor=app_auth.actor())
    except CoachError as exc:
        st.error("Refused; nothing was changed")
        st.code(str(exc), language=None, wrap_lines=True)
    else:
        now = plan_versions(app_state.connection().cursor(), athlete)[-1]
        if now.version == current.version:
            st.info(f"Nothing to do: v{pick} is the same plan as the current v{current.version}.")
        else:  # rerun so the timeline, diff and pickers show the new version at once
            st.session_state["history_reverted"] = f"Reverted to v{pick} as v{now.version}; plan {new_hash[:8]}"
            st.rerun()
st.session_state[shown_key] = plan_versions(app_state.connection().cursor(), athlete)[-1].plan_hash
