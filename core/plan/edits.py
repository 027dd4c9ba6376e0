"""Coach edits as ops: what a coach reads for each block, and the op a page's prefilled controls turn into.

The page shows names ("Mon · Bench Press 4×6-8@155lbs"), not IDs or op names; what it
sends is still an ordinary op for `core.plan.store.apply_ops`. Which controls a block gets
come from its kind (`core.plan.model.kind_fields`), their limits from the op table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.plan.model import BLOCK_EDITABLE, Block, Day, kind_fields
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


def edit_fields(kind: str) -> tuple[str, ...]:
    """The fields a coach edits on a block of this kind, in display order."""
    return tuple(n for n in kind_fields(kind) if n in BLOCK_EDITABLE)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
    return None if value == "" else value


def update_op(block: Block, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """An update_block op with only the fields whose value differs from the block's (blank clears); None if none do."""
    changed = {k: _cleaned(v) for k, v in values.items() if _cleaned(v) != getattr(block, k)}
    return {"op": "update_block", "block_id": block.block_id, **changed} if changed else None


def add_op(day_id: str, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """An add_block op for a day from a coach's filled fields (blank fields left out)."""
    given = {k: _cleaned(v) for k, v in values.items()}
    return {"op": "add_block", "day_id": day_id, "kind": kind, **{k: v for k, v in given.items() if v is not None}}


def focus_op(day_id: str, focus: str | None) -> dict[str, Any]:
    """A set_day_focus op; a blank focus clears the label."""
    return {"op": "set_day_focus", "day_id": day_id, "focus": _cleaned(focus)}
