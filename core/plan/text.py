"""Plan text the model reads: the full plan, change lines, `ok …` summaries; free text always made safe.

Every name, focus and note goes through `show_text` (bare when it is plain words,
else quoted by `core.quoting.quote`) and notes are always quoted, so no field can
open a line, forge an ID, a separator or a change line. Readers split records
outside quoted fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.plan.model import DAY_IDS, SPORT_TITLES, WEEKDAYS, Block, Day, Member, Plan, short_hash
from core.quoting import LINE_BREAKS, lone_surrogate_at, quote

# Characters that carry structure in plan text (records, fields, labels, change arrows) or in markdown.
STRUCTURAL = frozenset(';,:[]{}|@×"#\\→()/`<>*_~!=')
# Anything shaped like a plan ID or version (`b_97`, `m_3`, `day_8`, `v12`) inside free text.
ID_LIKE = re.compile(r"(?:\b|_)(?:b|m|day|v)_?\d", re.IGNORECASE)
# Words a change line uses for "no value": a name spelled so is quoted, so it never reads as null.
PLAIN_WORDS_RESERVED = frozenset({"none", "null"})
TEXT_FIELDS = frozenset({"exercise", "notes", "focus"})


def needs_quotes(text: str) -> bool:
    """True unless `text` is plain words that cannot be read as structure."""
    return (
        not text
        or text != text.strip()
        or text.lower() in PLAIN_WORDS_RESERVED
        or any(ch in STRUCTURAL or ch in LINE_BREAKS or ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in text)
        or lone_surrogate_at(text) >= 0
        or any(ch in "\u200b\u200e\u200f\u202a\u202e\u2066\u2069" for ch in text)
        or bool(ID_LIKE.search(text))
    )


def show_text(text: str) -> str:
    """Free text as the model sees it: plain words bare, anything else as one quoted field."""
    return quote(text) if needs_quotes(text) else text


def show_value(field: str, value: Any) -> str:
    """A field value in a change line: `none` for null, free text made safe, numbers and codes as-is."""
    if value is None:
        return "none"
    if field in TEXT_FIELDS or not isinstance(value, (int, str)):
        return show_text(str(value))
    return str(value)


def weekday_label(day_id: str) -> str:
    return WEEKDAYS[DAY_IDS.index(day_id)]


def block_title(kind: str, exercise: str) -> str:
    """A block's name made safe: `Bench Press`; a session led by its sport, `Run Long` (just `Run` if so named)."""
    sport = SPORT_TITLES.get(kind)
    if sport is None:
        return show_text(exercise)
    return sport if exercise.casefold() == sport.casefold() else f"{sport} {show_text(exercise)}"


def element_label(day_id: str, kind: str, block_exercise: str, member_exercise: str | None = None) -> str:
    """`Mon Bench Press`, `Mon Finisher / Burpee`, `Sun Run Long`: the label that follows an ID."""
    label = f"{weekday_label(day_id)} {block_title(kind, block_exercise)}"
    return label if member_exercise is None else f"{label} / {show_text(member_exercise)}"


def format_member(member: Member) -> str:
    parts = f"{member.member_id} {show_text(member.exercise)}"
    if member.reps:
        parts += f" {member.reps}"
    if member.weight:
        parts += f"@{member.weight}"
    if member.notes:
        parts += f" #{quote(member.notes)}"
    return parts


def distance_text(metres: int) -> str:
    """`2000m`; whole kilometres from 5 km up as `42km`, `12.5km` (exact: only multiples of 100 m)."""
    if metres >= 5000 and metres % 100 == 0:
        return f"{metres / 1000:g}km"
    return f"{metres}m"


def session_amounts(block: Block) -> list[str]:
    """`["45min", "10km", "Z2"]`: a session's duration, distance and target, those it has."""
    minutes = [f"{block.duration_min}min"] if block.duration_min is not None else []
    distance = [distance_text(block.distance_m)] if block.distance_m is not None else []
    return [*minutes, *distance, *([block.target] if block.target else [])]


def format_session(block: Block) -> str:
    """`b_7 Run 45min Z2`, `b_8 Swim Technique 2000m`, `b_9 Ride Long 150min 60km Z2`: sport, name, amount, target."""
    text = " ".join([block.block_id, block_title(block.kind, block.exercise), *session_amounts(block)])
    return f"{text} #{quote(block.notes)}" if block.notes else text


def format_block(block: Block) -> str:
    """`b_1 Bench Press 4×8-10@185lbs r90`; circuits `b_5 Finisher C×3 [m_1 Burpee 10@BW, ...]`; sessions as `format_session`."""
    if block.is_session:
        return format_session(block)
    if block.kind == "circuit":
        text = f"{block.block_id} {show_text(block.exercise)} C×{block.sets}"
    else:
        text = f"{block.block_id} {show_text(block.exercise)} {block.sets}×{block.reps}"
        if block.weight:
            text += f"@{block.weight}"
    if block.rest_s is not None:
        text += f" r{block.rest_s}"
    if block.notes:
        text += f" #{quote(block.notes)}"
    if block.kind == "circuit":
        text += " [" + ", ".join(format_member(m) for m in block.members) + "]"
    return text


def format_day(day: Day) -> str:
    head = f"{day.day_id} {day.label}"
    if day.focus:
        head += f" {show_text(day.focus)}"
    if not day.blocks:
        return f"{head}: rest"
    return f"{head}: " + "; ".join(format_block(b) for b in day.blocks)


def format_plan_context(plan: Plan, plan_hash_value: str, version: int) -> str:
    """The full plan as the model sees it: compact, one line per day, every ID visible."""
    header = f"Plan {short_hash(plan_hash_value)} v{version} (sets×reps@load, r=rest s, C×=circuit rounds, Z=HR zone)"
    return "\n".join([header, *(format_day(d) for d in plan.days)])


def field_changes(fields: Mapping[str, Any]) -> str:
    """`sets 3→4, notes none→"x"` from {field: (old, new)}."""
    return ", ".join(f"{k} {show_value(k, old)}→{show_value(k, new)}" for k, (old, new) in fields.items())


def describe_entry(entry: Mapping[str, Any]) -> str:
    """One short line per applied op (the `ok …` tool result): `b_42 sets 3→4`, `added b_43 (…) to day_1 #4`."""
    op, element = entry["op"], entry["id"]
    if op in ("update_block", "update_member", "set_day_focus"):
        fields = entry.get("fields") or {}
        return f"{element} {field_changes(fields)}" if fields else f"{element} unchanged"
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
