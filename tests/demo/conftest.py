"""Fixtures for the demo tests: a content hash of every data table."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import duckdb
import pytest

from core.db.athletes import ATHLETE_TABLES

# Tables that record when something ran, not what the data is.
RUN_BOOKKEEPING = {"schema_migrations", "seed_runs", "seed_athletes"}


def _data_hash(con: duckdb.DuckDBPyConnection) -> str:
    """SHA-256 over every table's rows in a fixed order (bookkeeping tables only record when things ran)."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"
        ).fetchall()
        if r[0] not in RUN_BOOKKEEPING
    ]
    assert set(ATHLETE_TABLES) <= set(tables)
    digest = hashlib.sha256()
    for table in tables:
        digest.update(table.encode())
        for row in con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall():
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture
def data_hash() -> Callable[[duckdb.DuckDBPyConnection], str]:
    """The content hash function: equal hashes mean identical data in every table."""
    return _data_hash
