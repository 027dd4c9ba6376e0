"""Weekly plan: every day with its blocks and stable IDs, edited in place, day by day, by name.

Edits run in button callbacks, before the page is drawn, so the header, rows and controls
of this very run already show the new version. Each edit is based on the hash the page
showed when the button was drawn: a change made meanwhile (another session, the AI) is
refused as stale, naming it. Controls come from the op table (limits) and the block's kind
(which fields); a picked circuit also lists its members to edit, remove or add. Keys carry
the plan hash, so after a save they start from the new values.
User text is drawn with st.text / dataframes, never as markdown.
"""

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.errors import CoachError
from core.plan.edits import add_member_op, add_op, block_label, edit_fields, focus_op, member_label, update_op
from core.plan.model import DAY_IDS, KINDS, Block, Day, Member, Plan, short_hash
from core.plan.op_table import FIELDS, FieldSpec, day_label
from core.plan.store import apply_ops, latest_version, load_plan, plan_head
from core.plan.text import format_plan_context
from core.tokens import count_tokens
from ui import chat_panel, gate, page_state

RESULT = "plan_result"
athlete = page_state.athlete_id()


def _write(ops: list[dict[str, Any]], base: str) -> None:
    """Apply one coach edit through the write path; the outcome is shown by the run that follows."""
    try:
        with page_state.writing() as writer:
            before = plan_head(writer, athlete).version
            apply_ops(writer, athlete, ops, base, "coach", actor=gate.actor())
            latest = latest_version(writer, athlete)
        if latest is None or latest.version == before:
            st.session_state[RESULT] = ("info", "No change: the plan already says that.")
        else:
            st.session_state[RESULT] = ("success", f"Saved as v{latest.version}: {'; '.join(latest.summary)}")
    except CoachError as exc:
        st.session_state[RESULT] = ("error", str(exc))


def _values(prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: st.session_state.get(f"{prefix}__{name}") for name in names}


def _save(element: Block | Member, kind: str, prefix: str, base: str) -> None:
    op = update_op(element, _values(prefix, edit_fields(kind)))
    if op is None:
        st.session_state[RESULT] = ("info", "No change: every field already holds that value.")
    else:
        _write([op], base)


def _add_block(day_id: str, prefix: str, base: str) -> None:
    kind = st.session_state[f"{prefix}__kind"]
    _write([add_op(day_id, kind, _values(prefix, edit_fields(kind)))], base)


def _add_member(circuit_id: str, prefix: str, base: str) -> None:
    _write([add_member_op(circuit_id, _values(prefix, edit_fields("member")))], base)


def pick(label: str, by_id: dict[str, Any], describe: Callable[[str], str], key: str, memory: str) -> str | None:
    """A picker by name that reopens on the element picked last (its key carries the hash, so after a save it is new)."""
    options = list(by_id)
    last = st.session_state.get(memory)
    picked = st.selectbox(
        label, options, index=options.index(last) if last in by_id else 0, format_func=describe, key=key
    )
    st.session_state[memory] = picked
    return picked


def control(spec: FieldSpec, key: str, value: Any = None) -> Any:
    """The control for one field, prefilled with `value`, with the op table's limits and words."""
    label = f"{spec.label} ({spec.words})"
    if spec.json_type == "integer":
        return st.number_input(label, min_value=spec.minimum, max_value=spec.maximum, value=value, key=key)
    return st.text_input(label, value=value or "", max_chars=spec.max_length, key=key)


def controls(names: tuple[str, ...], prefix: str, element: Block | Member | None = None) -> None:
    """One control per field under `prefix`, prefilled from `element` when it edits one (blank when it adds)."""
    for name in names:
        control(FIELDS[name], f"{prefix}__{name}", None if element is None else getattr(element, name))


COLUMNS = ["ID", "Exercise", "Sets", "Reps", "Weight", "Rest s", "Minutes", "Distance m", "Target", "Notes"]


def day_rows(day: Day) -> pd.DataFrame:
    """One row per block (sessions by their sport and name); circuit members follow their circuit, indented with ↳."""
    rows = []
    for b in day.blocks:
        name = b.title + (" (circuit)" if b.kind == "circuit" else "")
        values = [b.block_id, name, b.sets, b.reps, b.weight, b.rest_s, b.duration_min, b.distance_m, b.target, b.notes]
        rows.append(dict(zip(COLUMNS, values, strict=True)))
        rows += [{"ID": m.member_id, "Exercise": f"↳ {m.exercise}", "Reps": m.reps, "Weight": m.weight,
                  "Notes": m.notes} for m in b.members]  # fmt: skip
    frame = pd.DataFrame(rows, columns=COLUMNS)
    numbers = ["Sets", "Rest s", "Minutes", "Distance m"]
    frame[numbers] = frame[numbers].astype("Float64").astype("Int64")
    return frame.astype("string").fillna("")  # blank, not "None", where a field does not apply


