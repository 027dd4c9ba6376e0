"""The days the alert rules read: one row per athlete and calendar day of the last N days, rest days included.

Sports trained count brick legs as their sport and skip the 'multi' row; `trained` is any workout of
more than zero minutes. A program session counts as missed when it was scheduled before the athlete's
as-of day and was skipped or never completed (the as-of day itself is not over yet).
"""

from __future__ import annotations

from typing import Any

import duckdb

_ALERT_DAYS_SQL = """
WITH sel AS (
    SELECT athlete_id, as_of, sports FROM athletes WHERE $ids IS NULL OR list_contains($ids, athlete_id)
),
cal AS (
    SELECT athlete_id, as_of, CAST(unnest(generate_series(as_of - ($days - 1) * INTERVAL 1 DAY, CAST(as_of AS TIMESTAMP),
                                                          INTERVAL 1 DAY)) AS DATE) AS day
    FROM sel
),
acts AS (
    SELECT a.athlete_id, CAST(a.start_time AS DATE) AS day,
           list(DISTINCT a.type) FILTER (WHERE a.type <> 'multi' AND a.duration_min > 0) AS sports,
           count(*) FILTER (WHERE a.parent_id IS NULL AND a.duration_min > 0) AS workouts
    FROM activities a JOIN sel USING (athlete_id)
    WHERE a.start_time >= sel.as_of - ($days - 1) * INTERVAL 1 DAY
      AND CAST(a.start_time AS DATE) <= sel.as_of
    GROUP BY ALL
),
planned AS (
    SELECT s.athlete_id, s.scheduled_date AS day, count(*) AS planned,
           count(*) FILTER (WHERE s.scheduled_date < sel.as_of AND (s.skipped OR s.completed_at IS NULL)) AS missed
    FROM program_sessions s JOIN sel USING (athlete_id)
    WHERE s.scheduled_date BETWEEN sel.as_of - ($days - 1) * INTERVAL 1 DAY AND sel.as_of
    GROUP BY ALL
)
SELECT cal.athlete_id, cal.day, coalesce(acts.sports, []) AS sports, coalesce(acts.workouts, 0) AS workouts,
       h.sleep_hours, n.calories, n.protein_g,
       coalesce(p.planned, 0) AS planned, coalesce(p.missed, 0) AS missed
FROM cal
LEFT JOIN acts USING (athlete_id, day)
LEFT JOIN planned p USING (athlete_id, day)
LEFT JOIN daily_health h ON h.athlete_id = cal.athlete_id AND h.day = cal.day
LEFT JOIN nutrition n ON n.athlete_id = cal.athlete_id AND n.day = cal.day
ORDER BY cal.athlete_id, cal.day
"""

_PROFILE_SQL = """
SELECT a.athlete_id, a.as_of, a.sports,
       (SELECT arg_max(b.weight_kg, b.day) FROM body_comp b
        WHERE b.athlete_id = a.athlete_id AND b.day <= a.as_of AND b.weight_kg IS NOT NULL) AS weight_kg
FROM athletes a WHERE $ids IS NULL OR list_contains($ids, a.athlete_id)
ORDER BY a.athlete_id
"""


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def alert_day_rows(con: duckdb.DuckDBPyConnection, athlete_ids: list[int] | None, days: int) -> list[dict[str, Any]]:
    """athlete_id, day, sports (trained that day), workouts, sleep_hours, calories, protein_g, planned, missed."""
    return _dicts(con.execute(_ALERT_DAYS_SQL, {"ids": athlete_ids, "days": days}))


def alert_profiles(con: duckdb.DuckDBPyConnection, athlete_ids: list[int] | None) -> list[dict[str, Any]]:
    """athlete_id, as_of, sports (the athlete's own list) and the latest body weight (kg) on or before as_of."""
    return _dicts(con.execute(_PROFILE_SQL, {"ids": athlete_ids}))
