"""core.db.connection: schema creation, migrations and refusals that overwrite nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.db import connect
from core.db.connection import PROJECT_ROOT, migration_files
from core.errors import DatabaseError

EXPECTED_TABLES = {
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
    "schema_migrations",
}


def test_schema_created_on_empty_file(tmp_path: Path) -> None:
    """Given no file, when connecting, then every foundation table exists and all migrations are recorded."""
    con = connect(tmp_path / "new.duckdb")
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert tables >= EXPECTED_TABLES
    applied = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    assert applied == [v for v, _, _ in migration_files()]


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    """Given a migrated file, when reopened, then migrations are not re-run and data survives."""
    path = tmp_path / "db.duckdb"
    con = connect(path)
    con.execute("INSERT INTO athletes VALUES (1, 'a', 'A', 'control', 'BASE', 'kg', ['run'], DATE '2026-01-01')")
    con.close()
    con = connect(path)
    assert con.execute("SELECT count(*) FROM athletes").fetchall()[0][0] == 1
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchall()[0][0] == len(migration_files())


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """Given a file that is not DuckDB, when connecting, then a one-line error and identical bytes."""
    path = tmp_path / "coach.duckdb"
    original = b"this is not a database\n" * 100
    path.write_bytes(original)
    with pytest.raises(DatabaseError) as err:
        connect(path)
    assert "not a DuckDB database" in str(err.value) and "\n" not in str(err.value)
    assert path.read_bytes() == original


def test_unwritable_path_gives_one_line_error(tmp_path: Path) -> None:
    """Given a path whose parent is a regular file, when connecting, then a one-line error names it."""
    blocker = tmp_path / "plain.txt"
    blocker.write_text("keep me")
    with pytest.raises(DatabaseError) as err:
        connect(blocker / "sub" / "coach.duckdb")
    assert "not writable" in str(err.value) and "\n" not in str(err.value)
    assert blocker.read_text() == "keep me"


def test_directory_path_is_refused(tmp_path: Path) -> None:
    """Given a directory as the database path, then a clear error, not a DuckDB trace."""
    with pytest.raises(DatabaseError, match="is a directory"):
        connect(tmp_path)


def test_cli_reports_corrupt_db_in_one_line_and_exits_nonzero(tmp_path: Path) -> None:
    """Given a corrupt file, when the CLI seeds it, then exit 1, one stderr line, file unchanged."""
    path = tmp_path / "bad.duckdb"
    path.write_bytes(b"garbage" * 50)
    result = subprocess.run(
        [sys.executable, "-m", "core", "--db", str(path), "seed"], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("error: ")
    assert path.read_bytes() == b"garbage" * 50
