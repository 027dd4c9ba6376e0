"""Deterministic answer checking that rewards reading, not repeating: the gold value must be stated, and nothing else
the document offers as an answer may be stated beside it.

No model ever grades an answer. The rules (docs/eval.md lists them per kind with examples):

- Every kind: an answer longer than the question's `answer_limit` (twice the longest gold answer of its kind plus
  100 characters, room to restate the question) is not credited, whatever it contains: pasting the data back is not an
  answer. An answer the endpoint cut at the token limit is never credited (`is_credited`, used by the run and by
  --rescore alike).
- Numbers: the answer must state exactly the N gold numbers, in any order (thousands separators allowed). A number the
  answer restates from the question with the word before it there ("week 14", "W14", "Nov 5", "November 5") or a
  clock time of the question ("6:38") is context, never an answer, and is set aside first; every other number counts,
  so "4 or 5" (a hedge) and "Sets: 1, 2, 3" (a list longer than asked) are wrong.
- Names: the names of the document (the question's vocabulary) that the answer mentions, longest first so
  "Deadlift" inside "Romanian Deadlift" is not counted twice, must be exactly the gold set.
- Pairs: each answer line naming one session and exactly one status gives a pair (a line offering several statuses
  is a hedge); the pairs must be exactly the gold pairs, and the answer may name no session of the document outside
  the gold (a list naming every session is wrong). With no gold pair the answer must say "none" and name no session.
- Text: of the document's notes (the gold and `others`), the answer must mention the gold and no other, as whole words,
  longest first (case, quotes and spacing ignored), and what it puts in quotes must be the note itself
  ('"Slow, slow, slow"' for the note "slow" is a repetition, not a quote).
"""

from __future__ import annotations

import re

from core.eval.questions import Question

_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")
_STATUSES = ("in progress", "not started", "skipped", "completed")
_STATUS_WORD = re.compile(r"(?<![a-z])(?:" + "|".join(_STATUSES) + r")(?![a-z])")
_NOT_COMPLETED = re.compile(r"(?<![a-z])(?:not|un) ?completed(?![a-z])")  # a restatement of the question, not a status
_ANCHORED = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]+)\.?\s+(\d+(?::\d{2})?)(?![\d,.]?\d)")
_CLOCK = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
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


def _restatements(asked: str) -> re.Pattern[str] | None:
    """The question's numbers as the answer may restate them: with the word before them in the question ("week 14",
    "Nov 5" — the answer's word may be longer: "November 5"; "W14" for "week 14"), and its clock times ("6:38")."""
    phrases = set()
    for word, number in _ANCHORED.findall(asked):
        lead = r"w(?:eek)?s?\.?\s*" if word.lower() == "week" else re.escape(word) + r"[a-z]*\.?\s+"
        phrases.add(lead + re.escape(number))
    phrases.update(re.escape(clock) for clock in _CLOCK.findall(asked))
    if not phrases:
        return None
    alternatives = "|".join(sorted(phrases, key=len, reverse=True))
    return re.compile(r"(?<![a-z0-9])(?:" + alternatives + r")(?![\d,.]?\d)", re.IGNORECASE)


def answer_numbers(answer: str, asked: str) -> list[float]:
    """The numbers an answer gives as its answer: every number, less those it restates from the question `asked`."""
    restated = _restatements(asked)
    return numbers_in(restated.sub(" ", answer) if restated else answer)


def _numbers_match(found: list[float], gold: tuple[float, ...], tolerance: float) -> bool:
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
        statuses = set(_STATUS_WORD.findall(_NOT_COMPLETED.sub(" ", _norm(line))))
        if len(names) == 1 and len(statuses) == 1:
            out.add((names.pop(), statuses.pop()))
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
    note = str(question.gold[0])
    gold = _norm(note)
    notes = (note, *(other for other in question.others if _norm(other) != gold))
    if mentioned(answer, notes) != {note}:  # the gold, and no other note of the document (longest first)
        return False
    return bool(re.search(r"[\"“”]", note)) or all(_norm(q) == gold for q in _quoted(answer))


def answer_limit(question: Question) -> int:
    """The question's `answer_limit`, or one derived from its own gold answer when it has none."""
    return question.answer_limit or answer_limit_for(len(gold_text(question)))


def is_correct(question: Question, answer: str) -> bool:
    """Whether `answer` states the gold answer of `question` and nothing the document offers beside it."""
    if len(answer.strip()) > answer_limit(question):
        return False
    if question.answer_type == "numbers":
        return _numbers_match(answer_numbers(answer, question.text), question.gold, question.tolerance)
    if question.answer_type == "names":
        return mentioned(answer, question.vocabulary) == set(question.gold)
    if question.answer_type == "pairs":
        return _pairs_match(question, answer)
    return _text_match(question, answer)


def is_credited(question: Question, answer: str, finish_reason: str | None) -> bool:
    """Whether an endpoint's answer counts as right: never when it was cut at the token limit (`finish_reason`
    "length", counted apart), else `is_correct`. The one rule both a run and --rescore apply."""
    return finish_reason != "length" and is_correct(question, answer)


def gold_text(question: Question) -> str:
    """The gold answer written the way a correct model would answer (for display and for scripted tests)."""
    if question.answer_type == "numbers":
        return ", ".join(f"{g:g}" for g in question.gold)
    if question.answer_type == "names":
        return ", ".join(question.gold)
    if question.answer_type == "pairs":
        return "\n".join(f"{name}: {status}" for name, status in question.gold) or "none"
    return str(question.gold[0])
