"""Compact notation (the seed's) and its parser: verbose's information in about half the tokens.

Compact follows `compact-workout-format.md` to the character. Both compact and
ultra are lossless: `parse_compact` / `parse_ultra` give back the exact
`Program` that produced the text. Free text is escaped so that no note or name
can end its field, open a new line or fake a record:

- quoted fields ("notes", "description") escape `\\`, `"` and every line break;
- bare fields (names, groups, phases, reps, loads, `|N:` / `|U:` notes) also escape
  the structural characters `| [ ] { } @ × "`;
- line breaks become `\\n` / `\\r`, other control and line-separator characters `\\uXXXX`.

Compact prints dates as MM-DD like the seed, so reading it back needs the year
(`year=`), and a session printed on its own needs its week (`week=`). Each
MM-DD is read as the date nearest to the week it belongs to, so programs that
cross New Year read back too. Ultra states units, year and week itself.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from core.errors import NotationError
from core.quoting import (
    escape_bare,
    find_unescaped,
    quote,
    read_quoted,
    split_unescaped,
    unescape,
)
from core.workouts.program import STATUS_NAMES, Exercise, LoggedSet, Program, Session, Week, canonical_session_id
from core.workouts.scalars import format_number, md, md_in_year, md_time, parse_number, resolve_md, resolve_md_time
from core.workouts.verbose import only_session

# ---------------------------------------------------------------- compact (the seed's notation)


def format_set_compact(s: LoggedSet) -> str:
    """`1:10@225r2`, bodyweight `3:12r0`, with notes `1:10@225r2"good"`."""
    text = f"{s.number}:{s.reps}"
    if s.weight is not None:
        text += "@" + format_number(s.weight)
    if s.rir is not None:
        text += f"r{s.rir}"
    if s.notes:
        text += quote(s.notes)
    return text


def _exercise_state(ex: Exercise) -> str:
    if ex.skipped:
        return "S"
    return f"{len(ex.sets)}/{ex.target_sets}" if ex.sets else "0"


def format_exercise_compact(ex: Exercise) -> list[str]:
    """`E1:Bench Press[Horizontal Push] 3×8-10@225lbs [3/3] |N:… |U:…` and its set line."""
    line = f"E{ex.number}:{escape_bare(ex.name)}"
    if ex.group:
        line += f"[{escape_bare(ex.group)}]"
    line += f" {ex.target_sets}×{escape_bare(ex.target_reps)}"
    if ex.target_load:
        line += "@" + escape_bare(ex.target_load)
    line += f" [{_exercise_state(ex)}]"
    if ex.coach_notes:
        line += " |N:" + escape_bare(ex.coach_notes)
    if ex.athlete_notes:
        line += " |U:" + escape_bare(ex.athlete_notes)
    lines = [line]
    if ex.sets:
        tokens = [format_set_compact(s) for s in ex.sets]
        pending = ex.target_sets - len(ex.sets)
        if pending > 0 and not ex.skipped:
            tokens.append(f"+{pending}pending")
        lines.append("  " + " ".join(tokens))
    return lines


def format_session_compact(session: Session, week: int) -> str:
    """`S1:Upper Body {C 60m sch:01-01 cmp:01-01T14:30} "notes"` then its exercises.

    A session id other than the default 'week-W-session-N' is written as `S1#"id":`.
    """
    head = f"S{session.number}"
    if session.session_id != canonical_session_id(week, session.number):
        head += "#" + quote(session.session_id)
    fields = [session.status]
    if session.duration_min is not None:
        fields.append(f"{session.duration_min}m")
    if session.scheduled:
        fields.append(f"sch:{md(session.scheduled)}")
    if session.completed_at:
        fields.append(f"cmp:{md_time(session.completed_at)}")
    line = f"{head}:{escape_bare(session.name)} {{{' '.join(fields)}}}"
    if session.notes:
        line += " " + quote(session.notes)
    lines = [line]
    for ex in session.exercises:
        lines += format_exercise_compact(ex)
    return "\n".join(lines)


def format_week_compact(week: Week) -> str:
    """`W1 Accumulation [01-01→01-07] "Building base volume" 3sess` then its sessions."""
    line = f"W{week.number} {escape_bare(week.phase)} [{md(week.start)}→{md(week.end)}]"
    if week.description:
        line += " " + quote(week.description)
    line += f" {len(week.sessions)}sess"
    return "\n".join([line, *(format_session_compact(s, week.number) for s in week.sessions)])


def format_compact(program: Program, session_only: bool = False) -> str:
    """Compact text of every week (or of the single session when `session_only`)."""
    if session_only:
        week = program.weeks[0]
        return format_session_compact(only_session(program), week.number)
    return "\n".join(format_week_compact(w) for w in program.weeks)


_SET_RE = re.compile(r"(\d+):(\d+)(?:@([0-9.eE+-]+))?(?:r(-?\d+))?")


def parse_sets_compact(line: str) -> tuple[list[LoggedSet], int]:
    """Read an indented set line; returns the sets and the pending count shown (0 if none)."""
    text = line[2:]
    sets: list[LoggedSet] = []
    pending = 0
    pos = 0
    while pos < len(text):
        m = re.compile(r"\+(\d+)pending").match(text, pos)
        if m:
            pending = int(m[1])
            pos = m.end()
        else:
            m = _SET_RE.match(text, pos)
            if not m:
                raise NotationError(f"set line {line!r}: expected sets like 1:10@225r2 at column {pos + 2}")
            pos = m.end()
            notes = None
            if text[pos : pos + 1] == '"':
                notes, pos = read_quoted(text, pos)
            weight = parse_number(m[3]) if m[3] is not None else None
            sets.append(LoggedSet(int(m[1]), int(m[2]), weight, int(m[4]) if m[4] is not None else None, notes))
        if pos < len(text):
            if text[pos] != " ":
                raise NotationError(f"set line {line!r}: expected a space at column {pos + 2}")
            pos += 1
    return sets, pending


def split_notes(rest: str, line: str) -> dict[str, str]:
    """` |N:coach |U:athlete` → {'N': 'coach', 'U': 'athlete'} (escapes undone)."""
    if not rest:
        return {}
    parts = split_unescaped(rest, "|")
    if parts[0] != " ":
        raise NotationError(f"exercise line {line!r}: expected ' |N:' or ' |U:' after the state")
    found: dict[str, str] = {}
    for i, part in enumerate(parts[1:], start=1):
        if i < len(parts) - 1:
            if not part.endswith(" "):
                raise NotationError(f"exercise line {line!r}: expected a space before '|'")
            part = part[:-1]
        key, sep, value = part.partition(":")
        if not sep or key not in ("N", "U") or key in found:
            raise NotationError(f"exercise line {line!r}: expected |N:… then |U:…, got {part[:12]!r}")
        found[key] = unescape(value)
    return found


def parse_exercise_compact(line: str) -> Exercise:
    m = re.match(r"E(\d+):", line)
    if not m:
        raise NotationError(f"exercise line {line!r}: expected it to start with E<number>:")
    body = line[m.end() :]
    times = find_unescaped(body, "×")
    if times == -1:
        raise NotationError(f"exercise line {line!r}: expected sets×reps")
    head, _, sets_text = body[:times].rpartition(" ")
    if not sets_text.isdigit():
        raise NotationError(f"exercise line {line!r}: expected a number of sets before ×")
    group = None
    bracket = find_unescaped(head, "[")
    if bracket != -1:
        if not head.endswith("]"):
            raise NotationError(f"exercise line {line!r}: movement group not closed with ]")
        group = unescape(head[bracket + 1 : -1])
        head = head[:bracket]
    after = body[times + 1 :]
    state_at = find_unescaped(after, "[")
    close = find_unescaped(after, "]", state_at + 1) if state_at != -1 else -1
    if state_at < 1 or after[state_at - 1] != " " or close == -1:
        raise NotationError(f"exercise line {line!r}: expected a state like [3/3], [0] or [S]")
    target = after[: state_at - 1]
    state = after[state_at + 1 : close]
    at = find_unescaped(target, "@")
    reps, load = (target, None) if at == -1 else (target[:at], unescape(target[at + 1 :]))
    notes = split_notes(after[close + 1 :], line)
    if not re.fullmatch(r"S|0|\d+/\d+", state):
        raise NotationError(f"exercise line {line!r}: state {state!r}, expected [done/total], [0] or [S]")
    return Exercise(
        int(m[1]),
        unescape(head),
        group,
        int(sets_text),
        unescape(reps),
        load,
        notes.get("N"),
        notes.get("U"),
        state == "S",
    )


def _parse_session_line(line: str, week: int, anchor: date) -> Session:
    m = re.match(r"S(\d+)", line)
    if not m:
        raise NotationError(f"session line {line!r}: expected it to start with S<number>")
    number = int(m[1])
    pos = m.end()
    session_id = canonical_session_id(week, number)
    if line[pos : pos + 1] == "#":
        session_id, pos = read_quoted(line, pos + 1)
    if line[pos : pos + 1] != ":":
        raise NotationError(f"session line {line!r}: expected ':' after the session number")
    rest = line[pos + 1 :]
    brace = find_unescaped(rest, "{")
    close = find_unescaped(rest, "}", brace + 1) if brace != -1 else -1
    if brace < 1 or rest[brace - 1] != " " or close == -1:
        raise NotationError(f"session line {line!r}: expected a status block like {{C 60m}}")
    name = unescape(rest[: brace - 1])
    fields = rest[brace + 1 : close].split(" ")
    status = fields[0]
    if status not in STATUS_NAMES:
        raise NotationError(f"session line {line!r}: status {status!r}, expected one of C, P, N, S")
    duration = scheduled = completed = None
    for field in fields[1:]:
        if re.fullmatch(r"\d+m", field):
            duration = int(field[:-1])
        elif field.startswith("sch:"):
            scheduled = resolve_md(field[4:], anchor)
        elif field.startswith("cmp:"):
            completed = resolve_md_time(field[4:], anchor)
        else:
            raise NotationError(f"session line {line!r}: unknown status field {field!r}")
    tail = rest[close + 1 :]
    notes = None
    if tail:
        if not tail.startswith(' "'):
            raise NotationError(f"session line {line!r}: expected quoted notes after the status block")
        notes, end = read_quoted(tail, 1)
        if end != len(tail):
            raise NotationError(f"session line {line!r}: unexpected text after the notes")
    return Session(session_id, number, name, status, scheduled, completed, duration, notes)


def _parse_session_block(lines: list[str], week: int, anchor: date) -> Session:
    session = _parse_session_line(lines[0], week, anchor)
    exercises: list[Exercise] = []
    for line in lines[1:]:
        if line.startswith("  "):
            if not exercises or exercises[-1].sets:
                raise NotationError(f"set line {line!r}: expected it right after its exercise line")
            sets, _ = parse_sets_compact(line)
            exercises[-1] = replace(exercises[-1], sets=tuple(sets))
        else:
            exercises.append(parse_exercise_compact(line))
    return replace(session, exercises=tuple(exercises))


def _parse_week_line(line: str, anchor: date | int) -> tuple[Week, int]:
    m = re.match(r"W(\d+) ", line)
    if not m:
        raise NotationError(f"week line {line!r}: expected it to start with W<number>")
    rest = line[m.end() :]
    bracket = find_unescaped(rest, "[")
    if bracket < 1 or rest[bracket - 1] != " ":
        raise NotationError(f"week line {line!r}: expected [MM-DD→MM-DD]")
    phase = unescape(rest[: bracket - 1])
    dm = re.compile(r"\[(\d{2}-\d{2})→(\d{2}-\d{2})\]").match(rest, bracket)
    if not dm:
        raise NotationError(f"week line {line!r}: expected [MM-DD→MM-DD]")
    start = md_in_year(dm[1], anchor) if isinstance(anchor, int) else resolve_md(dm[1], anchor)
    end = resolve_md(dm[2], start)
    tail = rest[dm.end() :]
    description = None
    if tail.startswith(' "'):
        description, used = read_quoted(tail, 1)
        tail = tail[used:]
    cm = re.fullmatch(r" (\d+)sess", tail)
    if not cm:
        raise NotationError(f"week line {line!r}: expected it to end with <count>sess")
    return Week(int(m[1]), phase, start, end, description), int(cm[1])


def lines_by_record(lines: list[str], prefix: str) -> list[list[str]]:
    """Group lines into blocks, each starting at a line `<prefix><digit>` (W1…, S2…)."""
    blocks: list[list[str]] = []
    for line in lines:
        if (line.startswith(prefix) and line[1:2].isdigit()) or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    return blocks


def parse_compact(text: str, *, units: str, year: int) -> Program:
    """Read compact weeks back into a Program; `year` is the year of the first week's start."""
    anchor: date | int = year
    weeks: list[Week] = []
    for block in lines_by_record(text.split("\n"), "W") if text else []:
        week, count = _parse_week_line(block[0], anchor)
        anchor = week.start
        sessions = [_parse_session_block(b, week.number, week.start) for b in lines_by_record(block[1:], "S")]
        if len(sessions) != count:
            raise NotationError(f"week {week.number}: header says {count}sess, found {len(sessions)} sessions")
        weeks.append(replace(week, sessions=tuple(sessions)))
    return Program(units, tuple(weeks))


def parse_compact_session(text: str, *, week: int, anchor: date) -> Session:
    """Read a session printed on its own; `week` gives its default id, `anchor` a date in its week."""
    return _parse_session_block(text.split("\n"), week, anchor)
