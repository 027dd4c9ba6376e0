"""Topic and edit-intent detection over the message's words, in one linear pass.

The message is split into words once (a single regex scan); every keyword, phrase and rule is then
matched on that word list, so detection is linear in the message: no regex with `.*?` between
words, which backtracked quadratically (a 4,000-character message took 2.8 s). Words are compared
by a light stem (`squats` = `squat`, `lunges` = `lunge`, `Friday's` = `friday`), so "hr", "PR", "5mi",
"z2", "zone 3" and "10k" fire while "three" and "protein" do not.

Topics follow the athlete's own data: `terms` (the exercise names of the athlete's plan and history,
and the labels of their lifting days) count as training talk, by full name and by their head word
("walking lunges" and "reverse lunges" both hit `Walking Lunge`). A body word (sore, aching, stiff)
is recovery and a session word is training, so "sore from Friday's session" fires both; a run after
leg day fires cardio and training. Several topics may fire; they come back in the order they first
appear in the message, which is Tier 2's priority order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

TOPICS = ("training", "cardio", "cross_training", "recovery")

_WORD_RE = re.compile(r"[a-z0-9_]+(?:['’-][a-z0-9_]+)*", re.IGNORECASE)
_WEEKDAY_WORDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# Words ending in s that are not plurals.
_UNSTEMMED = frozenset(
    ("does", "was", "has", "this", "his", "its", "yes", "less", "always", "perhaps", "sometimes", "whereas", "various")
) | {"previous", "series"}


@dataclass(frozen=True)
class Word:
    """One word of the message: its light stem, its lower-case text and where it ends."""

    stem: str
    text: str
    start: int
    end: int


def stem(word: str) -> str:
    """A light stem: lower case, no possessive `'s`, no plural `s`/`es` (`presses` → `press`, `pull-ups` → `pull-up`)."""
    w = word.lower().replace("’", "'")
    w = w.removesuffix("'s").removesuffix("'")
    if w in _UNSTEMMED:
        return w
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def words_of(message: str) -> tuple[Word, ...]:
    """The message's words, one regex scan, linear in its length."""
    return tuple(Word(stem(m.group(0)), m.group(0).lower(), m.start(), m.end()) for m in _WORD_RE.finditer(message))


# A phrase element is a stem (compared with the word's stem) or a regex (full match on the word's text).
Token = str | re.Pattern[str]
Phrase = tuple[Token, ...]


def _phrase(text: str) -> Phrase:
    return tuple(stem(w.group(0)) for w in _WORD_RE.finditer(text))


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Keywords and phrases (matched as consecutive words). A regex element matches one word's text.
_KEYWORDS: dict[str, tuple[Phrase | str, ...]] = {
    "training": (
        "workout",
        "lift",
        "lifting",
        "lifted",
        "gym",
        "sets",
        "rep",
        "volume",
        "strength",
        "muscle",
        (_re(r"prs?"),),
        "heavy",
        "bench",
        "bench press",
        "squat",
        "deadlift",
        "pull-up",
        "pullup",
        "plan",
        "leg day",
        "arm day",
        "push day",
        "pull day",
        "upper body",
        "lower body",
        "full body",
        "bodyweight",
        "push harder",
        "train harder",
        "work harder",
        "heavier",
        "lighter weight",
        # the lifting shorthand athletes type (their exercise names come from `terms`)
        *("ohp", "rdl", "sldl", "amrap", "emom", "1rm", "e1rm", "rpe", "rir", "barbell", "dumbbell", "kettlebell"),
    ),
    "cardio": (
        "run",
        "running",
        "ran",
        "jog",
        "jogging",
        "bike",
        "biking",
        "cycle",
        "cycling",
        "ride",
        "riding",
        "swim",
        "swimming",
        "swam",
        "pool",
        "pace",
        "mile",
        "km",
        "kilometre",
        "kilometer",
        "hr",
        "heart rate",
        "zone",
        "tempo",
        "interval",
        "cardio",
        (_re(r"\d+(?:mi|km|k)"),),
        (_re(r"\d+"), _re(r"mi|miles?|km|k")),
        (_re(r"z[1-5]"),),
        (_re(r"zone"), _re(r"\d")),
    ),
    "cross_training": (
        "brick",
        "triathlon",
        "balance",
        "balanced",
        "interference",
        "cross-training",
        "crosstraining",
        "cross training",
        "cross train",
        "pattern",
    ),
    "recovery": (
        "tired",
        "fatigue",
        "fatigued",
        "rest",
        "deload",
        "sleep",
        "sleeping",
        "slept",
        "hrv",
        "recover",
        "recovery",
        "recovering",
        "recovered",
        "sore",
        "soreness",
        "aching",
        "ache",
        "achy",
        "stiff",
        "stiffness",
        "doms",
        "drained",
        "wrecked",
        "exhausted",
        (_re(r"overtrain\w*"),),
        "resting heart rate",
    ),
}

