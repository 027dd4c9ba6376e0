"""The data a question is asked about, as text in each format under test.

Program kinds show the question's week (with the question's edit applied) through the same renderers the
Formats page measures. `sport_distance` shows the week's activities: compact and ultra are the per-sport
one-liners (there is no shorter activity form), JSON and TOON carry the same values, verbose spells every field out.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import toon_format

from core.db.athletes import find_athlete
from core.eval.questions import SPORT_NAMES, Question, apply_edit, calendar_weeks
from core.workouts.formats import render
from core.workouts.program import Program, Scope, load_program, select_scope
from core.workouts.sport import Activity, activity_log, clock_label, load_activities, sport_line


def _document_values(value: Any) -> Any:
    """Dataclass values as JSON values, leaving out empty fields the way the notations do."""
    if dataclasses.is_dataclass(value):
        out = {f.name: _document_values(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {k: v for k, v in out.items() if v not in (None, [], ())}
    if isinstance(value, tuple | list):
        return [_document_values(v) for v in value]
    return value


@dataclass
class DocumentSource:
    """Renders question data from one database, loading each athlete's program once."""

    con: duckdb.DuckDBPyConnection
    _programs: dict[str, tuple[int, Program]] = field(default_factory=dict)
    _texts: dict[tuple[str, int, Any, str], str] = field(default_factory=dict)
    _activity_weeks: dict[tuple[int, Any, Any], list[Activity]] = field(default_factory=dict)

    def _program(self, handle: str) -> tuple[int, Program]:
        if handle not in self._programs:
            who = find_athlete(self.con, handle)
            self._programs[handle] = (who.athlete_id, load_program(self.con, who.athlete_id))
        return self._programs[handle]

    @staticmethod
    def key(question: Question, fmt: str) -> tuple[str, int, Any, str]:
        """Which document a question is asked about: questions with the same key get the same text."""
        sport = question.kind == "sport_distance"
        return (question.athlete, question.week, "sport" if sport else question.edit, fmt)

    def text(self, question: Question, fmt: str) -> str:
        """The question's data in `fmt` (one of core.workouts.formats.FORMATS)."""
        key = self.key(question, fmt)
        if key not in self._texts:
            athlete_id, program = self._program(question.athlete)
            if program.weeks:
                week = select_scope(program, Scope("week", week=question.week))
            else:  # an athlete with only imported activities is asked about calendar weeks
                who = find_athlete(self.con, question.athlete)
                week = Program(who.units, (calendar_weeks(who.as_of, who.phase)[question.week - 1],))
            if key[2] == "sport":
                self._texts[key] = self._activities(athlete_id, week, fmt)
            else:
                self._texts[key] = render(apply_edit(week, question.edit), fmt)
        return self._texts[key]

    def prerender(self, questions: Iterable[Question], formats: Iterable[str]) -> None:
        """Render every text up front, so the database can be closed (or stay on this thread) while the run asks."""
        chosen = tuple(formats)
        for question in questions:
            for fmt in chosen:
                self.text(question, fmt)

    def _activities(self, athlete_id: int, week: Program, fmt: str) -> str:
        units, days = week.units, week.weeks[0]
        span = (athlete_id, days.start, days.end)
        if span not in self._activity_weeks:  # one load per week, shared by its five formats
            self._activity_weeks[span] = load_activities(self.con, athlete_id, days.start, days.end)
        activities = self._activity_weeks[span]
        if fmt in ("compact", "ultra"):
            return activity_log(activities, units)
        rows = [
            {"date": a.start_time.strftime("%a %b %d").replace(" 0", " "), "time": clock_label(a.start_time)}
            | _document_values(sport_line(a, units))
            for a in activities
        ]
        if fmt == "json":
            return json.dumps(rows, separators=(",", ":"), ensure_ascii=False)
        if fmt == "toon":
            return toon_format.encode({"activities": rows})
        lines = []
        for n, row in enumerate(rows, 1):
            kind = SPORT_NAMES.get(row.pop("kind"), "activity")
            fields = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in row.items())
            lines.append(f"Activity {n} ({kind}) — {fields}")
        return "\n".join(lines)
