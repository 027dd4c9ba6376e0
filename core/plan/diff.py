"""Structured diffs between two plans, their human rendering, and the plan context the model gets.

Elements are matched by stable ID, so a renamed exercise is a change of `b_42`,
not a removal plus an addition. A block counts as *moved* when its day changes or
its order relative to the other surviving blocks of the day changes; blocks that
merely shift because a neighbour was added or removed are not reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.plan.model import Block, Day, Member, Plan, short_hash
from core.tokens import DEFAULT_ENCODING, count_tokens

UNCHANGED_TEXT = "Plan unchanged since last interaction"
_SPECIAL = set(';[]{}|@×"\n\r#')


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ElementChange:
    """One added / removed / moved / changed day, block or member."""

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


def _name(text: str) -> str:
    """Exercise names as-is unless they contain notation characters; then JSON-quoted."""
    return json.dumps(text, ensure_ascii=False) if set(text) & _SPECIAL else text


def format_member(member: Member) -> str:
    parts = f"{member.member_id} {_name(member.exercise)}"
    if member.reps:
        parts += f" {member.reps}"
    if member.weight:
        parts += f"@{member.weight}"
    if member.notes:
        parts += f" #{json.dumps(member.notes, ensure_ascii=False)}"
    return parts


def format_block(block: Block) -> str:
    """`b_1 Bench Press 4×8-10@185lbs r90`; circuits `b_5 Finisher C×3 [m_1 Burpee 10@BW, ...]`."""
    if block.kind == "circuit":
        text = f"{block.block_id} {_name(block.exercise)} C×{block.sets}"
    else:
        text = f"{block.block_id} {_name(block.exercise)} {block.sets}×{block.reps}"
        if block.weight:
            text += f"@{block.weight}"
    if block.rest_s is not None:
        text += f" r{block.rest_s}"
    if block.notes:
        text += f" #{json.dumps(block.notes, ensure_ascii=False)}"
    if block.kind == "circuit":
        text += " [" + ", ".join(format_member(m) for m in block.members) + "]"
    return text


def format_day(day: Day) -> str:
    head = f"{day.day_id} {day.label}"
    if day.focus:
        head += f" {_name(day.focus)}"
    if not day.blocks:
        return f"{head}: rest"
    return f"{head}: " + "; ".join(format_block(b) for b in day.blocks)


def format_plan_context(plan: Plan, plan_hash_value: str, version: int) -> str:
    """The full plan as the model sees it: compact, one line per day, every ID visible."""
    header = f"Plan {short_hash(plan_hash_value)} v{version} (sets×reps@load, r=rest s, C×=circuit rounds)"
    return "\n".join([header, *(format_day(d) for d in plan.days)])


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
    """Every difference from `old` to `new`, matched by stable ID, in plan order."""
    changes: list[ElementChange] = []
    for old_day, new_day in zip(old.days, new.days, strict=True):
        if old_day.focus != new_day.focus:
            changes.append(
                ElementChange(
                    "day",
                    "changed",
                    new_day.day_id,
                    new_day.label,
                    (FieldChange("focus", old_day.focus, new_day.focus),),
                )
            )
    old_blocks, new_blocks = _index_blocks(old), _index_blocks(new)
    moved: set[str] = set()
    for day_old, day_new in zip(old.days, new.days, strict=True):
        common_old = [
            b.block_id
            for b in day_old.blocks
            if b.block_id in new_blocks and new_blocks[b.block_id][0].day_id == day_old.day_id
        ]
        common_new = [
            b.block_id
            for b in day_new.blocks
            if b.block_id in old_blocks and old_blocks[b.block_id][0].day_id == day_new.day_id
        ]
        moved |= _out_of_order(common_old, common_new)
    for block_id, (day, _, block) in old_blocks.items():
        if block_id not in new_blocks:
            changes.append(
                ElementChange("block", "removed", block_id, f"{day.label} {block.exercise}", detail=format_block(block))
            )
    for block_id, (day, position, block) in new_blocks.items():
        label = f"{day.label} {block.exercise}"
        if block_id not in old_blocks:
            changes.append(
                ElementChange(
                    "block", "added", block_id, label, detail=f"{day.day_id} #{position}: {format_block(block)}"
                )
            )
            continue
        old_day, old_position, old_block = old_blocks[block_id]
        if old_day.day_id != day.day_id or block_id in moved:
            changes.append(
                ElementChange(
                    "block", "moved", block_id, label, detail=f"{old_day.label}#{old_position}→{day.label}#{position}"
                )
            )
        fields = _fields(old_block, block, ("exercise", "kind", "sets", "reps", "weight", "rest_s", "notes"))
        if fields:
            changes.append(ElementChange("block", "changed", block_id, f"{old_day.label} {old_block.exercise}", fields))
    old_members, new_members = _index_members(old), _index_members(new)
    moved_members: set[str] = set()
    for block_id, (_, _, block) in new_blocks.items():
        if block_id in old_blocks:
            old_block = old_blocks[block_id][2]
            moved_members |= _out_of_order(
                [
                    m.member_id
                    for m in old_block.members
                    if m.member_id in new_members and new_members[m.member_id][1].block_id == block_id
                ],
                [
                    m.member_id
                    for m in block.members
                    if m.member_id in old_members and old_members[m.member_id][1].block_id == block_id
                ],
            )
    for member_id, (day, block, _, member) in old_members.items():
        if member_id not in new_members and block.block_id in new_blocks:
            changes.append(
                ElementChange(
                    "member",
                    "removed",
                    member_id,
                    f"{day.label} {block.exercise} / {member.exercise}",
                    detail=format_member(member),
                )
            )
    for member_id, (day, block, position, member) in new_members.items():
        label = f"{day.label} {block.exercise} / {member.exercise}"
        if member_id not in old_members:
            if block.block_id in old_blocks:
                changes.append(
                    ElementChange(
                        "member",
                        "added",
                        member_id,
                        label,
                        detail=f"{block.block_id} #{position}: {format_member(member)}",
                    )
                )
            continue
        _, old_block, old_position, old_member = old_members[member_id]
        if old_block.block_id != block.block_id or member_id in moved_members:
            changes.append(
                ElementChange(
                    "member",
                    "moved",
                    member_id,
                    label,
                    detail=f"{old_block.block_id}#{old_position}→{block.block_id}#{position}",
                )
            )
        fields = _fields(old_member, member, ("exercise", "reps", "weight", "notes"))
        if fields:
            changes.append(ElementChange("member", "changed", member_id, label, fields))
    return PlanDiff(changes=tuple(changes))


def _show(value: Any) -> str:
    return "none" if value is None else str(value)


def render_change(change: ElementChange) -> str:
    """One short line: `b_42 (Mon Bench Press) sets 3→4`, `b_43 added (Mon Face Pull): day_1 #4: ...`."""
    head = f"{change.element_id} ({change.label})"
    if change.change == "changed":
        return f"{head} " + ", ".join(f"{f.field} {_show(f.old)}→{_show(f.new)}" for f in change.fields)
    if change.change == "moved":
        return f"{head} moved {change.detail}"
    if change.change == "added":
        return f"{change.element_id} added {change.detail}"
    return f"{head} removed"


def render_diff(diff: PlanDiff) -> list[str]:
    """The diff as one human-readable line per change (same lines the model gets as delta)."""
    return [render_change(c) for c in diff.changes]


@dataclass(frozen=True)
class PlanContext:
    """What the model is sent about the plan, and what it costs.

    mode: 'unchanged' | 'delta' | 'full'. `full_tokens` is always the full plan's
    cost, so callers can show the reduction; `reason` says why full was used.
    """

    mode: str
    text: str
    tokens: int
    full_tokens: int
    delta_tokens: int | None
    reason: str
    base_hash: str | None
    current_hash: str
    diff: PlanDiff | None = None

    @property
    def is_single_block_edit(self) -> bool:
        """True when exactly one existing block changed (one `update_block`), nothing else."""
        return (
            self.diff is not None
            and len(self.diff.changes) == 1
            and self.diff.changes[0].element == "block"
            and (self.diff.changes[0].change == "changed")
        )

    @property
    def reduction(self) -> float:
        """Share of full-plan tokens saved, 0..1."""
        return 1 - self.tokens / self.full_tokens if self.full_tokens else 0.0


def delta_text(diff: PlanDiff) -> str:
    """`Plan changes:` then one line per change.

    No hash here on purpose: the server records the hash each interaction showed,
    and the tool executor uses it as the base when a call gives none, so the model
    never pays tokens for the concurrency token (the full plan's header still shows it).
    """
    return "\n".join(["Plan changes:", *render_diff(diff)])


def build_plan_context(
    current: Plan,
    current_hash: str,
    version: int,
    base: Plan | None,
    base_hash: str | None,
    base_version: int | None,
    encoding: str = DEFAULT_ENCODING,
) -> PlanContext:
    """Delta since `base` when it is known and cheaper; else the full plan, saying why."""
    full = format_plan_context(current, current_hash, version)
    full_tokens = count_tokens(full, encoding)
    if base_hash is not None and base_hash == current_hash:
        tokens = count_tokens(UNCHANGED_TEXT, encoding)
        return PlanContext(
            "unchanged",
            UNCHANGED_TEXT,
            tokens,
            full_tokens,
            tokens,
            "same hash as last interaction",
            base_hash,
            current_hash,
            PlanDiff(()),
        )
    if base is None or base_hash is None or base_version is None:
        reason = (
            "no earlier interaction"
            if base_hash is None
            else f"base plan {short_hash(base_hash)} is not a known version"
        )
        text = f"Full plan ({reason}):\n{full}"
        return PlanContext(
            "full", text, count_tokens(text, encoding), full_tokens, None, reason, base_hash, current_hash
        )
    diff = diff_plans(base, current)
    delta = delta_text(diff)
    delta_tokens = count_tokens(delta, encoding)
    if delta_tokens > full_tokens:
        reason = f"delta would cost {delta_tokens} tokens, more than the full plan's {full_tokens}"
        text = f"Full plan ({reason}):\n{full}"
        return PlanContext(
            "full", text, count_tokens(text, encoding), full_tokens, delta_tokens, reason, base_hash, current_hash, diff
        )
    return PlanContext("delta", delta, delta_tokens, full_tokens, delta_tokens, "", base_hash, current_hash, diff)