# Ordered rules: each element must appear after the previous one (any distance); matched greedily, linear.
_Pred = Callable[[Word], bool]


def _any(*stems: str) -> _Pred:
    wanted = frozenset(stems)
    return lambda w: w.stem in wanted


def _prefix(*prefixes: str) -> _Pred:
    return lambda w: w.text.startswith(prefixes)


_BODY_PARTS = _any(
    "quad", "hamstring", "calf", "calve", "leg", "back", "shoulder", "hip", "glute", "chest", "arm", "wrist", "knee", "neck"
)  # fmt: skip
_RULES: dict[str, tuple[tuple[_Pred, ...], ...]] = {
    "training": (
        (_any("how"), _prefix("train", "lift")),
        (_any("my", "the", "this", "that", "last", "next", "today", "yesterday", *_WEEKDAY_WORDS), _any("session")),
    ),
    "cardio": ((_any("how"), _prefix("run", "ride", "swim")),),
    "cross_training": (
        (_prefix("run", "ride"), _any("after", "before"), _prefix("lift", "legs")),
        (_any("does", "is", "are", "do"), _any("affect", "affecting", "help", "helping", "hurt", "hurting")),
    ),
    "recovery": (
        (_any("should"), _any("i"), _any("rest", "skip")),
        (_any("feeling", "feel"), _any("tired", "worn")),
        (_BODY_PARTS, _any("tight")),
        (_BODY_PARTS, _any("felt", "feel", "feeling", "feels")),
        (_any("dead", "heavy", "jelly"), _any("leg", "legs")),
    ),
}

# Generic last words that do not name an exercise on their own ("Deep Squat Hold" is not every "hold").
_GENERIC_HEADS = frozenset(
    [
        "hold",
        "rock",
        "flow",
        "easy",
        "long",
        "tempo",
        "steady",
        "recovery",
        "endurance",
        "interval",
        "brick",
        "technique",
        "day",
        "session",
        "a",
        "b",
        "c",
    ]
)


@dataclass(frozen=True)
class Vocabulary:
    """Phrases per topic keyed by their first element's stem (regex-led phrases kept apart), built once."""

    by_stem: dict[str, tuple[tuple[Phrase, str], ...]]
    regex_led: tuple[tuple[Phrase, str], ...]
    regex_start: re.Pattern[str]  # matches a word that could start one of `regex_led` (one test per word)


