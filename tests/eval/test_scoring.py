"""Deterministic scoring: numbers with tolerance, names and pairs order-free, notes by quote."""

from __future__ import annotations

import pytest

from core.eval.questions import Question
from core.eval.scoring import gold_text, is_correct


def _q(answer_type, gold, tolerance=0.0, vocabulary=(), text="In week 14, how many?"):
    return Question("x", "a", 14, "k", text, answer_type, gold, tolerance, None, vocabulary)


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
