"""Weekly plan: the week in dates with planned versus completed and totals, each day's blocks edited in place, by name.

Edits run in button callbacks, before the page is drawn, so the header, rows and controls
of this very run already show the new version. The outcome is drawn inside the day's edit panel,
beside the button pressed (a refused field's reason under that field); the panel has a key, so it
stays open however the page around it changes. IDs, the hash and token counts show only in the
developer view. Each edit is based on the hash the page
showed when the button was drawn: a change made meanwhile (another session, the AI) is
refused as stale, naming it. Controls come from the op table (limits) and the block's kind
(which fields); a picked circuit also lists its members to edit, remove or add. Keys carry
the plan hash, so after a save they start from the new values.
User text is drawn with st.text / dataframes, never as markdown.
"""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from core.errors import CoachError
from core.plan.compliance import DayCompliance, Totals, week_compliance, week_totals
from core.plan.edits import add_member_op, add_op, block_label, edit_fields, focus_op, member_label, update_op
from core.plan.model import DAY_IDS, KINDS, Block, Day, Member, Plan, PlanValidationError, short_hash
from core.plan.op_table import FIELDS, FieldSpec
from core.plan.store import apply_ops, latest_version, load_plan, plan_head
from core.plan.text import format_plan_context
from core.tokens import count_tokens
from ui import gate, page_state
from ui.html_views import figures_html
from ui.theme import fit_width

# The last edit's outcome ({athlete, day, slot, kind, text, field, prefix}), drawn where it was made. It stays until
# the next edit (or another athlete is picked), so a rerun in between cannot take it away before it is read.
RESULT = "plan_result"
COMPLIANCE_COLOURS = {"green": "#c7e9c0", "yellow": "#fee391", "red": "#fcbba1"}  # TrainingPeaks' three colours
BADGE_COLOURS = {"green": "green", "yellow": "orange", "red": "red", "": "gray"}
FIELD_PROBLEM = re.compile(r"^(?:op \d+ \([a-z_]+\): )?(?:members\[\d+\]\.)?([a-z_]+): (.*)$")
athlete = page_state.athlete_id()


def _panel(day_id: str) -> str:
    return f"plan_edit_{day_id}"


def _outcome(day_id: str, slot: str, kind: str, text: str, prefix: str | None = None, field: str | None = None) -> None:
    st.session_state[RESULT] = {
        "athlete": athlete,
        "day": day_id,
        "slot": slot,
        "kind": kind,
        "text": text,
        "prefix": prefix,
        "field": field,
    }
    st.session_state[_panel(day_id)] = True  # the panel the edit came from stays open


def _write(ops: list[dict[str, Any]], base: str, day_id: str, slot: str, prefix: str | None = None) -> None:
    """Apply one coach edit through the write path; the outcome is drawn beside the action by the run that follows."""
    try:
        with page_state.writing() as writer:
            before = plan_head(writer, athlete).version
            apply_ops(writer, athlete, ops, base, "coach", actor=gate.actor())
            latest = latest_version(writer, athlete)
        if latest is None or latest.version == before:
            _outcome(day_id, slot, "info", "No change: the plan already says that.")
        else:
            text = f"Saved as v{latest.version}: {'; '.join(latest.summary)}"
            _outcome(day_id, slot, "success", text)
            st.toast(f"Plan v{latest.version} saved", icon=":material/check_circle:")
    except PlanValidationError as exc:
        found = FIELD_PROBLEM.match(exc.problems[0]) if len(exc.problems) == 1 else None
        field = found.group(1) if found and prefix and found.group(1) in FIELDS else None
        _outcome(day_id, slot, "error", str(exc), prefix, field)
    except CoachError as exc:
        _outcome(day_id, slot, "error", str(exc))


def _values(prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: st.session_state.get(f"{prefix}__{name}") for name in names}


def _save(element: Block | Member, kind: str, prefix: str, base: str, day_id: str, slot: str) -> None:
    op = update_op(element, _values(prefix, edit_fields(kind)))
    if op is None:
        _outcome(day_id, slot, "info", "No change: every field already holds that value.")
    else:
        _write([op], base, day_id, slot, prefix)


def _add_block(day_id: str, prefix: str, base: str) -> None:
    kind = st.session_state[f"{prefix}__kind"]
    _write([add_op(day_id, kind, _values(prefix, edit_fields(kind)))], base, day_id, "add", prefix)


def _add_member(circuit_id: str, prefix: str, base: str, day_id: str) -> None:
    _write([add_member_op(circuit_id, _values(prefix, edit_fields("member")))], base, day_id, "member_add", prefix)


