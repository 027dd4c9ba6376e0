"""Which workout a message is about: explicit type words, then time references, then the workout the
conversation last discussed, else the most recent one (the seed's strategy 1).

When a time reference matches a day with several sessions and no type word picks one, the answer is
*ambiguous*: the day is shown in the seed's multi-workout form and the system prompt tells the model
to name the sessions and ask which one (strategy 3).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.workouts.sport import Activity, DayEntry, clock_label, format_activity_day, sport_line

# Seed's type keywords, matched on word boundaries; "workout" names no type, so it is not here.
TYPE_WORDS: dict[str, str] = {
    "strength": r"lift\w*|gym|weights|chest|legs|leg day|strength|squats?|bench|deadlifts?",
    "run": r"run|runs|running|ran|jog\w*",
    "ride": r"ride|rides|riding|rode|bike|biking|cycling",
    "swim": r"swim|swims|swimming|swam|pool",
    "yoga": r"yoga|stretch\w*|mobility",
    "multi": r"brick|triathlon",
}
_TYPE_RES = {t: re.compile(rf"\b(?:{p})\b", re.IGNORECASE) for t, p in TYPE_WORDS.items()}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME_RE = re.compile(
    r"\b(?:(?P<yesterday>yesterday)|(?P<morning>this morning)|(?P<last_night>last night)"
    r"|(?P<tonight>tonight|this evening)|(?P<today>today)|(?P<ago>\d{1,2}|one|two|three|a) days? ago"
    rf"|(?P<weekday>{'|'.join(_WEEKDAYS)}))\b",
    re.IGNORECASE,
)
_WORDS_N = {"one": 1, "a": 1, "two": 2, "three": 3}
EVENING_HOUR = 17
NOON = 12


@dataclass(frozen=True)
class TimeRef:
    """A resolved time reference: a day and, optionally, a part of it ('morning' before noon, 'evening' from 17:00)."""

    words: str
    day: date
    part: str | None = None


@dataclass(frozen=True)
class WorkoutFocus:
    """The workout(s) a message refers to, by which rule, and whether the model must ask which one."""

    rule: str  # 'type' | 'time' | 'type+time' | 'conversation' | 'most_recent'
    words: tuple[str, ...]
    activities: tuple[Activity, ...]
    ambiguous: bool

    def text(self, units: str) -> str:
        """One-liner, or the seed's multi-workout day form when several sessions are in play."""
        entries = [DayEntry(clock_label(a.start_time), sport_line(a, units)) for a in self.activities]
        return format_activity_day(self.activities[0].start_time.date(), entries, with_date=True)


def mentioned_type(message: str) -> tuple[str, str] | None:
    """(activity type, word) of the first type word in the message."""
    found = [(m.start(), t, m.group(0)) for t, r in _TYPE_RES.items() if (m := r.search(message))]
    if not found:
        return None
    _, typ, word = min(found)
    return typ, word.lower()


def time_reference(message: str, today: date) -> TimeRef | None:
    """The first time reference, resolved against the data's today (a weekday is its latest occurrence ≤ today)."""
    m = _TIME_RE.search(message)
    if not m:
        return None
    words = m.group(0).lower()
    if m["yesterday"]:
        return TimeRef(words, today - timedelta(days=1))
    if m["morning"]:
        return TimeRef(words, today, "morning")
    if m["last_night"]:
        return TimeRef(words, today - timedelta(days=1), "evening")
    if m["tonight"]:
        return TimeRef(words, today, "evening")
    if m["today"]:
        return TimeRef(words, today)
    if m["ago"]:
        n = _WORDS_N.get(m["ago"].lower()) or int(m["ago"])
        return TimeRef(words, today - timedelta(days=n))
    back = (today.weekday() - _WEEKDAYS.index(m["weekday"].lower())) % 7
    return TimeRef(words, today - timedelta(days=back))


def _matches_time(activity: Activity, ref: TimeRef) -> bool:
    if activity.start_time.date() != ref.day:
        return False
    if ref.part == "morning":
        return activity.start_time.hour < NOON
    if ref.part == "evening":
        return activity.start_time.hour >= EVENING_HOUR
    return True


def _resolve(message: str, activities: Sequence[Activity], today: date) -> WorkoutFocus | None:
    """Type and/or time rules on one message (None when it names neither or nothing matches)."""
    typed = mentioned_type(message)
    ref = time_reference(message, today)
    if typed is None and ref is None:
        return None
    candidates = list(activities)
    words: list[str] = []
    if typed:
        candidates = [a for a in candidates if a.type == typed[0] or any(leg.type == typed[0] for leg in a.legs)]
        words.append(typed[1])
    if ref:
        candidates = [a for a in candidates if _matches_time(a, ref)]
        words.append(ref.words)
    if not candidates:
        return None
    rule = "type+time" if typed and ref else "type" if typed else "time"
    if ref and not typed and len(candidates) > 1:
        return WorkoutFocus(rule, tuple(words), tuple(candidates), ambiguous=True)
    return WorkoutFocus(rule, tuple(words), (candidates[-1],), ambiguous=False)


def infer_workout(
    message: str,
    activities: Sequence[Activity],
    today: date,
    conversation: Sequence[dict[str, Any]] = (),
) -> WorkoutFocus | None:
    """The workout a message is about (None without any activity); `activities` oldest first."""
    if not activities:
        return None
    found = _resolve(message, activities, today)
    if found:
        return found
    for turn in reversed(conversation):
        earlier = _resolve(str(turn.get("content") or ""), activities, today)
        if earlier and not earlier.ambiguous:
            return WorkoutFocus("conversation", earlier.words, earlier.activities, ambiguous=False)
    return WorkoutFocus("most_recent", (), (activities[-1],), ambiguous=False)


def refers_to_workout(message: str, today: date) -> bool:
    """Does the message point at a particular session (a type word, a time reference, 'workout'/'session')?"""
    return bool(
        mentioned_type(message)
        or time_reference(message, today)
        or re.search(r"\b(?:workouts?|sessions?)\b", message, re.IGNORECASE)
    )
