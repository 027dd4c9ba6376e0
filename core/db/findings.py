"""Materialized pattern findings: the data-version fingerprint, and reading / replacing one athlete's stored run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import duckdb

from core.db.connection import scalar

# Order-independent fingerprint of everything the pattern families read for one athlete: a sum of row
# hashes per table (HUGEINT, so no overflow) plus the row counts. Any insert, update or delete changes it.
_FINGERPRINT_SQL = """
SELECT concat_ws(':',
    (SELECT count(*) || '.' || coalesce(sum(hash(a)::HUGEINT), 0) FROM athletes a WHERE athlete_id = $1),
    (SELECT count(*) || '.' || coalesce(sum(hash(a)::HUGEINT), 0) FROM activities a WHERE athlete_id = $1),
    (SELECT count(*) || '.' || coalesce(sum(hash(x)::HUGEINT), 0)
       FROM strength_exercises x JOIN activities a USING (activity_id) WHERE a.athlete_id = $1),
    (SELECT count(*) || '.' || coalesce(sum(hash(h)::HUGEINT), 0) FROM daily_health h WHERE athlete_id = $1),
    (SELECT count(*) || '.' || coalesce(sum(hash(n)::HUGEINT), 0) FROM nutrition n WHERE athlete_id = $1),
    (SELECT count(*) || '.' || coalesce(sum(hash(e.name || coalesce(e.movement_group, ''))::HUGEINT), 0)
       FROM program_exercises e WHERE athlete_id = $1))
"""


def athlete_data_fingerprint(con: duckdb.DuckDBPyConnection, athlete_id: int) -> str:
    """A cheap, order-independent fingerprint of the athlete's analysed rows (changes with any of them)."""
    return str(scalar(con, _FINGERPRINT_SQL, [athlete_id]))


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """True on a connection opened read-only (pages and read commands): findings are then computed, not stored."""
    return bool(scalar(con, "SELECT current_setting('access_mode')") == "read_only")


def findings_tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    """False on a database opened read-only before migration 005 (then findings are computed, not stored)."""
    found = scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('pattern_runs', 'pattern_findings')"
    )
    return bool(found == 2)


def read_pattern_run(con: duckdb.DuckDBPyConnection, athlete_id: int) -> tuple[str, list[dict[str, Any]]] | None:
    """(data_version, finding dicts strongest first) of the stored run, or None if there is none."""
    run = con.execute("SELECT data_version FROM pattern_runs WHERE athlete_id = ?", [athlete_id]).fetchone()
    if run is None:
        return None
    rows = con.execute(
        "SELECT finding_json FROM pattern_findings WHERE athlete_id = ? ORDER BY rank", [athlete_id]
    ).fetchall()
    return run[0], [json.loads(r[0]) for r in rows]


def write_pattern_run(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    data_version: str,
    tests: int,
    families: list[dict[str, Any]],
    findings: list[dict[str, Any]],
) -> None:
    """Replace the athlete's stored run and findings in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM pattern_findings WHERE athlete_id = ?", [athlete_id])
        con.execute("DELETE FROM pattern_runs WHERE athlete_id = ?", [athlete_id])
        con.execute(
            "INSERT INTO pattern_runs VALUES (?, ?, ?, ?, ?)",
            [athlete_id, data_version, datetime.now(UTC).replace(tzinfo=None), tests, json.dumps(families)],
        )
        if findings:
            con.executemany(
                "INSERT INTO pattern_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [athlete_id, rank, f["family"], f["key"], f["headline"], f["effect"], f["q_value"], json.dumps(f)]
                    for rank, f in enumerate(findings, start=1)
                ],
            )
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
