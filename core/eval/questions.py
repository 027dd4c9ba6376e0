"""Comprehension questions generated from DuckDB, each with a gold answer computed from the same tables.

A question is about one athlete and one program week (the current week and the ones before it). Its data is that
week rendered in the format under test (or, for `sport_distance`, the week's activities); the gold answer comes
from the loaded values, never from a model. Choices (which exercise, which note) are made by a random generator
seeded with the question's id, so the same database always gives the same questions.

`plan_edit` applies a coach's edit to the week before rendering (target sets + 1 on one exercise; in memory, the
database is not written) and asks for the edited field: the answer must be read from the data shown, not guessed
from the usual prescription.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import duckdb

from core.db.athletes import athlete_ids, find_athlete
from core.workouts.program import (
    STATUS_NAMES,
    Exercise,
    Program,
    Session,
    Week,
    current_week_number,
    load_program,
)
from core.workouts.sport import clock_label, load_activities, sport_line

QUESTION_KINDS = (
    "week_exercises",
    "last_performance",
    "incomplete_sessions",
    "total_volume",
    "best_weight",
    "logged_sets",
    "note",
    "plan_edit",
    "sport_distance",
)
SPORT_NAMES = {
    "R": "run",
    "C": "ride",
    "W": "swim",
    "S": "strength session",
    "Y": "yoga session",
    "M": "brick",
    "O": "activity",
}


@dataclass(frozen=True)
class Question:
    """One question: what it asks, the data it is asked about, and the gold answer.

    `gold` is a tuple of numbers (`numbers`), of names (`names`, order-free), of (name, status) pairs (`pairs`,
    order-free) or one text (`text`). `edit` is the (session_id, exercise number) whose target sets were raised.
    `vocabulary` holds the names the document offers (the candidates a names/pairs answer is checked against),
    `others` the document's other notes (a note answer quoting one of them is wrong), `answer_limit` the most
    characters an answer may have to be credited (0: the scorer derives it from this question's gold alone).
    """

    qid: str
    athlete: str
    week: int
    kind: str
    text: str
    answer_type: str
    gold: tuple[Any, ...]
    tolerance: float = 0.0
    edit: tuple[str, int] | None = None
    vocabulary: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    answer_limit: int = 0


def _plain_note(text: str) -> str:
    return " ".join(text.casefold().split())


def _logged(week: Week) -> list[tuple[Session, Exercise]]:
    return [(s, e) for s in week.sessions for e in s.exercises if e.sets]


def _gold_number(value: float) -> float:
    return round(float(value), 2)


def _pick(rng: random.Random, items: list[Any]) -> Any:
    return items[rng.randrange(len(items))]


def week_questions(handle: str, units: str, week: Week) -> list[Question]:
    """Every program kind that applies to one week (a kind is left out when the week has nothing to ask)."""
    base = f"{handle}:W{week.number}"
    rng = random.Random(base)
    logged = _logged(week)
    names_in_week = tuple(sorted({e.name for s in week.sessions for e in s.exercises}))
    out: list[Question] = []
    if logged:
        out.extend(_exercises_question(base, handle, week, logged, names_in_week))
        name = _pick(rng, sorted({e.name for _, e in logged}))
        last_session, last = [(s, e) for s, e in logged if e.name == name][-1]
        final = last.sets[-1]
        out.append(
            Question(
                f"{base}:last_performance", handle, week.number, "last_performance",
                f"In week {week.number}, the last time {name} was logged (session '{last_session.name}'), how many reps"
                f" and what weight in {units} did its last logged set have? Answer with two numbers: reps, weight"
                " (0 for bodyweight).",
                "numbers", (final.reps, _gold_number(final.weight or 0)), tolerance=0.01,
            )
        )  # fmt: skip
        volume = sum(s.reps * s.weight for _, e in logged for s in e.sets if s.weight is not None)
        out.append(
            Question(
                f"{base}:total_volume", handle, week.number, "total_volume",
                f"What was the total volume lifted in week {week.number}: the sum of reps × weight over every logged"
                f" set with a weight, in {units}? Answer with one number.",
                "numbers", (_gold_number(volume),), tolerance=0.01,
            )
        )  # fmt: skip
        weighted = sorted({e.name for _, e in logged if any(s.weight is not None for s in e.sets)})
        if weighted:
            name = _pick(rng, weighted)
            best = max(s.weight for _, e in logged if e.name == name for s in e.sets if s.weight is not None)
            out.append(
                Question(
                    f"{base}:best_weight", handle, week.number, "best_weight",
                    f"What was the heaviest weight logged for {name} in week {week.number}, in {units}?"
                    " Answer with one number.",
                    "numbers", (_gold_number(best),), tolerance=0.01,
                )
            )  # fmt: skip
        name = _pick(rng, sorted({e.name for _, e in logged}))
        count = sum(len(e.sets) for _, e in logged if e.name == name)
        out.append(
            Question(
                f"{base}:logged_sets", handle, week.number, "logged_sets",
                f"How many sets of {name} were logged in week {week.number} in total? Answer with one number.",
                "numbers", (count,),
            )
        )  # fmt: skip
    open_sessions = tuple(sorted((s.name, STATUS_NAMES[s.status].lower()) for s in week.sessions if s.status != "C"))
    session_names = tuple(sorted({s.name for s in week.sessions}))
    if _strict_subset({name for name, _ in open_sessions}, session_names):
        out.append(
            Question(
                f"{base}:incomplete_sessions", handle, week.number, "incomplete_sessions",
                f"Which sessions of week {week.number} are not completed, and what is each one's status (in progress,"
                " not started or skipped)? Answer one per line as 'session name: status', or 'none'.",
                "pairs", open_sessions, vocabulary=session_names,
            )
        )  # fmt: skip
    out.extend(_note_question(base, handle, week, rng))
    out.extend(_edit_question(base, handle, week, rng))
    return out


def _strict_subset(gold: set[str], candidates: tuple[str, ...]) -> bool:
    """Whether a list answer can tell reading from repeating: its gold leaves out at least one candidate the document
    shows (an empty gold, "none", is a strict subset too)."""
    return gold < set(candidates)


def _opening_names(week: Week) -> list[set[str]]:
    """The exercise names of each opening part of the week's document (every format lists sessions and exercises in
    this order): the names a reader pasting the data cut short would give."""
    seen: set[str] = set()
    out = []
    for s in week.sessions:
        for e in s.exercises:
            seen = seen | {e.name}
            out.append(seen)
    return out


def _exercises_question(
    base: str, handle: str, week: Week, logged: list[tuple[Session, Exercise]], names: tuple[str, ...]
) -> list[Question]:
    """Which exercises have a logged set in the week; else which have none; else which have one in a session.

    The first phrasing whose gold tells reading from repeating is asked: some names of the week, but neither every
    name (the answer of a reader listing them all) nor the names of an opening part of the document, in the order
    every format lists them (the answer of a reader pasting the data cut short). None fits: the week has no such
    question.
    """
    openings = _opening_names(week)

    def telling(gold: set[str]) -> bool:
        return bool(gold) and _strict_subset(gold, names) and gold not in openings

    done = {e.name for _, e in logged}
    week_text = f"in week {week.number}? List the exercise names only."
    phrasings = [
        (f"{base}:week_exercises", f"Which exercises have at least one logged set {week_text}", done),
        (f"{base}:week_exercises:none", f"Which exercises have no logged set {week_text}", set(names) - done),
    ]
    fits = [p for p in phrasings if telling(p[2])]
    sessions = [s for s in week.sessions if telling({e.name for e in s.exercises if e.sets})]
    if not fits and sessions:  # its own generator: the other kinds' picks stay what they were before this phrasing
        s = _pick(random.Random(f"{base}:week_exercises"), sessions)
        fits.append(
            (
                f"{base}:week_exercises:{s.session_id}",
                f"Which exercises in session '{s.name}' of week {week.number} have at least one logged set? List the"
                " exercise names only.",
                {e.name for e in s.exercises if e.sets},
            )
        )
    return [
        Question(qid, handle, week.number, "week_exercises", text, "names", tuple(sorted(gold)), vocabulary=names)
        for qid, text, gold in fits[:1]
    ]


def _note_question(base: str, handle: str, week: Week, rng: random.Random) -> list[Question]:
    notes: list[tuple[str, str]] = []
    for s in week.sessions:
        for e in s.exercises:
            if e.coach_notes:
                notes.append((f"What is the coach's note on {e.name} in session '{s.name}'?", e.coach_notes))
            if e.athlete_notes:
                notes.append((f"What did the athlete note on {e.name} in session '{s.name}'?", e.athlete_notes))
            for logged in e.sets:
                if logged.notes:
                    notes.append(
                        (f"What note is on set {logged.number} of {e.name} in session '{s.name}'?", logged.notes)
                    )
        if s.notes:
            notes.append((f"What are the session notes of '{s.name}'?", s.notes))
    if not notes:
        return []
    asked, said = _pick(rng, notes)
    others = tuple(sorted({n for _, n in notes if _plain_note(n) != _plain_note(said)}))
    if not others:  # the document's only note: quoting any note would be the answer
        return []
    return [
        Question(
            f"{base}:note", handle, week.number, "note",
            f"In week {week.number}: {asked} Quote the note exactly.", "text", (said,), others=others,
        )
    ]  # fmt: skip


def _edit_question(base: str, handle: str, week: Week, rng: random.Random) -> list[Question]:
    candidates = [(s, e) for s in week.sessions for e in s.exercises]
    if not candidates:
        return []
    session, exercise = _pick(rng, candidates)
    return [
        Question(
            f"{base}:plan_edit", handle, week.number, "plan_edit",
            f"The coach has just edited {exercise.name} in session '{session.name}' of week {week.number}."
            " How many sets does it prescribe now (its target sets)? Answer with one number.",
            "numbers", (exercise.target_sets + 1,), edit=(session.session_id, exercise.number),
        )
    ]  # fmt: skip


def apply_edit(program: Program, edit: tuple[str, int] | None) -> Program:
    """The program with the question's edit applied (target sets + 1 on one exercise); unchanged without one."""
    if edit is None:
        return program
    session_id, number = edit

    def _session(s: Session) -> Session:
        if s.session_id != session_id:
            return s
        return replace(
            s,
            exercises=tuple(
                replace(e, target_sets=e.target_sets + 1) if e.number == number else e for e in s.exercises
            ),
        )

    return replace(
        program, weeks=tuple(replace(w, sessions=tuple(_session(s) for s in w.sessions)) for w in program.weeks)
    )


