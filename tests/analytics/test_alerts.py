"""Alert rules (core/analytics/alerts.py) on hand-made days: each fires at its threshold, not one day short, and ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from core.analytics.alerts import RULE, RULES, AlertDay, alerts_for, athlete_alerts
from core.analytics.load import DEFAULT_ACR_VARIANT, snapshot_for_day
from core.context.builder import build_context
from core.context.data import load_context_data
from core.context.tier1 import active_alerts
from core.db.athletes import athlete_ids
from core.db.connection import PROJECT_ROOT
from core.tokens import count_tokens

START = date(2026, 11, 1)
WEIGHT = 70.0  # protein target round(1.6 × 70) = 112 g, calories round(25 × 70) = 1750 kcal


def quiet_days(n: int) -> list[AlertDay]:
    """n days on which no rule holds: a rest day every fourth day, sleep, food and load all fine, run each day."""
    return [
        AlertDay(
            day=START + timedelta(days=i),
            sports=frozenset() if i % 4 == 3 else frozenset({"run"}),
            workouts=0 if i % 4 == 3 else 1,
            acr=1.0,
            sleep_hours=8.0,
            calories=2500,
            protein_g=150,
        )
        for i in range(n)
    ]


def keys(days: list[AlertDay], sports: tuple[str, ...] = ("run",)) -> list[str]:
    return [a.key for a in alerts_for(days, sports=sports, weight_kg=WEIGHT)]


def with_last(days: list[AlertDay], n: int, **changes: object) -> list[AlertDay]:
    """The days with the last n changed."""
    return days[:-n] + [replace(d, **changes) for d in days[-n:]] if n else days


def test_quiet_days_raise_no_alert():
    """Given days with nothing wrong and a rest day every fourth day, when reading alerts, then none holds."""
    assert keys(quiet_days(30)) == []


@pytest.mark.parametrize(
    ("key", "changes"),
    [
        ("load_spike", {"acr": 1.35}),
        ("protein_low", {"protein_g": 100}),
        ("calories_low", {"calories": 1500}),
    ],
)
def test_a_run_rule_fires_at_its_length_not_one_day_short_and_ends_with_the_condition(key, changes):
    """Given the condition on the last run_days days, when reading alerts, then it fires since the run's first day;
    one day fewer does not fire; a good day after the run ends it."""
    run = RULE[key].run_days
    fired = alerts_for(with_last(quiet_days(30), run, **changes), sports=("run",), weight_kg=WEIGHT)
    assert [a.key for a in fired] == [key]
    assert fired[0].since == START + timedelta(days=30 - run)
    assert fired[0].days == run
    assert key not in keys(with_last(quiet_days(30), run - 1, **changes))
    ended = with_last(quiet_days(31), run + 1, **changes)
    ended[-1] = quiet_days(31)[-1]
    assert key not in keys(ended)


def test_a_load_spike_names_the_default_variant_and_its_value():
    """Given ACR 1.42 on the last two days, when reading alerts, then the text names the value and the variant."""
    (alert,) = alerts_for(with_last(quiet_days(30), 2, acr=1.42), weight_kg=WEIGHT)
    assert alert.text == f"ACR 1.42 {DEFAULT_ACR_VARIANT} >1.3 2 days"


def test_protein_text_names_the_target_and_the_days_and_dates_its_start():
    """Given 3 days under 112 g, when reading the alert, then it says the target and days, and since when."""
    (alert,) = alerts_for(with_last(quiet_days(30), 3, protein_g=90), weight_kg=WEIGHT)
    assert alert.text == "Protein <112g 3 days"
    assert alert.dated == "Protein <112g 3 days (since 28 Nov)"


def test_without_a_body_weight_nutrition_rules_stay_silent():
    """Given low protein and calories but no weight, when reading alerts, then neither fires (no target known)."""
    days = with_last(quiet_days(30), 5, protein_g=10, calories=500)
    assert alerts_for(days, sports=("run",), weight_kg=None) == []


def test_missed_sessions_fire_at_two_in_seven_days_and_end_when_one_ages_out():
    """Given 2 missed sessions within 7 days, then the alert fires since the second miss; 1 miss does not;
    once the first is 7 days old it ends."""
    days = quiet_days(30)
    days[24] = replace(days[24], planned=1, missed=1)
    assert "missed_sessions" not in keys(days)
    days[27] = replace(days[27], planned=1, missed=1)
    (alert,) = alerts_for(days, sports=("run",), weight_kg=WEIGHT)
    assert (alert.key, alert.since, alert.text) == (
        "missed_sessions",
        days[27].day,
        "Missed 2 planned sessions in 7 days",
    )
    later = [*days, *(replace(d, day=d.day + timedelta(days=30)) for d in quiet_days(2))]
    assert "missed_sessions" in keys(later[:-1])  # day 24 is 6 days old
    assert "missed_sessions" not in keys(later)  # day 24 is 7 days old: outside the window


def test_sleep_debt_fires_at_five_hours_over_seven_nights_not_one_night_short_and_ends():
    """Given five 7-hour nights (5 h under 8 h) in the last 7, then sleep debt fires; four such nights do not;
    a week of full nights ends it."""
    five = with_last(quiet_days(30), 5, sleep_hours=7.0)
    (alert,) = alerts_for(five, sports=("run",), weight_kg=WEIGHT)
    assert (alert.key, alert.text, alert.since) == ("sleep_debt", "Sleep debt 5.0h over 7 nights", five[-1].day)
    assert "sleep_debt" not in keys(with_last(quiet_days(30), 4, sleep_hours=7.0))
    recovered = five + [replace(d, day=five[-1].day + timedelta(days=i + 1)) for i, d in enumerate(quiet_days(5))]
    assert "sleep_debt" not in keys(recovered)


def test_a_sport_gap_fires_after_seven_days_without_it_only_for_the_athletes_own_sports():
    """Given no swim for 7 days, then 'No swim 7 days' since the day after the last swim; 6 days do not fire;
    a swim today ends it; a sport the athlete does not do never fires."""
    days = [replace(d, sports=d.sports | {"swim"}) for d in quiet_days(30)]
    gap = with_last(days, 7, sports=frozenset({"run"}))
    (alert,) = alerts_for(gap, sports=("run", "swim"), weight_kg=WEIGHT)
    assert (alert.text, alert.since) == ("No swim 7 days", gap[-7].day)
    assert "sport_gap" not in keys(with_last(days, 6, sports=frozenset({"run"})), ("run", "swim"))
    gap[-1] = replace(gap[-1], sports=frozenset({"swim"}))
    assert "sport_gap" not in keys(gap, ("run", "swim"))
    assert "sport_gap" not in keys(quiet_days(30), ("run", "multi"))


def test_a_training_streak_fires_at_five_days_not_four_and_ends_on_a_rest_day():
    """Given workouts on the last 5 days, then a streak since the first; 4 days do not fire; a rest day ends it."""
    streak = [replace(d, workouts=1, sports=frozenset({"run"})) for d in quiet_days(10)]
    streak[4] = replace(streak[4], workouts=0, sports=frozenset())
    assert "training_streak" in keys(streak)  # the last 5 days (indices 5-9)
    assert alerts_for(streak, sports=("run",))[-1].since == streak[5].day
    streak[5] = replace(streak[5], workouts=0, sports=frozenset())
    assert "training_streak" not in keys(streak)  # 4 days
    streak[-1] = replace(streak[-1], workouts=0, sports=frozenset())
    assert "training_streak" not in keys(streak)


def test_a_run_reaching_back_past_the_first_day_read_says_so():
    """Given a streak as long as the days read, when reading it, then the count carries a '+'."""
    days = [replace(d, workouts=1, sports=frozenset({"run"})) for d in quiet_days(12)]
    assert alerts_for(days, sports=("run",))[-1].text == "Trained 12+ days in a row"


def test_alerts_come_in_the_rules_table_order():
    """Given every rule holding at once, when reading alerts, then they come in RULES order."""
    days = [replace(d, workouts=1, sports=frozenset({"run"})) for d in quiet_days(30)]
    days = with_last(days, 7, acr=1.5, protein_g=50, calories=900, sleep_hours=6.0)
    days[-2] = replace(days[-2], planned=1, missed=1)
    days[-3] = replace(days[-3], planned=1, missed=1)
    assert keys(days, ("run", "swim")) == [rule.key for rule in RULES]


def test_demo_alerts_use_the_same_acr_as_the_snapshots(demo_con):
    """Given a load spike forced on the demo data, when reading alerts, then the value is the snapshot's ACR."""
    demo_con.execute(
        "UPDATE activities SET rpe = 10, duration_min = duration_min * 3 WHERE athlete_id = 2"
        " AND start_time >= (SELECT as_of FROM athletes WHERE athlete_id = 2) - INTERVAL 4 DAY"
    )
    acr = snapshot_for_day(demo_con, 2, variant=DEFAULT_ACR_VARIANT).acute_chronic_ratio
    alerts = athlete_alerts(demo_con, [2])[2]
    assert acr is not None and acr > 1.3
    assert alerts[0].key == "load_spike" and alerts[0].text.startswith(f"ACR {acr:.2f} {DEFAULT_ACR_VARIANT}")


