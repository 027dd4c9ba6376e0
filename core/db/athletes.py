"""Athlete-level queries: roster, overview for the home page, table counts, wiping demo data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from core.errors import CoachError, NotFoundError

ATHLETE_TABLES = (
    "athletes",
    "plan_days",
    "plan_blocks",
    "plan_members",
    "program_weeks",
    "program_sessions",
    "program_exercises",
    "logged_sets",
    "activities",
    "strength_exercises",
    "swim_laps",
    "daily_health",
    "nutrition",
    "body_comp",
    "interactions",
)


def athlete_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM athletes").fetchall()[0][0])


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per foundation table, in schema order."""
    return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in ATHLETE_TABLES}


# Per-athlete tables the migrations this code knows create: the only ones `seed --replace` and a
# resumed seed delete from. A table another feature adds is never emptied unless listed here.
OWNED_ATHLETE_TABLES = (
    *ATHLETE_TABLES,
    "plan_heads",
    "plan_id_counters",
    "plan_versions",
    "plan_backups",
    "pattern_runs",
    "pattern_findings",
    "import_files",
    "athlete_settings",
)
_ACTIVITY_CHILD_TABLES = ("strength_exercises", "swim_laps")


def delete_athletes(con: duckdb.DuckDBPyConnection, athlete_ids: list[int] | None) -> None:
    """Remove these athletes' rows (None: every athlete's) from the owned tables; the caller holds the transaction."""
    where, params = (
        ("", []) if athlete_ids is None else (" WHERE list_contains(?::INTEGER[], athlete_id)", [athlete_ids])
    )
    for table in _ACTIVITY_CHILD_TABLES:
        con.execute(f"DELETE FROM {table} WHERE activity_id IN (SELECT activity_id FROM activities{where})", params)
    for table in OWNED_ATHLETE_TABLES:
        if table not in _ACTIVITY_CHILD_TABLES:
            con.execute(f"DELETE FROM {table}{where}", params)


def athletes_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The roster: id, handle, name, profile, phase, units, sports, as_of."""
    return con.execute(
        "SELECT athlete_id, handle, name, profile, phase, units, sports, as_of FROM athletes ORDER BY athlete_id"
    ).df()


@dataclass(frozen=True)
class Athlete:
    """Who an athlete is and what "today" is for them (the last day of their data)."""

    athlete_id: int
    handle: str
    name: str
    units: str
    as_of: date
    profile: str = ""
    phase: str = ""
    sports: tuple[str, ...] = ()


def find_athlete(con: duckdb.DuckDBPyConnection, key: str | int) -> Athlete:
    """THE athlete lookup, by id or handle (any case, spaces trimmed); NotFoundError listing valid handles otherwise.

    The id is compared as text, so a handle never reaches an INTEGER comparison.
    """
    text = str(key).strip()[:80]
    row = con.execute(
        "SELECT athlete_id, handle, name, units, as_of, profile, phase, sports FROM athletes"
        " WHERE CAST(athlete_id AS VARCHAR) = ? OR lower(handle) = lower(?)",
        [text, text],
    ).fetchall()
    if not row:
        known = [r[0] for r in con.execute("SELECT handle FROM athletes ORDER BY athlete_id LIMIT 8").fetchall()]
        raise NotFoundError(f"athlete {text!r} not found; expected an id or a handle such as {', '.join(known)}")
    athlete_id, handle, name, units, as_of, profile, phase, sports = row[0]
    return Athlete(int(athlete_id), handle, name, units, as_of, profile, phase, tuple(sports or ()))


def resolve_athlete(con: duckdb.DuckDBPyConnection, key: str | int) -> int:
    """The id of `find_athlete(con, key)`: what CLI arguments and page pickers need."""
    return find_athlete(con, key).athlete_id


def athlete_ids(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Every athlete id, ascending."""
    return [int(r[0]) for r in con.execute("SELECT athlete_id FROM athletes ORDER BY athlete_id").fetchall()]


