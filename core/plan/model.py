"""The weekly plan as domain values: days, blocks, circuit members, with stable IDs.

IDs: days are `day_1`..`day_7` (Monday = 1); blocks `b_N` and circuit members
`m_N` are numbered per athlete from counters that only ever increase, so an ID is
never reused, even after the element is deleted.

Blocks are strength work (`single` exercise or `circuit`) or sport sessions
(`run`, `ride`, `swim`, `yoga`) with a duration (minutes), a distance (metres) and
a target (zone, pace, power or RPE).

Canonical form (what the plan hash covers): a dict
`{"days": [7 days, Monday first]}`, each day `{"day_id", "focus", "blocks": [...]}`;
a strength block `{"block_id", "kind", "exercise", "sets", "reps", "weight",
"rest_s", "notes", "members": [...]}`, each member `{"member_id", "exercise",
"reps", "weight", "notes"}`; a session block `{"block_id", "kind", "exercise",
"duration_min", "distance_m", "target", "notes"}` (each kind carries only its own
keys, so a strength-only plan hashes as it did before sessions existed). Order inside lists is the position (positions themselves are
not stored). Serialized with `json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`, UTF-8 encoded; the plan hash is the SHA-256 hex digest of
those bytes. The athlete is not part of the hash: identical plans hash identically.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, fields
from typing import Any

from core.errors import CoachError
from core.quoting import lone_surrogate_at

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_IDS = tuple(f"day_{n}" for n in range(1, 8))
STRENGTH_KINDS = ("single", "circuit")
SESSION_KINDS = ("run", "ride", "swim", "yoga")
KINDS = STRENGTH_KINDS + SESSION_KINDS
SPORT_TITLES = {"run": "Run", "ride": "Ride", "swim": "Swim", "yoga": "Yoga"}
AUTHORS = ("coach", "ai", "migration", "import", "revert")

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
    """A single exercise, a circuit, or a sport session.

    For a circuit, `exercise` is its name and `sets` its rounds. For a session
    (`kind` in SESSION_KINDS), `exercise` is the session's name ("Long", "Technique")
    and `duration_min` / `distance_m` / `target` replace sets, reps, weight and rest.
    """

    block_id: str
    kind: str
    exercise: str
    sets: int | None = None
    reps: str | None = None
    weight: str | None = None
    rest_s: int | None = None
    notes: str | None = None
    duration_min: int | None = None
    distance_m: int | None = None
    target: str | None = None
    members: tuple[Member, ...] = ()

    @property
    def is_session(self) -> bool:
        return self.kind in SESSION_KINDS

    @property
    def title(self) -> str:
        """What a coach calls it: `Bench Press`; a session `Run Long` (`Run` when it is just named after its sport)."""
        return session_title(self.kind, self.exercise)


# Field lists derived from the dataclasses, so a new field is listed in one place.
MEMBER_SCALARS = tuple(f.name for f in fields(Member))
BLOCK_SCALARS = tuple(f.name for f in fields(Block) if f.name != "members")
MEMBER_EDITABLE = tuple(n for n in MEMBER_SCALARS if n != "member_id")
BLOCK_EDITABLE = tuple(n for n in BLOCK_SCALARS if n not in ("block_id", "kind"))
SESSION_FIELDS = ("duration_min", "distance_m", "target")
STRENGTH_FIELDS = ("sets", "reps", "weight", "rest_s")


def kind_fields(kind: str) -> tuple[str, ...]:
    """The scalar fields a block of this kind carries (canonical form, table rows, edit controls)."""
    own = SESSION_FIELDS if kind in SESSION_KINDS else STRENGTH_FIELDS
    return tuple(n for n in BLOCK_SCALARS if n in ("block_id", "kind", "exercise", "notes") or n in own)


def session_title(kind: str, name: str) -> str:
    """`Run Long` for a run named "Long"; just `Run` when the name is the sport's; strength names as they are."""
    sport = SPORT_TITLES.get(kind)
    if sport is None or name.casefold() == sport.casefold():
        return sport or name
    return f"{sport} {name}"


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


def _member_dict(member: Member) -> dict[str, Any]:
    return {name: getattr(member, name) for name in MEMBER_SCALARS}


def _block_dict(block: Block) -> dict[str, Any]:
    scalars = {name: getattr(block, name) for name in kind_fields(block.kind)}
    return scalars if block.is_session else {**scalars, "members": [_member_dict(m) for m in block.members]}


def plan_to_canonical(plan: Plan) -> dict[str, Any]:
    """The canonical dict the hash covers (see module docstring); keys in dataclass field order."""
    return {
        "days": [
            {"day_id": d.day_id, "focus": d.focus, "blocks": [_block_dict(b) for b in d.blocks]} for d in plan.days
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
    """Rebuild a Plan from its canonical dict (a version snapshot, or rows nested the same way).

    Keys beyond the dataclass fields (a row's `position`, `athlete_id`) are ignored.
    """
    by_id = {d["day_id"]: d for d in data.get("days", [])}
    days = []
    for day_id in DAY_IDS:
        d = by_id.get(day_id, {"day_id": day_id})
        blocks = tuple(
            Block(
                **{name: b.get(name) for name in BLOCK_SCALARS},
                members=tuple(Member(**{name: m.get(name) for name in MEMBER_SCALARS}) for m in b.get("members", [])),
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


DESCRIBE_MAX = 40


def shown(value: Any) -> str:
    """A short form of any value; never recursive over nested input, never converts a huge integer."""
    if isinstance(value, str):
        shown = ascii(value) if lone_surrogate_at(value[:1000]) >= 0 else repr(value)
        return shown if len(value) <= DESCRIBE_MAX else f"{shown[: DESCRIBE_MAX - 3]}... ({len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"<an integer of about {int(value.bit_length() * 0.30103) + 1} digits>"
    if isinstance(value, (list, dict)):
        size = f"{len(value)} item{'s' if len(value) != 1 else ''}"
        if len(value) > 8:
            return f"<{size}>"
        try:
            shown = json.dumps(value, ensure_ascii=True)
        except (RecursionError, ValueError, TypeError):
            return f"<{size}, nested deeply>"
        return shown if len(shown) <= DESCRIBE_MAX else f"{shown[: DESCRIBE_MAX - 3]}... ({size})"
    shown = json.dumps(value) if value is None or isinstance(value, (bool, int, float)) else repr(value)
    return shown[:DESCRIBE_MAX]


def key_name(key: Any) -> str:
    """A JSON key as a message names it: bare when it is a short identifier, else quoted and shortened."""
    return key if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,39}", key) else shown(key)


def describe(value: Any) -> str:
    """`'4' (string)`, `25 (integer)`: how a rejected value is shown in a message (short, whatever the input)."""
    return f"{shown(value)} ({_type_name(value)})"
