"""SQL of the nightly cohort job: the Parquet export partitioned by athlete, the per-athlete scratch
database the pure materialization runs its queries in, the cohort views over the Parquet, and loading
materialized findings back.

The export is hive-style (`DIR/<table>/athlete_id=N/*.parquet`, DuckDB `COPY … PARTITION_BY`), so any
engine reads one athlete's rows from one directory per table. `strength_exercises` has no athlete
column in the database; its export carries the athlete of its activity so it can be partitioned too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from core.db.connection import migrate

# Every table the analytics read, with the query that exports it (one athlete column to partition by).
EXPORT_QUERIES: dict[str, str] = {
    "athletes": "SELECT * FROM athletes",
    "activities": "SELECT * FROM activities",
    "strength_exercises": "SELECT x.*, a.athlete_id FROM strength_exercises x JOIN activities a USING (activity_id)",
    "daily_health": "SELECT * FROM daily_health",
    "nutrition": "SELECT * FROM nutrition",
    "program_sessions": "SELECT * FROM program_sessions",
    "program_exercises": "SELECT * FROM program_exercises",
}
VERSIONS_TABLE = "data_versions"  # athlete_id, fingerprint: which rows the materialization saw

# athlete_data_fingerprint (core/db/findings.py) for every athlete in one pass: the same text per athlete.
_FINGERPRINTS_SQL = """
WITH parts AS (
    SELECT athlete_id, 1 AS part, count(*) AS n, sum(hash(a)::HUGEINT) AS h FROM athletes a GROUP BY ALL
    UNION ALL SELECT athlete_id, 2, count(*), sum(hash(a)::HUGEINT) FROM activities a GROUP BY ALL
    UNION ALL SELECT a.athlete_id, 3, count(*), sum(hash(x)::HUGEINT)
        FROM strength_exercises x JOIN activities a USING (activity_id) GROUP BY ALL
    UNION ALL SELECT athlete_id, 4, count(*), sum(hash(h)::HUGEINT) FROM daily_health h GROUP BY ALL
    UNION ALL SELECT athlete_id, 5, count(*), sum(hash(n)::HUGEINT) FROM nutrition n GROUP BY ALL
    UNION ALL SELECT athlete_id, 6, count(*), sum(hash(e.name || coalesce(e.movement_group, ''))::HUGEINT)
        FROM program_exercises e GROUP BY ALL
),
grid AS (SELECT athlete_id, unnest(range(1, 7)) AS part FROM athletes)
SELECT g.athlete_id,
       string_agg(coalesce(p.n, 0) || '.' || coalesce(p.h, 0), ':' ORDER BY g.part) AS fingerprint
FROM grid g LEFT JOIN parts p USING (athlete_id, part)
GROUP BY g.athlete_id
ORDER BY g.athlete_id
"""


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def data_fingerprints(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """athlete_id, fingerprint for every athlete: `athlete_data_fingerprint` of each, in one statement."""
    return con.execute(_FINGERPRINTS_SQL).df()


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path, versions: pd.DataFrame) -> dict[str, int]:
    """Write every analysed table (and `versions`: athlete_id, data_version) under `out_dir`, one hive
    partition per athlete; rows written per table."""
    written = {}
    con.register("cohort_versions", versions)
    try:
        queries = {**EXPORT_QUERIES, VERSIONS_TABLE: "SELECT athlete_id, data_version FROM cohort_versions"}
        for table, query in queries.items():
            target = out_dir / table
            rows = con.execute(f"SELECT count(*) FROM ({query})").fetchone()
            con.execute(
                f"COPY ({query}) TO {_literal(target)} (FORMAT parquet, PARTITION_BY (athlete_id), OVERWRITE_OR_IGNORE)"
            )
            written[table] = int(rows[0]) if rows else 0
    finally:
        con.unregister("cohort_versions")
    return written


def _parquet_source(in_dir: Path, table: str) -> str:
    pattern = _literal(in_dir / table / "*" / "*.parquet")
    return f"read_parquet({pattern}, hive_partitioning = true, hive_types = {{'athlete_id': INTEGER}})"


def cohort_views(in_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose tables of the analysed names are views over the Parquet export, so every
    query in core/db reads the cohort as it reads the database."""
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    for table in (*EXPORT_QUERIES, VERSIONS_TABLE):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM {_parquet_source(in_dir, table)}")
    return con


def exported_athletes(in_dir: Path) -> list[int]:
    """Athlete ids present in the export (its `athletes` partitions), ascending; none when it has no such table."""
    if not any((in_dir / "athletes").glob("*/*.parquet")):
        return []
    with duckdb.connect(":memory:") as con:
        rows = con.execute(f"SELECT DISTINCT athlete_id FROM {_parquet_source(in_dir, 'athletes')} ORDER BY 1")
        return [int(r[0]) for r in rows.fetchall()]


def athlete_table_frames(in_dir: Path, athlete_ids: list[int]) -> dict[str, pd.DataFrame]:
    """Every exported table's rows for the given athletes (partition pruning: only their directories are read)."""
    with duckdb.connect(":memory:") as con:
        return {
            table: con.execute(
                f"SELECT * FROM {_parquet_source(in_dir, table)} WHERE list_contains(?, athlete_id)", [athlete_ids]
            ).df()
            for table in (*EXPORT_QUERIES, VERSIONS_TABLE)
        }


