"""Workout data as text for the model: verbose (the baseline), compact (the seed's notation) and ultra.

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
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from core.errors import CoachError
from core.program import STATUS_NAMES, Exercise, LoggedSet, Program, Session, Week, canonical_session_id
from core.tokens import count_tokens

LEVELS = ("verbose", "compact", "ultra")

# How to read each level, written once for a tool description rather than in every result.
READING_KEYS = {
    "compact": (
        'W<n> phase [start→end] "desc" <k>sess; S<n>:name {status C/P/N/S, <min>m, sch:MM-DD, cmp:MM-DDTHH:MM} '
        '"notes"; E<n>:name[group] sets×reps@load [done/total|0|S] |N:coach |U:athlete; sets '
        '<n>:<reps>@<weight>r<RIR>"note", +<k>pending.'
    ),
    "ultra": (
        "Header: units year r<usual RIR>; G code=group. Week/session/exercise fields that are not shown repeat "
        "the previous week's (same-numbered session's, same exercise's). S<n>[:name|]<status><min> <day> <time "
        "done>. Exercise: name[group]sets×reps@load(! = skipped state flipped): sets as reps, @weight if not the "
        "load, r<RIR> if not the usual; |N: coach |U: athlete notes."
    ),
}


class NotationError(CoachError):
    """A text that does not follow the notation it was parsed as."""


# ---------------------------------------------------------------- escaping

_BARE_SPECIAL = frozenset('\\"|[]{}@×')
_QUOTED_SPECIAL = frozenset('\\"')
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _escape(text: str, special: frozenset[str]) -> str:
    out = []
    for ch in text:
        if ch in special:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch in _LINE_BREAKS or (ord(ch) < 32 and ch != "\t") or ord(ch) == 127:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def escape_bare(text: str) -> str:
    """Escape text printed without quotes (a name, a phase, a |N: note)."""
    return _escape(text, _BARE_SPECIAL)


def quote(text: str) -> str:
    """Text as a quoted field: `"..."` with `\\`, `"` and line breaks escaped."""
    return '"' + _escape(text, _QUOTED_SPECIAL) + '"'


def unescape(text: str) -> str:
    """Undo `escape_bare` / the inside of `quote`."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(text):
            raise NotationError(f"text {text!r}: ends with a lone backslash")
        nxt = text[i + 1]
        if nxt == "n":
            out.append("\n")
            i += 2
        elif nxt == "r":
            out.append("\r")
            i += 2
        elif nxt == "u":
            code = text[i + 2 : i + 6]
            if not re.fullmatch(r"[0-9a-f]{4}", code):
                raise NotationError(f"text {text!r}: \\u must be followed by 4 hex digits")
            out.append(chr(int(code, 16)))
            i += 6
        else:
            out.append(nxt)
            i += 2
    return "".join(out)


def find_unescaped(text: str, targets: str, start: int = 0) -> int:
    """Index of the first character of `targets` not escaped by a backslash, or -1."""
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 6 if text[i + 1 : i + 2] == "u" else 2
            continue
        if ch in targets:
            return i
        i += 1
    return -1


def split_unescaped(text: str, sep: str) -> list[str]:
    """Split on every unescaped `sep` character."""
    parts = []
    start = 0
    while (i := find_unescaped(text, sep, start)) != -1:
        parts.append(text[start:i])
        start = i + 1
    parts.append(text[start:])
    return parts


def read_quoted(text: str, pos: int) -> tuple[str, int]:
    """Read the quoted field starting at `text[pos] == '"'`; returns (value, index after the closing quote)."""
    if text[pos : pos + 1] != '"':
        raise NotationError(f"line {text!r}: expected a quoted field at column {pos}")
    end = find_unescaped(text, '"', pos + 1)
    if end == -1:
        raise NotationError(f"line {text!r}: quoted field never closed")
    return unescape(text[pos + 1 : end]), end + 1


def format_number(value: float) -> str:
    """225.0 → '225', 102.5 → '102.5': the shortest text that reads back to the same float."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def parse_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise NotationError(f"number {text!r}: expected a decimal number like 225 or 102.5") from None


# ---------------------------------------------------------------- dates


def md(day: date) -> str:
    """MM-DD, the seed's compressed date."""
    return day.strftime("%m-%d")


