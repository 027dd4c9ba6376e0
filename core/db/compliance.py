"""What an athlete completed on each day of a date range: the 'completed' side of planned versus completed.

Minutes, distance and session-RPE load count top-level workouts (a brick's 'multi' row carries the whole
brick); distance sums the legs instead, because the 'multi' row has none. Sets are the logged sets of the
program sessions completed that day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

_COMPLETED_SQL = """
WITH cal AS (
    SELECT CAST(unnest(generate_series(CAST($first AS TIMESTAMP), CAST($last AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day
),
acts AS (
    SELECT CAST(start_time AS DATE) AS day,
           count(*) FILTER (WHERE parent_id IS NULL AND duration_min > 0) AS workouts,
           coalesce(sum(duration_min) FILTER (WHERE parent_id IS NULL AND duration_min > 0), 0) AS minutes,
           coalesce(sum(duration_min) FILTER (WHERE parent_id IS NULL AND duration_min > 0 AND type <> 'strength'), 0)
               AS session_minutes,
           count(*) FILTER (WHERE type = 'strength' AND duration_min > 0) AS strength_workouts,
           coalesce(sum(distance_m) FILTER (WHERE type <> 'multi'), 0) AS distance_m,
           sum(duration_min * rpe) FILTER (WHERE parent_id IS NULL AND duration_min > 0) AS load,
           list(DISTINCT type) FILTER (WHERE parent_id IS NULL AND duration_min > 0) AS types
    FROM activities
    WHERE athlete_id = $athlete AND CAST(start_time AS DATE) BETWEEN $first AND $last
    GROUP BY ALL
),
sets AS (
    SELECT CAST(s.completed_at AS DATE) AS day, count(l.set_number) AS sets
    FROM program_sessions s JOIN logged_sets l USING (athlete_id, session_id)
    WHERE s.athlete_id = $athlete AND CAST(s.completed_at AS DATE) BETWEEN $first AND $last
    GROUP BY ALL
)
SELECT cal.day, coalesce(a.workouts, 0) AS workouts, coalesce(a.minutes, 0.0) AS minutes,
       coalesce(a.session_minutes, 0.0) AS session_minutes, coalesce(a.strength_workouts, 0) AS strength_workouts,
       coalesce(a.distance_m, 0.0) AS distance_m, a.load, coalesce(s.sets, 0) AS sets,
       coalesce(a.types, []) AS types
FROM cal LEFT JOIN acts a USING (day) LEFT JOIN sets s USING (day)
ORDER BY cal.day
"""


def completed_by_day(con: duckdb.DuckDBPyConnection, athlete_id: int, first: date, last: date) -> list[dict[str, Any]]:
    """day, workouts, minutes, session_minutes (not strength), strength_workouts, distance_m, load (None: no RPE
    logged), sets, types, for every day first..last."""
    cursor = con.execute(_COMPLETED_SQL, {"athlete": athlete_id, "first": first, "last": last})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
