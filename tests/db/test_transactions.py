"""Transactions join when nested and a rehearsal keeps nothing: what lets a chat turn save its edits and its row as
one (issue 24)."""

from __future__ import annotations

import duckdb
import pytest

from core.db import transaction
from core.db.transactions import rehearsal
from core.errors import DatabaseError


@pytest.fixture
def con():
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t (x INTEGER)")
    yield con
    con.close()


def _rows(con) -> list[int]:
    return [r[0] for r in con.execute("SELECT x FROM t ORDER BY x").fetchall()]


def test_an_inner_transaction_joins_the_outer_and_commits_with_it(con):
    """Given writes in an inner and an outer transaction, when the outer ends normally, then both are kept."""
    with transaction(con, "outer"):
        con.execute("INSERT INTO t VALUES (1)")
        with transaction(con, "inner"):
            con.execute("INSERT INTO t VALUES (2)")
        con.execute("INSERT INTO t VALUES (3)")
    assert _rows(con) == [1, 2, 3]


def test_a_failure_after_an_inner_transaction_ended_rolls_back_its_writes_too(con):
    """Given an inner transaction that ended normally, when the outer then fails, then nothing of either is kept."""
    with pytest.raises(RuntimeError), transaction(con, "outer"):
        with transaction(con, "inner"):
            con.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("the turn's row could not be written")
    assert _rows(con) == []
    with transaction(con):  # and the connection is usable again, outside any transaction
        con.execute("INSERT INTO t VALUES (4)")
    assert _rows(con) == [4]


def test_a_rehearsal_shows_its_writes_inside_and_keeps_none(con):
    """Given writes (and a committed inner transaction) in a rehearsal, when it ends, then they were visible inside
    it and none is kept, normal end or not."""
    with rehearsal(con):
        with transaction(con, "plan write"):
            con.execute("INSERT INTO t VALUES (1)")
        assert _rows(con) == [1]
    with pytest.raises(ValueError), rehearsal(con):
        con.execute("INSERT INTO t VALUES (2)")
        raise ValueError("edit refused")
    assert _rows(con) == []


def test_a_rehearsal_inside_an_open_transaction_is_refused_and_the_transaction_goes_on(con):
    """Given an open transaction, when a rehearsal starts on the same connection, then it is refused in one line
    (it could not roll back only its own writes) and the transaction still commits."""
    with transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(DatabaseError, match="a transaction is already open"), rehearsal(con):
            pass
    assert _rows(con) == [1]