def md_time(moment: datetime) -> str:
    """MM-DDTHH:MM (seconds and microseconds only when present)."""
    text = moment.strftime("%m-%dT%H:%M")
    if moment.second or moment.microsecond:
        text += moment.strftime(":%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text


def resolve_md(text: str, anchor: date) -> date:
    """The date with month-day `text` (MM-DD) nearest to `anchor` (previous, same or next year)."""
    m = re.fullmatch(r"(\d{2})-(\d{2})", text)
    if not m:
        raise NotationError(f"date {text!r}: expected MM-DD")
    month, day = int(m[1]), int(m[2])
    candidates = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise NotationError(f"date {text!r}: no such month-day")
    return min(candidates, key=lambda d: abs((d - anchor).days))


def _in_year(text: str, year: int) -> date:
    """MM-DD in a given year (the first week of a text, whose year is stated once)."""
    try:
        return date(year, int(text[:2]), int(text[3:5]))
    except ValueError:
        raise NotationError(f"date {text!r}: no such day in {year}") from None


def resolve_md_time(text: str, anchor: date) -> datetime:
    m = re.fullmatch(r"(\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{6}))?)?", text)
    if not m:
        raise NotationError(f"timestamp {text!r}: expected MM-DDTHH:MM")
    day = resolve_md(m[1], anchor)
    return datetime.combine(day, time(int(m[2]), int(m[3]), int(m[4] or 0), int(m[5] or 0)))


# ---------------------------------------------------------------- verbose

_VERBOSE_STATUS = {"C": "Completed ✓", "P": "In Progress", "N": "Not Started", "S": "[SKIPPED]"}


def _verbose_set(s: LoggedSet, units: str) -> str:
    load = f" @ {format_number(s.weight)} {units}" if s.weight is not None else " (bodyweight)"
    rir = f", RIR {s.rir}" if s.rir is not None else ""
    notes = f" Notes: {s.notes}" if s.notes else ""
    return f"   Set {s.number}: {s.reps} reps{load}{rir} ✓{notes}"


def _verbose_exercise(ex: Exercise, units: str) -> list[str]:
    group = f" [{ex.group}]" if ex.group else ""
    load = f" @ {ex.target_load}" if ex.target_load else ""
    state = "[SKIPPED]" if ex.skipped else f"[{len(ex.sets)}/{ex.target_sets} logged]"
    lines = [f"{ex.number}. {ex.name}{group} - Target: {ex.target_sets} sets × {ex.target_reps}{load} {state}"]
    lines += [_verbose_set(s, units) for s in ex.sets]
    if ex.sets and not ex.skipped:
        last = max(s.number for s in ex.sets)
        lines += [f"   Set {n}: [pending]" for n in range(last + 1, ex.target_sets + 1)]
    if not ex.sets and not ex.skipped:
        lines.append("   [no sets logged yet]")
    if ex.coach_notes:
        lines.append(f"   Exercise notes: {ex.coach_notes}")
    if ex.athlete_notes:
        lines.append(f"   User notes: {ex.athlete_notes}")
    return lines


def format_session_verbose(session: Session, units: str) -> str:
    """The seed's "Before" session block: labelled lines, one set per line."""
    lines = [f"--- Session {session.number}: {session.name} ({session.session_id})"]
    lines.append(f"Status: {_VERBOSE_STATUS[session.status]}")
    if session.scheduled:
        lines.append(f"Scheduled: {session.scheduled.isoformat()}")
    if session.completed_at:
        lines.append(f"Completed: {session.completed_at.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    if session.duration_min is not None:
        lines.append(f"Duration: {session.duration_min} minutes")
    if session.notes:
        lines.append(f"Notes: {session.notes}")
    if session.exercises:
        lines += ["", "Exercises:"]
        blocks = ["\n".join(_verbose_exercise(ex, units)) for ex in session.exercises]
        lines.append("\n\n".join(blocks))
    return "\n".join(lines)


def format_week_verbose(week: Week, units: str) -> str:
    """The seed's "Before" week: `=== WEEK N DATA ===`, labelled header, then each session."""
    head = [f"=== WEEK {week.number} DATA ===", f"Phase: {week.phase}"]
    head.append(f"Period: {week.start.isoformat()} to {week.end.isoformat()}")
    if week.description:
        head.append(f"Description: {week.description}")
    head.append(f"Sessions: {len(week.sessions)}")
    return "\n\n".join(["\n".join(head), *(format_session_verbose(s, units) for s in week.sessions)])


def format_verbose(program: Program, session_only: bool = False) -> str:
    """Verbose text of every week (or of the single session when `session_only`)."""
    if session_only:
        return format_session_verbose(_only_session(program), program.units)
    return "\n\n".join(format_week_verbose(w, program.units) for w in program.weeks)


def _only_session(program: Program) -> Session:
    sessions = [s for w in program.weeks for s in w.sessions]
    if len(sessions) != 1:
        raise CoachError(f"session_only: expected exactly one session, got {len(sessions)}")
    return sessions[0]


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
        return format_session_compact(_only_session(program), week.number)
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


def _split_notes(rest: str, line: str) -> dict[str, str]:
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
    notes = _split_notes(after[close + 1 :], line)
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
    start = _in_year(dm[1], anchor) if isinstance(anchor, int) else resolve_md(dm[1], anchor)
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


def _blocks(lines: list[str], prefix: str) -> list[list[str]]:
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
    for block in _blocks(text.split("\n"), "W") if text else []:
        week, count = _parse_week_line(block[0], anchor)
        anchor = week.start
        sessions = [_parse_session_block(b, week.number, week.start) for b in _blocks(block[1:], "S")]
        if len(sessions) != count:
            raise NotationError(f"week {week.number}: header says {count}sess, found {len(sessions)} sessions")
        weeks.append(replace(week, sessions=tuple(sessions)))
    return Program(units, tuple(weeks))


def parse_compact_session(text: str, *, week: int, anchor: date) -> Session:
    """Read a session printed on its own; `week` gives its default id, `anchor` a date in its week."""
    return _parse_session_block(text.split("\n"), week, anchor)


# ---------------------------------------------------------------- ultra-compact
#
# The seed's "Future Enhancements" made real. One header line states the units,
# the year and the usual RIR once; a `G` legend gives short codes to movement
# groups named more than once. After that every line leaves out what the reader
# can carry over:
#   week     `W2` alone when it starts 7 days after the last one, lasts 7 days and
#            keeps the phase and description; otherwise only the fields that changed;
#   session  `S1:Upper A|C60 16 18:36 "notes"`: the name only when it differs from the
#            same-numbered session of the week before; status+minutes; day of month
#            scheduled; the time completed (MM-DDTHH:MM when not on the scheduled day);
#   exercise `Bench Press[HP] 4×6-8@150!: 9 9 7r1 8r1 |N:… |U:…`: group, sets×reps, load
#            and coach note only when they differ from that exercise's last appearance;
#            `!` flips the skipped state implied by the session (done → skipped or back);
#   set      reps, `@weight` only when it differs from the target load, `rN` only when
#            the RIR differs from the header's, `n:` only when numbering jumps.
# No pending notation: the target set count and the sets shown already say it.

_ULTRA_NAME_SPECIAL = _BARE_SPECIAL | frozenset(":!#")


def _escape_name(text: str) -> str:
    """Escape an ultra name; a leading `S1`/`W1` look-alike is escaped so it cannot open a record."""
    escaped = _escape(text, _ULTRA_NAME_SPECIAL)
    if re.match(r"[SWG][\d ]", escaped):
        escaped = "\\" + escaped
    return escaped


@dataclass
class _ExerciseMemory:
    group: str | None = None
    target: tuple[int, str] | None = None
    load: str | None = None
    coach_notes: str | None = None


def _initials(group: str) -> str:
    return "".join(w[0].upper() for w in re.findall(r"[A-Za-z0-9]+", group))


def ultra_group_codes(program: Program) -> dict[str, str]:
    """group → short code (its initials: Hinge → H), for movement groups the text names at least twice.

    A code must be one token and shorter than the group's name (checked with the default tokenizer, so
    the text never depends on the encoding being measured). Groups sharing initials (Horizontal Push,
    Horizontal Pull) stay spelled out rather than get codes that read alike. The `G` legend line
    declares each code once.
    """
    mentions: dict[str, int] = {}
    memory: dict[str, str | None] = {}
    for week in program.weeks:
        for session in week.sessions:
            for ex in session.exercises:
                if ex.group is not None and memory.get(ex.name) != ex.group:
                    mentions[ex.group] = mentions.get(ex.group, 0) + 1
                memory[ex.name] = ex.group
    names = {e.group for w in program.weeks for s in w.sessions for e in s.exercises if e.group}
    initials: dict[str, int] = {}
    for group in names:
        initials[_initials(group)] = initials.get(_initials(group), 0) + 1
    codes: dict[str, str] = {}
    for group in sorted(g for g, n in mentions.items() if n >= 2):
        code = _initials(group)
        if (
            code
            and initials[code] == 1
            and code not in names
            and count_tokens(code) == 1
            and count_tokens(code) < count_tokens(group)
        ):
            codes[group] = code
    return codes


def _default_rir(program: Program) -> int | None:
    counts: dict[int, int] = {}
    for s in _all_sets(program):
        if s.rir is not None:
            counts[s.rir] = counts.get(s.rir, 0) + 1
    return max(sorted(counts), key=lambda r: counts[r]) if counts else None


def _all_sets(program: Program) -> list[LoggedSet]:
    return [st for w in program.weeks for s in w.sessions for e in s.exercises for st in e.sets]


def _load_number(load: str | None, units: str) -> float | None:
    """The numeric target load when `load` is written as '<number><units>' exactly, else None."""
    if load is None or not load.endswith(units):
        return None
    head = load[: -len(units)]
    if not re.fullmatch(r"-?\d+(\.\d+)?", head):
        return None
    value = float(head)
    return value if format_number(value) + units == load else None


def _ultra_load(load: str | None, units: str) -> str:
    if load is None:
        return "-"
    if load == "BW":
        return "BW"
    number = _load_number(load, units)
    return format_number(number) if number is not None else quote(load)


def _ultra_set(s: LoggedSet, expected_number: int, target: float | None, default_rir: int | None) -> str:
    text = "" if s.number == expected_number else f"{s.number}:"
    text += str(s.reps)
    if s.weight != target:
        text += "@" + ("BW" if s.weight is None else format_number(s.weight))
    if s.rir != default_rir:
        text += "r" + ("-" if s.rir is None else str(s.rir))
    if s.notes:
        text += quote(s.notes)
    return text


def _ultra_exercise(
    ex: Exercise,
    expected_number: int,
    session_skipped: bool,
    units: str,
    memory: dict[str, _ExerciseMemory],
    codes: dict[str, str],
    default_rir: int | None,
) -> str:
    mem = memory.setdefault(ex.name, _ExerciseMemory())
    line = "" if ex.number == expected_number else f"#{ex.number} "
    line += _escape_name(ex.name)
    bracket = ex.group != mem.group
    if bracket:
        line += "[" + ("" if ex.group is None else codes.get(ex.group) or escape_bare(ex.group)) + "]"
    if (ex.target_sets, ex.target_reps) != mem.target:
        line += f"{'' if bracket else ' '}{ex.target_sets}×{_escape(ex.target_reps, _ULTRA_NAME_SPECIAL)}"
    if ex.target_load != mem.load:
        line += "@" + _ultra_load(ex.target_load, units)
    if ex.skipped != session_skipped:
        line += "!"
    if ex.sets:
        target = _load_number(ex.target_load, units)
        tokens = []
        previous = 0
        for s in ex.sets:
            tokens.append(_ultra_set(s, previous + 1, target, default_rir))
            previous = s.number
        line += ": " + " ".join(tokens)
    if ex.coach_notes != mem.coach_notes:
        line += " |N:" + escape_bare(ex.coach_notes or "")
    if ex.athlete_notes:
        line += " |U:" + escape_bare(ex.athlete_notes)
    memory[ex.name] = _ExerciseMemory(ex.group, (ex.target_sets, ex.target_reps), ex.target_load, ex.coach_notes)
    return line


def _scheduled_day(day: date, anchor: date) -> str:
    short = f"{day.day:02d}"
    return short if _resolve_dd(short, anchor) == day else md(day)


def _resolve_dd(text: str, anchor: date) -> date | None:
    """Day of month `text` nearest to `anchor` (this, the previous or the next month)."""
    candidates = []
    for shift in (-1, 0, 1):
        month = (anchor.month - 1 + shift) % 12 + 1
        year = anchor.year + (anchor.month - 1 + shift) // 12
        try:
            candidates.append(date(year, month, int(text)))
        except ValueError:
            continue
    return min(candidates, key=lambda d: abs((d - anchor).days)) if candidates else None


def _clock(moment: datetime) -> str:
    return md_time(moment).partition("T")[2]


def _ultra_session(
    session: Session,
    week: Week,
    previous_names: dict[int, str],
    units: str,
    memory: dict[str, _ExerciseMemory],
    codes: dict[str, str],
    default_rir: int | None,
) -> list[str]:
    line = f"S{session.number}"
    if session.session_id != canonical_session_id(week.number, session.number):
        line += "#" + quote(session.session_id)
    if previous_names.get(session.number) != session.name:
        line += ":" + _escape_name(session.name) + "|"
    else:
        line += " "
    line += session.status + ("" if session.duration_min is None else str(session.duration_min))
    if session.scheduled:
        line += " " + _scheduled_day(session.scheduled, week.start)
    if session.completed_at:
        on = session.scheduled or week.start
        line += " " + (
            _clock(session.completed_at) if session.completed_at.date() == on else md_time(session.completed_at)
        )
    if session.notes:
        line += " " + quote(session.notes)
    previous_names[session.number] = session.name
    lines = [line]
    expected = 1
    for ex in session.exercises:
        lines.append(_ultra_exercise(ex, expected, session.status == "S", units, memory, codes, default_rir))
        expected = ex.number + 1
    return lines


def _ultra_week_line(week: Week, previous: Week | None) -> str:
    line = f"W{week.number}"
    if previous is None or week.phase != previous.phase:
        line += " " + escape_bare(week.phase)
    default_start = previous.start + timedelta(days=7) if previous else None
    if week.start != default_start or week.end != week.start + timedelta(days=6):
        line += f" [{md(week.start)}"
        if week.end != week.start + timedelta(days=6):
            line += f"→{md(week.end)}"
        line += "]"
    if (previous is None and week.description is not None) or (
        previous is not None and week.description != previous.description
    ):
        line += " " + quote(week.description or "")
    return line


def ultra_header(program: Program) -> str:
    """`lbs 2026 r0`: units, the first week's year, and the RIR sets carry unless marked."""
    year = program.weeks[0].start.year if program.weeks else 2000
    rir = _default_rir(program)
    return f"{program.units} {year}" + ("" if rir is None else f" r{rir}")


def format_ultra(program: Program, session_only: bool = False) -> str:
    """Ultra-compact text: header, group legend, then the weeks.

    A lone session is written with its week line too (`session_only` changes nothing): that short
    line carries the week number and dates the session needs to read back on its own.
    """
    del session_only
    codes = ultra_group_codes(program)
    default_rir = _default_rir(program)
    lines = [ultra_header(program)]
    if codes:
        lines.append("G " + ",".join(f"{c}={_escape(g, _BARE_SPECIAL | frozenset(','))}" for g, c in codes.items()))
    memory: dict[str, _ExerciseMemory] = {}
    names: dict[int, str] = {}
    previous: Week | None = None
    for week in program.weeks:
        lines.append(_ultra_week_line(week, previous))
        for session in week.sessions:
            lines += _ultra_session(session, week, names, program.units, memory, codes, default_rir)
        previous = week
    return "\n".join(lines)


def _ultra_take_name(text: str) -> tuple[str, str]:
    """Split an exercise line into (escaped name, rest)."""
    stop = find_unescaped(text, "[@!:|×")
    if stop == -1:
        return text, ""
    if text[stop] == "×":
        cut = text.rfind(" ", 0, stop)
        return text[:cut], text[cut:]
    if text[stop] == "|":
        return text[: stop - 1], text[stop - 1 :]
    return text[:stop], text[stop:]


_ULTRA_SET_RE = re.compile(r"(?:(\d+):)?(\d+)(?:@(BW|[0-9.eE+-]+))?(?:r(-?\d+|-))?")


def _parse_ultra_exercise(
    line: str,
    expected_number: int,
    session_skipped: bool,
    units: str,
    memory: dict[str, _ExerciseMemory],
    groups: dict[str, str],
    default_rir: int | None,
) -> Exercise:
    number = expected_number
    m = re.match(r"#(\d+) ", line)
    if m:
        number = int(m[1])
        line = line[m.end() :]
    raw_name, rest = _ultra_take_name(line)
    name = unescape(raw_name)
    mem = memory.get(name, _ExerciseMemory())
    group, target, load, coach = mem.group, mem.target, mem.load, mem.coach_notes
    if rest.startswith("["):
        close = find_unescaped(rest, "]")
        raw = rest[1:close]
        group = None if raw == "" else groups.get(raw, unescape(raw))
        rest = rest[close + 1 :]
    tm = re.match(r" ?(\d+)×", rest)
    if tm:
        end = find_unescaped(rest, "@!:|", tm.end())
        end = len(rest) if end == -1 else end
        if rest[end : end + 1] == "|":
            end -= 1
        target = (int(tm[1]), unescape(rest[tm.end() : end]))
        rest = rest[end:]
    if rest.startswith("@"):
        if rest.startswith('@"'):
            load, used = read_quoted(rest, 1)
            rest = rest[used:]
        else:
            lm = re.match(r"@(BW|-?\d+(?:\.\d+)?|-)", rest)
            if not lm:
                raise NotationError(f"exercise line {line!r}: expected a load after @")
            load = {"BW": "BW", "-": None}.get(lm[1], f"{lm[1]}{units}")
            rest = rest[lm.end() :]
    if target is None:
        raise NotationError(f"exercise line {line!r}: first appearance of {name!r} needs sets×reps")
    skipped = session_skipped
    if rest.startswith("!"):
        skipped = not skipped
        rest = rest[1:]
    sets: list[LoggedSet] = []
    if rest.startswith(": "):
        target_weight = _load_number(load, units)
        pos = 2
        previous = 0
        while pos < len(rest) and rest[pos] != "|":
            sm = _ULTRA_SET_RE.match(rest, pos)
            if not sm or sm.end() == pos:
                raise NotationError(f"exercise line {line!r}: expected sets like 9 10r1 at {rest[pos : pos + 10]!r}")
            pos = sm.end()
            notes = None
            if rest[pos : pos + 1] == '"':
                notes, pos = read_quoted(rest, pos)
            weight = target_weight if sm[3] is None else (None if sm[3] == "BW" else parse_number(sm[3]))
            rir = default_rir if sm[4] is None else (None if sm[4] == "-" else int(sm[4]))
            set_no = int(sm[1]) if sm[1] else previous + 1
            sets.append(LoggedSet(set_no, int(sm[2]), weight, rir, notes))
            previous = set_no
            if rest[pos : pos + 2] == " |":
                pos += 1
                break
            if pos < len(rest):
                if rest[pos] != " ":
                    raise NotationError(f"exercise line {line!r}: expected a space between sets")
                pos += 1
        rest = " " + rest[pos:] if pos < len(rest) else ""
    notes = _split_notes(rest, line)
    if "N" in notes:
        coach = notes["N"] or None
    memory[name] = _ExerciseMemory(group, target, load, coach)
    return Exercise(
        number, name, group, target[0], target[1], load, coach, notes.get("U") or None, skipped, tuple(sets)
    )


def _parse_ultra_session_line(line: str, week: Week, previous_names: dict[int, str]) -> Session:
    m = re.match(r"S(\d+)", line)
    if not m:
        raise NotationError(f"session line {line!r}: expected S<number>")
    number = int(m[1])
    pos = m.end()
    session_id = canonical_session_id(week.number, number)
    if line[pos : pos + 1] == "#":
        session_id, pos = read_quoted(line, pos + 1)
    if line[pos : pos + 1] == ":":
        bar = find_unescaped(line, "|", pos + 1)
        if bar == -1:
            raise NotationError(f"session line {line!r}: expected '|' after the session name")
        name = unescape(line[pos + 1 : bar])
        pos = bar + 1
    elif line[pos : pos + 1] == " ":
        if number not in previous_names:
            raise NotationError(f"session line {line!r}: session {number} has no name yet")
        name = previous_names[number]
        pos += 1
    else:
        raise NotationError(f"session line {line!r}: expected ':name|' or a space after S{number}")
    previous_names[number] = name
    rest = line[pos:]
    notes = None
    quote_at = rest.find(' "')
    if quote_at != -1:
        notes, end = read_quoted(rest, quote_at + 1)
        if end != len(rest):
            raise NotationError(f"session line {line!r}: unexpected text after the notes")
        rest = rest[:quote_at]
    fields = rest.split(" ")
    sm = re.fullmatch(r"([CPNS])(\d*)", fields[0])
    if not sm:
        raise NotationError(f"session line {line!r}: expected a status like C60, P29, N or S")
    duration = int(sm[2]) if sm[2] else None
    scheduled = completed = None
    for field in fields[1:]:
        if re.fullmatch(r"\d{2}", field):
            scheduled = _resolve_dd(field, week.start)
        elif re.fullmatch(r"\d{2}-\d{2}", field):
            scheduled = resolve_md(field, week.start)
        elif "T" in field:
            completed = resolve_md_time(field, week.start)
        elif re.fullmatch(r"\d{2}:\d{2}(:\d{2}(\.\d{6})?)?", field):
            on = scheduled or week.start
            completed = resolve_md_time(f"{md(on)}T{field}", on)
        else:
            raise NotationError(f"session line {line!r}: unknown field {field!r}")
    return Session(session_id, number, name, sm[1], scheduled, completed, duration, notes)


def _parse_ultra_week_line(line: str, previous: Week | None, anchor: date) -> Week:
    m = re.match(r"W(\d+)", line)
    if not m:
        raise NotationError(f"week line {line!r}: expected W<number>")
    rest = line[m.end() :]
    phase = previous.phase if previous else None
    if (rest.startswith(" ") and not rest.startswith((" [", ' "'))) or rest.startswith("  "):
        stop = find_unescaped(rest, '["', 1)
        stop = len(rest) if stop == -1 else stop - 1
        phase = unescape(rest[1:stop])
        rest = rest[stop:]
    if phase is None:
        raise NotationError(f"week line {line!r}: the first week needs its phase")
    start = previous.start + timedelta(days=7) if previous else None
    end = None
    dm = re.match(r" \[(\d{2}-\d{2})(?:→(\d{2}-\d{2}))?\]", rest)
    if dm:
        start = resolve_md(dm[1], previous.start) if previous else _in_year(dm[1], anchor.year)
        end = resolve_md(dm[2], start) if dm[2] else None
        rest = rest[dm.end() :]
    if start is None:
        raise NotationError(f"week line {line!r}: the first week needs its start date [MM-DD]")
    end = end or start + timedelta(days=6)
    description = previous.description if previous else None
    if rest.startswith(' "'):
        description, used = read_quoted(rest, 1)
        description = description or None
        rest = rest[used:]
    if rest:
        raise NotationError(f"week line {line!r}: unexpected text {rest!r}")
    return Week(int(m[1]), phase, start, end, description)


def parse_ultra(text: str) -> Program:
    """Read ultra-compact text back into the exact Program that produced it."""
    lines = text.split("\n")
    hm = re.fullmatch(r"(\S+) (\d{4})(?: r(-?\d+))?", lines[0])
    if not hm:
        raise NotationError(f"ultra header {lines[0]!r}: expected '<units> <year> [r<RIR>]'")
    units, anchor = hm[1], date(int(hm[2]), 7, 1)
    default_rir = int(hm[3]) if hm[3] is not None else None
    groups: dict[str, str] = {}
    body = lines[1:]
    if body and body[0].startswith("G "):
        for entry in split_unescaped(body[0][2:], ","):
            code, _, group = entry.partition("=")
            groups[code] = unescape(group)
        body = body[1:]
    memory: dict[str, _ExerciseMemory] = {}
    names: dict[int, str] = {}
    weeks: list[Week] = []
    for block in _blocks(body, "W") if body else []:
        previous = weeks[-1] if weeks else None
        week = _parse_ultra_week_line(block[0], previous, anchor)
        if previous is None:
            anchor = week.start
        sessions: list[Session] = []
        for sblock in _blocks(block[1:], "S"):
            if not re.match(r"S\d", sblock[0]):
                raise NotationError(f"line {sblock[0]!r}: expected a session line S<number>")
            session = _parse_ultra_session_line(sblock[0], week, names)
            exercises: list[Exercise] = []
            expected = 1
            for line in sblock[1:]:
                ex = _parse_ultra_exercise(line, expected, session.status == "S", units, memory, groups, default_rir)
                exercises.append(ex)
                expected = ex.number + 1
            sessions.append(replace(session, exercises=tuple(exercises)))
        weeks.append(replace(week, sessions=tuple(sessions)))
    return Program(units, tuple(weeks))


def format_level(program: Program, level: str, session_only: bool = False) -> str:
    """The text of `program` at a readability level: verbose, compact or ultra."""
    if level == "verbose":
        return format_verbose(program, session_only)
    if level == "compact":
        return format_compact(program, session_only)
    if level == "ultra":
        return format_ultra(program, session_only)
    raise CoachError(f"level {level!r}: expected one of {', '.join(LEVELS)}")
