"""core.analytics.load: session-RPE load, the three acute:chronic ratios and fitness/fatigue/form, checked by hand."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.analytics.load import (
    AnalyticsError,
    acr_status,
    daily_snapshots,
    ewma_lambda,
    pmc_decay,
    snapshot_for_day,
)
from core.db import connect, insert_frame

START = date(2026, 1, 1)
AS_OF = date(2026, 1, 30)  # day index 29
# (day index, minutes, RPE) of top-level workouts: session-RPE load = minutes × RPE
WORKOUTS = [(0, 60, 5.0), (14, 90, 6.0), (25, 40, 5.0), (28, 100, 6.0)]
LOADS = {0: 300.0, 14: 540.0, 25: 200.0, 28: 600.0}


def _tiny_db(path: Path) -> duckdb.DuckDBPyConnection:
    """Two athletes; athlete 1 has the workouts above (day 14 is a brick whose legs must not count twice)."""
    con = connect(path)
    insert_frame(
        con,
        "athletes",
        pd.DataFrame(
            {
                "athlete_id": [1, 2],
                "handle": ["one", "two"],
                "name": ["One", "Two"],
                "profile": ["control", "control"],
                "phase": ["BASE", "BASE"],
                "units": ["kg", "kg"],
                "sports": [["run"], ["run"]],
                "as_of": [AS_OF, AS_OF],
            }
        ),
    )
    rows = []
    for i, (day, minutes, rpe) in enumerate(WORKOUTS, start=1):
        kind = "multi" if day == 14 else "run"
        rows.append(
            (
                i,
                1,
                kind,
                datetime.combine(START + timedelta(days=day), datetime.min.time()) + timedelta(hours=7),
                minutes,
                rpe,
                None,
            )
        )
    brick_start = datetime(2026, 1, 15, 7)
    rows.append((10, 1, "ride", brick_start, 60.0, 5.0, 2))
    rows.append((11, 1, "run", brick_start + timedelta(minutes=60), 30.0, 7.0, 2))
    rows.append((20, 2, "run", datetime(2026, 1, 20, 7), 30.0, 4.0, None))
    insert_frame(
        con,
        "activities",
        pd.DataFrame(
            rows, columns=["activity_id", "athlete_id", "type", "start_time", "duration_min", "rpe", "parent_id"]
        ),
    )
    insert_frame(
        con,
        "daily_health",
        pd.DataFrame(
            {
                "athlete_id": [1, 1],
                "day": [START, AS_OF],
                "sleep_hours": [7.5, 6.25],
                "hrv_ms": [60.0, 55.0],
                "resting_hr": [50, 52],
            }
        ),
    )
    insert_frame(
        con, "nutrition", pd.DataFrame({"athlete_id": [1], "day": [AS_OF], "calories": [2400], "protein_g": [150]})
    )
    return con


@pytest.fixture
def tiny(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = _tiny_db(tmp_path / "tiny.duckdb")
    yield con
    con.close()


def _loads() -> list[float]:
    return [LOADS.get(i, 0.0) for i in range(30)]


def _ewma_by_hand(alpha: float, upto: int, start: float = 0.0) -> float:
    """Closed form of x_t = x_{t-1} + alpha·(load_t - x_{t-1}) from `start`: (1-alpha)^(t+1)·start plus the sum
    of alpha·(1-alpha)^(t-i)·load_i."""
    decayed = (1 - alpha) ** (upto + 1) * start
    return decayed + sum(alpha * (1 - alpha) ** (upto - i) * load for i, load in enumerate(_loads()[: upto + 1]))


SEED_28 = sum(_loads()[:28]) / 28  # the EWMA ratio's seed: mean load of the first 28 days


def test_daily_load_is_session_rpe_of_top_level_workouts(tiny: duckdb.DuckDBPyConnection) -> None:
    """Each day's load is minutes × RPE summed over top-level workouts; brick legs are not counted again."""
    snaps = daily_snapshots(tiny, [1])
    assert len(snaps) == 30 and snaps.day.iloc[0] == pd.Timestamp(START) and snaps.day.iloc[-1] == pd.Timestamp(AS_OF)
    assert snaps.load.tolist() == _loads()
    brick_day = snaps.iloc[14]
    assert brick_day.n_workouts == 1 and brick_day.workouts[0]["type"] == "multi"


