"""Weekly plan: every day with its blocks and stable IDs, circuits with members nested, and the coach edit form.

User text (names, focus, notes, messages that quote them) is drawn with st.text / st.code /
dataframes, never as markdown. The edit form's controls come from the op table, so their
limits are the executor's.
"""

import pandas as pd
import streamlit as st

import app_auth
import app_chat
import app_state
from core.errors import CoachError
from core.plan.model import Plan
from core.plan.op_table import EDIT_OP_NAMES, FIELDS, OPS, FieldSpec, day_label
from core.plan.ops import op_from_form
from core.plan.store import apply_ops, latest_version, load_plan, plan_head
from core.plan.text import format_plan_context
from core.tokens import count_tokens

athlete = app_state.athlete_id()
if st.toggle("Coach chat beside the plan", key="plan_chat_open", help="The model's plan edits show here at once"):
    with st.sidebar:  # before the plan is read, so an edit made by this turn is drawn in this run
        app_chat.chat_panel("plan_chat")
con = app_state.connection().cursor()
head = plan_head(con, athlete)
plan = load_plan(con, athlete)

st.title("Weekly plan")
st.caption("Every element has a stable ID the model edits by; every change below is a recorded version.")
cols = st.columns(4)
cols[0].metric("Version", f"v{head.version}")
cols[1].metric("Plan hash", head.plan_hash[:8], help=head.plan_hash)
cols[2].metric("Blocks · members", f"{plan.block_count()} · {plan.member_count()}")
cols[3].metric(
    "Full-plan context",
    f"{count_tokens(format_plan_context(plan, head.plan_hash, head.version), app_state.encoding())} tokens",
)

COLUMNS = ["ID", "Exercise", "Sets", "Reps", "Weight", "Rest s", "Notes"]


def day_rows(plan: Plan, day_id: str) -> pd.DataFrame:
    """One row per block; circuit members follow their circuit, indented with ↳."""
    rows = []
    for b in plan.day(day_id).blocks:
        name = b.exercise + (" (circuit)" if b.kind == "circuit" else "")
        rows.append(dict(zip(COLUMNS, [b.block_id, name, b.sets, b.reps, b.weight, b.rest_s, b.notes], strict=True)))
        rows += [
            dict(zip(COLUMNS, [m.member_id, f"↳ {m.exercise}", None, m.reps, m.weight, None, m.notes], strict=True))
            for m in b.members
        ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame[["Sets", "Rest s"]] = frame[["Sets", "Rest s"]].astype("Int64")
    return frame.astype("string").fillna("")  # blank, not "None", where a field does not apply


for day in plan.days:
    st.subheader(f"{day.day_id} · {day.label}")
    st.text(f"Focus: {day.focus}" if day.focus else "No focus")
    if day.blocks:
        st.dataframe(day_rows(plan, day.day_id), hide_index=True, key=f"plan_day_{day.day_id}")
    else:
        st.caption("Rest day: no blocks.")

st.header("Coach edit")
shown = st.session_state.get(f"plan_shown_hash_{athlete}", head.plan_hash)
id_choices = {
    "block_id": [b.block_id for _, _, b in plan.blocks()],
    "member_id": [m.member_id for _, _, b in plan.blocks() for m in b.members],
}
name = st.selectbox("Operation", EDIT_OP_NAMES, key="plan_op")
if name == "add_member":
    id_choices["block_id"] = [b.block_id for _, _, b in plan.blocks() if b.kind == "circuit"]


def control(spec: FieldSpec):
    """The form control for one op field, with the op table's limits; blank means unchanged (or cleared)."""
    key = f"plan_{spec.name}"
    if spec.name in id_choices:
        return st.selectbox(spec.label, id_choices[spec.name], key=key)
    if spec.name == "day_id":
        return st.selectbox(spec.label, spec.choices, format_func=day_label, key=key)
    if spec.choices:
        return st.selectbox(spec.label, spec.choices, key=key)
    label = f"{spec.label} ({spec.words})"
    if spec.json_type == "integer":
        return st.number_input(label, min_value=spec.minimum, max_value=spec.maximum, value=None, key=key)
    return st.text_input(label, max_chars=spec.max_length, key=key)


with st.form("plan_edit_form"):
    st.caption("Blank fields stay unchanged; a blank focus clears it.")
    fields = {f: control(FIELDS[f]) for f in OPS[name].fields if FIELDS[f].json_type != "array"}
    submitted = st.form_submit_button("Apply as coach")
if submitted:
    try:
        before = head.version
        with app_state.writing() as writer:
            new_hash = apply_ops(writer, athlete, [op_from_form(name, fields)], shown, "coach", actor=app_auth.actor())
            head, plan = plan_head(writer, athlete), load_plan(writer, athlete)
            latest = latest_version(writer, athlete)
        summary = "; ".join(latest.summary) if latest and head.version != before else "no change"
        st.success(f"Applied as v{head.version}" if head.version != before else "No change")
        st.code(f"ok {summary}; plan {new_hash[:8]}", language=None, wrap_lines=True)
    except CoachError as exc:
        st.error("Refused; nothing was changed")
        st.code(str(exc), language=None, wrap_lines=True)
st.session_state[f"plan_shown_hash_{athlete}"] = head.plan_hash
