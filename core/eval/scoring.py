"""Deterministic answer checking: numbers within a relative tolerance, names and pairs as sets, notes by quote.

No model ever grades an answer. Numbers: the answer must state exactly the N gold numbers, in any order
(thousands separators allowed); numbers it merely repeats from the question (the week, a set number) are
ignored when it states more than N, so an answer that echoes the data ("S3:Upper B {C 54m …") is not credited
with the first number it happens to contain. Names: which of the data's names the answer mentions (longest first, so
"Deadlift" inside "Romanian Deadlift" is not counted twice) must be exactly the gold set. Pairs: per answer line,
the session name and status it mentions. Text: the gold note must appear in the answer (case and spacing ignored).
"""

from __future__ import annotations

import re

from core.eval.questions import Question

_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")
_STATUSES = ("in progress", "not started", "skipped", "completed")


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("\\", "")
    text = re.sub(r"[\"“”`*]", "", text)
    return re.sub(r"\s+", " ", text).strip(" .")


def numbers_in(answer: str) -> list[float]:
    """Every number in the answer, in order ('31,630' is one number)."""
    return [float(m.replace(",", "")) for m in _NUMBER.findall(answer)]


def _numbers_match(found: list[float], gold: tuple[float, ...], tolerance: float, asked: str) -> bool:
    if len(found) > len(gold):
        repeated = set(numbers_in(asked))
        found = [x for x in found if x not in repeated]
    if len(found) != len(gold):
        return False
    left = list(found)
    for g in gold:
        hit = next((x for x in left if abs(x - g) <= max(tolerance * abs(g), 1e-9)), None)
        if hit is None:
            return False
        left.remove(hit)
    return True


def mentioned(text: str, vocabulary: tuple[str, ...]) -> set[str]:
    """The vocabulary names a text mentions as whole phrases, longest first."""
    rest, found = f" {_norm(text)} ", set()
    for name in sorted(vocabulary, key=len, reverse=True):
        pattern = re.compile(r"(?<![a-z0-9])" + re.escape(_norm(name)) + r"(?![a-z0-9])")
        if pattern.search(rest):
            found.add(name)
            rest = pattern.sub(" ", rest)
    return found


def _pairs(answer: str, vocabulary: tuple[str, ...]) -> set[tuple[str, str]]:
    out = set()
    for line in re.split(r"[\n;]", answer):
        names = mentioned(line, vocabulary)
        statuses = [s for s in _STATUSES if s in _norm(line)]
        if len(names) == 1 and statuses:
            out.add((names.pop(), statuses[0]))
    return out


def is_correct(question: Question, answer: str) -> bool:
    """Whether `answer` states the gold answer of `question`."""
    if question.answer_type == "numbers":
        return _numbers_match(numbers_in(answer), question.gold, question.tolerance, question.text)
    if question.answer_type == "names":
        return mentioned(answer, question.vocabulary) == set(question.gold)
    if question.answer_type == "pairs":
        return _pairs(answer, question.vocabulary) == set(question.gold)
    return _norm(str(question.gold[0])) in _norm(answer)


def gold_text(question: Question) -> str:
    """The gold answer written the way a correct model would answer (for display and for scripted tests)."""
    if question.answer_type == "numbers":
        return ", ".join(f"{g:g}" for g in question.gold)
    if question.answer_type == "names":
        return ", ".join(question.gold)
    if question.answer_type == "pairs":
        return "\n".join(f"{name}: {status}" for name, status in question.gold) or "none"
    return str(question.gold[0])
