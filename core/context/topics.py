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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

TOPICS = ("training", "cardio", "cross_training", "recovery")
IDIOMS = "idioms"  # a pseudo-topic: its phrases hide the training words inside them and fire nothing

_WORD_RE = re.compile(r"[a-z0-9_]+(?:['’-][a-z0-9_]+)*", re.IGNORECASE)
_BREAK_RE = re.compile(r"[.,;:!?()\n—–]")
WEEKDAY_WORDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# Words ending in s that are not plurals.
_UNSTEMMED = frozenset(
    ("does", "was", "has", "this", "his", "its", "yes", "less", "always", "perhaps", "sometimes", "whereas", "various")
) | {"previous", "series"}


@dataclass(frozen=True)
class Word:
    """One word of the message: its light stem, its lower-case text, where it is, and whether only spaces join it
    to the word before (a phrase does not run across punctuation: "worth it? band pull-aparts" holds no IT band)."""

    stem: str
    text: str
    start: int
    end: int
    joined: bool = True


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
    out: list[Word] = []
    for m in _WORD_RE.finditer(message):
        joined = not out or _BREAK_RE.search(message, out[-1].end, m.start()) is None
        out.append(Word(stem(m.group(0)), m.group(0).lower(), m.start(), m.end(), joined))
    return tuple(out)


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
        glute bridge, step-up, pistol squat, handstand, muscle-up, grip, lifting belt, spotter, prehab, work out, worked out, working out, what's on, whats on, on the schedule
    """,
    "cardio": """
        run, running, ran, runner, jog, jogging, jogged, bike, biking, biked, cycle, cycling, cycled, ride, riding,
        rode, swim, swimming, swam, swum, pool, pace, mile, km, kilometre, kilometer, hr, heart rate, max hr, zone,
        tempo, interval, cardio, watt, ftp, w/kg, power meter, cadence, rpm, stride, lap, open water, spin, spinning,
        spin class, splits, negative split, marathon, half marathon, ultra, racing, main set, parkrun, trail, track session,
        treadmill, rowing, rower, rowing machine, erg, skierg, assault bike, elliptical, stairmaster, stair climber,
        vo2, vo2max, threshold, lactate, lthr, sweet spot, sweetspot, aerobic, anaerobic, fartlek, sprint, sprints,
        hill repeat, hill rep, hill sprint, hike, hiking, walk, walking, bpm, mph, speed, climb, climbing, zwift,
        turbo, peloton, gravel, mtb, mountain bike, road bike, crit, century, sportive, kom, strava, kickboard,
        pull buoy, pull-buoy, paddles, freestyle, breaststroke, backstroke, flip turn, masters swim, wetsuit, long run, easy run,
        running shoes, shoes, how far, mileage, bike fit, saddle, chest strap, hr strap
    """,
    "cross_training": """
        brick, triathlon, balance, balanced, interference, cross-training, crosstraining, cross training,
        cross train, pattern, yoga, vinyasa, yin, hatha, ashtanga, bikram, hot yoga, power yoga, restorative,
        pilates, barre, tai chi, mobility, stretch, stretches, stretching, flexibility, pose, asana, savasana,
        sun salutation, downward dog, pigeon, hip opener, sport, multisport, tri, duathlon, ironman, 70.3, half ironman, hyrox, hybrid,
        order of sessions, session order, bouldering, martial arts, boxing, bjj, tennis, football, soccer,
        basketball, surfing, skiing
    """,
    # idioms built of training words that are not training talk: matched so that, being longer, they hide them
    IDIOMS: """
        set up, setting up, run out, ran out, running out, run into, ran into, in the long run, run by, run through,
        work out how, worked out how, pool of, macro split, of bodyweight, time zone, nights running, days running, weeks running, walking down, walk down, walking up, walk up, running late, run late, ran late, run the numbers, running the numbers,
        rest of, rest assured, long shot, in a row, swing by, pressing issue, pressing matter, set the record
    """,
    "recovery": """
        tired, tiredness, fatigue, fatigued, rest, resting, rested, resting hr, resting heart rate, deload, sleep, sleeping, slept, asleep, awake,
        woke, woke up, waking, waking up, wake up, insomnia, bed, bedtime, nap, napping, napped, hrv, rhr, recover, recovery, recovering,
        recovered, readiness, body battery, sore, soreness, aching, ache, achy, stiff, stiffness, tight, tightness,
        doms, cramp, cramping, twinge, tweaked, strained, sprain, tendon, tendonitis, shin splints, plantar, it band,
        aches, niggle, niggly, injury, injured, pain, painful, physio, drained, wrecked, exhausted, knackered, toast,
        cooked, fried, gassed, wiped, trashed, shot, sluggish, lethargic, groggy, zapped, spent, energy, stress,
        stressed, anxious, burnt out, burned out, burnout, overreaching, run down, worn out, relaxed, relax, calm,
        calmer, meditation, breathwork, foam roll, foam rolling, massage, massage gun, ice bath, cold plunge, sauna,
        compression, compression boots, rest day, recovery day, jet lag, ill, illness, flu, sick, a cold, head cold,
        chest cold, fever, covid, infection, antibiotic, virus, stomach bug, cough, feverish, throat, sniffle, dizzy, dizziness,
        lightheaded, out of me, under the weather, beat up, flat, ease back, tender, tenderness,
        cramped, cramps, running on fumes, run on fumes, on fumes, dead legs
    """,
}
_PATTERNS: dict[str, tuple[Phrase, ...]] = {
    "training": ((_re(r"\d+x\d{1,2}"),),),
    "cardio": (
        (_re(r"\d+(?:mi|km|k)"),),
        (_re(r"\d+"), _re(r"mi|miles?|km|k")),
        (_re(r"z[1-5]"),),
        (_re(r"zone"), _re(r"\d")),
        (_re(r"\d+w"),),
        (_re(r"\d+:\d\d/(?:km|mi|100m?)"),),
        (_re(r"\d+x\d{3,4}m?|\d+x\d+(?:k|km|mi|m|min)"),),
        (_re(r"\d+x\d+"), _re(r"min|mins|minutes?|sec|secs|seconds?")),  # "5x4 min at 235 W" is intervals
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
    "quad", "hamstring", "hammy", "hammie", "calf", "calve", "leg", "back", "shoulder", "hip", "flexor", "glute",
    "chest", "arm", "wrist", "knee", "neck", "adductor", "groin", "ankle", "foot", "feet", "achilles", "elbow",
    "forearm", "heel", "shin", "toe", "trap", "body", "tricep", "bicep", "pec", "delt", "oblique",
)  # fmt: skip
# How a body part is said to be after work: a state within BODY_REACH words of a body part (either side) is
# recovery talk, and "heavy" there is not a load ("legs very heavy", "bad knee days", "killing my lower back").
_BODY_STATES = frozenset(
    (
        "hurt", "hurting", "killing", "wrecking", "destroying", "bothering", "grumpy", "niggly", "shot", "tender",
        "cramped", "cramping", "heavy", "dead", "fresh", "toast", "cooked", "fried", "wrecked", "trashed", "smashed",
        "destroyed", "battered", "stiff", "sore", "aching", "achy", "jelly", "bad", "dodgy", "cranky", "busted",
        "tweaky", "injured", "swollen", "numb", "twinge", "tweaked", "pulled", "tweak", "wreck", "pinch", "pinching",
        "irritate", "irritating", "bother", "bothering", "bugging", "awful", "lighting", "pinchy", "toasted",
        "screaming", "barking", "protesting", "complaining", "angry", "pull", "sharp", "strain", "niggle", "pain", "ache",
    )
)  # fmt: skip
BODY_REACH = 4
_AFTER_ONLY = frozenset(("heavy", "fresh"))
_JUST_BEFORE = frozenset(("bad", "dodgy", "cranky", "busted", "tweaky"))  # "bad knee", not "legs: bad idea"


def _state_fits(state: str, offset: int) -> bool:
    """Whether a state word `offset` words from a body part describes it."""
    if state in _JUST_BEFORE:
        return offset == -1
    return offset > 0 or state not in _AFTER_ONLY


_BACK_OWNERS = frozenset(("my", "lower", "upper", "low", "mid", "the", "his", "her"))  # "my back", not "back Sat"
_RULES: dict[str, tuple[tuple[_Pred, ...], ...]] = {
    "training": (
        (_any("how"), _any("train", "training", "trained", "lift", "lifting", "lifted")),
        (_any("my", "the", "this", "that", "last", "next", "today", "yesterday", *WEEKDAY_WORDS), _any("session")),
    ),
    "cardio": ((_any("how"), _prefix("run", "ride", "swim")),),
    "cross_training": (
        (_prefix("run", "ride"), _any("after", "before"), _prefix("lift", "legs")),
        (_any("does", "is", "are", "do"), _any("affect", "affecting", "help", "helping", "hurt", "hurting")),
    ),
    "recovery": (
        (_any("should"), _any("i"), _any("rest")),
        (_any("feeling", "feel"), _any("tired", "worn")),
        (_BODY_PARTS, _any("tight")),
        (_BODY_PARTS, _any("felt", "feel", "feeling", "feels")),
        (_any("hurt", "hurts", "hurting", "hate", "hates"), _BODY_PARTS),
        (_BODY_PARTS, _any("hurt", "hurts", "hurting", "hate", "hates", "killing", "grumpy", "niggly", "shot")),
        (_any("dead", "jelly"), _any("leg", "legs")),
    ),
}

_FALLBACK_RULES: dict[str, tuple[tuple[_Pred, ...], ...]] = {"recovery": ((_any("should"), _any("i"), _any("skip")),)}

# Generic last words that do not name an exercise on their own ("Deep Squat Hold" is not every "hold").
_GENERIC_HEADS = frozenset(
    [
        "hold",
        "rock",
        "jump",
        "raise",
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
class AthleteTerms:
    """The athlete's own exercise names (from `data.training_terms`): strength work is training talk, the moves of a
    mobility circuit cross-training talk."""

    training: tuple[str, ...] = ()
    cross_training: tuple[str, ...] = ()


NO_TERMS = AthleteTerms()


@dataclass(frozen=True)
class Vocabulary:
    """Phrases per topic keyed by their first element's stem (regex-led phrases kept apart), built once."""

    by_stem: dict[str, tuple[tuple[Phrase, str], ...]]
    regex_led: tuple[tuple[Phrase, str], ...]
    regex_start: re.Pattern[str]  # matches a word that could start one of `regex_led` (one test per word)


