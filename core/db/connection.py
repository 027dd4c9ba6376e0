"""Connection factory and schema migrations for the single DuckDB file.

Migrations are the numbered `data/migrations/NNN_name.sql` files, applied in
order and recorded in `schema_migrations`, so a later feature adds a file and an
existing database upgrades in place on its next open.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from core.errors import DatabaseError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = PROJECT_ROOT / "data" / "migrations"
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "coach.duckdb"
DB_ENV_VAR = "COACH_DB"


def db_path_from_env() -> Path:
    """The database path: `$COACH_DB` if set, else `data/coach.duckdb` in the project."""
    value = os.environ.get(DB_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else DEFAULT_DB_PATH


def migration_files() -> list[tuple[int, str, Path]]:
    """(version, name, path) of every migration file, in version order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        number, _, name = path.stem.partition("_")
        if not number.isdigit():
            raise DatabaseError(f"migration file {path.name!r}: expected a name like '002_plan_versions.sql'")
        found.append((int(number), name, path))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise DatabaseError(f"migrations: duplicate version numbers in {MIGRATIONS_DIR}")
    return found


def _check_path(path: Path) -> None:
    """Refuse paths DuckDB would fail on with a long trace, before anything is written."""
    if path.exists() and path.is_dir():
        raise DatabaseError(f"database path {str(path)!r} is a directory; expected a .duckdb file")
    parent = path.parent
    if not parent.exists():
        blocker = next((p for p in [parent, *parent.parents] if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise DatabaseError(
                f"database path {str(path)!r} is not writable: {str(blocker)!r} is a file, not a folder"
            )
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"database path {str(path)!r} is not writable: {exc.strerror}") from None
    elif not os.access(parent, os.W_OK):
        raise DatabaseError(f"database path {str(path)!r} is not writable: no write permission on {str(parent)!r}")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            header = fh.read(16)
        # DuckDB files carry the magic bytes "DUCK" at offset 8.
        if header[8:12] != b"DUCK":
            raise DatabaseError(
                f"database file {str(path)!r} is not a DuckDB database (corrupt or another format); left untouched"
            )


def connect(path: Path | str | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the DuckDB file and bring its schema up to date.

    Errors come back as one-line `DatabaseError`s; an existing file that is not a
    DuckDB database is never overwritten.
    """
    target = Path(path) if path is not None else db_path_from_env()
    if str(target) != ":memory:":
        target = target.expanduser().resolve()
        _check_path(target)
    try:
        con = duckdb.connect(str(target), read_only=read_only)
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(f"cannot open database {str(target)!r}: {first_line}") from None
    if not read_only:
        migrate(con)
    return con


def applied_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Versions already applied to this database, ascending."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT now())"
    )
    return [row[0] for row in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every pending migration, each in its own transaction; returns the versions applied."""
    done = set(applied_migrations(con))
    applied = []
    for version, name, path in migration_files():
        if version in done:
            continue
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise DatabaseError(f"migration {path.name}: {str(exc).splitlines()[0]}") from None
        applied.append(version)
    return applied


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Bulk-insert a DataFrame by column name (one vectorized statement, not row by row)."""
    if frame.empty:
        return 0
    if not table.isidentifier():
        raise DatabaseError(f"table name {table!r}: expected a plain identifier")
    con.register("_frame_to_insert", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _frame_to_insert")
    finally:
        con.unregister("_frame_to_insert")
    return len(frame)


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Flush the write-ahead log into the database file (so a copied or reopened file holds everything)."""
    con.execute("CHECKPOINT")
