"""The one connection factory for the single DuckDB file, shared by pages, CLI, chat and benchmarks.

DuckDB lets several processes read one file or one process write it. So every
process holds a connection only while it works: `reading(path)` opens read-only,
`writing(path)` opens read-write, migrates, and releases at once; a lock held by
someone else is retried with jittered backoff for `lock_wait_seconds()`, then
reported as one `DatabaseBusyError` line naming the holder. Long jobs take a
`snapshot(path)` (an in-memory copy made in one short read) so they never block
a writer. Migrations are the numbered `data/migrations/NNN_name.sql` files,
applied in order and recorded in `schema_migrations`; a file that records a
migration this code does not know is from a newer version and refused for writes.
"""

from __future__ import annotations

import gc
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from core.db.transactions import WRITE_FAILED, error_line
from core.errors import DatabaseBusyError, DatabaseError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = PROJECT_ROOT / "data" / "migrations"
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "coach.duckdb"
DB_ENV_VAR = "COACH_DB"
WAIT_ENV_VAR = "COACH_DB_WAIT"
DEFAULT_LOCK_WAIT_S = 10.0

T = TypeVar("T")


def db_path_from_env() -> Path:
    """The database path: `$COACH_DB` if set, else `data/coach.duckdb` in the project."""
    value = os.environ.get(DB_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else DEFAULT_DB_PATH


def lock_wait_seconds() -> float:
    """How long a lock conflict is retried before it is reported: `$COACH_DB_WAIT` seconds, default 10."""
    value = os.environ.get(WAIT_ENV_VAR, "").strip()
    try:
        return max(0.0, float(value)) if value else DEFAULT_LOCK_WAIT_S
    except ValueError:
        raise DatabaseError(f"${WAIT_ENV_VAR}={value[:20]!r}: expected a number of seconds") from None


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


def resolve_path(path: Path | str | None) -> Path:
    """The absolute database path (`$COACH_DB` or the default when None), checked before DuckDB touches it.

    Refuses what DuckDB would fail on with a long trace or hang on (a directory, a FIFO,
    a path under a regular file, a file that is not DuckDB), before anything is written.
    """
    target = Path(path) if path is not None else db_path_from_env()
    target = target.expanduser().resolve()
    if target.exists():
        mode = target.stat().st_mode
        if stat.S_ISDIR(mode):
            raise DatabaseError(f"database path {str(target)!r} is a directory; expected a .duckdb file")
        if not stat.S_ISREG(mode):
            raise DatabaseError(
                f"database path {str(target)!r} is not a regular file (a pipe, socket or device); expected a .duckdb file"
            )
        if target.stat().st_size > 0:
            with target.open("rb") as fh:
                header = fh.read(16)
            # DuckDB files carry the magic bytes "DUCK" at offset 8.
            if header[8:12] != b"DUCK":
                raise DatabaseError(
                    f"database file {str(target)!r} is not a DuckDB database (corrupt or another format); left untouched"
                )
    return target


def _check_writable(target: Path) -> None:
    parent = target.parent
    if not parent.exists():
        blocker = next((p for p in [parent, *parent.parents] if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise DatabaseError(
                f"database path {str(target)!r} is not writable: {str(blocker)!r} is a file, not a folder"
            )
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"database path {str(target)!r} is not writable: {exc.strerror}") from None
    elif not os.access(parent, os.W_OK):
        raise DatabaseError(f"database path {str(target)!r} is not writable: no write permission on {str(parent)!r}")


# DuckDB's words for "another process holds the file" and "this process has it open in the other mode".
_LOCK_CONFLICT = re.compile(r"Could not set lock on file|Conflicting lock is held")
_SAME_PROCESS = re.compile(r"different configuration than existing connections")
_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def _is_lock_conflict(exc: BaseException) -> bool:
    if not isinstance(exc, duckdb.Error):
        return False
    text = str(exc)
    if _SAME_PROCESS.search(text):
        # Another thread of this process (a page run) still has the file open in the other mode;
        # connections nobody references any more are released by a collection.
        gc.collect()
        return True
    return bool(_LOCK_CONFLICT.search(text))


def describe_holder(message: str) -> str:
    """'PID 123 (python -m core bench formats)' from DuckDB's lock message, or what it says."""
    match = _HOLDER.search(message)
    if match is None:
        return "another connection in this process" if _SAME_PROCESS.search(message) else "another process"
    pid = match.group(2)
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        command = " ".join(a.decode(errors="replace") for a in argv if a)
    except OSError:
        command = match.group(1)
    command = " ".join(command.split())  # an argument may hold newlines (python -c): keep the message one line
    command = command if len(command) <= 80 else command[:77] + "..."
    return f"PID {pid} ({command})"


def _with_lock_retry(target: Path, mode: str, attempt: Callable[[], T], wait: float | None) -> T:
    """Run `attempt`, retrying DuckDB lock conflicts with jittered backoff for a bounded time."""
    seconds = lock_wait_seconds() if wait is None else wait
    retrying = Retrying(
        stop=stop_after_delay(seconds),
        wait=wait_random_exponential(multiplier=0.01, max=0.25),
        retry=retry_if_exception(_is_lock_conflict),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except duckdb.Error as exc:
        if _is_lock_conflict(exc):
            raise DatabaseBusyError(
                f"database {str(target)!r} is busy: {describe_holder(str(exc))} holds it"
                f" ({mode} waited {seconds:g} s); retry when it finishes, or raise ${WAIT_ENV_VAR}"
            ) from None
        raise DatabaseError(f"cannot open database {str(target)!r}: {error_line(exc)}") from None


def _open(target: Path, *, read_only: bool, wait: float | None) -> duckdb.DuckDBPyConnection:
    mode = "read" if read_only else "write"
    return _with_lock_retry(target, mode, lambda: duckdb.connect(str(target), read_only=read_only), wait)


@contextmanager
def _translated_io(target: Path) -> Iterator[None]:
    """A damaged or full file fails as one line naming the file, not a DuckDB trace."""
    try:
        yield
    except duckdb.IOException as exc:
        raise DatabaseError(f"database {str(target)!r}: {error_line(exc)}") from None
    except duckdb.TransactionException as exc:
        if not WRITE_FAILED.search(str(exc)):
            raise
        raise DatabaseError(
            f"database {str(target)!r}: cannot write (disk full or file size limit); nothing of this write was kept:"
            f" {error_line(exc)}"
        ) from None


@contextmanager
def reading(path: Path | str | None = None, *, wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for one unit of work (a page run, a command), closed on exit.

    The file must exist (`prepare_database` creates and seeds it). Any number of
    processes may read together; a writer elsewhere is waited for, within the bound.
    """
    target = resolve_path(path)
    if not target.exists():
        raise DatabaseError(f"database {str(target)!r} does not exist; run `python -m core seed` to create it")
    con = _open(target, read_only=True, wait=wait)
    try:
        with _translated_io(target):
            yield con
    finally:
        con.close()


@contextmanager
def writing(path: Path | str | None = None, *, wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection, migrated, for one write; closed (lock released) on exit.

    Creates the file if needed. Refuses a file whose schema is newer than this code.
    Keep the body short: no model call or user think time inside it.
    """
    target = resolve_path(path)
    _check_writable(target)
    con = _open(target, read_only=False, wait=wait)
    try:
        with _translated_io(target):
            migrate(con, target)
            yield con
    finally:
        con.close()


def snapshot(path: Path | str | None = None, *, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory copy of the whole database, made in one short read: for long jobs (benchmarks).

    The file's lock is held only while copying, so a long job never makes a page write wait.
    """
    target = resolve_path(path)
    if not target.exists():
        raise DatabaseError(f"database {str(target)!r} does not exist; run `python -m core seed` to create it")
    con = duckdb.connect(":memory:")

    def copy() -> None:
        con.execute(f"ATTACH '{_sql_literal(target)}' AS snapshot_source (READ_ONLY)")
        try:
            con.execute("COPY FROM DATABASE snapshot_source TO memory")
        finally:
            con.execute("DETACH snapshot_source")

    with _translated_io(target):
        _with_lock_retry(target, "snapshot", copy, wait)
    return con


def _sql_literal(path: Path) -> str:
    return str(path).replace("'", "''")


def connect(path: Path | str | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An open connection the caller closes: for tests and one-process tools only.

    Pages, commands and jobs use `reading` / `writing` so the lock is held only while they work.
    """
    if str(path) == ":memory:":
        con = duckdb.connect(":memory:")
        migrate(con, ":memory:")
        return con
    target = resolve_path(path)
    if not read_only:
        _check_writable(target)
    con = _open(target, read_only=read_only, wait=None)
    if not read_only:
        try:
            with _translated_io(target):
                migrate(con, target)
        except BaseException:
            con.close()
            raise
    return con


Row = dict[str, Any]  # one result row by column name, as the queries in core/db/ return them


def utc_now() -> datetime:
    """Now as naive UTC: DuckDB's TIMESTAMP has no zone, so every stored moment is UTC without one."""
    return datetime.now(UTC).replace(tzinfo=None)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The first column of the first row of a query that always returns one (count, max, a setting)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise DatabaseError(f"query returned no row where one was expected: {sql.split()[0]} …")
    return row[0]


def applied_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Versions already applied to this database, ascending (empty for a new file)."""
    exists = scalar(
        con,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'schema_migrations'",
    )
    if not exists:
        return []
    return [row[0] for row in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Known migrations this database has not applied yet (works on a read-only connection)."""
    done = set(applied_migrations(con))
    return [version for version, _, _ in migration_files() if version not in done]


def check_schema_known(con: duckdb.DuckDBPyConnection, target: Path | str = "database") -> None:
    """Refuse (DatabaseError) a database that records migrations newer than this code knows."""
    known = {version for version, _, _ in migration_files()}
    unknown = [v for v in applied_migrations(con) if v not in known]
    if unknown:
        raise DatabaseError(
            f"database {str(target)!r} has schema migration {max(unknown):03d}, newer than this code"
            f" (latest known {max(known):03d}); refusing to write: update the code to use this file"
        )


def migrate(con: duckdb.DuckDBPyConnection, target: Path | str = "database") -> list[int]:
    """Apply every pending migration, each in its own transaction; returns the versions applied."""
    check_schema_known(con, target)
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT now())"
    )
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
            raise DatabaseError(f"migration {path.name}: {error_line(exc)}") from None
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
