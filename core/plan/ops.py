"""Plan operations as pure functions: validate a batch of ops against a plan and apply them in memory.

An op is a JSON-shaped dict `{"op": "update_block", "block_id": "b_42", "sets": 4}`;
which fields each op takes, and every field's limits, come from `core.plan.op_table`.
Ops apply in order, each seeing the plan the previous ones produced (so an
`add_member` may follow the `add_block` it targets only through a later batch,
because new IDs are assigned here). Every problem in the batch is collected
and raised together; the caller writes nothing unless the whole batch is valid.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.plan.model import (
    BLOCK_EDITABLE,
    DAY_IDS,
    MEMBER_EDITABLE,
    SESSION_KINDS,
    STRENGTH_KINDS,
    Plan,
    PlanValidationError,
    describe,
    key_name,
    kind_fields,
    max_ids,
    plan_from_canonical,
    plan_to_canonical,
)
from core.plan.op_table import (
    BLOCKS_PER_DAY_MAX,
    FIELDS,
    MEMBERS_MAX,
    OP_NAMES,
    OPS,
)
from core.plan.text import element_label, weekday_label

ONE_LINE_FIELDS = ("exercise", "focus")


@dataclass(frozen=True)
class OpsOutcome:
    """The plan after a valid batch, the advanced ID counters and one change entry per op."""

    plan: Plan
    next_block: int
    next_member: int
    entries: tuple[dict[str, Any], ...]


class _Invalid(Exception):
    """One op's problem; collected into PlanValidationError."""


def _value(op: Mapping[str, Any], key: str) -> Any:
    """A checked field value (per the op table); raises `_Invalid` naming the field."""
    spec, value = FIELDS[key], op[key]
    if value is None and spec.nullable:
        return None
    problem = spec.check(value)
    if problem:
        raise _Invalid(f"{key}: {problem}")
    return value.strip() if key in ONE_LINE_FIELDS else value


Element = dict[str, Any]  # a day, block or member of the plan being edited, as plain JSON


class _Working:
    """A mutable copy of the canonical plan with lookups by ID."""

    def __init__(self, plan: Plan, next_block: int, next_member: int, snapshots: Mapping[int, Plan]):
        self.data = plan_to_canonical(plan)
        self.snapshots = snapshots
        top_block, top_member = max_ids(plan)
        self.next_block = max(next_block, top_block + 1)
        self.next_member = max(next_member, top_member + 1)

    def day(self, day_id: Any) -> Element:
        if problem := FIELDS["day_id"].check(day_id):
            raise _Invalid(f"day_id: {problem}")
        day: dict[str, Any] = self.data["days"][DAY_IDS.index(day_id)]
        return day

    def block(self, block_id: Any) -> tuple[Element, Element]:
        if problem := FIELDS["block_id"].check(block_id):
            raise _Invalid(f"block_id: {problem}")
        for day in self.data["days"]:
            for block in day["blocks"]:
                if block["block_id"] == block_id:
                    return day, block
        raise _Invalid(f"block_id: unknown block {block_id!r} (not in this athlete's plan)")

    def member(self, member_id: Any) -> tuple[Element, Element, Element]:
        if problem := FIELDS["member_id"].check(member_id):
            raise _Invalid(f"member_id: {problem}")
        for day in self.data["days"]:
            for block in day["blocks"]:
                for member in block.get("members", ()):
                    if member["member_id"] == member_id:
                        return day, block, member
        raise _Invalid(f"member_id: unknown circuit member {member_id!r} (not in this athlete's plan)")

    def new_block_id(self) -> str:
        self.next_block += 1
        return f"b_{self.next_block - 1}"

    def new_member_id(self) -> str:
        self.next_member += 1
        return f"m_{self.next_member - 1}"


def _position(op: Mapping[str, Any], size: int) -> int:
    """1-based insert position, defaulting to the end; `size` is the list length after removal."""
    position = op.get("position")
    if position is None:
        return size + 1
    if problem := FIELDS["position"].check(position):
        raise _Invalid(f"position: {problem}")
    if position > size + 1:
        raise _Invalid(f"position: expected 1-{size + 1} (the list has {size}), got {position}")
    return int(position)


