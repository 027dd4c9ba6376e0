"""Transactions: the one place that runs BEGIN / COMMIT / ROLLBACK, turning DuckDB failures into one line.

DuckDB is optimistic: two transactions updating the same row conflict, and the
second one fails (at the UPDATE or at COMMIT). That failure comes back as
`WriteConflict`, so the caller can tell "someone else won" from a broken database.

A `transaction` opened inside another on the same connection joins it: the outer one commits or rolls back the
whole, so a chat turn can save its plan edits (each a `transaction` of its own in `apply_ops`) and its interaction
row as one. `rehearsal` is an outer transaction that always rolls back: the turn's edits run for real, so the
model gets their true result, and nothing is kept until the turn's row is written with them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import duckdb

from core.errors import DatabaseError

WRITE_FAILED = re.compile(r"Could not write|No space left|File too large")  # DuckDB's words for a full disk
# Connections (by id) inside an open `transaction` or `rehearsal`: an inner block joins instead of BEGINning.
_OPEN: set[int] = set()


class WriteConflict(DatabaseError):
    """Another transaction changed the same rows first; nothing of this one was kept."""


def error_line(exc: BaseException) -> str:
    """A DuckDB (or OS) error as the one line a person reads: its first line, at most 300 characters."""
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is open (after a failed COMMIT DuckDB has already ended it)."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection, what: str = "write") -> Iterator[None]:
    """All or nothing: COMMIT when the block ends normally, ROLLBACK on any exception (re-raised).

    DuckDB errors inside the block or at COMMIT become `WriteConflict` (a concurrent writer won)
    or `DatabaseError` naming `what` and DuckDB's first line. Inside another transaction on `con` it joins that one.
    """
    if id(con) in _OPEN:
        yield
        return
    _begin(con, what)
    try:
        yield
        con.execute("COMMIT")
    except duckdb.Error as exc:
        rollback(con)
        if "conflict" in str(exc).lower():
            raise WriteConflict(f"{what}: another writer changed the same rows first") from None
        if isinstance(exc, duckdb.IOException) or WRITE_FAILED.search(str(exc)):
            raise  # a full disk or a damaged file: the connection's own translation names the file
        raise DatabaseError(f"{what} failed: {error_line(exc)}") from None
    except BaseException:
        rollback(con)
        raise
    finally:
        _OPEN.discard(id(con))


@contextlib.contextmanager
def rehearsal(con: duckdb.DuckDBPyConnection, what: str = "rehearsal") -> Iterator[None]:
    """Run writes for their result and keep none of them: ROLLBACK however the block ends."""
    if id(con) in _OPEN:
        raise DatabaseError(f"cannot start the {what}: a transaction is already open on this connection")
    _begin(con, what)
    try:
        yield
    finally:
        rollback(con)
        _OPEN.discard(id(con))


def _begin(con: duckdb.DuckDBPyConnection, what: str) -> None:
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot start the {what} transaction: {error_line(exc)}") from None
    _OPEN.add(id(con))


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Write the WAL into the database file, so a copied or reopened file holds everything and its size is real."""
    con.execute("CHECKPOINT")
