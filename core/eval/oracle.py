"""The oracle reader: answers every question from the document text alone, through our own lossless parser of its
format, so a 100 % score shows the information a model needs is in every format.

It never sees the database. Compact and ultra go through `core.workouts.compact`/`ultra`'s parsers, JSON and
TOON through `json`/`toon_format` and back into the program dataclasses, verbose through `parse_verbose` below
(the one reader of the verbose form; it only serves the oracle). From the parsed week the oracle asks
`week_questions` again and answers with the regenerated question's gold: the same rules computed on parsed data.
The edited-week question reads the edited exercise's target sets straight from the parsed text.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import re
import types
import typing
from datetime import date, datetime
from typing import Any

import toon_format

from core.errors import CoachError
from core.eval.questions import Question, week_questions
from core.eval.scoring import gold_text
from core.workouts.compact import parse_compact
from core.workouts.program import Exercise, LoggedSet, Program, Session, Week
from core.workouts.scalars import parse_number
from core.workouts.sport import parse_day
from core.workouts.ultra import parse_ultra

IDK = "I don't know"
# Dates are never asked about: a leap year lets every "MM-DD" of the compact notation resolve.
_YEAR = 2024
_STATUS = {"Completed ✓": "C", "In Progress": "P", "Not Started": "N", "[SKIPPED]": "S"}


class OracleError(CoachError):
    """A document the oracle cannot read (it then answers "I don't know" and scores 0: a parser gap shows)."""


@functools.cache
def _fields(kind: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """A dataclass's resolved field types and names (resolving them is most of the parse time, uncached)."""
    return typing.get_type_hints(kind), frozenset(f.name for f in dataclasses.fields(kind))


