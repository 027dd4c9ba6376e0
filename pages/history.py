"""Plan history & diff: the version timeline, a diff of any two versions, what the model would get, and revert.

A revert runs in the button's callback, before the page is drawn, so the timeline of the same run lists
the new version. It defaults to the previous version, needs a ticked confirmation, and is never offered
for a version holding the current plan. The coach's view names what changed; IDs and hashes are in the
developer view. Picks are kept per athlete (their keys carry the athlete). Change lines quote user text (notes, names); they are drawn as dataframe cells and code,
never as markdown.
"""

import pandas as pd
import streamlit as st

from core.errors import CoachError
from core.plan.diff import plain_change, render_change
from core.plan.store import (
    changes_by_version,
    context_between_versions,
    diff_versions,
    plan_versions,
    revert_to_version,
)
from ui import gate, page_state
from ui.theme import fit_width

athlete = page_state.athlete_id()
RESULT = "history_result"
CONFIRM = f"history_confirm_{athlete}"
PICKS = "history_picks"  # athlete → (From, To) last picked
SHOWN_CHANGES = 2  # per version in the timeline; the diff below lists them all
TABLE_PX = 938  # the grid's inner width in the main column at 1400 px (wide layout, sidebar open)
CHANGES_MIN_PX = 240


def _revert(version: int, base: str, current: int) -> None:
    """Revert on the hash the page showed; the outcome is drawn by the run that follows."""
    st.session_state[CONFIRM] = False  # every revert needs its own confirmation
    try:
        with page_state.writing() as writer:
            new_hash = revert_to_version(writer, athlete, version, base_hash=base, actor=gate.actor())
            now = plan_versions(writer, athlete)[-1]
    except CoachError as exc:
        st.session_state[RESULT] = ("error", str(exc))
        return
    if now.version == current:
        st.session_state[RESULT] = ("info", f"Nothing to do: v{version} is the same plan as the current v{current}.")
    else:
        st.session_state[RESULT] = ("success", f"Reverted to v{version} as v{now.version}; plan {new_hash[:8]}")


con = page_state.connection().cursor()
versions = plan_versions(con, athlete)

st.title("Plan history & diff")
if not versions:
    st.info("No plan versions recorded for this athlete yet: the first edit on Weekly plan starts the history.")
    st.stop()
outcome = st.session_state.pop(RESULT, None)


def show_outcome() -> None:
    """The last revert's outcome, drawn under the Revert button that made it."""
    if outcome is not None:
        kind, text = outcome
        if kind == "error":
            st.error("Refused; nothing was changed")
            st.code(text, language=None, wrap_lines=True)
        else:
            getattr(st, kind)(text)


developer = page_state.developer_view("history")
# The developer reads the ops as recorded (IDs, as the model wrote them); the coach reads each version's diff from
# the one before it by name. The first version has nothing before it.
plain = {} if developer else changes_by_version(con, athlete, [v.version for v in versions])


def _changes(version: int, summary: list[str]) -> str:
    if developer:
        lines = summary
    elif version in plain:
        lines = [plain_change(c) for c in plain[version].changes]
    else:
        lines = [f"first version ({len(summary)} changes)"]
    more = f"; +{len(lines) - SHOWN_CHANGES} more" if len(lines) > SHOWN_CHANGES else ""
    return "; ".join(lines[:SHOWN_CHANGES]) + more


timeline = pd.DataFrame(
    [
        {
            "Version": f"v{v.version}",
            "Hash": v.plan_hash[:8],
            "Author": v.author,
            "By": v.actor,
            "When (UTC)": f"{v.created_at:%d %b %H:%M}",
            "Changes": _changes(v.version, v.summary),
        }
        for v in versions
    ]
)
config = {c: st.column_config.TextColumn(c, width=fit_width(timeline[c], c)) for c in timeline.columns}
config["Version"] = st.column_config.TextColumn("Version", width=fit_width(timeline.Version, "Version"), pinned=True)
if not developer:
    config["Hash"] = None
# The Changes column takes what the others leave at 1400 px, so the row never runs under the grid's right edge (it
# was 36 px too wide, 116 px in the developer view); the demo's longest change still fits in what is left.
others = sum(fit_width(timeline[c], c) for c in timeline.columns if c != "Changes" and config[c] is not None)
changes_px = min(fit_width(timeline.Changes, "Changes"), max(CHANGES_MIN_PX, TABLE_PX - others))
config["Changes"] = st.column_config.TextColumn("Changes", width=changes_px)
st.dataframe(timeline, hide_index=True, column_config=config, key="history_timeline")

numbers = [v.version for v in versions]
if len(numbers) == 1:
    st.info("Only one version so far: edits appear here, with a diff between any two versions and a revert.")
    st.stop()
# Each athlete's picks, kept here as well: Streamlit drops a widget's state on a run that does not draw it, so
# the keys alone would forget them while another athlete is shown.
picks = st.session_state.setdefault(PICKS, {})
first, last = picks.get(athlete, (numbers[max(0, len(numbers) - 2)], numbers[-1]))
cols = st.columns(2)
base = cols[0].selectbox(
    "From (the plan the model last saw)",
    numbers,
    index=numbers.index(first) if first in numbers else max(0, len(numbers) - 2),
    format_func=lambda n: f"v{n}",
    key=f"history_from_{athlete}",
)
target = cols[1].selectbox(
    "To",
    numbers,
    index=numbers.index(last) if last in numbers else len(numbers) - 1,
    format_func=lambda n: f"v{n}",
    key=f"history_to_{athlete}",
)
picks[athlete] = (base, target)

diff = diff_versions(con, athlete, base, target)
st.subheader(f"Diff v{base} → v{target}")
sign = {"added": "+", "removed": "−", "moved": "↕", "changed": "~"}
if diff.is_empty:
    st.caption("Same plan: these two versions hold identical content.")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {"Change": f"{sign[c.change]} {c.change}", "What": (render_change if developer else plain_change)(c)}
                for c in diff.changes
            ],
            columns=["Change", "What"],
        ),
        hide_index=True,
        key="history_diff",
    )

if developer:
    ctx = context_between_versions(con, athlete, base, target, page_state.encoding())
    st.subheader("What the model gets")
    st.code(ctx.text, language=None)
    cols = st.columns(3)
    cols[0].metric("Full plan", f"{ctx.full_tokens} tokens")
    cols[1].metric("Delta" if ctx.mode != "full" else "Sent (full fallback)", f"{ctx.tokens} tokens")
    cols[2].metric("Reduction", f"{ctx.reduction:.0%}")
    if ctx.reason and ctx.mode == "full":
        st.caption(f"Full plan sent: {ctx.reason}.")

st.subheader("Revert")
current = versions[-1]
# Versions holding the current plan (the current one, or the one just reverted to) would change nothing.
choices = [v.version for v in versions if v.plan_hash != current.plan_hash]
if not choices:
    st.caption("Every earlier version holds the current plan: nothing to revert to.")
    show_outcome()
    st.stop()
pick = st.selectbox(
    "Make an earlier version current again (recorded as a new version; nothing is lost)",
    choices,
    index=len(choices) - 1,  # the previous version, not the oldest
    format_func=lambda n: f"v{n}",
    key=f"history_revert_to_{athlete}",
)
confirmed = st.checkbox(f"Yes, make v{pick} the current plan (v{current.version} stays in the history)", key=CONFIRM)
# The base is the plan this run shows, so an edit made before the click is refused, not overwritten.
st.button(
    f"Revert to v{pick}",
    key="history_revert",
    disabled=not confirmed,
    on_click=_revert,
    args=(pick, current.plan_hash, current.version),
)
show_outcome()
