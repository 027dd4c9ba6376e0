"""The op table: every plan op, the fields it takes, and each field's type, limits and words.

This is the single source. The executor's checks (`core.plan.ops`), the tool
definition the model reads (`core.plan.tools`), the CLI help and the page's edit
controls are all built from `FIELDS` and `OPS`, so a limit changed here changes
everywhere at once. `words` is what the model and the coach read ("1-20"); `check`
enforces the exact rule and its message names that same limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.plan.model import BLOCK_EDITABLE, DAY_IDS, KINDS, MEMBER_EDITABLE, WEEKDAYS, describe
from core.quoting import LINE_BREAKS, lone_surrogate_at

SETS_MIN, SETS_MAX = 1, 20
REST_MAX_S = 3600
TEXT_MAX = 500
NAME_MAX = 80
FOCUS_MAX = 60
MEMBERS_MAX = 12
BLOCKS_PER_DAY_MAX = 30
OPS_MAX = 50
DURATION_MAX_MIN = 600
DISTANCE_MAX_M = 300_000

# Reps: a count (`8`), a range (`8-10`), `AMRAP`, or a timed hold (`45s`).
REPS_RE = re.compile(r"^(?:(?P<low>[1-9]\d{0,2})(?:-(?P<high>[1-9]\d{0,2}))?|AMRAP|(?P<secs>[1-9]\d{0,3})s)$")
# Weight: a load with its unit (`225lbs`, `100kg`, `22.5kg`) or bodyweight `BW`.
WEIGHT_RE = re.compile(r"^(?:(?:0|[1-9]\d{0,3})(?:\.\d{1,2})?(?:lbs|kg)|BW)$")
# A session's target: heart-rate zone `Z2` / `Z2-Z3`, pace `4:30/km` `7:15/mi` `1:45/100m`, power `220W`, or `RPE7`.
TARGET_RE = re.compile(r"^(?:Z[1-5](?:-Z[1-5])?|[1-9]?\d:[0-5]\d/(?:km|mi|100m)|[1-9]\d{1,3}W|RPE(?:[1-9]|10))$")
BLOCK_ID_RE = re.compile(r"^b_[1-9]\d{0,8}$")
MEMBER_ID_RE = re.compile(r"^m_[1-9]\d{0,8}$")

Check = Callable[[Any], str | None]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def int_check(low: int, high: int | None, unit: str = "") -> Check:
    """An integer in [low, high]; the message states the range, and `unit` when it has one."""
    words = f"{low}-{high}" if high is not None else f"at least {low}"
    words += f" {unit}" if unit else ""

    def check(value: Any) -> str | None:
        if not _is_int(value):
            return f"expected an integer {words}, got {describe(value)}"
        if value < low or (high is not None and value > high):
            return f"expected {words}, got {describe(value)}"
        return None

    return check


def _text_problem(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return f"expected a string, got {describe(value)}"
    if len(value) > limit:
        return f"expected at most {limit} characters, got {len(value)} characters"
    bad = lone_surrogate_at(value)
    if bad >= 0:
        return f"expected valid Unicode text, got a lone surrogate at character {bad + 1}"
    return None


def text_check(limit: int) -> Check:
    """Free text of at most `limit` characters (line breaks allowed; renderers escape them)."""
    return lambda value: _text_problem(value, limit)


def line_check(limit: int) -> Check:
    """A one-line, non-blank label of at most `limit` characters."""

    def check(value: Any) -> str | None:
        problem = _text_problem(value, limit)
        if problem:
            return problem
        if not value.strip():
            return "expected a non-empty name, got a blank one"
        breaks = [ch for ch in value if ch in LINE_BREAKS or (ord(ch) < 32 and ch != "\t")]
        if breaks:
            return f"expected one line, got a line break or control character ({breaks[0]!a})"
        return None

    return check


def pattern_check(pattern: re.Pattern[str], words: str) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"expected a string like {words}, got {describe(value)}"
        if not pattern.match(value):
            return f"expected like {words}, got {describe(value)}"
        return None

    return check


def check_reps(value: Any) -> str | None:
    problem = pattern_check(REPS_RE, "8, 8-10, AMRAP or 45s")(value)
    if problem:
        return problem
    match = REPS_RE.match(value)
    if match and match.group("high") and int(match.group("high")) <= int(match.group("low")):
        return f"range {value!r} must go from low to high, like 8-10"
    return None


def choice_check(choices: tuple[str, ...]) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"expected one of {', '.join(choices)}, got {describe(value)}"

    return check


@dataclass(frozen=True)
class FieldSpec:
    """One op field: JSON type, nullability, limits, the words the model reads, the exact check.

    `minimum`/`maximum` bound integers, `max_length` bounds text; `choices` lists allowed
    strings; `label` titles the page control.
    """

    name: str
    json_type: str
    words: str
    check: Check
    label: str
    nullable: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()


def _int_field(name: str, low: int, high: int | None, words: str, label: str, unit: str = "", **kw: Any) -> FieldSpec:
    return FieldSpec(name, "integer", words, int_check(low, high, unit), label, minimum=low, maximum=high, **kw)


FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        FieldSpec("block_id", "string", "b_N", pattern_check(BLOCK_ID_RE, "b_42"), "Block"),
        FieldSpec("member_id", "string", "m_N", pattern_check(MEMBER_ID_RE, "m_7"), "Member"),
        FieldSpec(
            "day_id",
            "string",
            "day_1 (Mon)..day_7 (Sun)",
            choice_check(DAY_IDS),
            "Day",
            choices=DAY_IDS,
        ),
        FieldSpec(
            "kind", "string", f"{', '.join(KINDS[:-1])} or {KINDS[-1]}", choice_check(KINDS), "Kind", choices=KINDS
        ),
        FieldSpec(
            "exercise",
            "string",
            f"one line, 1-{NAME_MAX} chars",
            line_check(NAME_MAX),
            "Exercise",
            max_length=NAME_MAX,
        ),
        _int_field("sets", SETS_MIN, SETS_MAX, f"{SETS_MIN}-{SETS_MAX} (circuit: rounds)", "Sets / rounds"),
        FieldSpec("reps", "string", "e.g. 8, 8-10, AMRAP, 45s", check_reps, "Reps", nullable=True),
        FieldSpec(
            "weight",
            "string",
            "e.g. 225lbs, 100kg, BW",
            pattern_check(WEIGHT_RE, "225lbs, 100kg or BW"),
            "Weight",
            nullable=True,
        ),
        _int_field("rest_s", 0, REST_MAX_S, f"0-{REST_MAX_S} s", "Rest (s)", unit="s", nullable=True),
        _int_field("duration_min", 1, DURATION_MAX_MIN, f"1-{DURATION_MAX_MIN}", "Minutes", unit="min", nullable=True),
        _int_field("distance_m", 1, DISTANCE_MAX_M, f"1-{DISTANCE_MAX_M}", "Metres", unit="m", nullable=True),
        FieldSpec(
            "target",
            "string",
            "Z2, 4:30/km, 1:45/100m, 220W, RPE7",
            pattern_check(TARGET_RE, "Z2, 4:30/km, 1:45/100m, 220W or RPE7"),
            "Target",
            nullable=True,
        ),
        FieldSpec(
            "notes", "string", f"≤{TEXT_MAX} chars", text_check(TEXT_MAX), "Notes", nullable=True, max_length=TEXT_MAX
        ),
        FieldSpec(
            "focus",
            "string",
            f"one line, ≤{FOCUS_MAX} chars",
            line_check(FOCUS_MAX),
            "Focus",
            nullable=True,
            max_length=FOCUS_MAX,
        ),
        # The upper bound depends on the list (its length + 1); core.plan.ops checks it.
        _int_field("position", 1, None, "1-based, default last", "Position (blank = last)"),
        FieldSpec(
            "members",
            "array",
            f"≤{MEMBERS_MAX} {{exercise reps weight notes}}",
            lambda v: None,  # each member is checked field by field in core.plan.ops
            "Members",
            maximum=MEMBERS_MAX,
        ),
        _int_field("version", 0, None, "a version number", "Version"),
    )
}


@dataclass(frozen=True)
class OpSpec:
    """One op: what it does, the fields it requires, the ones it may take, whether the model may call it.

    `any_of` ops need at least one of their optional fields (an update with nothing to change is refused).
    """

    name: str
    summary: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    any_of: bool = False
    for_model: bool = True

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


OPS: dict[str, OpSpec] = {
    o.name: o
    for o in (
        OpSpec("update_block", "change a block", ("block_id",), BLOCK_EDITABLE, any_of=True),
        OpSpec(
            "add_block",
            "add an exercise, a circuit or a session",
            ("day_id", "exercise"),
            ("kind", "position", *(n for n in BLOCK_EDITABLE if n != "exercise"), "members"),
        ),
        OpSpec("remove_block", "remove a block", ("block_id",)),
        OpSpec("move_block", "move a block", ("block_id",), ("day_id", "position"), any_of=True),
        OpSpec("add_member", "add to a circuit", ("block_id", "exercise"), ("position", *MEMBER_EDITABLE[1:])),
        OpSpec("update_member", "change a circuit member", ("member_id",), MEMBER_EDITABLE, any_of=True),
        OpSpec("remove_member", "remove a circuit member", ("member_id",)),
        OpSpec("set_day_focus", "set or clear a day's label", ("day_id", "focus")),
        OpSpec("restore_version", "make an earlier version current", ("version",), for_model=False),
    )
}
OP_NAMES = tuple(OPS)
EDIT_OP_NAMES = tuple(name for name, spec in OPS.items() if spec.for_model)


def op_signature(spec: OpSpec) -> str:
    """`update_block block_id [exercise sets …]`: one op as the model and the CLI help read it ([] = optional)."""
    text = " ".join((spec.name, *spec.required))
    return f"{text} [{' '.join(spec.optional)}]" if spec.optional else text


def field_words(names: tuple[str, ...]) -> str:
    """`block_id b_N; sets 1-20 (circuit: rounds); …`: each field once, its limits in words."""
    return "; ".join(f"{name} {FIELDS[name].words}" for name in names)


def day_label(day_id: str) -> str:
    """`day_1 (Mon)`: how a day is offered in pickers."""
    return f"{day_id} ({WEEKDAYS[DAY_IDS.index(day_id)]})"
