"""core.workouts.sport: the tiered-context one-liners, multi-workout days, and their round trip."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.db.athletes import find_athlete
from core.workouts.sport import (
    Activity,
    DayEntry,
    SportLine,
    StrengthItem,
    activity_log,
    format_activity_day,
    format_sport_line,
    load_activities,
    parse_day,
    parse_sport_line,
    sport_line,
)

SEED_LINES = [
    "S:65m|5200kg|chest,quads Bench(3×16@315#PR),Squat(4×8@405)",
    "R:45m|6.2mi|9:42/mi|Z2:32m,Z3:8m|+420ft|hr156avg",
    "W:35m|1650yd|2:08/100|free:28,back:4|spm24|swolf72",
    "Y:45m|vinyasa|hips,shoulders|rpe4",
    "M:120m[C:45m|15mi][R:35m|4mi|8:45/mi]T1:4m,T2:3m",
    "R:45m|5mi|9:00/mi|Z2:35m",
    "S:55m|4200kg Squat(4×8@185),RDL(3×10@135)",
]


def test_seed_one_liners_read_back_and_print_identically() -> None:
    """Every one-liner in the tiered-context document parses and prints back to the same text."""
    for text in SEED_LINES:
        assert format_sport_line(parse_sport_line(text)) == text


def test_seed_ride_line_prints_in_the_documented_field_order() -> None:
    """A ride prints distance, speed, zones, normalized power, then elevation, like the seed."""
    line = SportLine(
        "C", 90, 28.4, "mi", speed=18.9, zones=((2, 65), (3, 20)), np_w=185, elevation=1250, elevation_unit="ft"
    )
    assert format_sport_line(line) == "C:90m|28.4mi|18.9mph|Z2:65m,Z3:20m|np185w|+1250ft"


def test_run_converts_metres_to_miles_for_lbs_and_km_for_kg() -> None:
    """A 10 km run in 50 minutes reads 6.2mi at 8:03/mi for a lbs athlete and 10km at 5:00/km for a kg one."""
    run = Activity(1, "run", datetime(2026, 1, 5, 6, 30), 50.0, 150, 10000.0, 100.0, (0, 40.0, 10.0, None, None))
    assert format_sport_line(sport_line(run, "lbs")) == "R:50m|6.2mi|8:03/mi|Z2:40m,Z3:10m|+328ft|hr150avg"
    assert format_sport_line(sport_line(run, "kg")) == "R:50m|10km|5:00/km|Z2:40m,Z3:10m|+100m|hr150avg"


def test_swim_is_in_yards_with_pace_per_hundred() -> None:
    """A 1508.76 m swim (1650 yd) in 35 minutes reads 1650yd and 2:07/100 with laps by stroke."""
    swim = Activity(
        2,
        "swim",
        datetime(2026, 1, 5, 6, 30),
        35.0,
        distance_m=1650 * 0.9144,
        strokes_per_min=24,
        swolf=72,
        laps=(("free", 28), ("back", 4)),
    )
    assert format_sport_line(sport_line(swim, "kg")) == "W:35m|1650yd|2:07/100|free:28,back:4|spm24|swolf72"


def test_multi_workout_day_matches_the_seed_layout() -> None:
    """Two activities on a day print as `Dec 15: 2 sessions` with numbered, timed lines, and read back."""
    run = DayEntry("6:30 AM", parse_sport_line("R:45m|5mi|9:00/mi|Z2:35m"))
    lift = DayEntry("5:00 PM", parse_sport_line("S:55m|4200kg Squat(4×8@185),RDL(3×10@135)"))
    text = format_activity_day(date(2025, 12, 15), [run, lift])
    assert text == (
        "Dec 15: 2 sessions\n"
        "  1. 6:30 AM - R:45m|5mi|9:00/mi|Z2:35m\n"
        "  2. 5:00 PM - S:55m|4200kg Squat(4×8@185),RDL(3×10@135)"
    )
    assert parse_day(text) == ("Dec 15", [run, lift])


def test_nasty_exercise_names_cannot_break_the_strength_line() -> None:
    """Names with commas, parentheses, pipes and # read back intact."""
    line = SportLine(
        "S",
        60,
        volume_kg=100,
        muscles=("upper back", "x,y"),
        exercises=(StrengthItem("Press (close, grip) | #PR @ × 2", 3, 5, 100.0, True),),
    )
    assert parse_sport_line(format_sport_line(line)) == line


