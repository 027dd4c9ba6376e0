"""The effects deliberately built into the demo data: what, where and how large; tests and analytics read these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlantedEffect:
    """One effect deliberately built into the demo data; tests and analytics read these."""

    key: str
    athlete: str  # handle
    family: str  # pattern family that should find it
    what: str
    size: float
    unit: str
    params: dict[str, Any] = field(default_factory=dict)


PLANTED_EFFECTS: tuple[PlantedEffect, ...] = (
    PlantedEffect(
        key="leg_day_run_hr",
        athlete="jordan",
        family="sequencing",
        what="runs starting within 36 h after the end of a heavy leg session show higher average HR at the same pace",
        size=6.5,
        unit="bpm",
        params={"window_hours": 36},
    ),
    PlantedEffect(
        key="evening_yoga_deep_sleep",
        athlete="aiko",
        family="recovery",
        what="yoga starting at or after 17:00 is followed by a larger deep-sleep share that night",
        size=12.0,
        unit="% relative",
        params={"evening_from_hour": 17},
    ),
    PlantedEffect(
        key="overload_block",
        athlete="tomas",
        family="overload",
        what="two weeks of sharply raised training load (acute:chronic > 1.4) with HRV falling through the block",
        size=-25.0,
        unit="% HRV by block end",
        params={"block_weeks_before_as_of": (6, 5), "duration_factors": (1.7, 2.3), "rpe_increase": 1.5},
    ),
    PlantedEffect(
        key="pr_after_rest_and_sleep",
        athlete="maya",
        family="performance",
        what="strength PRs come on sessions preceded by two full rest days and more than 7 h sleep the night before",
        size=2.0,
        unit="extra reps on top sets",
        params={"rest_days": 2, "sleep_hours_above": 7.0},
    ),
)


def planted_effect(key: str) -> PlantedEffect:
    """The planted effect with this key (KeyError naming the valid keys otherwise)."""
    for effect in PLANTED_EFFECTS:
        if effect.key == key:
            return effect
    raise KeyError(f"planted effect {key!r}; expected one of {', '.join(e.key for e in PLANTED_EFFECTS)}")
