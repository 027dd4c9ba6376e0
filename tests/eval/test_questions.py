"""Gold answers: computed from the program values, checked against hand-computed values on the seed example week."""

from __future__ import annotations

from collections import Counter

from core.eval.questions import QUESTION_KINDS, apply_edit, generate_questions, limit_questions, week_questions
from core.workouts.program import seed_example_program

# The seed week (compact-workout-format.md): Upper Body done with Bench Press 10/9/8 @225 and Overhead Press
# 10/8 @135 logged, Dumbbell Rows not logged; Lower Body and Full Body not started.
HAND = {
    "week_exercises": {"*": ("Bench Press", "Overhead Press")},
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
