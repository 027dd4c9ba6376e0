"""Coach edits as ops: what a coach reads for each block, and the op a page's prefilled controls turn into.

The page shows names ("Mon · Bench Press 4×6-8@155lbs"), not IDs or op names; what it
sends is still an ordinary op for `core.plan.store.apply_ops`. Which controls a block gets
come from its kind (`core.plan.model.kind_fields`), a circuit member's from `MEMBER_EDITABLE`,
their limits from the op table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.plan.model import BLOCK_EDITABLE, MEMBER_EDITABLE, Block, Day, Member, kind_fields
from core.plan.text import session_amounts


def block_summary(block: Block) -> str:
    """Plain text for people (never fed to the model): `Bench Press 4×6-8@155lbs`, `Core C×3`, `Run Tempo 45min Z3`."""
    if block.is_session:
        return " ".join([block.title, *session_amounts(block)])
    if block.kind == "circuit":
        return f"{block.exercise} C×{block.sets}"
    return f"{block.exercise} {block.sets}×{block.reps}" + (f"@{block.weight}" if block.weight else "")


def block_label(day: Day, block: Block) -> str:
    """`Mon · Bench Press 4×6-8@155lbs`: how a block is offered in a picker."""
    return f"{day.label} · {block_summary(block)}"


def member_label(circuit: Block, member: Member) -> str:
    """`m_3 · Ab Wheel Rollout 3×10@BW`: a circuit member offered by ID and name, rounds × reps."""
    rounds = f"{circuit.sets}×" if circuit.sets else ""
    amount = f" {rounds}{member.reps}" if member.reps else ""
    return f"{member.member_id} · {member.exercise}{amount}" + (f"@{member.weight}" if member.weight else "")


def edit_fields(kind: str) -> tuple[str, ...]:
    """The fields a coach edits on a block of this kind (`member`: a circuit member), in display order."""
    if kind == "member":
        return MEMBER_EDITABLE
    return tuple(n for n in kind_fields(kind) if n in BLOCK_EDITABLE)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
    return None if value == "" else value


def _filled(values: Mapping[str, Any]) -> dict[str, Any]:
    given = {k: _cleaned(v) for k, v in values.items()}
    return {k: v for k, v in given.items() if v is not None}


def update_op(element: Block | Member, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """An update_block / update_member op with only the fields that differ (blank clears); None if none do."""
    changed = {k: _cleaned(v) for k, v in values.items() if _cleaned(v) != getattr(element, k)}
    if not changed:
        return None
    if isinstance(element, Member):
        return {"op": "update_member", "member_id": element.member_id, **changed}
    return {"op": "update_block", "block_id": element.block_id, **changed}


def add_op(day_id: str, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """An add_block op for a day from a coach's filled fields (blank fields left out)."""
    return {"op": "add_block", "day_id": day_id, "kind": kind, **_filled(values)}


def add_member_op(circuit_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """An add_member op appending to a circuit from a coach's filled fields (blank fields left out)."""
    return {"op": "add_member", "block_id": circuit_id, **_filled(values)}


def focus_op(day_id: str, focus: str | None) -> dict[str, Any]:
    """A set_day_focus op; a blank focus clears the label."""
    return {"op": "set_day_focus", "day_id": day_id, "focus": _cleaned(focus)}