def _vocabulary(terms: AthleteTerms) -> Vocabulary:
    phrases: list[tuple[Phrase, str]] = []
    for topic, entries in _KEYWORDS.items():
        phrases += [(to_phrase(e) if isinstance(e, str) else e, topic) for e in entries]
    for topic, names in (("training", terms.training), ("cross_training", terms.cross_training)):
        for term in names:
            words = to_phrase(term)
            if words:
                phrases.append((words, topic))
                head = words[-1]
                if isinstance(head, str) and len(head) >= 4 and head not in _GENERIC_HEADS:
                    phrases.append(((head,), topic))
                first = words[0]
                if len(words) > 1 and isinstance(first, str) and _names_the_move(first, head):
                    phrases.append((_nickname(first, head), topic))  # "the prehab stuff", "Copenhagens"
    by_stem: dict[str, list[tuple[Phrase, str]]] = {}
    regex_led = []
    for phrase, topic in dict.fromkeys(phrases):
        if isinstance(phrase[0], str):
            by_stem.setdefault(phrase[0], []).append((phrase, topic))
        else:
            regex_led.append((phrase, topic))
    starts = "|".join(dict.fromkeys(f"(?:{p[0].pattern})" for p, _ in regex_led if isinstance(p[0], re.Pattern)))
    return Vocabulary({k: tuple(v) for k, v in by_stem.items()}, tuple(regex_led), _re(starts or "(?!)"))


