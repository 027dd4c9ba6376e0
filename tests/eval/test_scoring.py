"""Deterministic scoring: numbers with tolerance, names and pairs order-free, notes by quote; each rule also refuses
the lenient trap an answer that repeats the data would fall into."""

from __future__ import annotations

import pytest

from core.eval.questions import Question
from core.eval.scoring import gold_text, is_correct


def _q(answer_type, gold, tolerance=0.0, vocabulary=(), text="In week 14, how many?", others=(), limit=0):
    return Question("x", "a", 14, "k", text, answer_type, gold, tolerance, None, vocabulary, others, limit)


VOCAB = ("Deadlift", "Romanian Deadlift", "Bench Press")


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (_q("numbers", (8505.0,), 0.01), "8,505 lbs", True),
        (_q("numbers", (8505.0,), 0.01), "8450", True),  # within 1 %
        (_q("numbers", (8505.0,), 0.01), "8000", False),
        (_q("numbers", (8, 225.0), 0.01), "225, 8", True),  # order-free
        (_q("numbers", (8, 225.0), 0.01), "Set 3: 8 reps @ 225", False),  # three numbers stated, 3 not asked about
        (_q("numbers", (31630.0,), 0.01), "Week 14 volume: 31,630 lbs", True),  # 14 only repeats the question
        (_q("numbers", (3,)), "S3:Upper B {C 54m sch:11-06}", False),  # an echo of the data is not an answer
        (_q("numbers", (14,)), "14", True),  # the answer may equal a number of the question
        (_q("numbers", (3,)), "1. 3\n2. 4", False),
        (_q("numbers", (3,)), "I don't know", False),
        (_q("names", ("Romanian Deadlift",), vocabulary=VOCAB), "Romanian Deadlift", True),  # not also "Deadlift"
        (_q("names", ("Deadlift", "Bench Press"), vocabulary=VOCAB), "- bench press\n- Deadlift", True),
        (_q("names", ("Deadlift", "Bench Press"), vocabulary=VOCAB), "Bench Press", False),
        (_q("pairs", (("Lower", "skipped"),), vocabulary=("Lower", "Upper")), "Lower: Skipped", True),
        (
            _q("pairs", (("Lower", "skipped"),), vocabulary=("Lower", "Upper")),
            "Lower: skipped\nUpper: in progress",
            False,
        ),
        (_q("pairs", (), vocabulary=("Lower",)), "none", True),
        (_q("pairs", (), vocabulary=("Lower",)), "1. 2026 R4", False),  # unreadable is not "none"
        (_q("text", ("Focus on bar path",)), 'The coach wrote: "focus on bar path."', True),
        (_q("text", ("Focus on bar path",)), "Focus on depth", False),
    ],
)
def test_answer_is_scored_by_its_type(question, answer, expected):
    """Given a question type and an answer, when scored, then the verdict is the deterministic one."""
    assert is_correct(question, answer) is expected


@pytest.mark.parametrize(
    "question",
    [
        _q("numbers", (8, 225.0)),
        _q("names", ("Deadlift", "Romanian Deadlift"), vocabulary=VOCAB),
        _q("pairs", (("Lower", "not started"), ("Upper", "in progress")), vocabulary=("Lower", "Upper")),
        _q("pairs", (), vocabulary=("Lower",)),
        _q("text", ("Felt easy",)),
    ],
)
def test_gold_text_is_scored_correct(question):
    """Given any question, when its gold answer is written out, then scoring accepts it."""
    assert is_correct(question, gold_text(question))


NOTES = ("Felt strong today", "Grip slipped on set 3")
SESSIONS = ("Upper A", "Lower A", "Upper B", "Lower B")
RULES = {  # rule: (question, right answer, wrong answer, lenient trap a repeating reader would fall into)
    "answer length": (
        _q("numbers", (8505.0,), 0.01, limit=80),
        "The total volume was 8,505 lbs.",
        "8,000",
        "Week 14 data: " + "E1:Bench Press 4×6-8@165lbs [S] " * 4 + "total 8,505",
    ),
    "numbers: a list longer than asked": (
        _q("numbers", (3,)),
        "3 sets",
        "4",
        "Sets: 1, 2, 3",
    ),
    "names: only the asked names": (
        _q("names", ("Bench Press",), vocabulary=VOCAB),
        "Bench Press",
        "Deadlift",
        "Bench Press, Deadlift, Romanian Deadlift",
    ),
    "pairs: no session not asked about": (
        _q("pairs", (("Lower A", "skipped"),), vocabulary=SESSIONS),
        "Lower A: skipped",
        "Upper A: skipped",
        "Lower A: skipped\nUpper A, Upper B and Lower B",
    ),
    "pairs: none means no session": (
        _q("pairs", (), vocabulary=SESSIONS),
        "none",
        "Upper A: in progress",
        "none of Upper A, Lower A are open",
    ),
    "text: one note, not two": (
        _q("text", (NOTES[0],), others=NOTES[1:]),
        f'"{NOTES[0]}"',
        NOTES[1],
        f"{NOTES[1]}; {NOTES[0]}",
    ),
    "text: the quote is the note": (
        _q("text", ("slow",)),
        'The note on set 2 is "Slow".',
        '"fast"',
        'The note is: "Slow, slow, slow, Slow"',
    ),
    "text: whole words": (
        _q("text", ("good",)),
        "good",
        "bad",
        "goodness me",
    ),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_credits_the_right_answer_and_refuses_the_wrong_one_and_the_trap(rule):
    """Given a rule's question, when a right answer, a wrong one and a lenient trap are scored, then only the right one passes."""
    question, right, wrong, trap = RULES[rule]
    assert is_correct(question, right) is True
    assert is_correct(question, wrong) is False
    assert is_correct(question, trap) is False


def test_demo_questions_carry_a_limit_per_kind_and_the_other_notes_of_their_document(demo_con):
    """Given the demo questions, when generated, then every one has a limit above its own gold and notes know the others."""
    from core.eval.questions import generate_questions
    from core.eval.scoring import answer_limit_for

    questions = generate_questions(demo_con)
    by_kind = {}
    for q in questions:
        by_kind.setdefault(q.kind, []).append(q)
    for kind, group in by_kind.items():
        longest = max(len(gold_text(q)) for q in group)
        assert {q.answer_limit for q in group} == {answer_limit_for(longest)}, kind
    notes = by_kind["note"]
    assert any(q.others for q in notes) and all(q.gold[0] not in q.others for q in notes)