def _sport_question(
    con: duckdb.DuckDBPyConnection, handle: str, athlete_id: int, units: str, week: Week
) -> list[Question]:
    activities = load_activities(con, athlete_id, week.start, week.end)
    with_distance = [(a, sport_line(a, units)) for a in activities]
    with_distance = [(a, line) for a, line in with_distance if line.distance is not None and line.kind in SPORT_NAMES]
    if not with_distance:
        return []
    base = f"{handle}:W{week.number}"
    activity, line = _pick(random.Random(f"{base}:sport"), with_distance)
    day = activity.start_time.strftime("%a %b %d").replace(" 0", " ")
    clock = clock_label(activity.start_time)
    return [
        Question(
            f"{base}:sport_distance", handle, week.number, "sport_distance",
            f"How far was the {SPORT_NAMES[line.kind]} on {day} at {clock}, in {line.distance_unit}?"
            " Answer with one number.",
            "numbers", (_gold_number(line.distance),), tolerance=0.01,
        )
    ]  # fmt: skip


def calendar_weeks(as_of: date, phase: str, weeks_back: int = 3) -> list[Week]:
    """For an athlete with no program: the `weeks_back` calendar weeks (Monday first) up to `as_of`, numbered 1…"""
    monday = as_of - timedelta(days=as_of.weekday())
    return [
        Week(number, phase, start, start + timedelta(days=6))
        for number in range(1, weeks_back + 1)
        for start in [monday - timedelta(weeks=weeks_back - number)]
    ]