# First words of a name that say nothing on their own ("standing", "walking", "world's").
_GENERIC_FIRSTS = frozenset(
    ("standing", "seated", "single-leg", "walking", "incline", "decline", "hanging", "lateral", "overhead", "reverse",
     "weighted", "inverted", "world's", "greatest", "battle", "barbell", "dumbbell", "bodyweight", "conditioning",
     "strength", "lower", "upper", "full", "front", "close-grip", "wide-grip", "deficit", "paused", "alternating")
)  # fmt: skip
_KNOWN_FIRSTS = frozenset(
    str(p[0]) for entries in _KEYWORDS.values() for e in entries if isinstance(e, str) for p in [to_phrase(e)] if p
)


def _nickname(first: str, head: Token) -> Phrase:
    """A circuit by its first word ("prehab"); a move by its first word said as a plural noun ("Copenhagens are
    hard", not "Copenhagen is a lovely city")."""
    return (first,) if head in ("circuit", "flow") else (_re(rf"{re.escape(first)}e?s"),)


def _names_the_move(first: str, head: Token) -> bool:
    """Whether a name's first word alone names it: a circuit's ("Prehab Circuit"), or a long word no lexicon
    holds ("Copenhagen Plank", "Romanian Deadlift")."""
    if head in ("circuit", "flow"):
        return len(first) >= 4
    return len(first) >= 6 and first not in _GENERIC_FIRSTS and first not in _KNOWN_FIRSTS