def show_outcome(outcome: dict[str, Any] | None, day_id: str, slot: str, version: int) -> None:
    """The last edit's outcome, drawn beside the button that made it (nothing if it was made elsewhere)."""
    if outcome is None or (outcome["day"], outcome["slot"]) != (day_id, slot):
        return
    if outcome["kind"] == "error":
        st.error(f"Refused; nothing was changed. Showing the current plan v{version}.")
        if outcome["field"] is None:
            st.code(outcome["text"], language=None, wrap_lines=True)
    else:
        getattr(st, outcome["kind"])(outcome["text"])


def field_error(outcome: dict[str, Any] | None, prefix: str, name: str) -> None:
    """Under a field: the reason a save was refused, when that field was the problem."""
    if outcome and outcome["kind"] == "error" and (outcome["prefix"], outcome["field"]) == (prefix, name):
        found = FIELD_PROBLEM.match(outcome["text"])
        st.error(found.group(2) if found else outcome["text"], icon=":material/error:")


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


def controls(
    names: tuple[str, ...], prefix: str, element: Block | Member | None = None, outcome: dict[str, Any] | None = None
) -> None:
    """One control per field under `prefix`, prefilled from `element` when it edits one (blank when it adds); a field
    a save was refused for carries the reason under it."""
    for name in names:
        control(FIELDS[name], f"{prefix}__{name}", None if element is None else getattr(element, name))
        field_error(outcome, prefix, name)


# The table's headers are the edit fields' labels, so "Exercise" reads the same in both ("Easy", kind "ride").
COLUMNS = ["ID", "Kind", "Exercise", "Sets", "Reps", "Weight", "Rest s", "Minutes", "Distance m", "Target", "Notes"]


def day_rows(day: Day) -> pd.DataFrame:
    """One row per block (kind, then the name the edit field shows); circuit members follow their circuit, with ↳."""
    rows = []
    for b in day.blocks:
        values = [b.block_id, b.kind, b.exercise, b.sets, b.reps, b.weight, b.rest_s, b.duration_min, b.distance_m,
                  b.target, b.notes]  # fmt: skip
        rows.append(dict(zip(COLUMNS, values, strict=True)))
        rows += [{"ID": m.member_id, "Kind": "member", "Exercise": f"↳ {m.exercise}", "Reps": m.reps,
                  "Weight": m.weight, "Notes": m.notes} for m in b.members]  # fmt: skip
    frame = pd.DataFrame(rows, columns=COLUMNS)
    numbers = ["Sets", "Rest s", "Minutes", "Distance m"]
    frame[numbers] = frame[numbers].astype("Float64").astype("Int64")
    return frame.astype("string").fillna("")  # blank, not "None", where a field does not apply


def member_editor(circuit: Block, base: str, day_id: str, outcome: dict[str, Any] | None, version: int) -> None:
    """A circuit's members by name: edit one (prefilled), remove it, or add one to this circuit."""
    tag = f"{circuit.block_id}_{short_hash(base)}"
    by_id = {m.member_id: m for m in circuit.members}
    with st.container(border=True, key=f"plan_members_{tag}"):
        st.text(f"Members of {circuit.exercise}")
        describe = lambda i: member_label(circuit, by_id[i])  # noqa: E731
        picked = pick("Member", by_id, describe, f"plan_member_pick_{tag}", f"plan_open_{circuit.block_id}")
        if picked is not None:
            member, prefix = by_id[picked], f"plan__{picked}_{short_hash(base)}"
            controls(edit_fields("member"), prefix, member, outcome)
            cols = st.columns(2)
            save_args = (member, "member", prefix, base, day_id, "member")
            cols[0].button("Save member", key=f"plan_member_save_{tag}", on_click=_save, args=save_args)
            op = {"op": "remove_member", "member_id": picked}
            remove_args = ([op], base, day_id, "member")
            cols[1].button("Remove member", key=f"plan_member_remove_{tag}", on_click=_write, args=remove_args)
            show_outcome(outcome, day_id, "member", version)
        else:  # the circuit's last member was just removed: say so where its buttons were
            show_outcome(outcome, day_id, "member", version)
        st.divider()
        prefix = f"plan__addm_{tag}"
        controls(edit_fields("member"), prefix, None, outcome)
        add_args = (circuit.block_id, prefix, base, day_id)
        st.button("Add member", key=f"plan_member_add_{tag}", on_click=_add_member, args=add_args)
        show_outcome(outcome, day_id, "member_add", version)


