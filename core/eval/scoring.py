"""Deterministic answer checking that rewards reading, not repeating: the gold value must be stated, and nothing else
the document offers as an answer may be stated beside it.

No model ever grades an answer. The rules (docs/eval.md lists them per kind with examples):

- Every kind: an answer longer than the question's `answer_limit` (twice the longest gold answer of its kind plus
  100 characters, room to restate the question) is not credited, whatever it contains: pasting the data back is not an answer.
- Numbers: the answer must state exactly the N gold numbers, in any order (thousands separators allowed). Numbers
  it merely repeats from the question (the week, a set number) are ignored when it states more than N; any other
  extra number makes it wrong (a list longer than asked).
- Names: the names of the document (the question's vocabulary) that the answer mentions, longest first so
  "Deadlift" inside "Romanian Deadlift" is not counted twice, must be exactly the gold set.
- Pairs: each answer line naming one session and one status gives a pair; the pairs must be exactly the gold
  pairs, and the answer may name no session of the document outside the gold (a list naming every session is
  wrong). With no gold pair the answer must say "none" and name no session.
- Text: the gold note must appear as whole words (case, quotes and spacing ignored), no other note of the same
  document may (an answer quoting two notes is wrong), and what the answer puts in quotes must be the note itself
  ('"Slow, slow, slow"' for the note "slow" is a repetition, not a quote).
"""

from __future__ import annotations

import re

from core.eval.questions import Question

_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")
_STATUSES = ("in progress", "not started", "skipped", "completed")
LIMIT_FACTOR = 2
LIMIT_SLACK = 100


def answer_limit_for(longest_gold: int) -> int:
    """The most characters an answer may have, given the longest gold answer (in characters) of its kind."""
    return LIMIT_FACTOR * longest_gold + LIMIT_SLACK


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


def _pairs_match(question: Question, answer: str) -> bool:
    named = mentioned(answer, question.vocabulary)
    if not question.gold:  # "none" must be said: an answer we cannot read is not an empty list
        return not named and re.search(r"\bnone\b", _norm(answer)) is not None
    if not named <= {name for name, _ in question.gold}:
        return False
    return _pairs(answer, question.vocabulary) == set(question.gold)


def _quoted(answer: str) -> list[str]:
    return [a or b for a, b in re.findall(r'"([^"]*)"|“([^”]*)”', answer)]


def _text_match(question: Question, answer: str) -> bool:
    gold, said = _norm(str(question.gold[0])), _norm(answer)
    if not re.search(r"(?<![a-z0-9])" + re.escape(gold) + r"(?![a-z0-9])", said):
        return False
    if not re.search(r"[\"“”]", str(question.gold[0])) and any(_norm(q) != gold for q in _quoted(answer)):
        return False  # what it quotes must be the note, not the note repeated or run on into other words
    return not any(_norm(other) in said for other in question.others)


def answer_limit(question: Question) -> int:
    """The question's `answer_limit`, or one derived from its own gold answer when it has none."""
    return question.answer_limit or answer_limit_for(len(gold_text(question)))


def is_correct(question: Question, answer: str) -> bool:
    """Whether `answer` states the gold answer of `question` and nothing the document offers beside it."""
    if len(answer.strip()) > answer_limit(question):
        return False
    if question.answer_type == "numbers":
        return _numbers_match(numbers_in(answer), question.gold, question.tolerance, question.text)
    if question.answer_type == "names":
        return mentioned(answer, question.vocabulary) == set(question.gold)
    if question.answer_type == "pairs":
        return _pairs_match(question, answer)
    return _text_match(question, answer)


def gold_text(question: Question) -> str:
    """The gold answer written the way a correct model would answer (for display and for scripted tests)."""
    if question.answer_type == "numbers":
        return ", ".join(f"{g:g}" for g in question.gold)
    if question.answer_type == "names":
        return ", ".join(question.gold)
    if question.answer_type == "pairs":
        return "\n".join(f"{name}: {status}" for name, status in question.gold) or "none"
    return str(question.gold[0])
