"""The weekly plan as domain values: days, blocks, circuit members, with stable IDs.

IDs: days are `day_1`..`day_7` (Monday = 1); blocks `b_N` and circuit members
`m_N` are numbered per athlete from counters that only ever increase, so an ID is
never reused, even after the element is deleted.

Canonical form (what the plan hash covers): a dict
`{"days": [7 days, Monday first]}`, each day `{"day_id", "focus", "blocks": [...]}`,
each block `{"block_id", "kind", "exercise", "sets", "reps", "weight", "rest_s",
"notes", "members": [...]}`, each member `{"member_id", "exercise", "reps",
"weight", "notes"}`. Order inside lists is the position (positions themselves are
not stored). Serialized with `json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`, UTF-8 encoded; the plan hash is the SHA-256 hex digest of
those bytes. The athlete is not part of the hash: identical plans hash identically.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from core.errors import CoachError

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_IDS = tuple(f"day_{n}" for n in range(1, 8))
KINDS = ("single", "circuit")
AUTHORS = ("coach", "ai", "migration", "import", "revert")

SETS_MIN, SETS_MAX = 1, 20
REST_MAX_S = 3600
TEXT_MAX = 500
NAME_MAX = 80

# Reps: a count (`8`), a range (`8-10`), `AMRAP`, or a timed hold (`45s`).
REPS_RE = re.compile(r"^(?:(?P<low>[1-9]\d{0,2})(?:-(?P<high>[1-9]\d{0,2}))?|AMRAP|(?P<secs>[1-9]\d{0,3})s)$")
# Weight: a load with its unit (`225lbs`, `100kg`, `22.5kg`) or bodyweight `BW`.
WEIGHT_RE = re.compile(r"^(?:(?:0|[1-9]\d{0,3})(?:\.\d{1,2})?(?:lbs|kg)|BW)$")
BLOCK_ID_RE = re.compile(r"^b_[1-9]\d*$")
MEMBER_ID_RE = re.compile(r"^m_[1-9]\d*$")
HASH_PREFIX_RE = re.compile(r"^[0-9a-f]{8,64}$")
SHORT_HASH_LEN = 8


class PlanError(CoachError):
    """A plan change or read that cannot be done; the message says why."""


class PlanValidationError(PlanError):
    """One or more ops in a batch are invalid; nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class StalePlanError(PlanError):
    """The base hash a change was built on is no longer the current plan."""

    def __init__(self, message: str, current_hash: str, changes: list[str] | None = None):
        self.current_hash = current_hash
        self.changes = list(changes or [])
        super().__init__(message)


@dataclass(frozen=True)
class Member:
    """One exercise inside a circuit; reps and weight live here, not on the circuit."""

    member_id: str
    exercise: str
    reps: str | None = None
    weight: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Block:
    """A single exercise or a circuit. For a circuit, `exercise` is its name and `sets` its rounds."""

    block_id: str
    kind: str
    exercise: str
    sets: int | None = None
    reps: str | None = None
    weight: str | None = None
    rest_s: int | None = None
    notes: str | None = None
    members: tuple[Member, ...] = ()


@dataclass(frozen=True)
class Day:
    day_id: str
    focus: str | None = None
    blocks: tuple[Block, ...] = ()

    @property
    def weekday(self) -> int:
        return int(self.day_id.split("_")[1])

    @property
    def label(self) -> str:
        return WEEKDAYS[self.weekday - 1]


@dataclass(frozen=True)
class Plan:
    """The whole weekly plan: always seven days, Monday first."""

    days: tuple[Day, ...]

    def day(self, day_id: str) -> Day:
        return self.days[DAY_IDS.index(day_id)]

    def blocks(self) -> list[tuple[Day, int, Block]]:
        """(day, 1-based position, block) for every block, in plan order."""
        return [(d, i, b) for d in self.days for i, b in enumerate(d.blocks, start=1)]

    def block_count(self) -> int:
        return sum(len(d.blocks) for d in self.days)

    def member_count(self) -> int:
        return sum(len(b.members) for d in self.days for b in d.blocks)


@dataclass(frozen=True)
class PlanHead:
    """The current plan hash and version number of an athlete (version 0: never written)."""

    athlete_id: int
    plan_hash: str
    version: int


def empty_plan() -> Plan:
    return Plan(days=tuple(Day(day_id=d) for d in DAY_IDS))


