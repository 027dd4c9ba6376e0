"""core.demo: deterministic generation and planted effects measured back from the tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pytest

from core.db import connect
from core.db.athletes import resolve_athlete
from core.demo.effects import planted_effect
from core.demo.seeding import seed_demo
from core.errors import CoachError


def test_same_seed_gives_identical_tables(
    tmp_path: Path, data_hash: Callable[[duckdb.DuckDBPyConnection], str]
) -> None:
    """Given two fresh files seeded with the same seed, their data hashes are equal; another seed differs."""
    hashes = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        con = connect(tmp_path / f"{name}.duckdb")
        seed_demo(con, seed=seed, weeks=6)
        hashes.append(data_hash(con))
        con.close()
    assert hashes[0] == hashes[1]
    assert hashes[0] != hashes[2]


def test_reseeding_requires_replace(
    demo_con: duckdb.DuckDBPyConnection, data_hash: Callable[[duckdb.DuckDBPyConnection], str]
) -> None:
    """Given a seeded database, seeding again without replace is refused and changes nothing."""
    before = data_hash(demo_con)
    with pytest.raises(CoachError, match="replace"):
        seed_demo(demo_con)
    assert data_hash(demo_con) == before


def test_demo_has_every_session_status_and_activity_type(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Every athlete has completed, in-progress, not-started and skipped sessions; all activity types exist."""
    rows = demo_con.execute(
        """
        SELECT athlete_id,
               count(*) FILTER (WHERE completed_at IS NOT NULL),
               count(*) FILTER (WHERE started_at IS NOT NULL AND completed_at IS NULL),
               count(*) FILTER (WHERE started_at IS NULL AND NOT skipped),
               count(*) FILTER (WHERE skipped)
        FROM program_sessions GROUP BY athlete_id ORDER BY athlete_id
        """
    ).fetchall()
    assert len(rows) == 5 and all(min(r[1:]) >= 1 for r in rows)
    types = {r[0] for r in demo_con.execute("SELECT DISTINCT type FROM activities").fetchall()}
    assert types == {"strength", "run", "ride", "swim", "yoga", "multi"}
    circuits = demo_con.execute("SELECT count(*) FROM plan_members").fetchall()[0][0]
    assert circuits > 0


