"""The families' observation tables are built with bincount and row runs for speed (`bench patterns`): each is
checked here against the plain pandas groupby/merge/polyfit it replaced, on a null athlete's realistic data."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from core.analytics.observations import AthleteData, load_athlete_data
from core.analytics.performance import pr_sessions
from core.analytics.sequencing import with_relative_e1rm
from core.analytics.stats import detrended_correlation_test, flag_effect_test
from core.analytics.synergy import weekly_table
from core.db import connect
from core.demo.seeding import seed_demo
from tests.analytics.null_athletes import write_null_athlete


@pytest.fixture(scope="module", params=["null", "demo"])
def data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AthleteData]:
    """A null athlete (independent generator) and a demo lifter with PRs, each loaded once."""
    path = tmp_path_factory.mktemp("tables") / "t.duckdb"
    if request.param == "null":
        write_null_athlete(path, seed=3, weeks=40)
        athlete = 1
    con = connect(path)
    if request.param == "demo":
        seed_demo(con, seed=7, weeks=24)
        athlete = int(con.execute("SELECT athlete_id FROM athletes WHERE handle = 'maya'").fetchone()[0])
    try:
        yield load_athlete_data(con, athlete)
    finally:
        con.close()


def _reference_weekly(data: AthleteData) -> pd.DataFrame:
    week = lambda days: pd.to_datetime(days).dt.to_period("W-SUN").dt.start_time  # noqa: E731
    snaps = data.snapshots
    weekly = (
        snaps.assign(week=week(snaps.day))
        .groupby("week")
        .agg(hrv=("hrv_ms", "mean"), rhr=("resting_hr", "mean"), days=("day", "count"))
    )
    sums = data.volume.assign(week=week(data.volume.day)).groupby("week")[["z2_min", "ride_min"]].sum(min_count=1)
    weekly = weekly.join(sums).fillna({"z2_min": 0, "ride_min": 0})
    runs = data.runs
    design = np.column_stack([np.ones(len(runs)), runs.speed_ms, runs.duration_min])
    resid = runs.avg_hr.to_numpy(float) - design @ np.linalg.lstsq(design, runs.avg_hr.to_numpy(float), rcond=None)[0]
    weekly = weekly.join(pd.Series(resid, index=week(runs.day)).groupby(level=0).mean().rename("run_hr_resid"))
    weekly = weekly[weekly.days == 7].copy()
    for col in ("hrv", "rhr", "run_hr_resid"):
        weekly[f"next_{col}"] = weekly[col].shift(-1)
    return weekly.reset_index()


def test_weekly_table_equals_the_pandas_groupby(data: AthleteData) -> None:
    """Given a history, when weeks are summed by number, then every column equals pandas' W-SUN groupby."""
    ours, reference = weekly_table(data, None), _reference_weekly(data)
    assert list(ours.columns) == list(reference.columns) and len(ours) > 20
    assert (ours.week.to_numpy() == reference.week.to_numpy()).all()
    assert (ours.days.to_numpy() == reference.days.to_numpy()).all()
    for col in ("hrv", "rhr", "z2_min", "ride_min", "run_hr_resid", "next_hrv", "next_run_hr_resid"):
        np.testing.assert_allclose(ours[col].to_numpy(float), reference[col].to_numpy(float), rtol=1e-9)


def test_pr_sessions_equal_the_pandas_groupby(data: AthleteData) -> None:
    """Given top sets, when sessions are cut by row runs, then PR flags, rest days, leave-one-out rep residuals, sleep
    and protein equal the groupby/merge version."""
    sets = data.sets.copy()
    day = pd.to_datetime(sets.day)
    sets["block"] = (day - day.min()).dt.days // 28
    keys = ["name", "weight", "block"]
    total = sets.groupby(keys, dropna=False).reps.transform("sum")
    size = sets.groupby(keys, dropna=False).reps.transform("size")
    sets["rep_resid"] = np.where(size >= 2, sets.reps - (total - sets.reps) / (size - 1), np.nan)
    ref = sets.groupby(["activity_id", "day", "title"], as_index=False).agg(
        pr=("is_pr", "any"), rest_days_before=("rest_days_before", "first"), rep_resid=("rep_resid", "mean")
    )
    snaps = data.snapshots[["day", "sleep_hours", "protein_g"]]
    ref = ref.merge(snaps[["day", "sleep_hours"]], on="day", how="left")
    prev = snaps.assign(day=snaps.day + pd.Timedelta(days=1))
    ref = ref.merge(prev[["day", "protein_g"]], on="day", how="left")
    ref = ref[ref.day >= ref.day.min() + pd.Timedelta(days=14)].sort_values(["day", "activity_id"])
    ours = pr_sessions(data)
    assert len(ours) == len(ref) > 10
    assert (ours.activity_id.to_numpy() == ref.activity_id.to_numpy()).all()
    assert (ours.pr.to_numpy() == ref.pr.to_numpy()).all() and ours.pr.any()
    assert ours.rest_days_before.astype("Float64").equals(ref.rest_days_before.astype("Float64").reset_index(drop=True))
    for ours_col, ref_col in (
        ("rep_resid", "rep_resid"),
        ("sleep_hours", "sleep_hours"),
        ("protein_prev_day", "protein_g"),
    ):
        np.testing.assert_allclose(ours[ours_col].to_numpy(float), ref[ref_col].to_numpy(float), rtol=1e-9)


def test_relative_e1rm_equals_a_line_fitted_per_exercise(data: AthleteData) -> None:
    """Given top sets, when trends come from grouped sums, then each set's % vs trend equals np.polyfit per exercise."""
    ours = with_relative_e1rm(data.sets)
    assert len(ours) > 10
    for _, group in ours.groupby("name"):
        slope, intercept = np.polyfit(group.t, group.e1rm, 1)
        expected = (group.e1rm / (intercept + slope * group.t) - 1) * 100
        np.testing.assert_allclose(group.e1rm_rel_pct, expected, rtol=1e-7, atol=1e-9)
    counts = data.sets.dropna(subset=["e1rm"]).groupby("name").size()
    assert set(ours.name) == set(counts[counts >= 4].index)  # exercises without 4 sets have no trend


def test_correlation_ranks_do_not_depend_on_summation_order() -> None:
    """Given weekly means with ties, when the same means are added up in another order (last-bit differences),
    then the rank correlation and its p are unchanged."""
    rng = np.random.default_rng(4)
    x = rng.integers(0, 6, 20) * 30.0
    y = rng.normal(size=20)
    wobble = x + np.where(rng.random(20) < 0.5, 1e-13, -1e-13) * x
    assert len(set(x)) < len(x) and (wobble != x).any()
    assert detrended_correlation_test(x, y) == detrended_correlation_test(wobble, y)


def test_projection_handles_a_rank_deficient_design() -> None:
    """Given controls with a duplicated and an all-zero column (a weekday never seen in a short window), when the
    flag is tested, then the effect is the one from the full-rank design."""
    rng = np.random.default_rng(8)
    n = 120
    control = rng.normal(size=n)
    flag = (rng.random(n) < 0.3).astype(float)
    y = 2.0 * control + 1.5 * flag + rng.normal(0, 0.5, n)
    full = flag_effect_test(y, control[:, None], flag, phi=0.0)
    padded = flag_effect_test(y, np.column_stack([control, control, np.zeros(n)]), flag, phi=0.0)
    assert abs(full.effect - 1.5) < 0.3
    assert padded.effect == pytest.approx(full.effect, rel=1e-9)
    assert padded.p == full.p
