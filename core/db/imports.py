"""Imported files and their rows: what was imported before (by file hash), look-alike activities, the writes.

Every write of one file happens inside the caller's transaction, so a file is imported whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from core.db.connection import insert_frame

ACTIVITY_ID_BLOCK = 10_000_000  # an athlete's activity ids are athlete_id × this + n, as the demo numbers them


@dataclass(frozen=True)
class ImportSettings:
    """What an import needs to know of the athlete: where their local time is and their maximum HR."""

    athlete_id: int
    time_zone: str
    max_hr: int


@dataclass(frozen=True)
class KnownFile:
    """A file imported before: its name then and when (UTC)."""

    file_name: str
    imported_at: datetime


@dataclass(frozen=True)
class KnownActivity:
    """A stored activity an incoming one may repeat: where it sits (a leg of `parent_id`?) and what it came from.

    `start_utc` is None for a row whose UTC start is not known (a local time inside a fall-back hour when
    migration 013 backfilled, or a row another writer stored without it). `summary_only` marks a row made from a
    Strava activities.csv line with no device file: a file of the same activity may replace it.
    """

    activity_id: int
    type: str
    title: str | None
    start_time: datetime
    start_utc: datetime | None
    parent_id: int | None
    leg_order: int | None
    summary_only: bool
    rpe: float | None
    notes: str | None


def import_settings(con: duckdb.DuckDBPyConnection, athlete_id: int) -> ImportSettings:
    row = con.execute(
        "SELECT coalesce(s.time_zone, 'UTC'), coalesce(s.max_hr, 190) FROM athletes a"
        " LEFT JOIN athlete_settings s USING (athlete_id) WHERE a.athlete_id = ?",
        [athlete_id],
    ).fetchone()
    if row is None:
        raise LookupError(athlete_id)
    return ImportSettings(athlete_id, str(row[0]), int(row[1]))


def known_file(con: duckdb.DuckDBPyConnection, athlete_id: int, file_hash: str) -> KnownFile | None:
    row = con.execute(
        "SELECT file_name, imported_at FROM import_files WHERE athlete_id = ? AND file_hash = ?",
        [athlete_id, file_hash],
    ).fetchone()
    return KnownFile(str(row[0]), row[1]) if row else None


def imported_hashes(con: duckdb.DuckDBPyConnection, athlete_id: int) -> set[str]:
    """Hashes of every file imported for the athlete (a re-import skips these without parsing them)."""
    return {
        str(r[0])
        for r in con.execute("SELECT file_hash FROM import_files WHERE athlete_id = ?", [athlete_id]).fetchall()
    }


def nearby_activities(
    con: duckdb.DuckDBPyConnection, athlete_id: int, kind: str, start_utc: datetime, within_s: float
) -> list[KnownActivity]:
    """Stored activities (top-level or legs) of type `kind` whose UTC start is within `within_s` of `start_utc`
    (naive UTC), nearest first; rows without `start_utc` whose local time is within `within_s` + 14 h (any
    zone's offset) are included too, for the caller to compare in the athlete's zone."""
    rows = con.execute(
        """
        SELECT a.activity_id, a.type, a.title, a.start_time, a.start_utc, a.parent_id, a.leg_order,
               coalesce(f.format = 'strava_csv', false) AS summary_only, a.rpe, a.notes
        FROM activities a LEFT JOIN import_files f ON f.import_id = a.import_id
        WHERE a.athlete_id = ? AND a.type = ?
          AND CASE WHEN a.start_utc IS NOT NULL THEN abs(epoch(a.start_utc) - epoch(CAST(? AS TIMESTAMP))) <= ?
                   ELSE abs(epoch(a.start_time) - epoch(CAST(? AS TIMESTAMP))) <= ? + 14 * 3600 END
        ORDER BY abs(epoch(coalesce(a.start_utc, a.start_time)) - epoch(CAST(? AS TIMESTAMP))), a.activity_id
        """,
        [athlete_id, kind, start_utc, within_s, start_utc, within_s, start_utc],
    ).fetchall()
    return [KnownActivity(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9]) for r in rows]


def delete_activities(con: duckdb.DuckDBPyConnection, activity_ids: list[int]) -> None:
    """Remove activities and their swim laps (inside the caller's transaction): a row about to be replaced."""
    if activity_ids:
        con.execute("DELETE FROM swim_laps WHERE list_contains(?::BIGINT[], activity_id)", [activity_ids])
        con.execute("DELETE FROM activities WHERE list_contains(?::BIGINT[], activity_id)", [activity_ids])


def attach_leg(
    con: duckdb.DuckDBPyConnection, activity_id: int, parent_id: int, leg_order: int, transition_before_min: float
) -> None:
    """Make a stored activity a leg of a multisport parent (inside the caller's transaction), its figures kept."""
    con.execute(
        "UPDATE activities SET parent_id = ?, leg_order = ?, transition_before_min = ? WHERE activity_id = ?",
        [parent_id, leg_order, transition_before_min, activity_id],
    )


def next_activity_id(con: duckdb.DuckDBPyConnection, athlete_id: int) -> int:
    """The next free id in the athlete's block (after the demo's or earlier imports')."""
    row = con.execute(
        "SELECT coalesce(max(activity_id), ? * ?) + 1 FROM activities WHERE athlete_id = ? AND activity_id >= ? * ?"
        " AND activity_id < (? + 1) * ?",
        [athlete_id, ACTIVITY_ID_BLOCK, athlete_id, athlete_id, ACTIVITY_ID_BLOCK, athlete_id, ACTIVITY_ID_BLOCK],
    ).fetchone()
    return int(row[0]) if row else athlete_id * ACTIVITY_ID_BLOCK + 1


def record_import(
    con: duckdb.DuckDBPyConnection,
    *,
    athlete_id: int,
    file_hash: str,
    file_name: str,
    file_format: str,
    activities: list[dict[str, Any]],
    swim_laps: list[dict[str, Any]],
    imported_at: datetime,
) -> int:
    """Write one file's rows and its import_files row (caller holds the transaction); returns the import id."""
    import_id = int(con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_files").fetchone()[0])  # type: ignore[index]
    con.execute(
        "INSERT INTO import_files (import_id, athlete_id, file_hash, file_name, format, activities, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [import_id, athlete_id, file_hash, file_name, file_format, len(activities), imported_at],
    )
    if activities:
        insert_frame(con, "activities", pd.DataFrame.from_records([{**a, "import_id": import_id} for a in activities]))
    if swim_laps:
        insert_frame(con, "swim_laps", pd.DataFrame.from_records(swim_laps))
    return import_id


def existing_health_days(con: duckdb.DuckDBPyConnection, athlete_id: int, days: list[date]) -> set[date]:
    rows = con.execute(
        "SELECT day FROM daily_health WHERE athlete_id = ? AND list_contains(?::DATE[], day)", [athlete_id, days]
    ).fetchall()
    return {r[0] for r in rows}


def insert_health_days(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    return insert_frame(con, "daily_health", frame)


def advance_as_of(con: duckdb.DuckDBPyConnection, athlete_id: int) -> date | None:
    """Set the athlete's "today" to their last day with an activity or a health row (as the demo's `as_of` is)."""
    con.execute(
        """
        UPDATE athletes SET as_of = last.day FROM (
            SELECT max(day) AS day FROM (
                SELECT CAST(start_time AS DATE) AS day FROM activities WHERE athlete_id = ?
                UNION ALL SELECT day FROM daily_health WHERE athlete_id = ?)
        ) last
        WHERE athletes.athlete_id = ? AND last.day IS NOT NULL
        """,
        [athlete_id, athlete_id, athlete_id],
    )
    row = con.execute("SELECT as_of FROM athletes WHERE athlete_id = ?", [athlete_id]).fetchone()
    return row[0] if row else None


def imports_frame(con: duckdb.DuckDBPyConnection, athlete_id: int) -> pd.DataFrame:
    """The athlete's imported files, newest first: name, format, rows added, when."""
    return con.execute(
        "SELECT file_name, format, activities, imported_at FROM import_files WHERE athlete_id = ?"
        " ORDER BY import_id DESC",
        [athlete_id],
    ).df()