def _vocabulary(extra_training: tuple[str, ...]) -> Vocabulary:
    phrases: list[tuple[Phrase, str]] = []
    for topic, entries in _KEYWORDS.items():
        phrases += [(_phrase(e) if isinstance(e, str) else e, topic) for e in entries]
    for term in extra_training:
        words = _phrase(term)
        if words:
            phrases.append((words, "training"))
            head = words[-1]
            if isinstance(head, str) and len(head) >= 4 and head not in _GENERIC_HEADS:
                phrases.append(((head,), "training"))
    by_stem: dict[str, list[tuple[Phrase, str]]] = {}
    regex_led = []
    for phrase, topic in dict.fromkeys(phrases):
        if isinstance(phrase[0], str):
            by_stem.setdefault(phrase[0], []).append((phrase, topic))
        else:
            regex_led.append((phrase, topic))
    starts = "|".join(dict.fromkeys(f"(?:{p[0].pattern})" for p, _ in regex_led if isinstance(p[0], re.Pattern)))
    return Vocabulary({k: tuple(v) for k, v in by_stem.items()}, tuple(regex_led), _re(starts or "(?!)"))


@lru_cache(maxsize=64)
def vocabulary(terms: tuple[str, ...] = ()) -> Vocabulary:
    """The keyword table plus the athlete's own `terms` as training words (cached per set of terms)."""
    return _vocabulary(tuple(sorted(set(terms))))


def _element_matches(element: Token, word: Word) -> bool:
    return element == word.stem if isinstance(element, str) else element.fullmatch(word.text) is not None


def _phrase_at(phrase: Phrase, words: Sequence[Word], i: int) -> bool:
    return i + len(phrase) <= len(words) and all(_element_matches(e, words[i + k]) for k, e in enumerate(phrase))


def _keyword_hits(words: Sequence[Word], vocab: Vocabulary) -> list[tuple[str, int, str]]:
    """(topic, start, matched text) per phrase occurrence; each word tries only the phrases its stem starts."""
    hits = []
    for i, word in enumerate(words):
        led = vocab.regex_led if vocab.regex_start.fullmatch(word.text) else ()
        for phrase, topic in (*vocab.by_stem.get(word.stem, ()), *led):
            if _phrase_at(phrase, words, i):
                hits.append((topic, word.start, " ".join(w.text for w in words[i : i + len(phrase)])))
    return hits


def _rule_hits(words: Sequence[Word]) -> list[tuple[str, int, str]]:
    """(topic, end of the rule's last word, matched words) for each ordered rule that matches, first match only."""
    hits = []
    for topic, rules in _RULES.items():
        for rule in rules:
            k, matched = 0, []
            for word in words:
                if rule[k](word):
                    matched.append(word)
                    k += 1
                    if k == len(rule):
                        hits.append((topic, word.end, " … ".join(w.text for w in matched)))
                        break
    return hits


@dataclass(frozen=True)
class TopicHit:
    """A topic that fired, the words that fired it, and where it first appears (its Tier 2 priority)."""

    topic: str
    words: tuple[str, ...]
    position: int


def detect_topics(message: str, terms: Iterable[str] = ()) -> tuple[TopicHit, ...]:
    """Every topic the message touches, in order of first appearance; `terms` are the athlete's exercise names.

    A topic's position is its first keyword; a topic fired only by an ordered rule ("does … affect")
    is placed where the rule's last word ends, so a leading "how"/"does" does not jump the queue.
    """
    words = words_of(message)
    keyword = _keyword_hits(words, vocabulary(tuple(terms)))
    rule = _rule_hits(words)
    hits = []
    for topic in TOPICS:
        mine = [(pos, text) for t, pos, text in keyword if t == topic]
        ruled = [(pos, text) for t, pos, text in rule if t == topic]
        if mine or ruled:
            found = sorted(mine + ruled)
            hits.append(TopicHit(topic, tuple(dict.fromkeys(w for _, w in found)), min(p for p, _ in mine or ruled)))
    return tuple(sorted(hits, key=lambda h: (h.position, TOPICS.index(h.topic))))


# ---------------------------------------------------------------- edit intent (pre-loads edit_plan; never gates it)

