"""Edit intent: does this message look like a request to change the plan (it pre-loads `edit_plan`; it never
gates it: the small `change_plan` entry point is offered on every turn), and body-composition words.

Matched on the words `core.context.topics` splits the message into, in linear passes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.context.topics import (
    NO_TERMS,
    WEEKDAY_WORDS,
    AthleteTerms,
    Word,
    keyword_spans,
    phrase_at,
    stem,
    to_phrase,
    vocabulary,
    words_of,
)


def _word_set(text: str) -> frozenset[str]:
    """A set of words written as one string (long vocabularies stay readable)."""
    return frozenset(text.split())


# Matched on the word as written (not its stem: "sets" is a noun, "set" may be the verb); "do" only first.
_EDIT_VERBS = _word_set(
    # add, take away, move, change: the plain verbs and the idioms athletes use for them
    "add remove delete drop swap replace change move switch increase decrease bump lower raise reduce update edit "
    "reschedule put cut take skip trim lighten throw push shift slot pull ditch scrap make give set rename shorten "
    "lengthen extend double halve squeeze stick reorder clear cancel insert include append sub substitute target note "
    "label bring do heavier lighter knock lose dump axe ax postpone scratch pencil bin tone dial nix kill tack sneak "
    "shave cap slide delay defer rearrange erase strike omit exclude nuke modify adjust tweak alter amend revise rework "
    "convert turn split combine merge spread schedule book trade exchange up boost limit prepone"
)
# A request without a change verb: "instead", "one more", or asking for something ("could you …", "I'd rather …").
_EDIT_MARKERS = tuple(
    to_phrase(m)
    for m in (
        "instead", "one more", "extra", "get rid", "let's not", "let me", "from now on", "next time",
        "from this week", "less", "fewer", "day off", "rather than", "in place of", "go up", "go down", "go to",
        "no more", *(f"{day} off" for day in WEEKDAY_WORDS),
    )
)  # fmt: skip
_ASKS = tuple(
    to_phrase(m)
    for m in (
        "can you", "could you", "would you", "can we", "could we", "please", "let's", "lets", "i want", "i'd like",
        "i would like", "i'd rather", "i'd prefer",
    )
)  # fmt: skip
# After an ask, these verbs ask to read, not to change ("can you tell me how Friday went?").
_READ_VERBS = _word_set(
    "tell show explain check look see remind summarize summarise compare help analyse analyze review list describe "
    "find say confirm talk walk break recap clarify know understand read what how why when where which who is are was "
    "were will would should could"
)
_EDIT_OBJECTS = frozenset(
    stem(w)
    for w in _word_set(
        "plan set rep round block circuit exercise session run ride swim yoga rest day minute min mins hour lb lbs "
        "kg note weight today tomorrow week weekend morning evening workout lift mile km interval tempo"
    )
)
_ID_RE = re.compile(r"(?:b|m|day)_\d+")
_ADVICE = frozenset({"should", "could", "would", "do", "does", "did", "can", "am", "is", "was"})
_REPORTERS = frozenset({"i", "we", "just", "already"})  # "I cut my run short yesterday" reports, it does not ask
_DETERMINERS = frozenset(
    {"my", "the", "a", "an", "this", "that", "your", "our", "his", "her", "their"}
)  # "my schedule"
_ASKED = frozenset({"you", "i", "we", "they"})  # "do you think …" asks a question; "do 4 sets" asks for a change
_FIRST_ONLY = frozenset({"do", "stretch"})  # verbs that are nouns or questions anywhere but first ("stretch the ride")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?(?:x\d+)?[a-z]*")
_QUESTION_OPENERS = _word_set("how what when why which who is am are do does did can could should will would")


def edit_intent_words(message: str, terms: AthleteTerms = NO_TERMS) -> tuple[str, ...]:
    """The change word and the plan thing it acts on that make this look like a request to edit (empty: none).

    This only decides whether `edit_plan` is sent up front; the small `change_plan` entry point is
    offered every turn, so a request this misses still reaches the edit tool through the model.
    A change word is a change verb (not one reporting what was done, "I cut …", nor one in a question
    asking for advice, "should I add …?"), a marker ("instead", "one more") or an ask followed by
    anything but a read verb ("could you make …", "I'd rather …"). A plan thing, anywhere in the
    message, is an ID, a weekday, a plan noun or any training, cardio or cross-training word,
    the athlete's own exercise names (`terms`) included.
    """
    words = words_of(message)
    if not words:
        return ()
    trigger = _change_word(words)
    if trigger is None:
        return ()
    vocab = vocabulary(terms)
    plan_topics = ("training", "cardio", "cross_training")
    topical = {w.stem for t, i, j in keyword_spans(words, vocab) if t in plan_topics for w in words[i:j]}
    target = next(
        (
            w.stem
            for w in words
            if _ID_RE.fullmatch(w.text) or w.stem in WEEKDAY_WORDS or w.stem in _EDIT_OBJECTS or w.stem in topical
        ),
        None,
    )
    return (trigger, target) if target else ()


def _change_word(words: Sequence[Word]) -> str | None:
    """The first verb, marker or ask that makes the message a request for a change (None: none)."""
    advice_from = _advice_start(words)
    for i, w in enumerate(words):
        if _is_change_verb(words, i, advice_from):
            return w.text
    if _reports_the_past(words):  # "I skipped the rollouts and did planks instead" tells, it does not ask
        return None
    for i in range(len(words)):
        for m in _EDIT_MARKERS:
            if phrase_at(m, words, i):
                return " ".join(str(e) for e in m)
    for i in range(len(words)):
        for m in _ASKS:
            j = i + len(m)
            j += j < len(words) and words[j].text == "to"
            if phrase_at(m, words, i) and j < len(words) and words[j].text not in _READ_VERBS:
                return " ".join(str(e) for e in m)
    if words[0].text not in _QUESTION_OPENERS:  # "box jumps to 10 reps", "Friday's ride to 2h": a new value
        for i in range(len(words) - 1):
            if words[i].text == "to" and _NUMBER_RE.fullmatch(words[i + 1].text):
                return f"to {words[i + 1].text}"
    return None


_PAST = _word_set("did went ran swam rode had was were got felt took made")


def _reports_the_past(words: Sequence[Word]) -> bool:
    """'I' or 'we' followed by a past-tense verb: the message reports what was done."""
    return any(
        words[i - 1].text in ("i", "we") and (w.text in _PAST or (w.text.endswith("ed") and len(w.text) > 4))
        for i, w in enumerate(words)
        if i
    )


def _is_change_verb(words: Sequence[Word], i: int, advice_from: int) -> bool:
    """Word `i` is a change verb used as one: not a noun after a determiner, not a report ("I cut …"), not advice
    (at or after `advice_from`).

    A misspelt verb ("chnage", "remvoe") counts where a verb is expected: first, or right after an ask.
    """
    text = words[i].text
    if text not in _EDIT_VERBS:
        misspelt = _misspelt_verb(text)
        if not (misspelt and (i == 0 or any(phrase_at(m, words, i - len(m)) for m in _ASKS if i >= len(m)))):
            return False
    if text in _FIRST_ONLY and (i > 0 or (len(words) > 1 and words[1].text in _ASKED)):
        return False
    before = words[i - 1].text if i else ""
    return before not in _REPORTERS and before not in _DETERMINERS and i < advice_from


def _deletions(word: str) -> set[str]:
    return {word} | {word[:k] + word[k + 1 :] for k in range(len(word))}


_VERB_DELETIONS = frozenset((v[0], d) for v in _EDIT_VERBS if len(v) >= 5 for d in _deletions(v))


def _misspelt_verb(text: str) -> bool:
    """One letter off a change verb of five letters or more, same first letter (symmetric deletions: a typo or a
    swapped pair). An inflected word is not a typo: "changed", "removing" report or describe."""
    if len(text) < 5 or not text.isalpha() or text.endswith(("ed", "ing", "s")):
        return False
    return any((text[0], d) in _VERB_DELETIONS for d in _deletions(text))


def _advice_start(words: Sequence[Word]) -> int:
    """Where a question asking for advice starts ('should/do/can I … add', not 'can you', 'could we'): the index of
    its 'I', len(words) with none. A verb from there on is advice; one pass, not one per verb."""
    return next(
        (j + 1 for j in range(len(words) - 1) if words[j].stem in _ADVICE and words[j + 1].stem == "i"), len(words)
    )


_BODY = re.compile(
    r"\b(?:body ?fat|weigh(?:t|s|ed|ing)?|scale|calories|protein|macros|diet|nutrition|lean mass|body comp\w*)\b",
    re.IGNORECASE,
)


def body_words(message: str) -> tuple[str, ...]:
    """Words about body weight, body fat or nutrition (they earn the body-composition tool)."""
    return tuple(dict.fromkeys(m.group(0).lower() for m in _BODY.finditer(message)))
