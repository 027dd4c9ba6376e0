"""Topic and intent detection on word boundaries.

The seed matched keywords as substrings, so `hr` fired inside "three" and `pr` inside "protein".
Here every keyword and pattern is a regex anchored on word boundaries (`\\b`), so "hr", "PR", "5mi",
"z2", "zone 3" and "10k" still fire while "three" and "protein" do not. Several topics may fire; they
come back in the order they first appear in the message, which is Tier 2's priority order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOPICS = ("training", "cardio", "cross_training", "recovery")

# The seed's keywords and patterns (word forms added), each matched on word boundaries, case-insensitive.
_TOPIC_PATTERNS: dict[str, tuple[str, ...]] = {
    "training": (
        r"workouts?",
        r"lift(?:s|ing|ed)?",
        r"gym",
        r"sets",
        r"reps?",
        r"volume",
        r"strength",
        r"muscles?",
        r"prs?",
        r"heavy",
        r"bench(?: press)?",
        r"squats?",
        r"deadlifts?",
        r"pull-?ups?",
        r"plan",
        r"how\b.*?\b(?:train|lift)\w*",
        r"(?:my|the)\b.*?\b(?:workout|session)s?",
    ),
    "cardio": (
        r"run(?:s|ning)?",
        r"ran",
        r"jog(?:s|ging)?",
        r"bik(?:e|es|ing)",
        r"cycl(?:e|ing)",
        r"rid(?:e|es|ing)",
        r"swim(?:s|ming)?",
        r"swam",
        r"pool",
        r"pace",
        r"miles?",
        r"km",
        r"hr",
        r"heart rate",
        r"zones?",
        r"tempo",
        r"intervals?",
        r"cardio",
        r"\d+\s*(?:mi|km|k)",
        r"z[1-5]",
        r"zone\s*\d",
        r"how\b.*?\b(?:run|ride|swim)\w*",
    ),
    "cross_training": (
        r"bricks?",
        r"triathlon",
        r"balance",
        r"interference",
        r"cross[- ]?train(?:ing)?",
        r"patterns?",
        r"(?:run|ride)\w*\b.*?\b(?:after|before)\b.*?\b(?:lift\w*|legs|leg day)",
        r"(?:does|is|are)\b.*?\b(?:affect|help|hurt)(?:s|ing)?",
    ),
    "recovery": (
        r"tired",
        r"fatigue[d]?",
        r"rest",
        r"deload",
        r"sleep(?:ing)?",
        r"slept",
        r"hrv",
        r"recover(?:y|ing|ed)?",
        r"sore(?:ness)?",
        r"exhausted",
        r"overtrain\w*",
        r"resting heart rate",
        r"should i\b.*?\b(?:rest|skip)",
        r"feeling\b.*?\b(?:tired|worn)",
    ),
}

# Asking to change the plan: a change verb and something the plan holds.
_EDIT_VERB = (
    r"\b(?:add|remove|delete|drop|swap|replace|change|move|switch|increase|decrease|bump|lower|raise|reduce"
    r"|update|edit|reschedule|put)\b"
)
_EDIT_OBJECT = (
    r"\b(?:plan|sets?|reps?|rest day|block|circuit|exercise"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|b_\d+|m_\d+)\b"
)
_ADVICE = r"\b(?:should|could|would|do)\s+i\b"
_BODY = r"\b(?:body ?fat|weigh(?:t|s|ed|ing)?|scale|calories|protein|macros|diet|nutrition|lean mass|body comp\w*)\b"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


_COMPILED = {topic: tuple(_compile(p) for p in patterns) for topic, patterns in _TOPIC_PATTERNS.items()}


@dataclass(frozen=True)
class TopicHit:
    """A topic that fired, the words that fired it, and where it first appears (its Tier 2 priority)."""

    topic: str
    words: tuple[str, ...]
    position: int


def detect_topics(message: str) -> tuple[TopicHit, ...]:
    """Every topic the message touches, in order of first appearance.

    A topic's position is its first keyword; a topic fired only by a phrase pattern ("does … affect")
    is placed where the phrase ends, so a leading "how"/"does" does not jump the queue.
    """
    hits = []
    for topic, patterns in _COMPILED.items():
        found = [
            (m.end() if ".*?" in p.pattern else m.start(), ".*?" in p.pattern, m.group(0))
            for p in patterns
            for m in p.finditer(message)
        ]
        if found:
            keywords = [f for f in found if not f[1]] or found
            words = tuple(dict.fromkeys(w.lower() for _, _, w in sorted(found)))
            hits.append(TopicHit(topic, words, min(pos for pos, _, _ in keywords)))
    return tuple(sorted(hits, key=lambda h: (h.position, TOPICS.index(h.topic))))


def edit_intent_words(message: str) -> tuple[str, ...]:
    """The verb and the plan object after it that make this a request to change the plan (empty: none).

    A question asking for advice ("should I add weight?") is not a request to edit.
    """
    verb = re.search(_EDIT_VERB, message, re.IGNORECASE)
    if verb is None or re.search(_ADVICE, message[: verb.start()], re.IGNORECASE):
        return ()
    target = re.search(_EDIT_OBJECT, message[verb.end() :], re.IGNORECASE)
    return (verb.group(0).lower(), target.group(0).lower()) if target else ()


def body_words(message: str) -> tuple[str, ...]:
    """Words about body weight, body fat or nutrition (they earn the body-composition tool)."""
    return tuple(dict.fromkeys(m.group(0).lower() for m in re.finditer(_BODY, message, re.IGNORECASE)))
