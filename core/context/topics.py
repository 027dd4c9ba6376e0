"""Topic detection over the message's words, in one linear pass (edit intent, on the same words: edit_intent.py).

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
IDIOMS = "idioms"  # a pseudo-topic: its phrases hide the training words inside them and fire nothing

_WORD_RE = re.compile(r"[a-z0-9_]+(?:['’-][a-z0-9_]+)*", re.IGNORECASE)
WEEKDAY_WORDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


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


def to_phrase(text: str) -> Phrase:
    return tuple(stem(w.group(0)) for w in _WORD_RE.finditer(text))


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Keywords and phrases per topic (a phrase matches consecutive words; comma-separated), then the
# patterns (a regex element matches one word's text). A broad lexicon of how athletes write: the
# athlete's own exercise names come on top of it from `terms`.
_LEXICON = {
    "training": """
        workout, lift, lifting, lifted, gym, sets, rep, volume, strength, muscle, heavy, bench, bench press, squat,
        deadlift, pull-up, pullup, plan, leg day, arm day, push day, pull day, upper body, lower body, full body,
        bodyweight, push harder, train harder, work harder, heavier, lighter weight, training, train, trained,
        exercise, program, programme, routine, intensity, progression, progressive, overload, hypertrophy,
        deadlifting, squatting, benching, go hard, going hard, go harder, push hard, ramp up, take it easier, accessory, accessories, superset, drop set,
        to failure, form, technique, weighted, gains, stronger, weaker, stall, stalled, plateau, maxed, max out,
        ohp, rdl, sldl, amrap, emom, 1rm, e1rm, rpe, rir, barbell, dumbbell, kettlebell, cable, machine, smith,
        push-up, pushup, chin-up, chinup, plank, lunge, curl, press, row, hip thrust, core work, abs, crunch, sit-up,
        face pull, goblet squat, front squat, hack squat, split squat, nordic, leg curl, leg extension, calf raise,
        shrug, dip, tricep, bicep, triceps, biceps, lat pulldown, pulldown, sled, sled push, farmer carry, burpee,
        box jump, jump squat, plyo, plyometric, plyometrics, crossfit, wod, metcon, hiit, circuit, conditioning,
        glute bridge, step-up, pistol squat, handstand, muscle-up, grip, lifting belt, spotter
    """,
    "cardio": """
        run, running, ran, runner, jog, jogging, jogged, bike, biking, biked, cycle, cycling, cycled, ride, riding,
        rode, swim, swimming, swam, swum, pool, pace, mile, km, kilometre, kilometer, hr, heart rate, max hr, zone,
        tempo, interval, cardio, watt, ftp, w/kg, power meter, cadence, rpm, stride, lap, open water, spin, spinning,
        spin class, splits, negative split, marathon, half marathon, ultra, racing, parkrun, trail, track session,
        treadmill, rowing, rower, rowing machine, erg, skierg, assault bike, elliptical, stairmaster, stair climber,
        vo2, vo2max, threshold, lactate, lthr, sweet spot, sweetspot, aerobic, anaerobic, fartlek, sprint, sprints,
        hill repeat, hill rep, hill sprint, hike, hiking, walk, walking, bpm, mph, speed, climb, climbing, zwift,
        turbo, peloton, gravel, mtb, mountain bike, road bike, crit, century, sportive, kom, strava, kickboard,
        pull buoy, paddles, freestyle, breaststroke, backstroke, flip turn, masters swim, wetsuit, long run, easy run,
        running shoes, shoes, bike fit, saddle, chest strap, hr strap
    """,
    "cross_training": """
        brick, triathlon, balance, balanced, interference, cross-training, crosstraining, cross training,
        cross train, pattern, yoga, vinyasa, yin, hatha, ashtanga, bikram, hot yoga, power yoga, restorative,
        pilates, barre, tai chi, mobility, stretch, stretches, stretching, flexibility, pose, asana, savasana,
        sun salutation, downward dog, pigeon, hip opener, sport, multisport, tri, duathlon, hyrox, hybrid,
        order of sessions, session order, bouldering, martial arts, boxing, bjj, tennis, football, soccer,
        basketball, surfing, skiing
    """,
    # idioms built of training words that are not training talk: matched so that, being longer, they hide them
    IDIOMS: """
        set up, setting up, run out, ran out, running out, run into, ran into, in the long run, run by, run through,
        work out how, worked out how, pool of
    """,
    "recovery": """
        tired, tiredness, fatigue, fatigued, rest, resting, rested, resting hr, resting heart rate, deload, sleep, sleeping, slept, asleep, awake,
        woke, woke up, insomnia, bed, bedtime, nap, napping, napped, hrv, rhr, recover, recovery, recovering,
        recovered, readiness, body battery, sore, soreness, aching, ache, achy, stiff, stiffness, tight, tightness,
        doms, cramp, cramping, twinge, tweaked, strained, sprain, tendon, tendonitis, shin splints, plantar, it band,
        aches, niggle, niggly, injury, injured, pain, painful, physio, drained, wrecked, wreck, exhausted, knackered, toast,
        cooked, fried, gassed, wiped, trashed, shot, sluggish, lethargic, groggy, zapped, spent, energy, stress,
        stressed, anxious, burnt out, burned out, burnout, overreaching, run down, worn out, relaxed, relax, calm,
        calmer, meditation, breathwork, foam roll, foam rolling, massage, massage gun, ice bath, cold plunge, sauna,
        compression, compression boots, rest day, recovery day, jet lag, ill, illness, flu, sick, a cold, head cold,
        chest cold, fever, covid, under the weather, beat up, flat, ease back
    """,
}
_PATTERNS: dict[str, tuple[Phrase, ...]] = {
    "training": ((_re(r"\d+x\d+"),),),
    "cardio": (
        (_re(r"\d+(?:mi|km|k)"),),
        (_re(r"\d+"), _re(r"mi|miles?|km|k")),
        (_re(r"z[1-5]"),),
        (_re(r"zone"), _re(r"\d")),
        (_re(r"\d+w"),),
        (_re(r"\d+:\d\d/(?:km|mi|100m?)"),),
    ),
    "cross_training": (),
    IDIOMS: (),
    "recovery": ((_re(r"overtrain\w*"),),),
}
_KEYWORDS: dict[str, tuple[Phrase | str, ...]] = {
    topic: (*(w.strip() for w in words.split(",") if w.strip()), *_PATTERNS[topic]) for topic, words in _LEXICON.items()
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
        (_any("my", "the", "this", "that", "last", "next", "today", "yesterday", *WEEKDAY_WORDS), _any("session")),
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
        (_any("hurt", "hurts", "hurting", "hate", "hates"), _BODY_PARTS),
        (_BODY_PARTS, _any("hurt", "hurts", "hurting", "hate", "hates", "killing", "grumpy", "niggly", "shot")),
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
        phrases += [(to_phrase(e) if isinstance(e, str) else e, topic) for e in entries]
    for term in extra_training:
        words = to_phrase(term)
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


def phrase_at(phrase: Phrase, words: Sequence[Word], i: int) -> bool:
    return i + len(phrase) <= len(words) and all(_element_matches(e, words[i + k]) for k, e in enumerate(phrase))


def keyword_spans(words: Sequence[Word], vocab: Vocabulary) -> list[tuple[str, int, int]]:
    """(topic, first word, word after the last) per phrase occurrence; each word tries only the phrases its stem starts.

    A phrase inside a longer one that matched is not a hit of its own: "walking lunges" is an
    exercise, not a walk; "cross training" is not training; "run down" is not a run.
    """
    spans = []
    longest: dict[int, int] = {}  # start → end of the longest phrase matched there
    for i, word in enumerate(words):
        led = vocab.regex_led if vocab.regex_start.fullmatch(word.text) else ()
        for phrase, topic in (*vocab.by_stem.get(word.stem, ()), *led):
            if phrase_at(phrase, words, i):
                spans.append((topic, i, i + len(phrase)))
                longest[i] = max(longest.get(i, i), i + len(phrase))
    reach = max((b - a for a, b in longest.items()), default=0)

    def covered(i: int, j: int) -> bool:  # only phrases starting at most `reach` words back can hold (i, j)
        return any(longest.get(a, a) >= j and longest[a] - a > j - i for a in range(max(0, j - reach), i + 1))

    return [(topic, i, j) for topic, i, j in spans if not covered(i, j)]


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


_RECORD = re.compile(r"prs?|pbs?", re.IGNORECASE)

# Words about one kind of session acting on another: cross-training talk when two kinds are named.
_INTERACTIONS = tuple(
    to_phrase(p)
    for p in (
        "mess", "messing", "messes", "interfere", "interferes", "interfering", "impact", "compromise", "kill", "killing",
        "fight", "fighting", "compete", "competing", "clash", "clashing", "conflict",
        "on top of", "before or after", "same day", "alongside", "together with", "first or", "in a row", "double up",
        "back to back", "back-to-back",
    )
)  # fmt: skip


def _interaction_hits(words: Sequence[Word], fired: set[str]) -> list[tuple[str, int, str]]:
    """A cross-training hit at the first interaction word, when training and cardio both fired."""
    if not {"training", "cardio"} <= fired:
        return []
    found = ((i, p) for i in range(len(words)) for p in _INTERACTIONS if phrase_at(p, words, i))
    first = next(found, None)
    return [("cross_training", words[first[0]].end, " ".join(str(e) for e in first[1]))] if first else []


def detect_topics(message: str, terms: Iterable[str] = ()) -> tuple[TopicHit, ...]:
    """Every topic the message touches, in order of first appearance; `terms` are the athlete's exercise names.

    A topic's position is its first keyword; a topic fired only by an ordered rule ("does … affect")
    is placed where the rule's last word ends, so a leading "how"/"does" does not jump the queue.
    """
    words = words_of(message)
    spans = keyword_spans(words, vocabulary(tuple(terms)))
    keyword = [(t, words[i].start, " ".join(w.text for w in words[i:j])) for t, i, j in spans]
    # a rule reads no word inside a longer name ("glute bridges feel easy" is not a glute that feels)
    inside = {k for _, i, j in spans if j - i > 1 for k in range(i, j)}
    rule = _rule_hits([w for k, w in enumerate(words) if k not in inside])
    rule += _interaction_hits(words, {t for t, _, _ in keyword + rule})
    if not keyword and not rule:  # "I hit a PR!": a record of training when the message names nothing else
        rule = [("training", w.start, w.text) for w in words if _RECORD.fullmatch(w.text)][:1]
    hits = []
    for topic in TOPICS:
        mine = [(pos, text) for t, pos, text in keyword if t == topic]
        ruled = [(pos, text) for t, pos, text in rule if t == topic]
        if mine or ruled:
            found = sorted(mine + ruled)
            hits.append(TopicHit(topic, tuple(dict.fromkeys(w for _, w in found)), min(p for p, _ in mine or ruled)))
    return tuple(sorted(hits, key=lambda h: (h.position, TOPICS.index(h.topic))))