def test_tier1_shows_at_most_two_alerts_within_its_budget_for_every_demo_athlete(demo_con):
    """Given every demo athlete, when building a context, then Tier 1 names at most two alerts, the first ones
    in table order, and stays within its 120 tokens."""
    for athlete in athlete_ids(demo_con):
        context = build_context(demo_con, athlete, "How am I doing?")
        alert_line = next((line for line in context.tier1.splitlines() if line.startswith("Alerts: ")), "")
        shown = alert_line.removeprefix("Alerts: ").split("; ") if alert_line else []
        assert len(shown) <= 2
        expected = [a.text for a in athlete_alerts(demo_con, [athlete])[athlete]]
        assert shown == expected[: len(shown)]
        assert context.tier1_tokens <= context.budgets.tier1
        assert count_tokens(context.tier1) == context.tier1_tokens


def test_tier1_alerts_come_from_the_alert_rules(demo_con):
    """Given protein under target on the demo data, when Tier 1 reads alerts, then it shows the rule's text."""
    demo_con.execute(
        "UPDATE nutrition SET protein_g = 40 WHERE athlete_id = 2 AND day > (SELECT as_of FROM athletes WHERE athlete_id = 2) - 3"
    )
    data = load_context_data(demo_con, 2, with_findings=False)
    assert active_alerts(data) == [a.text for a in athlete_alerts(demo_con, [2])[2]]
    assert any(t.startswith("Protein <") and t.endswith(" 3 days") for t in active_alerts(data))


def test_the_rules_table_in_docs_matches_the_rules():
    """Given docs/pages.md, when reading its alert rules table, then each row's rule, threshold, window and run are
    RULES' in RULES' order (the docs cannot drift from the code)."""
    text = (PROJECT_ROOT / "docs" / "pages.md").read_text(encoding="utf-8")
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [(r[0], r[1], r[3], r[4], r[5].rstrip(" |")) for r in rows] == [
        (f"| {i}", rule.label, f"{rule.threshold:g} {rule.unit}", f"{rule.window_days} d", str(rule.run_days))
        for i, rule in enumerate(RULES, 1)
    ]
