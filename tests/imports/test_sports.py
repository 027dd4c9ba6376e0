"""Sports by whole words and the pause rule that scales with the recording interval (core/imports/sports.py)."""

from __future__ import annotations

import pytest

from core.imports.sports import sport_type, timer_seconds


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("motorcycling",), "other"),
        (("mountaineering",), "other"),
        (("hiking", "trail"), "other"),  # the FIT sport decides: a trail hike is a hike
        (("stride",), "other"),
        (("Walk",), "other"),
        (("motor_sports",), "other"),
        (("Motorbike ride",), "other"),
        (("running", "trail"), "run"),
        (("trail_running",), "run"),
        (("Trail Run",), "run"),
        (("VirtualRide",), "ride"),
        (("EBikeRide",), "ride"),
        (("e_biking", "e_bike_mountain"), "ride"),
        (("Mountain Bike Ride",), "ride"),
        (("Biking",), "ride"),
        (("training", "yoga"), "yoga"),
        (("training", "strength_training"), "strength"),
        (("WeightTraining",), "strength"),
        (("fitness_equipment", "indoor_rowing"), "other"),
        (("generic", "generic"), "other"),
        (("swimming", "lap_swimming"), "swim"),
        (("9",), "run"),
    ],
)
def test_sport_words_map_by_whole_words(words: tuple[str, ...], expected: str) -> None:
    """Given a file's sport (and FIT sub-sport), when mapped, then whole words decide; nothing is guessed from a substring."""
    assert sport_type(*words) == expected


def test_sparse_recording_is_not_a_pause() -> None:
    """Given a point every 120 s for two hours while moving slowly, when timed, then the timer is the whole two hours."""
    times = [i * 120.0 for i in range(61)]
    assert timer_seconds(times, [i * 4.0 for i in range(61)]) == 7200.0


def test_a_long_standstill_is_a_pause_and_a_gps_gap_while_moving_is_not() -> None:
    """Given 1 s recording with a 10-minute gap, when the position did not change it is a pause; when 3 km were covered it is not."""
    times = [*range(300), *(900.0 + i for i in range(300))]
    still = [float(min(i, 299)) * 3 for i in range(600)]
    assert timer_seconds(times, still) == 598.0
    moving = [i * 3.0 if i < 300 else 3000.0 + i * 3.0 for i in range(600)]
    assert timer_seconds(times, moving) == 1199.0