def _room(day: Element, adding: int = 1) -> None:
    if len(day["blocks"]) + adding > BLOCKS_PER_DAY_MAX:
        raise _Invalid(
            f"day_id: {day['day_id']} already has {len(day['blocks'])} blocks (at most {BLOCKS_PER_DAY_MAX})"
        )


def _label(day: Element, block: Element, member: Element | None = None) -> str:
    return element_label(
        day["day_id"], block["kind"], block["exercise"], None if member is None else member["exercise"]
    )


def _check_keys(op: Any) -> str:
    if not isinstance(op, Mapping):
        raise _Invalid(f"expected an object like {{'op': 'update_block', ...}}, got {describe(op)}")
    name = op.get("op")
    if not isinstance(name, str) or name not in OPS:
        raise _Invalid(f"op: unknown operation {describe(name)}; expected one of {', '.join(OP_NAMES)}")
    spec = OPS[name]
    missing = [k for k in spec.required if k not in op]
    if missing:
        raise _Invalid(f"{missing[0]}: required for {name}")
    unknown = sorted(key_name(k) for k in set(op) - set(spec.fields) - {"op"})
    if unknown:
        raise _Invalid(f"{unknown[0]}: not a field of {name}; expected {', '.join(spec.fields)}")
    if spec.any_of and not any(k in op for k in spec.optional):
        raise _Invalid(f"{name}: give at least one of {', '.join(spec.optional)}")
    return name


def _new_member(spec: Any, where: str) -> Element:
    if not isinstance(spec, Mapping):
        raise _Invalid(f"{where}: expected an object with {', '.join(MEMBER_EDITABLE)}, got {describe(spec)}")
    unknown = sorted(key_name(k) for k in set(spec) - set(MEMBER_EDITABLE))
    if unknown:
        raise _Invalid(f"{where}.{unknown[0]}: not a member field; expected {', '.join(MEMBER_EDITABLE)}")
    if "exercise" not in spec:
        raise _Invalid(f"{where}.exercise: required")
    member: Element = {"member_id": "", **dict.fromkeys(MEMBER_EDITABLE)}
    for key in MEMBER_EDITABLE:
        if key in spec:
            try:
                member[key] = _value(spec, key)
            except _Invalid as exc:
                raise _Invalid(f"{where}.{exc}") from None
    return member


KIND_WORDS = {"single": "a single exercise", "circuit": "a circuit"}
REQUIRED_BY_KIND = {"single": ("sets", "reps"), "circuit": ("sets",)}


def _kind_rules(kind: str, values: Mapping[str, Any], block_id: str = "") -> None:
    """Each kind takes its own fields; a circuit's members carry reps and weight; singles need sets and reps."""
    own = [n for n in kind_fields(kind) if n in BLOCK_EDITABLE]
    words = KIND_WORDS.get(kind, f"a {kind} session")
    for key in values:
        if key in BLOCK_EDITABLE and key not in own:
            raise _Invalid(f"{key}: {block_id or 'this block'} is {words}; it takes {', '.join(own)}")
    for key in ("reps", "weight") if kind == "circuit" else ():
        if values.get(key) is not None:
            owner = f"{block_id} is a circuit; its" if block_id else "a circuit's"
            raise _Invalid(f"{key}: {owner} members carry {key}, not the circuit (use update_member)")
    for key in REQUIRED_BY_KIND.get(kind, ()):
        if key in values and values[key] is None:
            raise _Invalid(f"{key}: required for {words}")


def _session_measured(block: Element) -> None:
    """A session needs a duration or a distance: otherwise nothing says how much to do."""
    if block["kind"] in SESSION_KINDS and block["duration_min"] is None and block["distance_m"] is None:
        where = block["block_id"] or f"a {block['kind']} session"
        raise _Invalid(f"duration_min: {where} needs duration_min or distance_m (or both)")


# ---------------------------------------------------------------- one handler per op