def _from_plain(kind: Any, value: Any) -> Any:
    """A JSON value back into the type `kind` (dataclasses, tuples, dates, optionals) as `formats._plain` wrote it."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(kind) if a is not type(None)]
        return _from_plain(inner[0], value)
    if origin is tuple:
        return tuple(_from_plain(typing.get_args(kind)[0], v) for v in value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints, fields = _fields(kind)
        build: Any = kind
        return build(**{k: _from_plain(hints[k], v) for k, v in value.items() if k in fields})
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is float:
        return float(value)
    return kind(value)


def program_from_plain(value: dict[str, Any]) -> Program:
    """A Program from the plain dict that JSON and TOON carry."""
    program = _from_plain(Program, value)
    assert isinstance(program, Program)
    return program


_EXERCISE = re.compile(
    r"(\d+)\. (.+?)(?: \[([^\]]+)\])? - Target: (\d+) sets × (.+?)(?: @ (.+?))? (\[SKIPPED\]|\[\d+/\d+ logged\])"
)
_SET = re.compile(r" {3}Set (\d+): (\d+) reps(?: @ (\S+) \S+| \(bodyweight\))(?:, RIR (-?\d+))? ✓(?: Notes: (.*))?")


def _read_verbose_exercise(head: re.Match[str], body: list[str]) -> Exercise:
    sets, coach, athlete = [], None, None
    for line in body:
        m = _SET.fullmatch(line)
        if m:
            weight = parse_number(m[3]) if m[3] else None
            rir = int(m[4]) if m[4] is not None else None
            sets.append(LoggedSet(int(m[1]), int(m[2]), weight, rir, m[5]))
        elif line.startswith("   Exercise notes: "):
            coach = line.removeprefix("   Exercise notes: ")
        elif line.startswith("   User notes: "):
            athlete = line.removeprefix("   User notes: ")
    return Exercise(
        int(head[1]), head[2], head[3], int(head[4]), head[5], head[6], coach, athlete,
        head[7] == "[SKIPPED]", tuple(sets),
    )  # fmt: skip


def _verbose_session(lines: list[str]) -> Session:
    m = re.fullmatch(r"--- Session (\d+): (.*) \(([^()]*)\)", lines[0])
    if not m:
        raise OracleError(f"verbose session line {lines[0][:60]!r}: expected '--- Session N: name (id)'")
    fields: dict[str, Any] = {}
    exercises: list[Exercise] = []
    head: re.Match[str] | None = None
    body: list[str] = []
    for line in lines[1:]:
        start = _EXERCISE.fullmatch(line)
        if start:
            if head:
                exercises.append(_read_verbose_exercise(head, body))
            head, body = start, []
        elif head:
            body.append(line)
        elif line.startswith("Status: "):
            fields["status"] = _STATUS[line.removeprefix("Status: ")]
        elif line.startswith("Scheduled: "):
            fields["scheduled"] = date.fromisoformat(line.removeprefix("Scheduled: "))
        elif line.startswith("Completed: "):
            fields["completed_at"] = datetime.strptime(line.removeprefix("Completed: "), "%Y-%m-%dT%H:%M:%SZ")
        elif line.startswith("Duration: "):
            fields["duration_min"] = int(line.removeprefix("Duration: ").removesuffix(" minutes"))
        elif line.startswith("Notes: "):
            fields["notes"] = line.removeprefix("Notes: ")
    if head:
        exercises.append(_read_verbose_exercise(head, body))
    return Session(m[3], int(m[1]), m[2], exercises=tuple(exercises), **fields)


def parse_verbose(text: str, units: str) -> Program:
    """Read the verbose form (core.workouts.verbose) of whole weeks back into a Program."""
    weeks: list[Week] = []
    for chunk in re.split(r"(?m)^(?==== WEEK )", text):
        if not chunk.strip():
            continue
        lines = chunk.rstrip("\n").split("\n")
        number = re.fullmatch(r"=== WEEK (\d+) DATA ===", lines[0])
        period = re.fullmatch(r"Period: (\S+) to (\S+)", lines[2]) if len(lines) > 2 else None
        if not number or not period:
            raise OracleError(f"verbose week {lines[0][:40]!r}: expected '=== WEEK N DATA ===' then phase and period")
        description = lines[3].removeprefix("Description: ") if lines[3].startswith("Description: ") else None
        starts = [n for n, line in enumerate(lines) if line.startswith("--- Session ")] + [len(lines)]
        sessions = tuple(_verbose_session(lines[a:b]) for a, b in itertools.pairwise(starts))
        weeks.append(
            Week(
                int(number[1]), lines[1].removeprefix("Phase: "), date.fromisoformat(period[1]),
                date.fromisoformat(period[2]), description, sessions,
            )
        )  # fmt: skip
    return Program(units, tuple(weeks))


def parse_document(text: str, fmt: str, units: str = "lbs") -> Program:
    """The program a week document holds, read back with the parser of its format."""
    if fmt == "compact":
        return parse_compact(text, units=units, year=_YEAR)
    if fmt == "ultra":
        return parse_ultra(text)
    if fmt == "json":
        return program_from_plain(json.loads(text))
    if fmt == "toon":
        return program_from_plain(toon_format.decode(text))
    if fmt == "verbose":
        return parse_verbose(text, units)
    raise OracleError(f"format {fmt!r}: the oracle reads verbose, compact, ultra, json or toon")


def _activity_rows(text: str, fmt: str) -> list[tuple[str, str, float | None]]:
    """(day 'Nov 6', clock '6:48 AM' or '' when the day has one activity, distance) per activity of a log."""
    if fmt in ("json", "toon"):
        rows = json.loads(text) if fmt == "json" else toon_format.decode(text)["activities"]
        return [(r["date"].split(" ", 1)[1], r["time"], r.get("distance")) for r in rows]
    if fmt == "verbose":
        out = []
        for line in text.splitlines():
            m = re.search(r"date: \w+ (\w+ \d+), time: ([^,]+),", line)
            d = re.search(r", distance: ([\d.]+),", line)
            if m:
                out.append((m[1], m[2], float(d[1]) if d else None))
        return out
    out = []
    for block in re.split(r"\n(?=[A-Z][a-z]{2} \d{1,2}: )", text):
        day, entries = parse_day(block)
        for entry in entries:
            out.append((day or "", entry.clock, entry.line.distance))
    return out


def _sport_answer(question: Question, fmt: str, data: str) -> str:
    m = re.search(r" on \w+ (\w+ \d+) at (\d{1,2}:\d{2} [AP]M),", question.text)
    if not m:
        raise OracleError(f"question {question.qid}: expected 'on <day> at <clock>,'")
    rows = [r for r in _activity_rows(data, fmt) if r[0] == m[1]]
    rows = [r for r in rows if r[1] in (m[2], "")] if len(rows) > 1 else rows
    if len(rows) != 1 or rows[0][2] is None:
        return IDK
    return f"{rows[0][2]:g}"


def oracle_answer(question: Question, fmt: str, data: str) -> str:
    """The answer read from `data` (the document in `fmt`) with our parser; "I don't know" if it cannot be read."""
    try:
        if question.kind == "sport_distance":
            return _sport_answer(question, fmt, data)
        weeks = [w for w in parse_document(data, fmt).weeks if w.number == question.week]
        if not weeks:
            return IDK
        if question.kind == "plan_edit" and question.edit is not None:
            session_id, number = question.edit
            found = [
                e.target_sets
                for s in weeks[0].sessions
                if s.session_id == session_id
                for e in s.exercises
                if e.number == number
            ]
            return str(found[0]) if found else IDK
        again = {q.qid: q for q in week_questions(question.athlete, "lbs", weeks[0])}
        return gold_text(again[question.qid]) if question.qid in again else IDK
    except (CoachError, ValueError, KeyError, IndexError, TypeError) as exc:
        return f"{IDK} ({type(exc).__name__})"