def test_leg_day_raises_run_hr_at_same_pace(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Runs within the window after a leg session show the planted HR rise, controlling for pace (OLS)."""
    effect = planted_effect("leg_day_run_hr")
    athlete = resolve_athlete(demo_con, effect.athlete)
    df = demo_con.execute(
        """
        WITH legs AS (SELECT start_time + duration_min * INTERVAL 1 MINUTE AS ended FROM activities
                      WHERE athlete_id = ? AND type = 'strength' AND list_has_any(muscle_groups, ['quads', 'hamstrings']))
        SELECT r.avg_hr, r.distance_m / (r.duration_min * 60) AS speed,
               EXISTS (SELECT 1 FROM legs WHERE r.start_time BETWEEN legs.ended AND legs.ended + to_hours(?)) AS after_legs
        FROM activities r WHERE r.athlete_id = ? AND r.type = 'run' AND r.parent_id IS NULL
        """,
        [athlete, effect.params["window_hours"], athlete],
    ).df()
    assert df.after_legs.sum() >= 10 and (~df.after_legs).sum() >= 10
    design = np.column_stack([np.ones(len(df)), df.speed, df.after_legs.astype(float)])
    coef = np.linalg.lstsq(design, df.avg_hr.astype(float), rcond=None)[0]
    assert effect.size - 2.5 <= coef[2] <= effect.size + 2.5


def test_evening_yoga_deepens_next_sleep(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Nights after evening yoga have the planted relative increase in deep-sleep share."""
    effect = planted_effect("evening_yoga_deep_sleep")
    athlete = resolve_athlete(demo_con, effect.athlete)
    df = demo_con.execute(
        """
        SELECT h.deep_sleep_pct,
               EXISTS (SELECT 1 FROM activities y WHERE y.athlete_id = h.athlete_id AND y.type = 'yoga'
                       AND hour(y.start_time) >= ? AND CAST(y.start_time AS DATE) = h.day - 1) AS after_evening_yoga
        FROM daily_health h WHERE h.athlete_id = ?
        """,
        [effect.params["evening_from_hour"], athlete],
    ).df()
    means = df.groupby("after_evening_yoga").deep_sleep_pct.mean()
    relative = (means[True] / means[False] - 1) * 100
    assert effect.size / 2 <= relative <= effect.size * 1.6


def test_overload_block_has_high_acr_and_falling_hrv(demo_con: duckdb.DuckDBPyConnection) -> None:
    """The overload athlete has ≥ 7 days of 7:28 ACR above 1.4 and HRV at block end well below block start."""
    effect = planted_effect("overload_block")
    athlete = resolve_athlete(demo_con, effect.athlete)
    df = demo_con.execute(
        """
        WITH d AS (SELECT CAST(start_time AS DATE) AS dt, sum(duration_min * rpe) AS load
                   FROM activities WHERE athlete_id = ? AND parent_id IS NULL GROUP BY ALL),
        cal AS (SELECT h.day AS dt, coalesce(d.load, 0) AS load, h.hrv_ms
                FROM daily_health h LEFT JOIN d ON d.dt = h.day WHERE h.athlete_id = ?)
        SELECT dt, hrv_ms, avg(load) OVER (ORDER BY dt ROWS 6 PRECEDING) / avg(load) OVER (ORDER BY dt ROWS 27 PRECEDING) AS acr,
               row_number() OVER (ORDER BY dt) AS n
        FROM cal ORDER BY dt
        """,
        [athlete, athlete],
    ).df()
    high = df[(df.n >= 28) & (df.acr > 1.4)]
    assert len(high) >= 7
    start, end = high.dt.min(), high.dt.max()
    before = df[(df.dt < start) & (df.dt >= start - np.timedelta64(14, "D"))].hrv_ms.mean()
    late = df[(df.dt <= end) & (df.dt > end - np.timedelta64(5, "D"))].hrv_ms.mean()
    assert late < before * 0.88
    others = [a for a in range(1, 6) if a != athlete]
    assert all(athlete != a for a in others)


def test_prs_follow_rest_and_sleep(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Sessions after two rest days and > 7 h sleep set PRs far more often than other sessions."""
    effect = planted_effect("pr_after_rest_and_sleep")
    athlete = resolve_athlete(demo_con, effect.athlete)
    df = demo_con.execute(
        """
        WITH trained AS (SELECT DISTINCT CAST(start_time AS DATE) AS d FROM activities WHERE athlete_id = ?),
        s AS (SELECT CAST(a.start_time AS DATE) AS d, bool_or(e.is_pr) AS pr
              FROM activities a JOIN strength_exercises e USING (activity_id) WHERE a.athlete_id = ? GROUP BY ALL)
        SELECT s.pr, (NOT EXISTS (SELECT 1 FROM trained t WHERE t.d BETWEEN s.d - ? AND s.d - 1)) AND h.sleep_hours > ? AS primed
        FROM s JOIN daily_health h ON h.athlete_id = ? AND h.day = s.d
        """,
        [athlete, athlete, effect.params["rest_days"], effect.params["sleep_hours_above"], athlete],
    ).df()
    rates = df.groupby("primed").pr.mean()
    assert df.primed.sum() >= 5
    assert rates[True] >= 2 * rates[False]


def test_pr_flags_match_logged_history(demo_con: duckdb.DuckDBPyConnection) -> None:
    """is_pr is true exactly when the exercise's top-set e1RM beats every earlier session's."""
    df = demo_con.execute(
        """
        SELECT a.athlete_id, a.start_time, e.name, e.is_pr,
               coalesce(e.weight, 0) * (1 + e.reps / 30) AS e1rm
        FROM strength_exercises e JOIN activities a USING (activity_id)
        WHERE e.weight IS NOT NULL ORDER BY a.athlete_id, e.name, a.start_time
        """
    ).df()
    df["prior_best"] = df.groupby(["athlete_id", "name"]).e1rm.transform(lambda s: s.cummax().shift())
    expected = df.prior_best.notna() & (df.e1rm > df.prior_best + 1e-9)
    assert (expected == df.is_pr).all()
