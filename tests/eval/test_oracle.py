"""The oracle's parsers read every demo week back from each format (verbose through our own parse_verbose)."""

from __future__ import annotations

import pytest

from core.db.athletes import athlete_ids
from core.eval.oracle import IDK, oracle_answer, parse_document, parse_verbose
from core.eval.questions import generate_questions
from core.workouts.formats import render
from core.workouts.program import Scope, load_program, select_scope


@pytest.mark.parametrize("fmt", ["verbose", "ultra", "json", "toon"])
def test_every_demo_week_reads_back_to_the_same_program(demo_con, fmt):
    """Given every demo week rendered in a format, when the oracle parses it, then it gets the same Program back."""
    weeks = 0
    for athlete_id in athlete_ids(demo_con):
        program = load_program(demo_con, athlete_id)
        for week in program.weeks:
            one = select_scope(program, Scope("week", week=week.number))
            assert parse_document(render(one, fmt), fmt, program.units) == one, (athlete_id, week.number)
            weeks += 1
    assert weeks > 20


def test_compact_weeks_read_back_equal_except_dates_the_questions_never_ask(demo_con):
    """Given demo weeks in compact, when parsed with the oracle's fixed year, then sessions, exercises and sets are equal."""
    program = load_program(demo_con, athlete_ids(demo_con)[0])
    for week in program.weeks:
        one = select_scope(program, Scope("week", week=week.number))
        back = parse_document(render(one, "compact"), "compact", program.units).weeks[0]
        strip = [(s.session_id, s.name, s.status, s.notes, s.exercises) for s in week.sessions]
        assert [(s.session_id, s.name, s.status, s.notes, s.exercises) for s in back.sessions] == strip


def test_unreadable_data_gives_i_dont_know_not_a_traceback(demo_con):
    """Given a question and text that is no document, when the oracle answers, then it says it does not know."""
    question = generate_questions(demo_con)[0]
    assert oracle_answer(question, "verbose", "hello").startswith(IDK)
    assert oracle_answer(question, "json", "{not json").startswith(IDK)
    assert parse_verbose("", "lbs").weeks == ()