@lru_cache(maxsize=64)
def vocabulary(terms: AthleteTerms = NO_TERMS) -> Vocabulary:
    """The keyword table plus the athlete's own `terms` (cached per set of terms)."""
    return _vocabulary(terms)


def _element_matches(element: Token, word: Word) -> bool:
    return element == word.stem if isinstance(element, str) else element.fullmatch(word.text) is not None


def phrase_at(phrase: Phrase, words: Sequence[Word], i: int) -> bool:
    return i + len(phrase) <= len(words) and all(
        _element_matches(e, words[i + k]) and (k == 0 or words[i + k].joined) for k, e in enumerate(phrase)
    )


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


def _rule_hits(
    words: Sequence[Word], table: dict[str, tuple[tuple[_Pred, ...], ...]] | None = None
) -> list[tuple[str, int, str]]:
    """(topic, end of the rule's last word, matched words) for each ordered rule that matches, first match only."""
    hits = []
    for topic, rules in (_RULES if table is None else table).items():
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
        "fight", "fighting", "compete", "competing", "clash", "clashing", "conflict", "wreck", "ruin", "order", "vs",
        "versus", "or more", "eat into", "eating into", "eats into", "trade", "instead of", "too much", "other way round",
        "other way around", "screw up", "screws up", "screwing up", "overdoing", "suffer", "blunt", "instead",
        "replace", "morning before", "morning of", "right before", "right after", "lift first", "run first", "ride first", "swim first", "day after", "morning after",
        "day before", "night before", "evening before", "flip",
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


# Generic session words: "track session", "swim sets", "spin class" belong to the word before them, not to lifting.
_GENERIC_SESSION = frozenset(("session", "set", "class", "workout", "day"))
# Where a session is, not what it is: not training when a cardio word names the session ("spin class at the gym"
# is a ride, a hike "counts as a workout").
_WEAK_TRAINING = frozenset(("gym", "workout"))
_APP_WORDS = frozenset(
    ("app", "sync", "syncing", "synced", "export", "connect", "upload", "spreadsheet", "login", "password",
     "notification", "account", "csv", "import", "unit", "icon", "button", "streak", "badge", "widget", "dashboard",
     "trainingpeak", "reminder")
)  # fmt: skip
# Eating and drinking: a question about food that names a session only as its occasion ("eat before a morning
# ride?", "calories on rest days?") needs no training data, as every blind labeller had it.
_NUTRITION_WORDS = frozenset(
    ("eat", "eating", "calorie", "cal", "kcal", "macro", "protein", "carb", "fuel", "fueling", "gel", "food", "meal",
     "snack", "fasted", "diet", "hungry", "pasta", "creatine", "supplement", "coffee",
     "caffeine", "recipe", "shake", "smoothie", "drink")
)  # fmt: skip


def _body_state_hits(words: Sequence[Word], inside: set[int]) -> tuple[list[tuple[str, int, str]], set[int]]:
    """Recovery hits where a body part (not inside a longer name: "leg press") has a state word within BODY_REACH
    words; the state words' indices. "heavy" and "fresh" count only after the part: "heavy legs Monday" is a
    session, "legs very heavy" a state."""
    hits, states = [], set()
    for i, word in enumerate(words):
        if _BODY_PARTS(word) and i not in inside and (word.stem != "back" or (i and words[i - 1].stem in _BACK_OWNERS)):
            near = [k for k in range(max(0, i - BODY_REACH), min(len(words), i + BODY_REACH + 1)) if k != i]
            found = [k for k in near if words[k].stem in _BODY_STATES and _state_fits(words[k].stem, k - i)]
            if found:
                states.update(found)
                hits.append(("recovery", words[max(found[0], i)].end, f"{word.text} {words[found[0]].text}"))
    return hits[:1], states


