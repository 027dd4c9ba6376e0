"""Which workout a message is about (core/context/inference.py): one test per rule."""

from __future__ import annotations

from datetime import date, datetime

from core.context.builder import SYSTEM_PROMPT
from core.context.inference import infer_workout
from core.workouts.sport import Activity

TODAY = date(2026, 11, 19)  # a Thursday


def _act(aid: int, typ: str, when: str, minutes: float = 45) -> Activity:
    return Activity(aid, typ, datetime.fromisoformat(when), minutes, distance_m=8000 if typ == "run" else None)


ACTS = [
    _act(1, "strength", "2026-11-17 17:30"),  # Tuesday evening
    _act(2, "run", "2026-11-18 06:30"),  # yesterday morning
    _act(3, "strength", "2026-11-18 17:00"),  # yesterday evening
    _act(4, "yoga", "2026-11-19 07:00"),  # this morning
]


def _ids(focus) -> list[int]:
    return [a.activity_id for a in focus.activities]


def test_a_type_word_picks_the_latest_workout_of_that_type():
    """Given runs and lifts, when the message says 'run', then the latest run is chosen by the type rule."""
    focus = infer_workout("how was my run?", ACTS, TODAY)
    assert (focus.rule, _ids(focus), focus.ambiguous) == ("type", [2], False)


def test_yesterday_with_one_session_of_the_named_type():
    """Given two sessions yesterday, when the message says 'yesterday's lift', then the lift is chosen."""
    focus = infer_workout("how was yesterday's lift?", ACTS, TODAY)
    assert (focus.rule, _ids(focus)) == ("type+time", [3])


def test_this_morning_means_today_before_noon():
    """Given a yoga session this morning, when asked about 'this morning', then it is chosen."""
    focus = infer_workout("this morning felt great", ACTS, TODAY)
    assert (focus.rule, _ids(focus)) == ("time", [4])


def test_last_night_means_yesterday_evening():
    """Given a morning run and an evening lift yesterday, when asked about 'last night', then the lift is chosen."""
    focus = infer_workout("last night was tough", ACTS, TODAY)
    assert (focus.rule, _ids(focus), focus.ambiguous) == ("time", [3], False)


def test_a_weekday_means_its_latest_occurrence():
    """Given a Tuesday lift, when asked about 'Tuesday', then Nov 17's session is chosen."""
    focus = infer_workout("what did I do on Tuesday?", ACTS, TODAY)
    assert (focus.rule, _ids(focus)) == ("time", [1])


def test_n_days_ago_counts_back_from_the_data_today():
    """Given a Tuesday lift, when asked about '2 days ago', then Nov 17's session is chosen."""
    focus = infer_workout("2 days ago my back hurt", ACTS, TODAY)
    assert _ids(focus) == [1]


def test_a_multi_workout_day_is_ambiguous_and_shown_in_the_day_form():
    """Given two sessions yesterday, when asked about 'yesterday' alone, then both are shown and it is ambiguous."""
    focus = infer_workout("how should I recover from yesterday?", ACTS, TODAY)
    assert focus.ambiguous and _ids(focus) == [2, 3]
    text = focus.text("lbs")
    assert text.startswith("Nov 18: 2 sessions") and "6:30 AM - R:" in text and "5:00 PM - S:" in text


def test_the_system_prompt_tells_the_model_to_ask_when_ambiguous():
    """Given the system prompt, when reading it, then it says to name the sessions and ask which one."""
    assert "ask which" in SYSTEM_PROMPT and "several sessions match" in SYSTEM_PROMPT


def test_the_workout_last_discussed_in_the_conversation_wins_over_most_recent():
    """Given an earlier turn about the run, when the new message names no workout, then the run is chosen."""
    history = [{"role": "user", "content": "my run felt slow"}, {"role": "assistant", "content": "Pace was fine."}]
    focus = infer_workout("and what about my heart rate then?", ACTS, TODAY, history)
    assert (focus.rule, _ids(focus)) == ("conversation", [2])


def test_without_any_clue_the_most_recent_workout_is_chosen():
    """Given no type, time or history, when inferring, then the most recent workout is chosen."""
    focus = infer_workout("how am I doing?", ACTS, TODAY)
    assert (focus.rule, _ids(focus)) == ("most_recent", [4])


def test_no_activities_means_no_focus():
    """Given no activities, when inferring, then there is no focus."""
    assert infer_workout("how was my run?", [], TODAY) is None
