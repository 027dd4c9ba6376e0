"""Queries behind the tiered context and its Tier 3 tools: a few small, parameterized reads per message.

Every statement is scoped by `athlete_id` (bound, never formatted in). A day's load and its
acute:chronic ratio are not computed here: `daily_series` takes them from the analytics' snapshot
query (core/db/analytics.py), so the context and the analytics share one definition (a workout
without RPE makes its day's load unknown, not zero). Cardio minutes count brick legs as their sport
and skip the 'multi' row.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import duckdb

from core.db.analytics import daily_snapshot_frame
from core.db.connection import Row


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[Row]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def athlete_exists(con: duckdb.DuckDBPyConnection, athlete_id: int) -> bool:
    """True when an athlete has this id (a tool call checks before it reads or writes anything)."""
    return con.execute("SELECT count(*) FROM athletes WHERE athlete_id = ?", [athlete_id]).fetchone() != (0,)


def athlete_facts(con: duckdb.DuckDBPyConnection, athlete_id: int) -> Row | None:
    """athlete_id, handle, phase, units, sports, as_of, first_day (first activity day), weight_kg (latest),
    and `fingerprint`: the database file and counts that change whenever the athlete's data changes."""
    rows = _dicts(
        con.execute(
            """
            WITH acts AS (SELECT count(*) AS n, max(activity_id) AS top, min(start_time) AS first
                          FROM activities WHERE athlete_id = $a),
                 health AS (SELECT count(*) AS n, max(day) AS last FROM daily_health WHERE athlete_id = $a)
            SELECT a.athlete_id, a.handle, a.phase, a.units, a.sports, a.as_of, CAST(acts.first AS DATE) AS first_day,
                   (SELECT arg_max(weight_kg, day) FROM body_comp b
                    WHERE b.athlete_id = $a AND b.day <= a.as_of AND b.weight_kg IS NOT NULL) AS weight_kg,
                   [(SELECT coalesce(path, '') FROM duckdb_databases() WHERE database_name = current_database()),
                    CAST(acts.n AS VARCHAR), CAST(acts.top AS VARCHAR), CAST(health.n AS VARCHAR),
                    CAST(health.last AS VARCHAR), CAST(a.as_of AS VARCHAR)] AS fingerprint
            FROM athletes a, acts, health WHERE a.athlete_id = $a
            """,
            {"a": athlete_id},
        )
    )
    return rows[0] if rows else None


_DAILY_SQL = """
WITH cal AS (
    SELECT CAST(d AS DATE) AS day
    FROM range(CAST($as_of AS DATE) - ($days - 1) * INTERVAL 1 DAY, CAST($as_of AS DATE) + INTERVAL 1 DAY,
               INTERVAL 1 DAY) t(d)
),
recent AS (
    SELECT CAST(start_time AS DATE) AS day, type, duration_min
    FROM activities
    WHERE athlete_id = $athlete AND start_time >= CAST($as_of AS DATE) - ($days - 1) * INTERVAL 1 DAY
),
per_day AS (
    SELECT day, sum(duration_min) FILTER (WHERE type IN ('run', 'ride', 'swim')) AS cardio_min
    FROM recent GROUP BY ALL
)
SELECT cal.day, coalesce(p.cardio_min, 0.0) AS cardio_min,
       h.sleep_hours, h.deep_sleep_pct, h.hrv_ms, h.resting_hr, n.calories, n.protein_g
FROM cal
LEFT JOIN per_day p USING (day)
LEFT JOIN daily_health h ON h.athlete_id = $athlete AND h.day = cal.day
LEFT JOIN nutrition n ON n.athlete_id = $athlete AND n.day = cal.day
ORDER BY cal.day
"""


def daily_series(con: duckdb.DuckDBPyConnection, athlete_id: int, as_of: date, days: int) -> list[Row]:
    """One row per calendar day for the `days` ending at `as_of`, rest days included, oldest first.

    `load` (AU; None when a workout lacks RPE) and `acr` (coupled 7:28 ratio; None until 28 days of
    history) are the analytics' own columns `load` and `acr_coupled`, for the same day.
    """
    rows = _dicts(con.execute(_DAILY_SQL, {"as_of": as_of, "days": days, "athlete": athlete_id}))
    snapshots = daily_snapshot_frame(con, [athlete_id], since=as_of - timedelta(days=days - 1), with_workouts=False)
    analytics = {
        day.date(): (_known(load), _known(acr))
        for day, load, acr in zip(snapshots.day, snapshots.load, snapshots.acr_coupled, strict=True)
    }
    for row in rows:
        row["load"], row["acr"] = analytics.get(row["day"], (0.0, None))  # before any data: a rest day, no ratio
    return rows


def _known(value: Any) -> float | None:
    """A float, or None for SQL NULL / pandas NaN (unknown)."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def activity_labels(con: duckdb.DuckDBPyConnection, athlete_id: int, activity_ids: list[int]) -> dict[int, Row]:
    """Title, route and notes of the given activities, only if they belong to the athlete."""
    if not activity_ids:
        return {}
    rows = con.execute(
        "SELECT activity_id, title, route_name, notes FROM activities WHERE athlete_id = ? AND list_contains(?, activity_id)",
        [athlete_id, activity_ids],
    ).fetchall()
    return {int(r[0]): {"title": r[1], "route_name": r[2], "notes": r[3]} for r in rows}


def body_comp_rows(con: duckdb.DuckDBPyConnection, athlete_id: int, since: date) -> list[Row]:
    """Body composition with that day's nutrition, from `since`, oldest first."""
    return _dicts(
        con.execute(
            "SELECT b.day, b.weight_kg, b.body_fat_pct, n.calories, n.protein_g FROM body_comp b"
            " LEFT JOIN nutrition n ON n.athlete_id = b.athlete_id AND n.day = b.day"
            " WHERE b.athlete_id = ? AND b.day >= ? ORDER BY b.day",
            [athlete_id, since],
        )
    )


# ---------------------------------------------------------------- interaction log


def insert_interaction(con: duckdb.DuckDBPyConnection, row: Row) -> int:
    """Insert one interaction row (columns named by the dict's keys); returns its id."""
    columns = list(row)
    values = [json.dumps(v) if isinstance(v, dict) else v for v in row.values()]
    sql = (
        f"INSERT INTO interactions ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        " RETURNING interaction_id"
    )
    (interaction_id,) = con.execute(sql, values).fetchall()[0]
    return int(interaction_id)


def interaction_rows(con: duckdb.DuckDBPyConnection, athlete_id: int, limit: int = 50) -> list[Row]:
    """The athlete's latest interactions, newest first."""
    return _dicts(
        con.execute(
            "SELECT * FROM interactions WHERE athlete_id = ? ORDER BY created_at DESC, interaction_id DESC LIMIT ?",
            [athlete_id, limit],
        )
    )


@contextlib.contextmanager
def scratch_copy(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run on an in-memory copy of the whole database (replays edit plans and log turns); the file is untouched."""
    (original,) = con.execute("SELECT current_database()").fetchall()[0]
    con.execute("ATTACH ':memory:' AS replay_scratch")
    try:
        con.execute(f'COPY FROM DATABASE "{original}" TO replay_scratch')
        con.execute("USE replay_scratch")
        yield con
    finally:
        con.execute(f'USE "{original}"')
        con.execute("DETACH replay_scratch")