def _update_block(work: _Working, op: Mapping[str, Any]) -> Element:
    day, block = work.block(op["block_id"])
    values = {k: _value(op, k) for k in OPS["update_block"].optional if k in op}
    _kind_rules(block["kind"], values, block["block_id"])
    changed = {k: [block[k], v] for k, v in values.items() if block[k] != v}
    block.update(values)
    _session_measured(block)
    return {"id": block["block_id"], "label": _label(day, block), "fields": changed}


def _add_block(work: _Working, op: Mapping[str, Any]) -> Element:
    day = work.day(op["day_id"])
    kind = op.get("kind", "single")
    if problem := FIELDS["kind"].check(kind):
        raise _Invalid(f"kind: {problem}")
    given = {key: _value(op, key) for key in BLOCK_EDITABLE if key in op}
    _kind_rules(kind, given)
    block: Element = {name: given.get(name) for name in kind_fields(kind)} | {"block_id": "", "kind": kind}
    _kind_rules(kind, block)
    _session_measured(block)
    if kind != "circuit" and "members" in op:
        raise _Invalid("members: only a circuit has members (kind 'circuit')")
    if kind in STRENGTH_KINDS:
        block["members"] = _member_specs(op.get("members") or []) if kind == "circuit" else []
    _room(day)
    position = _position(op, len(day["blocks"]))
    block["block_id"] = work.new_block_id()
    for member in block.get("members", []):
        member["member_id"] = work.new_member_id()
    day["blocks"].insert(position - 1, block)
    members = [m["member_id"] for m in block.get("members", [])]
    return {
        "id": block["block_id"],
        "label": _label(day, block),
        "day_id": day["day_id"],
        "position": position,
        "members": members,
    }


def _member_specs(specs: Any) -> list[Element]:
    if not isinstance(specs, list):
        raise _Invalid(f"members: expected an array of members, got {describe(specs)}")
    if len(specs) > MEMBERS_MAX:
        raise _Invalid(f"members: expected at most {MEMBERS_MAX} members, got {len(specs)}")
    return [_new_member(s, f"members[{i}]") for i, s in enumerate(specs)]


def _remove_block(work: _Working, op: Mapping[str, Any]) -> Element:
    day, block = work.block(op["block_id"])
    day["blocks"].remove(block)
    return {"id": block["block_id"], "label": _label(day, block)}


def _move_block(work: _Working, op: Mapping[str, Any]) -> Element:
    day, block = work.block(op["block_id"])
    target = work.day(op["day_id"]) if op.get("day_id") is not None else day
    if target is not day:
        _room(target)
    old_position = day["blocks"].index(block) + 1
    position = _position(op, len(target["blocks"]) - (1 if target is day else 0))
    day["blocks"].remove(block)
    target["blocks"].insert(position - 1, block)
    return {
        "id": block["block_id"],
        "label": _label(target, block),
        "from": [day["day_id"], old_position],
        "to": [target["day_id"], position],
    }


def _add_member(work: _Working, op: Mapping[str, Any]) -> Element:
    day, block = work.block(op["block_id"])
    if block["kind"] != "circuit":
        raise _Invalid(f"block_id: {block['block_id']} is a single exercise, not a circuit; members need a circuit")
    if len(block["members"]) >= MEMBERS_MAX:
        raise _Invalid(f"block_id: {block['block_id']} already has {MEMBERS_MAX} members (at most {MEMBERS_MAX})")
    member = _new_member({k: op[k] for k in MEMBER_EDITABLE if k in op}, "member")
    position = _position(op, len(block["members"]))
    member["member_id"] = work.new_member_id()
    block["members"].insert(position - 1, member)
    return {
        "id": member["member_id"],
        "label": _label(day, block, member),
        "block_id": block["block_id"],
        "position": position,
    }


def _update_member(work: _Working, op: Mapping[str, Any]) -> Element:
    day, block, member = work.member(op["member_id"])
    values = {k: _value(op, k) for k in MEMBER_EDITABLE if k in op}
    changed = {k: [member[k], v] for k, v in values.items() if member[k] != v}
    member.update(values)
    return {"id": member["member_id"], "label": _label(day, block, member), "fields": changed}


