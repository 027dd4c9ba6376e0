"""Gold answers: computed from the program values, checked against hand-computed values on the seed example week."""

from __future__ import annotations

from collections import Counter

from core.eval.questions import QUESTION_KINDS, apply_edit, generate_questions, limit_questions, week_questions
from core.workouts.program import seed_example_program

# The seed week (compact-workout-format.md): Upper Body done with Bench Press 10/9/8 @225 and Overhead Press
# 10/8 @135 logged, Dumbbell Rows not logged; Lower Body and Full Body not started.
HAND = {
    "week_exercises": {"*": ("Dumbbell Rows",)},  # "logged" would be the first two names the data lists: "not logged"
    "total_volume": {"*": (27 * 225 + 18 * 135,)},  # 6075 + 2430 = 8505
    "incomplete_sessions": {"*": (("Full Body", "not started"), ("Lower Body", "not started"))},
    "last_performance": {"Bench Press": (8, 225), "Overhead Press": (8, 135)},
    "best_weight": {"Bench Press": (225,), "Overhead Press": (135,)},
    "logged_sets": {"Bench Press": (3,), "Overhead Press": (2,)},
    "plan_edit": {"*": (4,)},  # every exercise prescribes 3 sets; the edit adds one
}
NOTES = {"Focus on bar path", "Felt easy", "Felt strong today"}


def _questions():
    week = seed_example_program().weeks[0]
    return {q.kind: q for q in week_questions("seed", "lbs", week)}


def test_gold_answers_equal_hand_computed_values_on_the_seed_week():
    """Given the seed example week, when questions are generated, then every gold answer equals the hand-computed one."""
    questions = _questions()
    assert set(HAND) | {"note"} == set(questions)
    for kind, expected in HAND.items():
        q = questions[kind]
        name = next((n for n in expected if n in q.text), "*")
        assert q.gold == expected[name], (kind, q.text, q.gold)
    assert questions["note"].gold[0] in NOTES


def test_plan_edit_changes_only_the_asked_exercise_in_the_rendered_program():
    """Given a plan_edit question, when its edit is applied, then only that exercise's target sets grew by one."""
    program = seed_example_program()
    q = _questions()["plan_edit"]
    edited = apply_edit(program, q.edit)
    before = {(e.name, e.target_sets) for s in program.weeks[0].sessions for e in s.exercises}
    after = {(e.name, e.target_sets) for s in edited.weeks[0].sessions for e in s.exercises}
    assert before - after and len(after - before) == 1 and next(iter(after - before))[1] == q.gold[0]


def test_a_run_over_the_demo_has_every_kind_and_at_least_100_questions(demo_con):
    """Given the demo database, when questions are generated, then there are ≥ 100 of ≥ 8 kinds with unique ids."""
    questions = generate_questions(demo_con)
    kinds = Counter(q.kind for q in questions)
    assert len(questions) >= 100 and len(kinds) >= 8 and set(kinds) == set(QUESTION_KINDS)
    assert len({q.qid for q in questions}) == len(questions)
    assert generate_questions(demo_con) == questions  # deterministic


def test_limit_takes_questions_round_robin_over_kinds(demo_con):
    """Given a limit of 9, when questions are limited, then each of the nine kinds is asked once."""
    limited = limit_questions(generate_questions(demo_con), 9)
    assert sorted(q.kind for q in limited) == sorted(QUESTION_KINDS)


def _every_candidate(question, document):
    """Answers that name every candidate the document offers for this question: a reader that repeats instead of reads."""
    from core.eval.scoring import numbers_in

    if question.answer_type == "names":
        return [", ".join(question.vocabulary), "\n".join(question.vocabulary)]
    if question.answer_type == "pairs":
        statuses = ("in progress", "not started", "skipped")
        each = ["\n".join(f"{name}: {status}" for name in question.vocabulary) for status in statuses]
        return [*each, "\n".join(f"{name}: {', '.join(statuses)}" for name in question.vocabulary)]
    if question.answer_type == "text":
        notes = (question.gold[0], *question.others)
        return ["; ".join(notes), "\n".join(f'"{note}"' for note in notes)]
    return [", ".join(f"{n:g}" for n in numbers_in(document))]


def test_no_question_credits_every_candidate_the_data_block_or_the_block_cut_to_its_limit(demo_con):
    """Given every demo question in every format, when an answer names every candidate of its document, pastes the
    document, or pastes it cut to the kind's length limit (at the limit or at the last line break before it), then it
    is scored wrong: a question whose gold is every candidate cannot tell reading from repeating."""
    from core.eval.documents import DocumentSource
    from core.eval.scoring import answer_limit, is_correct
    from core.workouts.formats import FORMATS

    source = DocumentSource(demo_con)
    credited = []
    for q in generate_questions(demo_con):
        for fmt in FORMATS:
            document = source.text(q, fmt)
            cut = document[: answer_limit(q)]
            answers = [*_every_candidate(q, document), document, cut, cut.rsplit("\n", 1)[0]]
            credited += [(q.qid, fmt, a[:60]) for a in answers if is_correct(q, a)]
    assert credited == []


def test_list_questions_ask_for_a_strict_subset_and_note_questions_have_another_note(demo_con):
    """Given the demo questions, when generated, then a names or pairs gold is a strict subset of the candidates its
    document shows, and a note question's document holds another note to tell the gold from."""
    for q in generate_questions(demo_con):
        if q.answer_type in ("names", "pairs") and q.gold:
            named = set(q.gold) if q.answer_type == "names" else {name for name, _ in q.gold}
            assert named < set(q.vocabulary), q.qid
        if q.answer_type == "text":
            assert q.others, q.qid


def test_a_week_with_every_exercise_logged_asks_about_one_session_instead():
    """Given a week where every exercise has a logged set, when its questions are generated, then week_exercises asks
    about one session, whose exercises are a strict subset of the week's names and not the names of an opening part
    of the document (the first session's would be what the data cut short gives)."""
    from dataclasses import replace

    week = seed_example_program().weeks[0]
    upper, lower = week.sessions[:2]
    done = tuple(replace(e, sets=e.sets or upper.exercises[0].sets) for e in upper.exercises)
    legs = tuple(replace(e, name=name) for e, name in zip(done, ("Back Squat", "Deadlift"), strict=False))
    full = replace(week, sessions=(replace(upper, exercises=done), replace(lower, exercises=legs), *week.sessions[2:]))
    [q] = [q for q in week_questions("seed", "lbs", full) if q.kind == "week_exercises"]
    assert q.text.startswith(f"Which exercises in session '{lower.name}' of week 1 have at least one logged set?")
    assert q.gold == ("Back Squat", "Deadlift") and len(q.vocabulary) == 5