def day_editor(day: Day, when: date, base: str, outcome: dict[str, Any] | None, version: int) -> None:
    """Per-day controls: edit, remove or move a block picked by name (a circuit's members too), add a block, relabel
    the day. Each outcome shows beside its button."""
    tag = f"{day.day_id}_{short_hash(base)}"
    with st.expander(f"Edit {day.label} {when:%d %b}", key=_panel(day.day_id), on_change="rerun"):
        by_id = {b.block_id: b for b in day.blocks}
        describe = lambda i: block_label(day, by_id[i])  # noqa: E731
        picked = pick("Block", by_id, describe, f"plan_pick_{tag}", f"plan_open_{day.day_id}")
        if picked is not None:
            block, prefix = by_id[picked], f"plan__{picked}_{short_hash(base)}"
            controls(edit_fields(block.kind), prefix, block, outcome)
            cols = st.columns(3)
            save_args = (block, block.kind, prefix, base, day.day_id, "block")
            cols[0].button("Save", key=f"plan_save_{tag}", on_click=_save, args=save_args)
            op = {"op": "remove_block", "block_id": picked}
            cols[1].button("Remove", key=f"plan_remove_{tag}", on_click=_write, args=([op], base, day.day_id, "block"))
            to = cols[2].selectbox("Move to", DAY_IDS, index=DAY_IDS.index(day.day_id), format_func=weekday_name,
                                   key=f"plan_move_to_{tag}")  # fmt: skip
            move = {"op": "move_block", "block_id": picked, "day_id": to}
            cols[2].button("Move", key=f"plan_move_{tag}", on_click=_write, args=([move], base, day.day_id, "block"))
            show_outcome(outcome, day.day_id, "block", version)
            if block.kind == "circuit":
                member_editor(block, base, day.day_id, outcome, version)
        else:  # the day's last block was just removed or moved: say so where its buttons were
            show_outcome(outcome, day.day_id, "block", version)
        st.divider()
        prefix = f"plan__add_{tag}"
        kind = st.selectbox(f"Add to {day.label}", KINDS, key=f"{prefix}__kind")
        controls(edit_fields(kind), prefix, None, outcome)
        st.button("Add block", key=f"plan_add_{tag}", on_click=_add_block, args=(day.day_id, prefix, base))
        show_outcome(outcome, day.day_id, "add", version)
        st.divider()
        focus_prefix = f"plan__focus_{tag}"
        control(FIELDS["focus"], f"{focus_prefix}__focus", day.focus)
        field_error(outcome, focus_prefix, "focus")
        focus = lambda: _write(  # noqa: E731
            [focus_op(day.day_id, st.session_state[f"{focus_prefix}__focus"])], base, day.day_id, "focus", focus_prefix
        )
        st.button("Save label", key=f"plan_focus_{tag}", on_click=focus)
        show_outcome(outcome, day.day_id, "focus", version)


def weekday_name(day_id: str) -> str:
    """'Mon' for day_1; with the ID in the developer view: 'day_1 (Mon)'."""
    name = Day(day_id).label
    return f"{day_id} ({name})" if developer else name


def totals_text(totals: Totals, *, with_load: bool = False) -> str:
    """'45 min · 2.2 km · 13 sets · load 600' (parts that are zero left out; '—' when all are)."""
    parts = [f"{totals.minutes:.0f} min" if totals.minutes else "", f"{totals.distance_m / 1000:.1f} km" if totals.distance_m else "",
             f"{totals.sets} sets" if totals.sets else "",
             f"load {totals.load:.0f}" if with_load and totals.load else ""]  # fmt: skip
    return " · ".join(p for p in parts if p) or "—"


def week_frame(days: list[DayCompliance], plan: Plan) -> pd.DataFrame:
    """One row per day and the week's totals: the verdict next to the date and the focus last, so that beside the
    chat (about 520 px of grid) what a coach reads first is in view and only the focus scrolls."""
    focus = {d.day_id: d.focus or "" for d in plan.days}
    rows = [
        {"Day": f"{d.date:%a %d %b}", "Compliance": d.verdict, "Planned": totals_text(d.planned),
         "Done": totals_text(d.done, with_load=True), "Focus": focus[d.day_id], "colour": d.colour}
        for d in days
    ]  # fmt: skip
    planned, done = week_totals(days)
    rows.append({"Day": "Week", "Compliance": "", "Planned": totals_text(planned),
                 "Done": totals_text(done, with_load=True), "Focus": "", "colour": ""})  # fmt: skip
    return pd.DataFrame(rows)


def draw_week(days: list[DayCompliance], plan: Plan) -> None:
    """The week at a glance, compliance in TrainingPeaks' colours; every column fits its longest value."""
    frame = week_frame(days, plan)
    colours = frame.pop("colour")
    styled = frame.style.apply(
        lambda column: [f"background-color: {COMPLIANCE_COLOURS.get(c, '')}" if c else "" for c in colours]
        if column.name == "Compliance" else [""] * len(column),
        axis=0,
    )  # fmt: skip
    config = {c: st.column_config.TextColumn(c, width=fit_width(frame[c], c)) for c in frame.columns}
    config["Day"] = st.column_config.TextColumn("Day", width=fit_width(frame.Day, "Day"), pinned=True)
    st.dataframe(styled, hide_index=True, column_config=config, key="plan_week")
    st.caption(
        "Compliance is completed against planned time (TrainingPeaks): green within ±20 %, yellow 50–79 % or "
        "121–150 %, red when missed or outside; strength counts as done when a strength workout was logged. "
        "Load is session-RPE (minutes × RPE) of what was done."
    )