def _remove_member(work: _Working, op: Mapping[str, Any]) -> Element:
    day, block, member = work.member(op["member_id"])
    block["members"].remove(member)
    return {"id": member["member_id"], "label": _label(day, block, member)}


def _set_day_focus(work: _Working, op: Mapping[str, Any]) -> Element:
    day = work.day(op["day_id"])
    focus = _value(op, "focus")
    changed = {"focus": [day["focus"], focus]} if day["focus"] != focus else {}
    day["focus"] = focus
    return {"id": day["day_id"], "label": weekday_label(day["day_id"]), "fields": changed}


def _restore_version(work: _Working, op: Mapping[str, Any]) -> Element:
    version = _value(op, "version")
    if version not in work.snapshots:
        raise _Invalid(f"version: unknown version {version} of this athlete's plan")
    work.data = copy.deepcopy(plan_to_canonical(work.snapshots[version]))
    return {"id": f"v{version}", "label": f"version {version}", "version": version}


HANDLERS: dict[str, Callable[[_Working, Mapping[str, Any]], Element]] = {
    "update_block": _update_block,
    "add_block": _add_block,
    "remove_block": _remove_block,
    "move_block": _move_block,
    "add_member": _add_member,
    "update_member": _update_member,
    "remove_member": _remove_member,
    "set_day_focus": _set_day_focus,
    "restore_version": _restore_version,
}


def check_batch_shape(ops: Any, max_ops: int | None = None) -> None:
    """Refuse a batch that is not a non-empty array (of at most `max_ops` ops), before looking inside it.

    The model and the coach get `OPS_MAX` per call; internal writers (demo, legacy import) build larger batches.
    """
    if isinstance(ops, (str, bytes, Mapping)) or not isinstance(ops, Sequence):
        raise PlanValidationError([f"ops: expected an array of operations, got {describe(ops)}"])
    if not ops:
        raise PlanValidationError(["ops: expected at least one operation, got an empty array"])
    if max_ops is not None and len(ops) > max_ops:
        raise PlanValidationError([f"ops: expected at most {max_ops} operations per call, got {len(ops)}"])


def apply_ops_to_plan(
    plan: Plan,
    ops: Sequence[Mapping[str, Any]],
    next_block: int = 1,
    next_member: int = 1,
    snapshots: Mapping[int, Plan] | None = None,
) -> OpsOutcome:
    """Apply every op in order to a copy of `plan`; raise PlanValidationError listing each bad op.

    `snapshots` maps version numbers to plans for `restore_version`. New IDs come
    from the counters (never below the highest ID already in the plan).
    """
    check_batch_shape(ops)
    work = _Working(plan, next_block, next_member, snapshots or {})
    entries, problems = [], []
    for index, op in enumerate(ops, start=1):
        try:
            name = _check_keys(op)
            entries.append({"op": name, **HANDLERS[name](work, op)})
        except _Invalid as exc:
            given = op.get("op") if isinstance(op, Mapping) else None
            problems.append(f"op {index} ({given if given in OPS else '?'}): {exc}")
    if problems:
        raise PlanValidationError(problems)
    return OpsOutcome(
        plan=plan_from_canonical(work.data),
        next_block=work.next_block,
        next_member=work.next_member,
        entries=tuple(entries),
    )


def plan_build_ops(plan: Plan) -> list[dict[str, Any]]:
    """Ops that build `plan` on an empty plan (day focus, then blocks with inline members, in order)."""
    ops: list[dict[str, Any]] = []
    for day in plan_to_canonical(plan)["days"]:
        if day["focus"] is not None:
            ops.append({"op": "set_day_focus", "day_id": day["day_id"], "focus": day["focus"]})
        for b in day["blocks"]:
            scalars = {k: v for k, v in b.items() if k not in ("block_id", "members") and v is not None}
            op = {"op": "add_block", "day_id": day["day_id"], **scalars}
            if b["kind"] == "circuit":
                op["members"] = [{k: v for k, v in m.items() if k != "member_id"} for m in b["members"]]
            ops.append(op)
    return ops