def scratch_database() -> duckdb.DuckDBPyConnection:
    """An in-memory database with the real schema (every migration), to run the project's queries over one
    athlete's frames: the per-athlete materialization needs no connection to the real file."""
    # one thread: the engines parallelize over athletes, and one athlete's queries are too small to split
    # (a thread per core in every worker process would oversubscribe an executor)
    con = duckdb.connect(":memory:", config={"threads": 1})
    migrate(con, "scratch")
    return con


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a table, in order."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [table]
    ).fetchall()
    return [r[0] for r in rows]


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pa.Table) -> None:
    """Insert a frame's columns of `table` (extra columns ignored; types cast to the table's), in one canonical
    order (every column ascending), so the queries see the same rows in the same order whatever engine
    delivered them."""
    columns = [c for c in table_columns(con, table) if c in frame.column_names]
    if frame.num_rows == 0 or not columns:
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    con.register("cohort_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM cohort_rows ORDER BY ALL")
    finally:
        con.unregister("cohort_rows")


@contextmanager
def athlete_rows(con: duckdb.DuckDBPyConnection, frames: Mapping[str, pa.Table]) -> Iterator[duckdb.DuckDBPyConnection]:
    """The scratch database holding one athlete's rows for the body, emptied again after it (rolled back)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for table in EXPORT_QUERIES:
            if table in frames:
                insert_rows(con, table, frames[table])
        yield con
    finally:
        con.execute("ROLLBACK")


def load_materialized(con: duckdb.DuckDBPyConnection, runs: Path, findings: Path, computed_at: datetime) -> int:
    """Replace stored pattern runs and findings of every athlete in the `runs` Parquet with the materialized
    ones, in one transaction; athletes loaded. `computed_at`: UTC, naive."""
    runs_src = f"read_parquet({_literal(runs / '*.parquet')})"
    findings_src = f"read_parquet({_literal(findings / '*.parquet')})"
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM pattern_findings WHERE athlete_id IN (SELECT athlete_id FROM {runs_src})")
        con.execute(f"DELETE FROM pattern_runs WHERE athlete_id IN (SELECT athlete_id FROM {runs_src})")
        con.execute(
            f"INSERT INTO pattern_runs SELECT athlete_id, data_version, ?, tests, families_json FROM {runs_src}",
            [computed_at],
        )
        con.execute(
            "INSERT INTO pattern_findings SELECT athlete_id, rank, family, key, headline, effect, q_value, finding_json"
            f" FROM {findings_src}"
        )
        row = con.execute(f"SELECT count(*) FROM {runs_src}").fetchone()
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    return int(row[0]) if row else 0


# The per-(athlete, day) facts the daily snapshot is built from, each read in one aggregate pass; the same
# rules as the snapshot query in core/db/analytics.py (top-level workouts up to as_of, zero-minute ones
# flagged, a day with a workout of unknown RPE has an unknown load).
_DAILY_WORKOUTS_SQL = """
SELECT a.athlete_id, CAST(a.start_time AS DATE) AS day,
       count(*) FILTER (WHERE a.duration_min > 0) AS n_workouts,
       CASE WHEN coalesce(bool_and(a.rpe IS NOT NULL) FILTER (WHERE a.duration_min > 0), true)
            THEN coalesce(sum(a.duration_min * a.rpe) FILTER (WHERE a.duration_min > 0), 0.0) END AS load,
       count(*) FILTER (WHERE NOT a.duration_min > 0) AS flagged_workouts
FROM activities a JOIN athletes s USING (athlete_id)
WHERE a.parent_id IS NULL AND CAST(a.start_time AS DATE) <= s.as_of
GROUP BY ALL
"""


def daily_facts(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Every athlete's as_of, daily workout facts, health and nutrition rows (unordered)."""
    return {
        "athletes": con.execute("SELECT athlete_id, as_of FROM athletes").df(),
        "workouts": con.execute(_DAILY_WORKOUTS_SQL).df(),
        "health": con.execute(
            "SELECT athlete_id, day, sleep_hours, deep_sleep_pct, hrv_ms, resting_hr FROM daily_health"
        ).df(),
        "nutrition": con.execute("SELECT athlete_id, day, calories, protein_g FROM nutrition").df(),
    }


def aggregate_pass(con: duckdb.DuckDBPyConnection) -> int:
    """The yardstick for the cohort snapshot: one GROUP BY (athlete, day) over the rows it reads (activities,
    health, nutrition), fetched; groups returned."""
    return len(
        con.execute(
            """
            SELECT athlete_id, day, count(*) AS n, sum(x) AS total FROM (
                SELECT athlete_id, CAST(start_time AS DATE) AS day, duration_min * rpe AS x FROM activities
                UNION ALL SELECT athlete_id, day, sleep_hours FROM daily_health
                UNION ALL SELECT athlete_id, day, calories FROM nutrition
            ) GROUP BY ALL
            """
        ).df()
    )