def test_demo_activities_read_back_at_rendered_precision(demo_con) -> None:
    """Every demo activity's one-liner parses back to the same rounded values; bricks include their legs."""
    kinds = set()
    for athlete_id in range(1, 6):
        athlete = find_athlete(demo_con, athlete_id)
        activities = load_activities(demo_con, athlete_id, athlete.as_of - timedelta(days=120), athlete.as_of)
        for activity in activities:
            line = sport_line(activity, athlete.units)
            kinds.add(line.kind)
            assert parse_sport_line(format_sport_line(line)) == line
        log = activity_log(activities, athlete.units)
        assert "sessions\n  1. " in log or athlete_id not in (1, 2)
    assert kinds == {"S", "R", "C", "W", "Y", "M"}


zones = st.lists(st.tuples(st.integers(1, 5), st.integers(1, 300)), max_size=5, unique_by=lambda z: z[0]).map(
    lambda z: tuple(sorted(z))
)
tenths = st.integers(1, 99999).map(lambda n: n / 10)
opt_int = st.one_of(st.none(), st.integers(0, 3000))
word = st.text(min_size=1, max_size=10)


@st.composite
def sport_lines(draw: st.DrawFn, depth: int = 0) -> SportLine:
    kind = draw(st.sampled_from("RCWYS" if depth else "RCWYSM"))
    minutes = draw(st.integers(0, 600))
    if kind in "RC":
        unit = draw(st.sampled_from(["mi", "km"]))
        dist = draw(st.one_of(st.none(), tenths))
        return SportLine(
            kind,
            minutes,
            dist,
            unit if dist is not None else None,
            pace_s=draw(opt_int) if kind == "R" else None,
            speed=draw(st.one_of(st.none(), tenths)) if kind == "C" else None,
            zones=draw(zones),
            elevation=(elev := draw(opt_int)),
            elevation_unit=draw(st.sampled_from(["ft", "m"])) if elev is not None else None,
            avg_hr=draw(opt_int),
            np_w=draw(opt_int) if kind == "C" else None,
        )
    if kind == "W":
        yards = draw(st.one_of(st.none(), st.integers(1, 9999).map(float)))
        laps = tuple(
            (s, draw(st.integers(1, 200)))
            for s in draw(st.lists(st.sampled_from(["free", "back", "kick"]), unique=True))
        )
        return SportLine(
            "W",
            minutes,
            yards,
            "yd" if yards is not None else None,
            pace_s=draw(opt_int),
            laps=laps,
            spm=draw(opt_int),
            swolf=draw(opt_int),
        )
    if kind == "Y":
        return SportLine(
            "Y",
            minutes,
            style=draw(st.one_of(st.none(), word)),
            focus=tuple(draw(st.lists(word, max_size=3))),
            rpe=draw(st.one_of(st.none(), st.integers(0, 100).map(lambda n: n / 10))),
        )
    if kind == "S":
        items = tuple(
            StrengthItem(
                draw(word),
                draw(st.integers(0, 9)),
                draw(st.integers(0, 30)),
                draw(st.one_of(st.none(), st.integers(0, 900).map(lambda n: n / 2))),
                draw(st.booleans()),
            )
            for _ in range(draw(st.integers(0, 3)))
        )
        return SportLine(
            "S", minutes, volume_kg=draw(opt_int), muscles=tuple(draw(st.lists(word, max_size=3))), exercises=items
        )
    legs = tuple(draw(sport_lines(depth + 1)) for _ in range(draw(st.integers(1, 3))))
    return SportLine("M", minutes, legs=legs, transitions=tuple(draw(st.integers(0, 20)) for _ in legs[1:]))


@settings(max_examples=200, deadline=None)
@given(sport_lines())
def test_random_one_liners_read_back(line: SportLine) -> None:
    """Any one-liner, names and focus areas of any text included, parses back to the same values."""
    assert parse_sport_line(format_sport_line(line)) == line