def test_training_load_is_scaled_to_the_hardest_day(tiny: duckdb.DuckDBPyConnection) -> None:
    """0-100 load = 100 × load / the athlete's hardest day: 600 AU → 100, 300 AU → 50, rest day → 0."""
    snaps = daily_snapshots(tiny, [1])
    assert snaps.training_load.iloc[28] == pytest.approx(100.0)
    assert snaps.training_load.iloc[0] == pytest.approx(50.0)
    assert snaps.training_load.iloc[1] == 0.0
    assert snaps.load_7d_avg.iloc[29] == pytest.approx(100 * (200 + 600) / 7 / 600)


def test_coupled_and_uncoupled_acr_match_hand_computation(tiny: duckdb.DuckDBPyConnection) -> None:
    """Day 30: acute = 800/7; coupled chronic = 1340/28 (days 3-30); uncoupled chronic = 540/21 (days 3-23)."""
    last = daily_snapshots(tiny, [1]).iloc[29]
    assert last.acr_coupled == pytest.approx((800 / 7) / (1340 / 28))
    assert last.acr_uncoupled == pytest.approx((800 / 7) / (540 / 21))


def test_ratios_are_empty_until_28_days_of_history(tiny: duckdb.DuckDBPyConnection) -> None:
    """Day indexes 0-26 have no ratio in any variant; day 27 has all three."""
    snaps = daily_snapshots(tiny, [1])
    for column in ("acr_coupled", "acr_uncoupled", "acr_ewma"):
        assert snaps[column].iloc[:27].isna().all()
        assert not math.isnan(snaps[column].iloc[27])


def test_ewma_acr_uses_williams_lambda(tiny: duckdb.DuckDBPyConnection) -> None:
    """EWMA ratio = EWMA(λ=2/8) / EWMA(λ=2/29), each seeded with the first 28 days' mean load."""
    assert ewma_lambda(7) == pytest.approx(0.25) and ewma_lambda(28) == pytest.approx(2 / 29)
    last = daily_snapshots(tiny, [1]).iloc[29]
    acute, chronic = _ewma_by_hand(0.25, 29, SEED_28), _ewma_by_hand(2 / 29, 29, SEED_28)
    assert last.acute_ewma == pytest.approx(acute)
    assert last.acr_ewma == pytest.approx(acute / chronic)


def test_fitness_fatigue_form_follow_the_pmc_with_adjustable_time_constants(tiny: duckdb.DuckDBPyConnection) -> None:
    """Fitness/fatigue decay with 1 - e^(-1/τ) (τ = 42 and 7 by default); form = yesterday's fitness - fatigue."""
    last = daily_snapshots(tiny, [1]).iloc[29]
    fitness, fatigue = _ewma_by_hand(pmc_decay(42), 29), _ewma_by_hand(pmc_decay(7), 29)
    assert last.fitness == pytest.approx(fitness)
    assert last.fatigue == pytest.approx(fatigue)
    assert last.form == pytest.approx(_ewma_by_hand(pmc_decay(42), 28) - _ewma_by_hand(pmc_decay(7), 28))
    first = daily_snapshots(tiny, [1]).iloc[0]
    assert first.fitness == pytest.approx(300 * (1 - math.exp(-1 / 42)))
    custom = daily_snapshots(tiny, [1], fitness_days=10, fatigue_days=3).iloc[29]
    assert custom.fitness == pytest.approx(_ewma_by_hand(pmc_decay(10), 29))
    assert custom.fatigue == pytest.approx(_ewma_by_hand(pmc_decay(3), 29))


def test_cohort_is_one_frame_and_windows_see_full_history(tiny: duckdb.DuckDBPyConnection) -> None:
    """All athletes come back in one frame; `days` trims rows but the ratios still use the full history."""
    everyone = daily_snapshots(tiny)
    assert set(everyone.athlete_id) == {1, 2}
    assert len(everyone[everyone.athlete_id == 2]) == 11  # its calendar: first data day (Jan 20) to as_of
    week = daily_snapshots(tiny, [1], days=7)
    assert len(week) == 7 and week.day.iloc[-1] == pd.Timestamp(AS_OF)
    assert week.acr_coupled.iloc[-1] == pytest.approx(everyone[everyone.athlete_id == 1].acr_coupled.iloc[-1])