def activity_minutes_by_day(con: duckdb.DuckDBPyConnection, athlete_id: int, days: int = 7) -> pd.DataFrame:
    """Minutes per day and activity type over the `days` ending at the athlete's as-of date (top-level activities)."""
    return con.execute(
        """
        WITH a AS (SELECT as_of FROM athletes WHERE athlete_id = ?),
        span AS (SELECT CAST(d AS DATE) AS day FROM a, range(a.as_of - (? - 1) * INTERVAL 1 DAY, a.as_of + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d))
        SELECT span.day, act.type, coalesce(sum(act.duration_min), 0) AS minutes, count(act.activity_id) AS sessions
        FROM span
        LEFT JOIN activities act
          ON act.athlete_id = ? AND act.parent_id IS NULL AND CAST(act.start_time AS DATE) = span.day
        GROUP BY ALL ORDER BY span.day, act.type
        """,
        [athlete_id, days, athlete_id],
    ).df()


def athlete_overview(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per athlete: phase, last-7-day sessions and minutes, plan size, latest health."""
    return con.execute(
        """
        WITH last7 AS (  -- top-level activities in the 7 days ending at each athlete's as-of date
            SELECT x.* FROM activities x JOIN athletes a USING (athlete_id)
            WHERE x.parent_id IS NULL
              AND CAST(x.start_time AS DATE) > a.as_of - INTERVAL 7 DAY AND CAST(x.start_time AS DATE) <= a.as_of
        )
        SELECT a.athlete_id, a.handle, a.name, a.profile, a.phase, a.units, a.as_of,
               (SELECT count(*) FROM last7 x WHERE x.athlete_id = a.athlete_id) AS sessions_7d,
               (SELECT coalesce(sum(x.duration_min), 0) FROM last7 x WHERE x.athlete_id = a.athlete_id) AS minutes_7d,
               (SELECT count(*) FROM plan_days d WHERE d.athlete_id = a.athlete_id AND d.focus <> 'Rest') AS plan_days,
               (SELECT count(*) FROM plan_blocks b WHERE b.athlete_id = a.athlete_id) AS plan_blocks,
               (SELECT count(*) FROM plan_members m WHERE m.athlete_id = a.athlete_id) AS plan_members,
               (SELECT string_agg(type || ' ' || n, ' · ' ORDER BY n DESC, type) FROM (
                    SELECT x.type, count(*) AS n FROM last7 x WHERE x.athlete_id = a.athlete_id GROUP BY x.type
               )) AS mix_7d,
               h.sleep_hours, h.hrv_ms, h.resting_hr
        FROM athletes a
        LEFT JOIN daily_health h ON h.athlete_id = a.athlete_id AND h.day = a.as_of
        ORDER BY a.athlete_id
        """
    ).df()


def create_athlete(
    con: duckdb.DuckDBPyConnection,
    *,
    handle: str,
    name: str,
    as_of: date,
    units: str = "kg",
    phase: str = "BASE",
    sports: tuple[str, ...] = (),
    time_zone: str = "UTC",
    max_hr: int = 190,
    profile: str = "imported",
) -> int:
    """Insert a new athlete with no plan and no history; returns the id (one more than the largest).

    The caller has validated the values; a handle already taken (any case) is refused naming it.
    """
    taken = con.execute("SELECT handle FROM athletes WHERE lower(handle) = lower(?)", [handle]).fetchone()
    if taken:
        raise CoachError(f"handle {handle!r} is taken (by {taken[0]!r}); expected a new handle")
    athlete_id = int(con.execute("SELECT coalesce(max(athlete_id), 0) + 1 FROM athletes").fetchone()[0])  # type: ignore[index]
    con.execute(
        "INSERT INTO athletes (athlete_id, handle, name, profile, phase, units, sports, as_of)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [athlete_id, handle, name, profile, phase, units, list(sports), as_of],
    )
    con.execute("INSERT INTO athlete_settings VALUES (?, ?, ?)", [athlete_id, time_zone, max_hr])
    return athlete_id