def _claimed(words: Sequence[Word], spans: list[tuple[str, int, int]]) -> set[int]:
    """Generic session words that name another kind of session: the word before them ends a cardio or
    cross-training phrase ("track session", "pull-buoy sets", "stretch session")."""
    ends = {j for t, _, j in spans if t in ("cardio", "cross_training")}
    return {i for i, w in enumerate(words) if w.stem in _GENERIC_SESSION and i in ends}


def _meant_spans(
    words: Sequence[Word], spans: list[tuple[str, int, int]], not_lifting: set[int]
) -> list[tuple[str, int, int]]:
    """The keyword hits that mean their topic here: no training from a word that names another session or a body
    state (`not_lifting`: "track session", "legs very heavy"), no run from a resting heart rate's bpm, and no
    lifting from where a ride was held."""
    spans = [(t, i, j) for t, i, j in spans if not (t == "training" and j - i == 1 and i in not_lifting)]
    if any(words[i].stem in ("rhr", "resting") for t, i, _ in spans if t == "recovery"):  # "resting HR up 6 bpm"
        spans = [(t, i, j) for t, i, j in spans if not (t == "cardio" and words[i].stem in ("bpm", "hr"))]
    if any(t == "cardio" for t, _, _ in spans):
        spans = [(t, i, j) for t, i, j in spans if not (j - i == 1 and words[i].stem in _WEAK_TRAINING)]
    return spans


def detect_topics(message: str, terms: AthleteTerms = NO_TERMS) -> tuple[TopicHit, ...]:
    """Every topic the message touches, in order of first appearance; `terms` are the athlete's exercise names.

    A topic's position is its first keyword; a topic fired only by an ordered rule ("does … affect")
    is placed where the rule's last word ends, so a leading "how"/"does" does not jump the queue.
    """
    words = words_of(message)
    spans = keyword_spans(words, vocabulary(terms))
    claimed = _claimed(words, spans)
    # a rule reads no word inside a longer name ("glute bridges feel easy" is not a glute that feels)
    inside = {k for _, i, j in spans if j - i > 1 for k in range(i, j)} | claimed
    body, states = _body_state_hits(words, inside)
    moved = {i for i in range(1, len(words)) if words[i].stem == "lift" and _BODY_PARTS(words[i - 1])}  # heels lift
    spans = _meant_spans(words, spans, claimed | moved | {k for k in states if words[k].stem in ("heavy", "dead")})
    stems = {w.stem for w in words}
    if stems & _APP_WORDS:  # a question about the app needs none of the athlete's data
        return ()
    if stems & _NUTRITION_WORDS and len([s for s in spans if s[0] != IDIOMS]) <= 1:
        return ()  # "how many carbs should I eat on a 3-hour ride?"
    keyword = [(t, words[i].start, " ".join(w.text for w in words[i:j])) for t, i, j in spans]
    rule = _rule_hits([w for k, w in enumerate(words) if k not in inside]) + body
    rule += _interaction_hits(words, {t for t, _, _ in keyword + rule})
    if not keyword and not rule:  # a message that names nothing else:
        # "I hit a PR!" is a record of training; "should I skip tomorrow?" asks about recovery (with a session
        # named, "should I skip the battle ropes?" is about that session, as every blind labeller had it)
        rule = [("training", w.start, w.text) for w in words if _RECORD.fullmatch(w.text)][:1]
        rule += [(t, end, text) for t, end, text in _rule_hits(words, _FALLBACK_RULES)]
    hits = []
    for topic in TOPICS:
        mine = [(pos, text) for t, pos, text in keyword if t == topic]
        ruled = [(pos, text) for t, pos, text in rule if t == topic]
        if mine or ruled:
            found = sorted(mine + ruled)
            hits.append(TopicHit(topic, tuple(dict.fromkeys(w for _, w in found)), min(p for p, _ in mine or ruled)))
    return tuple(sorted(hits, key=lambda h: (h.position, TOPICS.index(h.topic))))


def is_cross_training_name(name: str) -> bool:
    """Whether a circuit's name is cross-training talk and nothing else ("Mobility Flow", "Yoga Flow")."""
    return {h.topic for h in detect_topics(name)} == {"cross_training"}