# Matched on the word as written (not its stem: "sets" is a noun, "set" may be the verb); "do" only first.
_EDIT_VERBS = frozenset(
    w
    for w in [
        "add",
        "remove",
        "delete",
        "drop",
        "swap",
        "replace",
        "change",
        "move",
        "switch",
        "increase",
        "decrease",
        "bump",
        "lower",
        "raise",
        "reduce",
        "update",
        "edit",
        "reschedule",
        "put",
        "cut",
        "take",
        "skip",
        "trim",
        "lighten",
        "throw",
        "push",
        "shift",
        "slot",
        "pull",
        "ditch",
        "scrap",
        "make",
        "give",
        "set",
        "rename",
        "shorten",
        "lengthen",
        "extend",
        "double",
        "halve",
        "squeeze",
        "stick",
        "reorder",
        "clear",
        "cancel",
        "insert",
        "include",
        "append",
        "sub",
        "substitute",
        "target",
        "note",
        "label",
        "bring",
        "do",
        "heavier",
        "lighter",
    ]
)
_EDIT_MARKERS = tuple(
    _phrase(m)
    for m in (
        "instead", "one more", "extra", "get rid", "let's not", "let me", "from now on", "next time",
        "from this week", "less", "fewer", "off",
    )
)  # fmt: skip
_EDIT_OBJECTS = frozenset(
    stem(w)
    for w in [
        "plan",
        "set",
        "rep",
        "round",
        "block",
        "circuit",
        "exercise",
        "session",
        "run",
        "ride",
        "swim",
        "yoga",
        "rest",
        "day",
        "minute",
        "min",
        "lb",
        "lbs",
        "kg",
        "note",
        "weight",
        "today",
        "tomorrow",
    ]
)
_ID_RE = re.compile(r"(?:b|m|day)_\d+")
_ADVICE = frozenset({"should", "could", "would", "do", "does", "did", "can", "am", "is", "was"})


def edit_intent_words(message: str, terms: Iterable[str] = ()) -> tuple[str, ...]:
    """The change word and the plan thing it acts on that make this look like a request to edit (empty: none).

    This only decides whether `edit_plan` is sent up front; the small `plan_editor` entry point is
    offered every turn, so a request this misses still reaches the edit tool through the model.
    Something the athlete's plan holds is an ID, a weekday, a plan noun or one of `terms`. A question
    asking for advice ("should I add weight?", "do I skip?") is not a request.
    """
    words = words_of(message)
    if not words:
        return ()
    names = {s for t in terms for s in _phrase(t) if isinstance(s, str) and len(s) >= 4 and s not in _GENERIC_HEADS}
    verb = next(
        (
            w
            for i, w in enumerate(words)
            if w.text in _EDIT_VERBS and (w.text != "do" or i == 0) and not _is_advice(words, i)
        ),
        None,
    )
    marker = next(
        (" ".join(str(e) for e in m) for i in range(len(words)) for m in _EDIT_MARKERS if _phrase_at(m, words, i)),
        None,
    )
    if verb is None and marker is None:
        return ()
    trigger = verb.text if verb is not None else str(marker)
    start = words.index(verb) if verb is not None and marker is None else 0
    target = next(
        (
            w.stem
            for w in words[start:]
            if _ID_RE.fullmatch(w.text) or w.stem in _WEEKDAY_WORDS or w.stem in _EDIT_OBJECTS or w.stem in names
        ),
        None,
    )
    return (trigger, target) if target else ()


def _is_advice(words: Sequence[Word], i: int) -> bool:
    """The verb at `i` sits in a question asking for advice: 'should/do/can I … add' (not 'can you', 'could we')."""
    return any(w.stem in _ADVICE and j + 1 < i + 1 and words[j + 1].stem == "i" for j, w in enumerate(words[:i]))


_BODY = re.compile(
    r"\b(?:body ?fat|weigh(?:t|s|ed|ing)?|scale|calories|protein|macros|diet|nutrition|lean mass|body comp\w*)\b",
    re.IGNORECASE,
)


def body_words(message: str) -> tuple[str, ...]:
    """Words about body weight, body fat or nutrition (they earn the body-composition tool)."""
    return tuple(dict.fromkeys(m.group(0).lower() for m in _BODY.finditer(message)))