def member_editor(circuit: Block, base: str) -> None:
    """A circuit's members by ID and name: edit one (prefilled), remove it, or add one to this circuit."""
    tag = f"{circuit.block_id}_{short_hash(base)}"
    by_id = {m.member_id: m for m in circuit.members}
    with st.container(border=True, key=f"plan_members_{tag}"):
        st.text(f"Members of {circuit.block_id} · {circuit.exercise}")
        describe = lambda i: member_label(circuit, by_id[i])  # noqa: E731
        picked = pick("Member", by_id, describe, f"plan_member_pick_{tag}", f"plan_open_{circuit.block_id}")
        if picked is not None:
            member, prefix = by_id[picked], f"plan__{picked}_{short_hash(base)}"
            controls(edit_fields("member"), prefix, member)
            cols = st.columns(2)
            save_args = (member, "member", prefix, base)
            cols[0].button("Save member", key=f"plan_member_save_{tag}", on_click=_save, args=save_args)
            op = {"op": "remove_member", "member_id": picked}
            cols[1].button("Remove member", key=f"plan_member_remove_{tag}", on_click=_write, args=([op], base))
        st.divider()
        prefix = f"plan__addm_{tag}"
        controls(edit_fields("member"), prefix)
        add_args = (circuit.block_id, prefix, base)
        st.button("Add member", key=f"plan_member_add_{tag}", on_click=_add_member, args=add_args)


def day_editor(day: Day, base: str) -> None:
    """Per-day controls: edit, remove or move a block picked by name (a circuit's members too), add a block, relabel the day."""
    tag = f"{day.day_id}_{short_hash(base)}"
    with st.expander(f"Edit {day.label}"):
        by_id = {b.block_id: b for b in day.blocks}
        describe = lambda i: block_label(day, by_id[i])  # noqa: E731
        picked = pick("Block", by_id, describe, f"plan_pick_{tag}", f"plan_open_{day.day_id}")
        if picked is not None:
            block, prefix = by_id[picked], f"plan__{picked}_{short_hash(base)}"
            controls(edit_fields(block.kind), prefix, block)
            cols = st.columns(3)
            cols[0].button("Save", key=f"plan_save_{tag}", on_click=_save, args=(block, block.kind, prefix, base))
            op = {"op": "remove_block", "block_id": picked}
            cols[1].button("Remove", key=f"plan_remove_{tag}", on_click=_write, args=([op], base))
            to = cols[2].selectbox("Move to", DAY_IDS, index=DAY_IDS.index(day.day_id), format_func=day_label,
                                   key=f"plan_move_to_{tag}")  # fmt: skip
            move = {"op": "move_block", "block_id": picked, "day_id": to}
            cols[2].button("Move", key=f"plan_move_{tag}", on_click=_write, args=([move], base))
            if block.kind == "circuit":
                member_editor(block, base)
        st.divider()
        prefix = f"plan__add_{tag}"
        kind = st.selectbox(f"Add to {day.label}", KINDS, key=f"{prefix}__kind")
        controls(edit_fields(kind), prefix)
        st.button("Add block", key=f"plan_add_{tag}", on_click=_add_block, args=(day.day_id, prefix, base))
        st.divider()
        control(FIELDS["focus"], f"plan__focus_{tag}__focus", day.focus)
        focus = lambda: _write([focus_op(day.day_id, st.session_state[f"plan__focus_{tag}__focus"])], base)  # noqa: E731
        st.button("Save label", key=f"plan_focus_{tag}", on_click=focus)


def draw_plan(plan: Plan, base: str) -> None:
    for day in plan.days:
        st.subheader(f"{day.day_id} · {day.label}")
        st.text(f"Focus: {day.focus}" if day.focus else "No focus")
        if day.blocks:
            st.dataframe(day_rows(day), hide_index=True, key=f"plan_day_{day.day_id}")
        else:
            st.caption("Rest day: no blocks.")
        day_editor(day, base)


st.title("Weekly plan")
st.caption("Every element has a stable ID the model edits by; every change below is a recorded version.")
chat_open = st.toggle(
    "Coach chat beside the plan", key="plan_chat_open", help="The model's plan edits show here at once"
)
main, side = st.columns([3, 2], gap="large") if chat_open else (st.container(), None)
if side is not None:
    with side:  # before the plan is read, so an edit made by this turn is drawn in this run
        chat_panel.chat_panel("plan_chat")
con = page_state.connection().cursor()
head, plan = plan_head(con, athlete), load_plan(con, athlete)

with main:
    cols = st.columns(4) if side is None else st.columns(2) + st.columns(2)  # a narrower plan: two rows of two
    cols[0].metric("Version", f"v{head.version}")
    cols[1].metric("Plan hash", head.plan_hash[:8], help=head.plan_hash)
    cols[2].metric("Blocks · members", f"{plan.block_count()} · {plan.member_count()}")
    tokens = count_tokens(format_plan_context(plan, head.plan_hash, head.version), page_state.encoding())
    cols[3].metric("Full-plan context", f"{tokens} tokens")

    outcome = st.session_state.pop(RESULT, None)
    if outcome is not None:
        kind, text = outcome
        if kind == "error":
            st.error(f"Refused; nothing was changed. Showing the current plan v{head.version}.")
            st.code(text, language=None, wrap_lines=True)
        else:
            getattr(st, kind)(f"v{head.version} · plan {head.plan_hash[:8]}")
            st.code(text, language=None, wrap_lines=True)

    with st.container(key="plan_main"):
        draw_plan(plan, head.plan_hash)
