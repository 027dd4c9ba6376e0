"""Ultra-compact notation and its parser: repeats omitted, units/year/RIR stated once in a header."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from core.errors import NotationError
from core.quoting import (
    BARE_SPECIAL,
    escape_bare,
    escape_chars,
    find_unescaped,
    quote,
    read_quoted,
    split_unescaped,
    unescape,
)
from core.tokens import count_tokens
from core.workouts.compact import lines_by_record, split_notes
from core.workouts.program import Exercise, LoggedSet, Program, Session, Week, canonical_session_id
from core.workouts.scalars import format_number, md, md_in_year, md_time, parse_number, resolve_md, resolve_md_time

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

_ULTRA_NAME_SPECIAL = BARE_SPECIAL | frozenset(":!#")


def _escape_name(text: str) -> str:
    """Escape an ultra name; a leading `S1`/`W1` look-alike is escaped so it cannot open a record."""
    escaped = escape_chars(text, _ULTRA_NAME_SPECIAL)
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
        line += f"{'' if bracket else ' '}{ex.target_sets}×{escape_chars(ex.target_reps, _ULTRA_NAME_SPECIAL)}"
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


def _time_of_day(moment: datetime) -> str:
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
            _time_of_day(session.completed_at) if session.completed_at.date() == on else md_time(session.completed_at)
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
        lines.append("G " + ",".join(f"{c}={escape_chars(g, BARE_SPECIAL | frozenset(','))}" for g, c in codes.items()))
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
            set_note = None
            if rest[pos : pos + 1] == '"':
                set_note, pos = read_quoted(rest, pos)
            weight = target_weight if sm[3] is None else (None if sm[3] == "BW" else parse_number(sm[3]))
            rir = default_rir if sm[4] is None else (None if sm[4] == "-" else int(sm[4]))
            set_no = int(sm[1]) if sm[1] else previous + 1
            sets.append(LoggedSet(set_no, int(sm[2]), weight, rir, set_note))
            previous = set_no
            if rest[pos : pos + 2] == " |":
                pos += 1
                break
            if pos < len(rest):
                if rest[pos] != " ":
                    raise NotationError(f"exercise line {line!r}: expected a space between sets")
                pos += 1
        rest = " " + rest[pos:] if pos < len(rest) else ""
    notes = split_notes(rest, line)
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
        start = resolve_md(dm[1], previous.start) if previous else md_in_year(dm[1], anchor.year)
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
    for block in lines_by_record(body, "W") if body else []:
        previous = weeks[-1] if weeks else None
        week = _parse_ultra_week_line(block[0], previous, anchor)
        if previous is None:
            anchor = week.start
        sessions: list[Session] = []
        for sblock in lines_by_record(block[1:], "S"):
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