# Numbers first, under short headers, so that with the chat beside the plan (about 530 px of grid at 1400 px) every
# number is in view and wide enough: none reads "18…". The exercise name is pinned on the left, cut if it must be.
NUMBER_LABELS = {"Sets": "Sets", "Reps": "Reps", "Weight": "Weight", "Rest s": "Rest s", "Minutes": "Min",
                 "Distance m": "Dist m"}  # fmt: skip
GRID_PX = 520  # the narrowest the day tables get (chat beside the plan at 1400 px), less a scrollbar's room
EXERCISE_MIN_PX = 90


def day_columns(rows: pd.DataFrame) -> tuple[dict[str, Any], list[str]]:
    """Column config and order for a day's table: the exercise pinned, then the numbers fitted to their values,
    then kind, target and notes (and the ID in the developer view)."""
    config: dict[str, Any] = {
        c: st.column_config.TextColumn(NUMBER_LABELS.get(c, c), width=fit_width(rows[c], NUMBER_LABELS.get(c, c)))
        for c in COLUMNS
    }
    numbers = sum(fit_width(rows[c], label) for c, label in NUMBER_LABELS.items())
    exercise = min(fit_width(rows.Exercise, "Exercise"), max(EXERCISE_MIN_PX, GRID_PX - numbers))
    config["Exercise"] = st.column_config.TextColumn("Exercise", width=exercise, pinned=True)
    if not developer:
        config["ID"] = None  # hidden: IDs are developer detail
    return config, ["ID"] * developer + ["Exercise", *NUMBER_LABELS, "Kind", "Target", "Notes"]


def draw_plan(plan: Plan, days: list[DayCompliance], base: str, outcome: dict[str, Any] | None, version: int) -> None:
    for day, judged in zip(plan.days, days, strict=True):
        title = f"{day.label} {judged.date:%d %b}"
        st.subheader(f"{day.day_id} · {title}" if developer else title)
        st.text(f"Focus: {day.focus}" if day.focus else "No focus")  # user text: never markdown
        st.badge(judged.verdict, color=BADGE_COLOURS[judged.colour])
        st.caption(f"Planned {totals_text(judged.planned)} · done {totals_text(judged.done, with_load=True)}")
        if day.blocks:
            rows = day_rows(day)
            config, order = day_columns(rows)
            st.dataframe(rows, hide_index=True, column_config=config, column_order=order, key=f"plan_day_{day.day_id}")
        else:
            st.caption("Rest day: no blocks.")
        day_editor(day, judged.date, base, outcome, version)


st.title("Weekly plan")
st.caption("The week in dates, planned against completed; every change below is a recorded version.")
top = st.columns([1, 1])
with top[0]:
    developer = page_state.developer_view("plan")
chat_open = top[1].toggle(
    "Coach chat beside the plan", key="plan_chat_open", help="The model's plan edits show here at once"
)
main, side = st.columns([3, 2], gap="large") if chat_open else (st.container(), None)
if side is not None:
    from ui import chat_panel  # imported only when shown: it loads the openai SDK (about 1 s of a first render)

    with side:  # before the plan is read, so an edit made by this turn is drawn in this run
        chat_panel.chat_panel("plan_chat")
con = page_state.connection().cursor()
head, plan = plan_head(con, athlete), load_plan(con, athlete)
week = week_compliance(con, athlete, plan)

with main:
    planned, done = week_totals(week)
    # The totals are lines of text, not st.metric values: a metric's big digits are cut with '…' once a total has
    # three or four parts, in a third of the column and more so beside the chat; text wraps instead.
    with st.container(key="plan_headline"):
        cols = st.columns([1, 5])
        cols[0].metric("Version", f"v{head.version}")
        cols[1].html(
            figures_html(
                [("Planned this week", totals_text(planned)), ("Done this week", totals_text(done, with_load=True))]
            )
        )
    if developer:
        cols = st.columns(3)
        cols[0].metric("Plan hash", head.plan_hash[:8], help=head.plan_hash)
        cols[1].metric("Blocks · members", f"{plan.block_count()} · {plan.member_count()}")
        tokens = count_tokens(format_plan_context(plan, head.plan_hash, head.version), page_state.encoding())
        cols[2].metric("Full-plan context", f"{tokens} tokens")
    outcome = st.session_state.get(RESULT)
    if outcome is not None and outcome["athlete"] != athlete:
        outcome = st.session_state[RESULT] = None
    with st.container(key="plan_main"):
        draw_week(week, plan)
        draw_plan(plan, week, head.plan_hash, outcome, head.version)
