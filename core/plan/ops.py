"""Plan operations as pure functions: validate a batch of ops against a plan and apply them in memory.

An op is a JSON-shaped dict `{"op": "update_block", "block_id": "b_42", "sets": 4}`.
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
    BLOCK_ID_RE,
    DAY_IDS,
    KINDS,
    MEMBER_ID_RE,
    WEEKDAYS,
    Plan,
    PlanValidationError,
    check_name,
    check_reps,
    check_rest,
    check_sets,
    check_text,
    check_weight,
    describe,
    max_ids,
    plan_from_canonical,
    plan_to_canonical,
)

BLOCK_FIELDS = ("exercise", "sets", "reps", "weight", "rest_s", "notes")
MEMBER_FIELDS = ("exercise", "reps", "weight", "notes")
NULLABLE = {"weight", "rest_s", "notes", "focus", "reps"}

# op name -> (required keys, optional keys)
OP_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "update_block": (("block_id",), BLOCK_FIELDS),
    "add_block": (("day_id", "exercise", "sets"), ("kind", "position", "reps", "weight", "rest_s", "notes", "members")),
    "remove_block": (("block_id",), ()),
    "move_block": (("block_id",), ("day_id", "position")),
    "add_member": (("block_id", "exercise"), ("position", "reps", "weight", "notes")),
    "update_member": (("member_id",), MEMBER_FIELDS),
    "remove_member": (("member_id",), ()),
    "set_day_focus": (("day_id", "focus"), ()),
    "restore_version": (("version",), ()),
}
OP_NAMES = tuple(OP_FIELDS)
EDIT_OP_NAMES = tuple(name for name in OP_NAMES if name != "restore_version")

CHECKS: dict[str, Callable[[Any], str | None]] = {
    "exercise": check_name,
    "sets": check_sets,
    "reps": check_reps,
    "weight": check_weight,
    "rest_s": check_rest,
    "notes": check_text,
    "focus": check_text,
}


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
    """A checked field value; raises `_Invalid` naming the field."""
    value = op[key]
    if value is None and key in NULLABLE:
        return None
    problem = CHECKS[key](value)
    if problem:
        raise _Invalid(f"{key}: {problem}")
    return value.strip() if key in ("exercise", "focus") and isinstance(value, str) else value


class _Working:
    """A mutable copy of the canonical plan with lookups by ID."""

    def __init__(self, plan: Plan, next_block: int, next_member: int):
        self.data = plan_to_canonical(plan)
        top_block, top_member = max_ids(plan)
        self.next_block = max(next_block, top_block + 1)
        self.next_member = max(next_member, top_member + 1)

    def day(self, day_id: Any) -> dict[str, Any]:
        if not isinstance(day_id, str):
            raise _Invalid(f"day_id: expected a string like 'day_1', got {describe(day_id)}")
        if day_id not in DAY_IDS:
            raise _Invalid(f"day_id: unknown day {day_id!r}; expected day_1 (Mon) .. day_7 (Sun)")
        return self.data["days"][DAY_IDS.index(day_id)]

    def block(self, block_id: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        if not isinstance(block_id, str):
            raise _Invalid(f"block_id: expected a string like 'b_42', got {describe(block_id)}")
        if not BLOCK_ID_RE.match(block_id):
            raise _Invalid(f"block_id: expected an ID like 'b_42', got {block_id!r}")
        for day in self.data["days"]:
            for block in day["blocks"]:
                if block["block_id"] == block_id:
                    return day, block
        raise _Invalid(f"block_id: unknown block {block_id!r} (not in this athlete's plan)")

    def member(self, member_id: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        if not isinstance(member_id, str):
            raise _Invalid(f"member_id: expected a string like 'm_7', got {describe(member_id)}")
        if not MEMBER_ID_RE.match(member_id):
            raise _Invalid(f"member_id: expected an ID like 'm_7', got {member_id!r}")
        for day in self.data["days"]:
            for block in day["blocks"]:
                for member in block["members"]:
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
    if isinstance(position, bool) or not isinstance(position, int):
        raise _Invalid(f"position: expected an integer 1-{size + 1}, got {describe(position)}")
    if not 1 <= position <= size + 1:
        raise _Invalid(f"position: expected 1-{size + 1}, got {position}")
    return position


def _label(day: Mapping[str, Any], block: Mapping[str, Any], member: Mapping[str, Any] | None = None) -> str:
    weekday = WEEKDAYS[DAY_IDS.index(day["day_id"])]
    if member is None:
        return f"{weekday} {block['exercise']}"
    return f"{weekday} {block['exercise']} / {member['exercise']}"


def _check_keys(op: Mapping[str, Any]) -> str:
    if not isinstance(op, Mapping):
        raise _Invalid(f"expected an object like {{'op': 'update_block', ...}}, got {describe(op)}")
    name = op.get("op")
    if name not in OP_FIELDS:
        raise _Invalid(f"op: unknown operation {name!r}; expected one of {', '.join(OP_NAMES)}")
    required, optional = OP_FIELDS[name]
    missing = [k for k in required if k not in op]
    if missing:
        raise _Invalid(f"{missing[0]}: required for {name}")
    unknown = sorted(set(op) - set(required) - set(optional) - {"op"})
    if unknown:
        raise _Invalid(f"{unknown[0]}: not a field of {name}; expected {', '.join(required + optional)}")
    return name


def _new_member(work: _Working, spec: Any, where: str) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise _Invalid(f"{where}: expected an object with exercise, reps, weight, notes, got {describe(spec)}")
    unknown = sorted(set(spec) - set(MEMBER_FIELDS))
    if unknown:
        raise _Invalid(f"{where}.{unknown[0]}: not a member field; expected {', '.join(MEMBER_FIELDS)}")
    if "exercise" not in spec:
        raise _Invalid(f"{where}.exercise: required")
    member = {"member_id": "", "exercise": None, "reps": None, "weight": None, "notes": None}
    for key in MEMBER_FIELDS:
        if key in spec:
            try:
                member[key] = _value(spec, key)
            except _Invalid as exc:
                raise _Invalid(f"{where}.{exc}") from None
    return member


def _apply_one(work: _Working, op: Mapping[str, Any], snapshots: Mapping[int, Plan]) -> dict[str, Any]:
    name = _check_keys(op)
    if name == "update_block":
        day, block = work.block(op["block_id"])
        fields = [k for k in BLOCK_FIELDS if k in op]
        if not fields:
            raise _Invalid(f"update_block: give at least one of {', '.join(BLOCK_FIELDS)}")
        values = {k: _value(op, k) for k in fields}
        if block["kind"] == "circuit":
            for key in ("reps", "weight"):
                if values.get(key) is not None:
                    raise _Invalid(
                        f"{key}: {block['block_id']} is a circuit; its members carry {key} (use update_member)"
                    )
        elif "sets" in values and values["sets"] is None:
            raise _Invalid("sets: required for a single exercise")
        if block["kind"] == "single" and "reps" in values and values["reps"] is None:
            raise _Invalid("reps: required for a single exercise")
        changed = {k: [block[k], v] for k, v in values.items() if block[k] != v}
        block.update(values)
        return {"op": name, "id": block["block_id"], "label": _label(day, block), "fields": changed}
    if name == "add_block":
        day = work.day(op["day_id"])
        kind = op.get("kind", "single")
        if kind not in KINDS:
            raise _Invalid(f"kind: expected 'single' or 'circuit', got {describe(kind)}")
        block = {"block_id": "", "kind": kind, "members": []}
        for key in BLOCK_FIELDS:
            block[key] = _value(op, key) if key in op else None
        if kind == "single":
            if block["reps"] is None:
                raise _Invalid("reps: required for a single exercise")
            if "members" in op:
                raise _Invalid("members: only a circuit has members (kind 'circuit')")
        else:
            for key in ("reps", "weight"):
                if block[key] is not None:
                    raise _Invalid(f"{key}: a circuit's members carry {key}, not the circuit")
            specs = op.get("members") or []
            if not isinstance(specs, list):
                raise _Invalid(f"members: expected an array of members, got {describe(specs)}")
            block["members"] = [_new_member(work, s, f"members[{i}]") for i, s in enumerate(specs)]
        position = _position(op, len(day["blocks"]))
        block["block_id"] = work.new_block_id()
        for member in block["members"]:
            member["member_id"] = work.new_member_id()
        day["blocks"].insert(position - 1, block)
        return {
            "op": name,
            "id": block["block_id"],
            "label": _label(day, block),
            "day_id": day["day_id"],
            "position": position,
            "members": [m["member_id"] for m in block["members"]],
        }
    if name == "remove_block":
        day, block = work.block(op["block_id"])
        day["blocks"].remove(block)
        return {"op": name, "id": block["block_id"], "label": _label(day, block)}
    if name == "move_block":
        day, block = work.block(op["block_id"])
        if "day_id" not in op and "position" not in op:
            raise _Invalid("move_block: give day_id, position or both")
        target = work.day(op["day_id"]) if op.get("day_id") is not None else day
        old_position = day["blocks"].index(block) + 1
        size = len(target["blocks"]) - (1 if target is day else 0)
        position = _position(op, size)
        day["blocks"].remove(block)
        target["blocks"].insert(position - 1, block)
        return {
            "op": name,
            "id": block["block_id"],
            "label": _label(target, block),
            "from": [day["day_id"], old_position],
            "to": [target["day_id"], position],
        }
    if name == "add_member":
        day, block = work.block(op["block_id"])
        if block["kind"] != "circuit":
            raise _Invalid(f"block_id: {block['block_id']} is a single exercise, not a circuit; members need a circuit")
        member = _new_member(work, {k: op[k] for k in MEMBER_FIELDS if k in op}, "member")
        position = _position(op, len(block["members"]))
        member["member_id"] = work.new_member_id()
        block["members"].insert(position - 1, member)
        return {
            "op": name,
            "id": member["member_id"],
            "label": _label(day, block, member),
            "block_id": block["block_id"],
            "position": position,
        }
    if name == "update_member":
        day, block, member = work.member(op["member_id"])
        fields = [k for k in MEMBER_FIELDS if k in op]
        if not fields:
            raise _Invalid(f"update_member: give at least one of {', '.join(MEMBER_FIELDS)}")
        values = {k: _value(op, k) for k in fields}
        changed = {k: [member[k], v] for k, v in values.items() if member[k] != v}
        member.update(values)
        return {"op": name, "id": member["member_id"], "label": _label(day, block, member), "fields": changed}
    if name == "remove_member":
        day, block, member = work.member(op["member_id"])
        block["members"].remove(member)
        return {"op": name, "id": member["member_id"], "label": _label(day, block, member)}
    if name == "set_day_focus":
        day = work.day(op["day_id"])
        focus = _value(op, "focus")
        changed = {"focus": [day["focus"], focus]} if day["focus"] != focus else {}
        day["focus"] = focus
        return {"op": name, "id": day["day_id"], "label": WEEKDAYS[DAY_IDS.index(day["day_id"])], "fields": changed}
    # restore_version
    version = op["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise _Invalid(f"version: expected an integer version number, got {describe(version)}")
    if version not in snapshots:
        raise _Invalid(f"version: unknown version {version} of this athlete's plan")
    work.data = copy.deepcopy(plan_to_canonical(snapshots[version]))
    return {"op": name, "id": f"v{version}", "label": f"version {version}", "version": version}


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
    if isinstance(ops, (str, bytes, Mapping)) or not isinstance(ops, Sequence):
        raise PlanValidationError([f"ops: expected an array of operations, got {describe(ops)}"])
    if not ops:
        raise PlanValidationError(["ops: expected at least one operation, got an empty array"])
    work = _Working(plan, next_block, next_member)
    entries, problems = [], []
    for index, op in enumerate(ops, start=1):
        name = op.get("op") if isinstance(op, Mapping) else None
        try:
            entries.append(_apply_one(work, op, snapshots or {}))
        except _Invalid as exc:
            problems.append(f"op {index} ({name or '?'}): {exc}")
    if problems:
        raise PlanValidationError(problems)
    return OpsOutcome(
        plan=plan_from_canonical(work.data),
        next_block=work.next_block,
        next_member=work.next_member,
        entries=tuple(entries),
    )


def _show(value: Any) -> str:
    return "none" if value is None else str(value)


def describe_entry(entry: Mapping[str, Any]) -> str:
    """One short line per applied op: `b_42 sets 3→4`, `added b_43 to day_1 #4`."""
    op, element = entry["op"], entry["id"]
    if op in ("update_block", "update_member", "set_day_focus"):
        fields = entry.get("fields") or {}
        if not fields:
            return f"{element} unchanged"
        return f"{element} " + ", ".join(f"{k} {_show(old)}→{_show(new)}" for k, (old, new) in fields.items())
    if op == "add_block":
        return f"added {element} ({entry['label']}) to {entry['day_id']} #{entry['position']}"
    if op == "add_member":
        return f"added {element} ({entry['label']}) to {entry['block_id']} #{entry['position']}"
    if op in ("remove_block", "remove_member"):
        return f"removed {element} ({entry['label']})"
    if op == "move_block":
        (from_day, from_pos), (to_day, to_pos) = entry["from"], entry["to"]
        return f"moved {element} {from_day}#{from_pos}→{to_day}#{to_pos}"
    return f"restored version {entry['version']}"


def plan_build_ops(plan: Plan) -> list[dict[str, Any]]:
    """Ops that build `plan` on an empty plan (day focus, then blocks with inline members, in order)."""
    ops: list[dict[str, Any]] = []
    for day in plan.days:
        if day.focus is not None:
            ops.append({"op": "set_day_focus", "day_id": day.day_id, "focus": day.focus})
        for b in day.blocks:
            op: dict[str, Any] = {
                "op": "add_block",
                "day_id": day.day_id,
                "kind": b.kind,
                "exercise": b.exercise,
                "sets": b.sets,
                "rest_s": b.rest_s,
                "notes": b.notes,
            }
            if b.kind == "circuit":
                op["members"] = [
                    {"exercise": m.exercise, "reps": m.reps, "weight": m.weight, "notes": m.notes} for m in b.members
                ]
            else:
                op.update(reps=b.reps, weight=b.weight)
            ops.append(op)
    return ops


def op_from_form(name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """An op from a coach form: blank inputs are left out (unchanged); for set_day_focus a blank focus clears it."""
    op: dict[str, Any] = {"op": name}
    for key, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            if name == "set_day_focus" and key == "focus":
                op[key] = None
            continue
        op[key] = value
    return op
