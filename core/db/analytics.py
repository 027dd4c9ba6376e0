"""Queries behind the cross-modality analytics: daily snapshots for a whole cohort, and the
per-athlete observation tables the pattern families test.

Load is session-RPE (duration_min × RPE, arbitrary units) on top-level activities only
(`parent_id IS NULL`): a brick's 'multi' row carries the whole brick's duration and RPE.
Sport volumes (minutes, zone-2 minutes) count the legs instead and skip the 'multi' row.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

# One statement for any number of athletes: a calendar per athlete (first data day .. as_of),
# daily session-RPE, health and nutrition, and the rolling windows. Rolling ratios are NULL
# until the chronic window is full (day_index < chronic - 1); rolling means skip days of unknown load.
_SNAPSHOT_SQL = """
WITH sel AS (
    SELECT athlete_id, as_of FROM athletes
    WHERE ? IS NULL OR list_contains(?, athlete_id)
),
workouts AS (
    -- A workout without RPE has an unknown load (NULL, not 0), and so has its day. A workout of zero
    -- (or negative) minutes is a data error: left out of the day and counted in flagged_workouts.
    SELECT a.athlete_id, CAST(a.start_time AS DATE) AS day,
           -- list_sort orders by the first struct field (start_time); far cheaper than list(... ORDER BY)
           {workouts} AS workouts,
           count(*) FILTER (WHERE a.duration_min > 0) AS n_workouts,
           CASE WHEN coalesce(bool_and(a.rpe IS NOT NULL) FILTER (WHERE a.duration_min > 0), true)
                THEN coalesce(sum(a.duration_min * a.rpe) FILTER (WHERE a.duration_min > 0), 0.0) END AS load,
           count(*) FILTER (WHERE NOT a.duration_min > 0) AS flagged_workouts
    FROM activities a JOIN sel USING (athlete_id)
    WHERE a.parent_id IS NULL AND CAST(a.start_time AS DATE) <= sel.as_of
    GROUP BY ALL
),
bounds AS (
    SELECT sel.athlete_id, sel.as_of,
           least(coalesce((SELECT min(day) FROM workouts w WHERE w.athlete_id = sel.athlete_id), sel.as_of),
                 coalesce((SELECT min(h.day) FROM daily_health h WHERE h.athlete_id = sel.athlete_id), sel.as_of))
               AS first_day
    FROM sel
),
cal AS (
    SELECT athlete_id, CAST(unnest(generate_series(first_day, as_of, INTERVAL 1 DAY)) AS DATE) AS day
    FROM bounds
),
daily AS (
    SELECT cal.athlete_id, cal.day,
           row_number() OVER (PARTITION BY cal.athlete_id ORDER BY cal.day) - 1 AS day_index,
           coalesce(w.workouts, []) AS workouts,
           coalesce(w.n_workouts, 0) AS n_workouts,
           CASE WHEN w.athlete_id IS NULL THEN 0.0 ELSE w.load END AS load,
           coalesce(w.flagged_workouts, 0) AS flagged_workouts,
           h.sleep_hours, h.deep_sleep_pct, h.hrv_ms, h.resting_hr,
           n.calories, n.protein_g
    FROM cal
    LEFT JOIN workouts w USING (athlete_id, day)
    LEFT JOIN daily_health h USING (athlete_id, day)
    LEFT JOIN nutrition n USING (athlete_id, day)
),
rolled AS (
    SELECT *,
           max(load) OVER athlete AS load_max,
           avg(load) OVER (athlete ORDER BY day ROWS BETWEEN ? PRECEDING AND CURRENT ROW) AS acute,
           avg(load) OVER (athlete ORDER BY day ROWS BETWEEN ? PRECEDING AND CURRENT ROW) AS chronic,
           avg(load) OVER (athlete ORDER BY day ROWS BETWEEN ? PRECEDING AND ? PRECEDING) AS chronic_uncoupled
    FROM daily
    WINDOW athlete AS (PARTITION BY athlete_id)
)
SELECT athlete_id, day, day_index, workouts, n_workouts, load, flagged_workouts,
       CASE WHEN load_max > 0 THEN 100.0 * load / load_max WHEN load IS NOT NULL THEN 0.0 END AS training_load,
       CASE WHEN load_max > 0 THEN 100.0 * acute / load_max ELSE 0.0 END AS load_7d_avg,
       acute AS acute_load, chronic AS chronic_load,
       CASE WHEN day_index >= ? THEN acute / nullif(chronic, 0) END AS acr_coupled,
       CASE WHEN day_index >= ? THEN acute / nullif(chronic_uncoupled, 0) END AS acr_uncoupled,
       sleep_hours, deep_sleep_pct, hrv_ms, resting_hr, calories, protein_g
