"""Sports mapped to our activity types, and the figures derived from records (HR weights, normalized power)."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

TYPES = ("run", "ride", "swim", "yoga", "strength", "other")
PAUSE_GAP_S = 60.0  # a gap is a pause only when longer than this AND than PAUSE_FACTOR × the median interval
PAUSE_FACTOR = 4.0
PAUSE_SPEED_M_S = 0.5  # ... and, when positions are known, covered slower than this (standing still)

# A sport as a whole word (lower case, spaces, '_' and '-' removed) -> our type. Looked up first.
SPORT_WORDS = {
    "run": (
        "run",
        "running",
        "trailrun",
        "trailrunning",
        "virtualrun",
        "treadmillrunning",
        "indoorrunning",
        "trackrunning",
        "streetrunning",
        "ultrarun",
        "9",
    ),
    "ride": (
        "ride",
        "cycling",
        "biking",
        "bike",
        "virtualride",
        "ebikeride",
        "ebiking",
        "ebike",
        "emountainbikeride",
        "mountainbikeride",
        "mountainbiking",
        "mountainbike",
        "gravelride",
        "gravelcycling",
        "roadcycling",
        "roadbiking",
        "indoorcycling",
        "trackcycling",
        "cyclocross",
        "handcycle",
        "handcycling",
        "velomobile",
        "1",
    ),
    "swim": ("swim", "swimming", "lapswimming", "openwater", "openwaterswimming", "16"),
    "yoga": ("yoga", "pilates"),
    "strength": ("strength", "strengthtraining", "weighttraining", "weightlifting", "crossfit"),
}
# Words of a free-form name ("Mountain Bike Ride", "Trail Run") -> our type, when the whole name is not above.
TOKENS = {
    "run": ("run", "running", "jog", "jogging"),
    "ride": ("ride", "cycling", "biking", "bike", "bicycle"),
    "swim": ("swim", "swimming"),
    "yoga": ("yoga", "pilates"),
    "strength": ("strength", "weights", "weightlifting"),
}
# A word that makes a name 'other' whatever else it says ("Motorbike ride", "Hike and run" stays other).
OTHER_TOKENS = frozenset(
    (
        "walk",
        "walking",
        "hike",
        "hiking",
        "motorcycle",
        "motorcycling",
        "motorbike",
        "moto",
        "motor",
        "motorsport",
        "motorsports",
        "car",
        "driving",
        "drive",
        "mountaineering",
        "rowing",
        "row",
        "paddling",
        "paddle",
        "kayaking",
        "canoeing",
        "ski",
        "skiing",
        "snowshoeing",
        "skating",
        "climbing",
        "golf",
        "sailing",
        "boating",
        "flying",
    )
)
# FIT sports that only say "see the sub-sport": for these (and a missing sport) the sub-sport decides.
CONTAINERS = frozenset(("", "generic", "all", "none", "training", "fitnessequipment"))
_BY_KEY = {key: kind for kind, keys in SPORT_WORDS.items() for key in keys}
_BY_TOKEN = {token: kind for kind, tokens in TOKENS.items() for token in tokens}


def _key(word: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (word or "").lower())


def _one_word_type(word: str | None) -> str:
    key = _key(word)
    if key in _BY_KEY:
        return _BY_KEY[key]
    tokens = [t.lower() for t in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", word or "")]
    if any(t in OTHER_TOKENS for t in tokens):
        return "other"
    kinds = {_BY_TOKEN[t] for t in tokens if t in _BY_TOKEN}
    return kinds.pop() if len(kinds) == 1 else "other"


def sport_type(sport: str | None, sub_sport: str | None = None) -> str:
    """Our type for a file's sport (FIT sport, TCX Sport, GPX <type>, Strava's Activity Type) by whole words.

    The sport decides; a FIT sub-sport only when the sport is a container (generic, training,
    fitness_equipment): hiking/trail is a hike ('other'), training/yoga is yoga. A walk, a hike, a
    motorcycle, rowing or anything not in SPORT_WORDS / TOKENS is 'other', never guessed into a sport.
    """
    if _key(sport) in CONTAINERS:
        return _one_word_type(sub_sport) if _key(sub_sport) not in CONTAINERS else "other"
    return _one_word_type(sport)


def is_pause(gap_s: float, median_s: float, speed_m_s: float | None) -> bool:
    """A gap between records is a pause when it is longer than PAUSE_GAP_S and PAUSE_FACTOR × the file's
    median interval (a watch recording every 120 s is not paused between points) and, when positions
    are known, was covered at under PAUSE_SPEED_M_S (a GPS drop-out while riding on is not a pause)."""
    if gap_s <= max(PAUSE_GAP_S, PAUSE_FACTOR * median_s):
        return False
    return speed_m_s is None or speed_m_s < PAUSE_SPEED_M_S


def moving_gaps(times_s: Sequence[float], distances_m: Sequence[float | None] | None = None) -> list[float]:
    """Each interval between consecutive records, 0 where it is a pause (see `is_pause`).

    `distances_m` is the cumulative distance at each record when known (its differences give the speed).
    """
    gaps = [b - a for a, b in itertools.pairwise(times_s)]
    positive = sorted(g for g in gaps if g > 0)
    median = positive[len(positive) // 2] if positive else 0.0
    out = []
    for i, gap in enumerate(gaps):
        speed = None
        if distances_m is not None and gap > 0:
            d0, d1 = distances_m[i], distances_m[i + 1]
            known = d0 is not None and d1 is not None and d1 >= d0  # a distance that went back (a reset) says nothing
            speed = (d1 - d0) / gap if known else None  # type: ignore[operator]
        out.append(0.0 if gap <= 0 or is_pause(gap, median, speed) else gap)
    return out


def timer_seconds(times_s: Sequence[float], distances_m: Sequence[float | None] | None = None) -> float:
    """First to last record minus pauses: the timer time of a file with no device summary."""
    return sum(moving_gaps(times_s, distances_m))


def hr_weights(
    times_s: Sequence[float], hrs: Sequence[int | None], distances_m: Sequence[float | None] | None = None
) -> tuple[tuple[int, float], ...]:
    """Each HR sample with the seconds until the next record (a pause, see `is_pause`, counts nowhere)."""
    gaps = moving_gaps(times_s, distances_m)
    return tuple((int(hr), float(gaps[i])) for i, hr in enumerate(hrs) if hr and i < len(gaps) and gaps[i] > 0)


# The demo's split (core/demo/cardio.hr_zones): zone by fraction of maximum HR.
ZONE_TOPS = (0.68, 0.78, 0.86, 0.93)


def zone_minutes(hr_seconds: Sequence[tuple[int, float]], max_hr: int) -> list[float] | None:
    """Minutes in Z1..Z5 (None when there was no HR), splitting at ZONE_TOPS × `max_hr`."""
    if not hr_seconds:
        return None
    zones = [0.0] * 5
    for hr, seconds in hr_seconds:
        frac = hr / max_hr
        zone = next((i for i, top in enumerate(ZONE_TOPS) if frac < top), 4)
        zones[zone] += seconds / 60
    return [round(z, 2) for z in zones]


def normalized_power(times_s: Sequence[float], watts: Sequence[int | None]) -> int | None:
    """Coggan's normalized power: 30 s rolling mean of 1 s power, to the 4th power, mean, 4th root."""
    samples = [(t, w) for t, w in zip(times_s, watts, strict=True) if w is not None]
    if len(samples) < 30:
        return None
    start, end = int(samples[0][0]), int(samples[-1][0])
    per_second = [0.0] * (end - start + 1)
    for (t, w), nxt in zip(samples, [*samples[1:], (samples[-1][0] + 1, 0)], strict=True):
        for s in range(int(t) - start, min(int(nxt[0]) - start, len(per_second))):
            per_second[s] = float(w)  # held until the next sample, as a head unit records it
    if len(per_second) < 30:
        return None
    window = sum(per_second[:30])
    rolled = [window / 30]
    for i in range(30, len(per_second)):
        window += per_second[i] - per_second[i - 30]
        rolled.append(window / 30)
    mean_fourth: float = sum(r**4 for r in rolled) / len(rolled)
    return round(math.pow(mean_fourth, 0.25))
