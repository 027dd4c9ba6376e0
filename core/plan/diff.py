"""Structured diffs between two plans, and their one-line-per-change rendering (the model's delta).

Elements are matched by stable ID, so a renamed exercise is a change of `b_42`,
not a removal plus an addition. A block counts as *moved* when its day changes or
its order relative to the other surviving blocks of the day changes; blocks that
merely shift because a neighbour was added or removed are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.plan.model import BLOCK_SCALARS, MEMBER_SCALARS, Block, Day, Member, Plan
from core.plan.text import element_label, field_changes, format_block, format_member


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ElementChange:
    """One added / removed / moved / changed day, block or member; `label` is already safe model text."""

    element: str  # 'day' | 'block' | 'member'
    change: str  # 'added' | 'removed' | 'moved' | 'changed'
    element_id: str
    label: str
    fields: tuple[FieldChange, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class PlanDiff:
    changes: tuple[ElementChange, ...]

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def of(self, element: str, change: str) -> list[ElementChange]:
        return [c for c in self.changes if c.element == element and c.change == change]

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [
                {
                    "element": c.element,
                    "change": c.change,
                    "id": c.element_id,
                    "label": c.label,
                    "fields": {f.field: [f.old, f.new] for f in c.fields},
                    "detail": c.detail,
                }
                for c in self.changes
            ]
        }


def _index_blocks(plan: Plan) -> dict[str, tuple[Day, int, Block]]:
    return {b.block_id: (d, i, b) for d, i, b in plan.blocks()}


def _index_members(plan: Plan) -> dict[str, tuple[Day, Block, int, Member]]:
    return {m.member_id: (d, b, i, m) for d in plan.days for b in d.blocks for i, m in enumerate(b.members, start=1)}


def _out_of_order(old_order: list[str], new_order: list[str]) -> set[str]:
    """IDs (present in both lists) not on a longest common increasing run: the ones that moved."""
    rank = {element: i for i, element in enumerate(old_order)}
    seq = [rank[e] for e in new_order if e in rank]
    ids = [e for e in new_order if e in rank]
    # Longest increasing subsequence, O(n^2) is plenty for a weekly plan.
    best = [1] * len(seq)
    prev = [-1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    keep: set[str] = set()
    i = max(range(len(seq)), key=best.__getitem__, default=-1)
    while i >= 0:
        keep.add(ids[i])
        i = prev[i]
    return set(ids) - keep


def _fields(old: Any, new: Any, names: tuple[str, ...]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(n, getattr(old, n), getattr(new, n)) for n in names if getattr(old, n) != getattr(new, n))


def diff_plans(old: Plan, new: Plan) -> PlanDiff:
    """Every difference from `old` to `new`, matched by stable ID, in plan order: days, blocks, members."""
    return PlanDiff(changes=(*_day_changes(old, new), *_block_changes(old, new), *_member_changes(old, new)))


def _day_changes(old: Plan, new: Plan) -> list[ElementChange]:
    return [
        ElementChange("day", "changed", b.day_id, b.label, (FieldChange("focus", a.focus, b.focus),))
        for a, b in zip(old.days, new.days, strict=True)
        if a.focus != b.focus
    ]


def _on_day(index: dict[str, tuple[Day, int, Block]], block_id: str, day_id: str) -> bool:
    return block_id in index and index[block_id][0].day_id == day_id


def _moved_blocks(old: Plan, new: Plan) -> set[str]:
    """Blocks that stayed on their day but changed order relative to the other staying blocks."""
    old_blocks, new_blocks = _index_blocks(old), _index_blocks(new)
    moved: set[str] = set()
    for day_old, day_new in zip(old.days, new.days, strict=True):
        stay_old = [b.block_id for b in day_old.blocks if _on_day(new_blocks, b.block_id, day_old.day_id)]
        stay_new = [b.block_id for b in day_new.blocks if _on_day(old_blocks, b.block_id, day_new.day_id)]
        moved |= _out_of_order(stay_old, stay_new)
    return moved


def _block_changes(old: Plan, new: Plan) -> list[ElementChange]:
    old_blocks, new_blocks = _index_blocks(old), _index_blocks(new)
    moved = _moved_blocks(old, new)
    changes = [
        ElementChange("block", "removed", i, element_label(d.day_id, b.kind, b.exercise), detail=format_block(b))
        for i, (d, _, b) in old_blocks.items()
        if i not in new_blocks
    ]
    for block_id, (day, position, block) in new_blocks.items():
        label = element_label(day.day_id, block.kind, block.exercise)
        if block_id not in old_blocks:
            detail = f"{day.day_id} #{position}: {format_block(block)}"
            changes.append(ElementChange("block", "added", block_id, label, detail=detail))
            continue
        old_day, old_position, old_block = old_blocks[block_id]
        if old_day.day_id != day.day_id or block_id in moved:
            detail = f"{old_day.label}#{old_position}→{day.label}#{position}"
            changes.append(ElementChange("block", "moved", block_id, label, detail=detail))
        fields = _fields(old_block, block, BLOCK_SCALARS[1:])
        if fields:
            old_label = element_label(old_day.day_id, old_block.kind, old_block.exercise)
            changes.append(ElementChange("block", "changed", block_id, old_label, fields))
    return changes


def _moved_members(old: Plan, new: Plan) -> set[str]:
    old_blocks, old_members, new_members = _index_blocks(old), _index_members(old), _index_members(new)
    moved: set[str] = set()
    for block_id, (_, _, block) in _index_blocks(new).items():
        if block_id in old_blocks:
            stay_old = [m.member_id for m in old_blocks[block_id][2].members]
            stay_new = [m.member_id for m in block.members]
            moved |= _out_of_order(
                [i for i in stay_old if i in new_members and new_members[i][1].block_id == block_id],
                [i for i in stay_new if i in old_members and old_members[i][1].block_id == block_id],
            )
    return moved


def _member_changes(old: Plan, new: Plan) -> list[ElementChange]:
    old_blocks, new_blocks = _index_blocks(old), _index_blocks(new)
    old_members, new_members = _index_members(old), _index_members(new)
    moved = _moved_members(old, new)
    changes = [
        ElementChange(
            "member", "removed", i, element_label(d.day_id, b.kind, b.exercise, m.exercise), detail=format_member(m)
        )
        for i, (d, b, _, m) in old_members.items()
        if i not in new_members and b.block_id in new_blocks
    ]
    for member_id, (day, block, position, member) in new_members.items():
        label = element_label(day.day_id, block.kind, block.exercise, member.exercise)
        if member_id not in old_members:
            if block.block_id in old_blocks:
                detail = f"{block.block_id} #{position}: {format_member(member)}"
                changes.append(ElementChange("member", "added", member_id, label, detail=detail))
            continue
        _, old_block, old_position, old_member = old_members[member_id]
        if old_block.block_id != block.block_id or member_id in moved:
            detail = f"{old_block.block_id}#{old_position}→{block.block_id}#{position}"
            changes.append(ElementChange("member", "moved", member_id, label, detail=detail))
        fields = _fields(old_member, member, MEMBER_SCALARS[1:])
        if fields:
            changes.append(ElementChange("member", "changed", member_id, label, fields))
    return changes


def render_change(change: ElementChange) -> str:
    """One short line: `b_42 (Mon Bench Press) sets 3→4`, `b_43 added day_1 #4: ...`."""
    head = f"{change.element_id} ({change.label})"
    if change.change == "changed":
        return f"{head} " + field_changes({f.field: (f.old, f.new) for f in change.fields})
    if change.change == "moved":
        return f"{head} moved {change.detail}"
    if change.change == "added":
        return f"{change.element_id} added {change.detail}"
    return f"{head} removed"


def plain_change(change: ElementChange) -> str:
    """The line a coach reads: `Fri Ride Easy: duration_min 35→45`, `Sat Ride Recovery added`. No IDs, which are
    for the model and the developer view; a block's move keeps its days, a member's its circuit's name."""
    if change.change == "changed":
        return f"{change.label}: " + field_changes({f.field: (f.old, f.new) for f in change.fields})
    if change.change == "moved" and change.element != "member":
        return f"{change.label} moved {change.detail}"
    return f"{change.label} {change.change}"


def render_diff(diff: PlanDiff) -> list[str]:
    """The diff as one line per change (the same lines the model gets as delta)."""
    return [render_change(c) for c in diff.changes]