FROM rolled
WHERE ? IS NULL OR day >= ?
ORDER BY athlete_id, day
"""
_WORKOUT_LIST = """coalesce(list_sort(list({'start_time': a.start_time, 'type': a.type, 'title': a.title,
                           'duration_min': a.duration_min, 'rpe': a.rpe,
                           'load': a.duration_min * a.rpe, 'activity_id': a.activity_id})
                      FILTER (WHERE a.duration_min > 0)), [])"""


def daily_snapshot_frame(
    con: duckdb.DuckDBPyConnection,
    athlete_ids: list[int] | None = None,
    *,
    acute_days: int = 7,
    chronic_days: int = 28,
    since: date | None = None,
    with_workouts: bool = True,
) -> pd.DataFrame:
    """One row per athlete and calendar day (rest days included), for one athlete or a whole cohort.

    `since` only trims the output: rolling windows always see the full history. Without `with_workouts`
    the per-day list of workout structs is left empty (the pattern families never read it; building and
    converting it is most of the query's cost).
    """
    params = [
        athlete_ids,
        athlete_ids,
        acute_days - 1,
        chronic_days - 1,
        chronic_days - 1,
        acute_days,
        chronic_days - 1,
        chronic_days - 1,
        since,
        since,
    ]
    sql = _SNAPSHOT_SQL.replace("{workouts}", _WORKOUT_LIST if with_workouts else "[]")
    return con.execute(sql, params).df()


def run_observations(con: duckdb.DuckDBPyConnection, athlete_id: int, window_hours: float) -> pd.DataFrame:
    """Top-level runs with speed, HR, and whether they started within `window_hours` after a heavy-leg
    session ended (strength working quads or hamstrings), plus full rest days just before."""
    return con.execute(
        """
        WITH legs AS (
            SELECT start_time + duration_min * INTERVAL 1 MINUTE AS ended
            FROM activities
            WHERE athlete_id = ? AND type = 'strength' AND list_has_any(muscle_groups, ['quads', 'hamstrings'])
        ),
        trained AS (SELECT DISTINCT CAST(start_time AS DATE) AS d FROM activities WHERE athlete_id = ?),
        runs AS (
            SELECT r.activity_id, r.start_time, CAST(r.start_time AS DATE) AS day, r.title, r.duration_min,
                   r.distance_m, r.avg_hr, r.distance_m / (r.duration_min * 60) AS speed_ms,
                   (r.duration_min / r.distance_m) * 1000 AS pace_min_km
            FROM activities r
            WHERE r.athlete_id = ? AND r.type = 'run' AND r.parent_id IS NULL
              AND r.avg_hr IS NOT NULL AND r.distance_m > 0 AND r.duration_min > 0
        ),
        flagged AS (
            SELECT runs.*, legs.ended AS last_leg_end, t.d IS NULL AS after_rest_day
            FROM runs ASOF LEFT JOIN legs ON runs.start_time >= legs.ended
            LEFT JOIN trained t ON t.d = runs.day - 1
        )
        SELECT *, coalesce(date_diff('minute', last_leg_end, start_time) / 60.0 <= ?, false) AS after_legs
        FROM flagged
        ORDER BY start_time
        """,
        [athlete_id, athlete_id, athlete_id, window_hours],
    ).df()


def strength_top_sets(con: duckdb.DuckDBPyConnection, athlete_id: int) -> pd.DataFrame:
    """Every logged top set with its Epley e1RM (weight × (1 + reps/30), athlete units), the exercise's
    movement group when it came from the program, and the full rest days before the session."""
    return con.execute(
        """
        WITH trained AS (
            SELECT d, d - lag(d) OVER (ORDER BY d) - 1 AS rest_days_before
            FROM (SELECT DISTINCT CAST(start_time AS DATE) AS d FROM activities WHERE athlete_id = ?)
        ),
        groups AS (
            SELECT s.activity_id, e.name, any_value(e.movement_group) AS movement_group
            FROM program_sessions s JOIN program_exercises e USING (athlete_id, session_id)
            WHERE s.athlete_id = ? AND s.activity_id IS NOT NULL
            GROUP BY ALL
        )
        SELECT a.activity_id, a.start_time, CAST(a.start_time AS DATE) AS day, a.title,
               x.position, x.name, x.sets, x.reps, x.weight, x.is_pr, g.movement_group,
               x.weight * (1 + x.reps / 30.0) AS e1rm, t.rest_days_before
        FROM activities a
        JOIN strength_exercises x USING (activity_id)
        JOIN trained t ON t.d = CAST(a.start_time AS DATE)
        LEFT JOIN groups g ON g.activity_id = a.activity_id AND g.name = x.name
        WHERE a.athlete_id = ? AND a.type = 'strength'
        ORDER BY a.start_time, x.position
        """,
        [athlete_id, athlete_id, athlete_id],
    ).df()


def daily_sport_volume(con: duckdb.DuckDBPyConnection, athlete_id: int, evening_from_hour: int) -> pd.DataFrame:
    """Per day with activity: minutes and zone-2 minutes per sport (brick legs count as their sport),
    the set of types trained, and whether a yoga session started at or after `evening_from_hour`."""
    return con.execute(
        """
        SELECT CAST(start_time AS DATE) AS day,
               sum(duration_min) FILTER (WHERE type = 'run') AS run_min,
               sum(duration_min) FILTER (WHERE type = 'ride') AS ride_min,
               sum(duration_min) FILTER (WHERE type = 'swim') AS swim_min,
               sum(duration_min) FILTER (WHERE type = 'yoga') AS yoga_min,
               sum(duration_min) FILTER (WHERE type = 'strength') AS strength_min,
               sum(coalesce(z2_min, 0)) FILTER (WHERE type IN ('run', 'ride', 'swim')) AS z2_min,
               list_sort(list_distinct(list(type))) AS types,
               coalesce(bool_or(type = 'yoga' AND hour(start_time) >= ?), false) AS evening_yoga,
               min(start_time) FILTER (WHERE type = 'yoga' AND hour(start_time) >= ?) AS evening_yoga_start
        FROM activities
        WHERE athlete_id = ? AND type <> 'multi'
        GROUP BY ALL
        ORDER BY day
        """,
        [evening_from_hour, evening_from_hour, athlete_id],
    ).df()


def session_efforts(con: duckdb.DuckDBPyConnection, athlete_id: int) -> pd.DataFrame:
    """Every top-level session with its logged RPE (NULL when unknown), type and duration, in start order."""
    return con.execute(
        """
        SELECT activity_id, start_time, CAST(start_time AS DATE) AS day, type, duration_min, rpe
        FROM activities
        WHERE athlete_id = ? AND parent_id IS NULL AND duration_min > 0
        ORDER BY start_time, activity_id
        """,
        [athlete_id],
    ).df()