def generate_questions(con: duckdb.DuckDBPyConnection, weeks_back: int = 3) -> list[Question]:
    """Questions for every athlete over the current week and the `weeks_back - 1` weeks before it, in a fixed order."""
    out: list[Question] = []
    for athlete_id in athlete_ids(con):
        who = find_athlete(con, athlete_id)
        program = load_program(con, athlete_id)
        if not program.weeks:  # only imported activities: the calendar weeks (Monday first) up to their as-of day
            for week in calendar_weeks(who.as_of, who.phase, weeks_back):
                out.extend(_sport_question(con, who.handle, athlete_id, who.units, week))
            continue
        current = current_week_number(program, who.as_of)
        for week in program.weeks:
            if current - weeks_back < week.number <= current:
                out.extend(week_questions(who.handle, program.units, week))
                out.extend(_sport_question(con, who.handle, athlete_id, program.units, week))
    return with_answer_limits(out)


def with_answer_limits(questions: list[Question]) -> list[Question]:
    """The questions with `answer_limit` set per kind: twice the longest gold answer of that kind plus 100 characters
    (room for "The total volume was … lbs."), so an answer that pastes the data back is never credited."""
    from core.eval.scoring import answer_limit_for, gold_text

    longest: dict[str, int] = {}
    for q in questions:
        longest[q.kind] = max(longest.get(q.kind, 0), len(gold_text(q)))
    return [replace(q, answer_limit=answer_limit_for(longest[q.kind])) for q in questions]


def limit_questions(questions: list[Question], limit: int | None) -> list[Question]:
    """The first `limit` questions taken round-robin over kinds, so a short run still asks every kind."""
    if limit is None or limit >= len(questions):
        return list(questions)
    by_kind: dict[str, list[Question]] = {}
    for q in questions:
        by_kind.setdefault(q.kind, []).append(q)
    out: list[Question] = []
    while len(out) < limit:
        for kind in QUESTION_KINDS:
            if by_kind.get(kind) and len(out) < limit:
                out.append(by_kind[kind].pop(0))
    return out
