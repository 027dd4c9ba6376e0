"""core.db.athletes: lookups by id or handle, and the home page's 7-day overview."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from core.db.athletes import athlete_overview, find_athlete, resolve_athlete
from core.errors import NotFoundError


@pytest.mark.parametrize("key", [3, "3", "jordan", "JORDAN", " jordan "])
def test_an_id_or_a_handle_finds_the_same_athlete(demo_con: duckdb.DuckDBPyConnection, key: int | str) -> None:
    """Given an id (int or text) or a handle in any case, then every lookup returns athlete 3, never a Conversion Error."""
    assert resolve_athlete(demo_con, key) == 3
    athlete = find_athlete(demo_con, key)
    assert (athlete.athlete_id, athlete.handle, athlete.name, athlete.as_of) == (
        3,
        "jordan",
        "Jordan Blake",
        date(2026, 11, 19),
    )
    assert athlete.sports and athlete.phase


@pytest.mark.parametrize("key", ["nobody", 99, "1; DROP TABLE athletes", "9" * 30])
def test_an_unknown_athlete_is_one_line_naming_the_value(demo_con: duckdb.DuckDBPyConnection, key: int | str) -> None:
    """Given a key that is no athlete, then NotFoundError names it and lists valid handles; nothing is dropped."""
    with pytest.raises(NotFoundError, match="expected an id or a handle such as maya, tomas"):
        find_athlete(demo_con, key)
    assert demo_con.execute("SELECT count(*) FROM athletes").fetchone()[0] == 5


def test_overview_counts_the_last_seven_days_once_per_athlete(demo_con: duckdb.DuckDBPyConnection) -> None:
    """The overview's 7-day sessions and minutes equal a direct count of top-level activities in that window."""
    overview = athlete_overview(demo_con).set_index("handle")
    expected = demo_con.execute(
        """
        SELECT a.handle, count(x.activity_id), coalesce(sum(x.duration_min), 0)
        FROM athletes a LEFT JOIN activities x ON x.athlete_id = a.athlete_id AND x.parent_id IS NULL
          AND x.start_time >= a.as_of - INTERVAL 6 DAY AND x.start_time < a.as_of + INTERVAL 1 DAY
        GROUP BY a.handle
        """
    ).fetchall()
    for handle, sessions, minutes in expected:
        assert overview.loc[handle, "sessions_7d"] == sessions > 0
        assert overview.loc[handle, "minutes_7d"] == pytest.approx(minutes)