def test_snapshot_for_day_has_the_seed_fields(tiny: duckdb.DuckDBPyConnection) -> None:
    """The as-of snapshot carries health, nutrition, load, ACR with its status, and serializes to a dict."""
    snap = snapshot_for_day(tiny, 1)
    assert snap.date == "2026-01-30" and snap.workouts == ()
    assert (snap.sleep_hours, snap.hrv_ms, snap.resting_hr, snap.calories, snap.protein_g) == (
        6.25,
        55.0,
        52,
        2400,
        150,
    )
    assert snap.acr_status == "HIGH" and snap.acute_chronic_ratio == round((800 / 7) / (1340 / 28), 2)
    assert snapshot_for_day(tiny, 1, date(2026, 1, 29)).workouts[0].load == 600.0
    assert snap.to_dict()["acr_status"] == "HIGH"


def test_status_bands_and_bad_parameters() -> None:
    """HIGH above 1.3, LOW below 0.8, OPTIMAL between (edges included), UNKNOWN without a ratio."""
    assert [acr_status(x) for x in (1.31, 1.3, 0.8, 0.79, None)] == ["HIGH", "OPTIMAL", "OPTIMAL", "LOW", "UNKNOWN"]
    con = duckdb.connect()
    with pytest.raises(AnalyticsError, match="acute_days"):
        daily_snapshots(con, acute_days=28, chronic_days=7)


def test_form_is_yesterdays_balance_by_default_and_todays_on_request(tiny: duckdb.DuckDBPyConnection) -> None:
    """Given the PMC, when form is read on the day after a 600 AU day, then it is the day before's fitness - fatigue
    (GoldenCheetah's default), and form_today=True gives the same day's."""
    default = daily_snapshots(tiny, [1])
    today = daily_snapshots(tiny, [1], form_today=True)
    assert default.form.iloc[0] == 0.0
    assert default.form.iloc[29] == pytest.approx(default.fitness.iloc[28] - default.fatigue.iloc[28])
    assert today.form.iloc[29] == pytest.approx(today.fitness.iloc[29] - today.fatigue.iloc[29])
    assert default.form.iloc[29] != pytest.approx(today.form.iloc[29])


def test_ewma_ratio_of_a_steady_load_reads_one_on_its_first_day(tmp_path: Path) -> None:
    """Given the same load every day, when the EWMA ratio first appears (day 27), then it is 1.0, not ~1.16."""
    con = _tiny_db(tmp_path / "steady.duckdb")
    con.execute("DELETE FROM activities WHERE athlete_id = 2")
    steady = pd.DataFrame(
        {
            "activity_id": range(100, 130),
            "athlete_id": 2,
            "type": "run",
            "start_time": [datetime(2026, 1, 1, 7) + timedelta(days=i) for i in range(30)],
            "duration_min": 50.0,
            "rpe": 5.0,
        }
    )
    insert_frame(con, "activities", steady)
    snaps = daily_snapshots(con, [2])
    con.close()
    assert snaps.acr_ewma.iloc[27] == pytest.approx(1.0)


def test_missing_rpe_is_unknown_load_and_zero_minutes_are_flagged(tiny: duckdb.DuckDBPyConnection) -> None:
    """Given a run without RPE on a rest day and a zero-minute run, when snapshotting, then that day's load is unknown
    (NaN, not 0) and the zero-minute activity is left out of the day and counted as flagged."""
    extra = pd.DataFrame(
        {
            "activity_id": [500, 501],
            "athlete_id": 1,
            "type": "run",
            "start_time": [datetime(2026, 1, 3, 7), datetime(2026, 1, 4, 7)],
            "duration_min": [45.0, 0.0],
            "rpe": [None, 6.0],
        }
    )
    insert_frame(tiny, "activities", extra)
    snaps = daily_snapshots(tiny, [1])
    assert math.isnan(snaps.load.iloc[2]) and math.isnan(snaps.training_load.iloc[2])
    assert snaps.load.iloc[3] == 0.0 and snaps.flagged_workouts.iloc[3] == 1 and snaps.n_workouts.iloc[3] == 0
    assert snaps.fitness.iloc[2] == pytest.approx(snaps.fitness.iloc[1])  # unknown: state held, not decayed
    assert snapshot_for_day(tiny, 1, date(2026, 1, 3)).training_load is None
