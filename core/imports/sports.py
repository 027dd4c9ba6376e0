"""Sports mapped to our activity types, and the figures derived from records (HR weights, normalized power)."""

from __future__ import annotations

import math
from collections.abc import Sequence

TYPES = ("run", "ride", "swim", "yoga", "strength", "other")
PAUSE_GAP_S = 60.0  # a gap between records longer than this is a pause: it counts toward no zone

# Words in a file's sport (FIT sport / sub-sport, TCX Sport, GPX <type>, Strava's Activity Type), lower case.
_WORDS = {
    "run": ("running", "run", "trail", "treadmill", "virtualrun", "track_running", "9"),
    "ride": ("cycling", "biking", "ride", "bike", "virtualride", "ebikeride", "e_biking", "mountain", "gravel", "1"),
    "swim": ("swimming", "swim", "lap_swimming", "open_water", "16"),
    "yoga": ("yoga", "pilates"),
    "strength": ("strength_training", "weighttraining", "strength", "crossfit", "weight_training"),
}


def sport_type(*words: str | None) -> str:
    """Our type for a file's sport words (most specific first: sub-sport, then sport); 'other' when none match.

    A walk, a hike, rowing or a generic session is kept as 'other', never guessed into a sport.
    """
    for word in words:
        text = (word or "").strip().lower().replace(" ", "").replace("-", "_")
        if not text or text in ("generic", "all", "none"):
            continue
        for kind, names in _WORDS.items():
            if text in names or any(len(n) > 3 and n in text for n in names):
                return kind
    return "other"


def hr_weights(times_s: Sequence[float], hrs: Sequence[int | None]) -> tuple[tuple[int, float], ...]:
    """Each HR sample with the seconds until the next record (a pause longer than PAUSE_GAP_S counts 0)."""
    out = []
    for i, hr in enumerate(hrs):
        if hr is None or hr <= 0 or i + 1 >= len(times_s):
            continue
        gap = times_s[i + 1] - times_s[i]
        if 0 < gap <= PAUSE_GAP_S:
            out.append((int(hr), float(gap)))
    return tuple(out)


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
