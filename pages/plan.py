"""Weekly plan: every day with its blocks and stable IDs, circuits with members nested, and the coach edit form."""

import pandas as pd
import streamlit as st

import app_auth
import app_state
from core.errors import CoachError
from core.plan.model import DAY_IDS, WEEKDAYS, Plan
from core.plan.ops import EDIT_OP_NAMES, op_from_form
from core.plan.store import apply_ops, format_plan_context, load_plan, plan_head, plan_versions
from core.tokens import count_tokens

athlete = app_state.athlete_id()
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


def day_rows(plan: Plan, day_id: str) -> pd.DataFrame:
    """One row per block; circuit members follow their circuit, indented with ↳."""
    rows = []
    for b in plan.day(day_id).blocks:
        rows.append(
            {
                "ID": b.block_id,
                "Exercise": b.exercise + (" (circuit)" if b.kind == "circuit" else ""),
                "Sets": b.sets,
                "Reps": b.reps,
                "Weight": b.weight,
                "Rest s": b.rest_s,
                "Notes": b.notes,
            }
        )
        rows += [
            {
                "ID": m.member_id,
                "Exercise": f"↳ {m.exercise}",
                "Sets": None,
                "Reps": m.reps,
                "Weight": m.weight,
                "Rest s": None,
                "Notes": m.notes,
            }
            for m in b.members
        ]
    frame = pd.DataFrame(rows, columns=["ID", "Exercise", "Sets", "Reps", "Weight", "Rest s", "Notes"])
    frame[["Sets", "Rest s"]] = frame[["Sets", "Rest s"]].astype("Int64")
    return frame.astype("string").fillna("")  # blank, not "None", where a field does not apply


for day in plan.days:
    st.subheader(f"{day.day_id} · {day.label} — {day.focus or 'no focus'}")
    if day.blocks:
        st.dataframe(day_rows(plan, day.day_id), hide_index=True, key=f"plan_day_{day.day_id}")
    else:
        st.caption("Rest day: no blocks.")

st.header("Coach edit")
shown = st.session_state.get(f"plan_shown_hash_{athlete}", head.plan_hash)
block_ids = [b.block_id for _, _, b in plan.blocks()]
circuit_ids = [b.block_id for _, _, b in plan.blocks() if b.kind == "circuit"]
member_ids = [m.member_id for _, _, b in plan.blocks() for m in b.members]
name = st.selectbox("Operation", EDIT_OP_NAMES, key="plan_op")
with st.form("plan_edit_form"):
    fields: dict = {}
    if name in ("update_block", "remove_block", "move_block"):
        fields["block_id"] = st.selectbox("Block", block_ids, key="plan_block_id")
    if name == "add_member":
        fields["block_id"] = st.selectbox("Circuit", circuit_ids, key="plan_circuit_id")
    if name in ("update_member", "remove_member"):
        fields["member_id"] = st.selectbox("Member", member_ids, key="plan_member_id")
    if name in ("add_block", "move_block", "set_day_focus"):
        fields["day_id"] = st.selectbox(
            "Day", DAY_IDS, format_func=lambda d: f"{d} ({WEEKDAYS[int(d[4:]) - 1]})", key="plan_day_id"
        )
    if name in ("add_block", "move_block", "add_member"):
        fields["position"] = st.number_input("Position (blank = last)", min_value=1, value=None, key="plan_position")
    if name == "add_block":
        fields["kind"] = st.selectbox("Kind", ["single", "circuit"], key="plan_kind")
    if name in ("update_block", "add_block", "add_member", "update_member"):
        fields["exercise"] = st.text_input("Exercise (blank = unchanged)", key="plan_exercise")
    if name in ("update_block", "add_block"):
        fields["sets"] = st.number_input("Sets / rounds", min_value=1, max_value=20, value=None, key="plan_sets")
    if name in ("update_block", "add_block", "add_member", "update_member"):
        fields["reps"] = st.text_input("Reps: 8, 8-10, AMRAP, 45s", key="plan_reps")
        fields["weight"] = st.text_input("Weight: 225lbs, 100kg, BW", key="plan_weight")
    if name in ("update_block", "add_block"):
        fields["rest_s"] = st.number_input("Rest (s)", min_value=0, max_value=3600, value=None, key="plan_rest")
    if name in ("update_block", "add_block", "add_member", "update_member"):
        fields["notes"] = st.text_input("Notes", key="plan_notes")
    if name == "set_day_focus":
        fields["focus"] = st.text_input("Focus (blank clears)", key="plan_focus")
    submitted = st.form_submit_button("Apply as coach")
if submitted:
    try:
        with app_state.writing() as writer:
            new_hash = apply_ops(writer, athlete, [op_from_form(name, fields)], shown, "coach", actor=app_auth.actor())
            latest = plan_versions(writer, athlete)[-1]
            head, plan = plan_head(writer, athlete), load_plan(writer, athlete)
        st.success(
            f"ok {'; '.join(latest.summary) if latest.plan_hash == new_hash else 'no change'}; plan {new_hash[:8]}"
        )
    except CoachError as exc:
        st.error(str(exc))
st.session_state[f"plan_shown_hash_{athlete}"] = head.plan_hash