def plan_to_canonical(plan: Plan) -> dict[str, Any]:
    """The canonical dict the hash covers (see module docstring)."""
    return {
        "days": [
            {
                "day_id": d.day_id,
                "focus": d.focus,
                "blocks": [
                    {
                        "block_id": b.block_id,
                        "kind": b.kind,
                        "exercise": b.exercise,
                        "sets": b.sets,
                        "reps": b.reps,
                        "weight": b.weight,
                        "rest_s": b.rest_s,
                        "notes": b.notes,
                        "members": [
                            {
                                "member_id": m.member_id,
                                "exercise": m.exercise,
                                "reps": m.reps,
                                "weight": m.weight,
                                "notes": m.notes,
                            }
                            for m in b.members
                        ],
                    }
                    for b in d.blocks
                ],
            }
            for d in plan.days
        ]
    }


def canonical_json(plan: Plan) -> str:
    """Sorted keys, no whitespace (`","` and `":"`), non-ASCII kept as UTF-8."""
    return json.dumps(plan_to_canonical(plan), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def plan_hash(plan: Plan) -> str:
    """SHA-256 hex digest of the UTF-8 canonical JSON."""
    return hashlib.sha256(canonical_json(plan).encode("utf-8")).hexdigest()


def short_hash(value: str | None) -> str:
    """The first 8 hex digits: what the model sees and may pass back as a base hash."""
    return (value or "")[:SHORT_HASH_LEN]


def plan_from_canonical(data: dict[str, Any]) -> Plan:
    """Rebuild a Plan from its canonical dict (a version snapshot)."""
    by_id = {d["day_id"]: d for d in data.get("days", [])}
    days = []
    for day_id in DAY_IDS:
        d = by_id.get(day_id, {"day_id": day_id})
        blocks = tuple(
            Block(
                block_id=b["block_id"],
                kind=b["kind"],
                exercise=b["exercise"],
                sets=b.get("sets"),
                reps=b.get("reps"),
                weight=b.get("weight"),
                rest_s=b.get("rest_s"),
                notes=b.get("notes"),
                members=tuple(
                    Member(
                        member_id=m["member_id"],
                        exercise=m["exercise"],
                        reps=m.get("reps"),
                        weight=m.get("weight"),
                        notes=m.get("notes"),
                    )
                    for m in b.get("members", [])
                ),
            )
            for b in d.get("blocks", [])
        )
        days.append(Day(day_id=day_id, focus=d.get("focus"), blocks=blocks))
    return Plan(days=tuple(days))


def plan_from_json(text: str) -> Plan:
    return plan_from_canonical(json.loads(text))


def id_number(element_id: str) -> int:
    """The N of `b_N` / `m_N`."""
    return int(element_id.split("_", 1)[1])


def max_ids(plan: Plan) -> tuple[int, int]:
    """Highest block and member number used in the plan (0 when none)."""
    blocks = [id_number(b.block_id) for d in plan.days for b in d.blocks]
    members = [id_number(m.member_id) for d in plan.days for b in d.blocks for m in b.members]
    return max(blocks, default=0), max(members, default=0)


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def describe(value: Any) -> str:
    """`'4' (string)`, `25 (integer)`: how a rejected value is shown in a message."""
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{shown} ({_type_name(value)})"


def check_sets(value: Any) -> str | None:
    """None when valid, else what was expected."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"expected an integer {SETS_MIN}-{SETS_MAX}, got {describe(value)}"
    if not SETS_MIN <= value <= SETS_MAX:
        return f"expected {SETS_MIN}-{SETS_MAX}, got {value}"
    return None


def check_reps(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string like '8', '8-10', 'AMRAP' or '45s', got {describe(value)}"
    match = REPS_RE.match(value)
    if not match:
        return f"expected like '8', '8-10', 'AMRAP' or '45s', got {value!r}"
    if match.group("high") and int(match.group("high")) <= int(match.group("low")):
        return f"range {value!r} must go from low to high, like '8-10'"
    return None


def check_weight(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string like '225lbs', '100kg' or 'BW', got {describe(value)}"
    if not WEIGHT_RE.match(value):
        return f"expected like '225lbs', '100kg' or 'BW', got {value!r}"
    return None


def check_rest(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"expected an integer number of seconds 0-{REST_MAX_S}, got {describe(value)}"
    if not 0 <= value <= REST_MAX_S:
        return f"expected 0-{REST_MAX_S} seconds, got {value}"
    return None


def check_name(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a non-empty string, got {describe(value)}"
    if not value.strip():
        return "expected a non-empty name, got ''"
    if len(value) > NAME_MAX or "\n" in value or "\r" in value:
        return f"expected one line of at most {NAME_MAX} characters, got {len(value)} characters"
    return None


def check_text(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string, got {describe(value)}"
    if len(value) > TEXT_MAX:
        return f"expected at most {TEXT_MAX} characters, got {len(value)}"
    return None
