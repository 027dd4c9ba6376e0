"""core/db/context.py: the context's daily series takes load and ACR from the analytics, so a day without RPE
reads the same in Tier 1, on the Athletes page and in the analytics (one definition)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.analytics.load import DEFAULT_ACR_VARIANT, daily_snapshots, snapshot_for_day
from core.context.data import DAILY_DAYS, load_context_data
from core.context.tier1 import load_line
from core.db import connect
from core.db.athletes import athlete_ids
from core.db.context import daily_series


def _drop_latest_rpe(con: duckdb.DuckDBPyConnection, athlete_id: int, n: int = 2) -> list:
    """NULL the RPE of the athlete's `n` latest top-level workouts (a watch that logged no effort); their days."""
    rows = con.execute(
        "UPDATE activities SET rpe = NULL WHERE activity_id IN (SELECT activity_id FROM activities"
        " WHERE athlete_id = ? AND parent_id IS NULL AND duration_min > 0 ORDER BY start_time DESC LIMIT ?)"
        " RETURNING CAST(start_time AS DATE)",
        [athlete_id, n],
    ).fetchall()
    return sorted({r[0] for r in rows})


@pytest.fixture
def null_rpe_db(demo_db_path: Path) -> tuple[Path, dict[int, list]]:
    """The demo database with every athlete's two latest workouts missing their RPE; the days that hit."""
    con = connect(demo_db_path)
    days = {athlete: _drop_latest_rpe(con, athlete) for athlete in athlete_ids(con)}
    con.close()
    return demo_db_path, days


def test_a_day_without_rpe_has_the_same_unknown_load_and_acr_in_tier1_and_the_analytics(null_rpe_db):
    """Given workouts without RPE, when Tier 1 reads the days, then load is unknown (not 0) and ACR equals the analytics'."""
    path, null_days = null_rpe_db
    con = connect(path)
    snapshots = daily_snapshots(con, with_workouts=False)
    for athlete, days in null_days.items():
        data = load_context_data(con, athlete, with_findings=False)
        frame = snapshots[snapshots.athlete_id == athlete].set_index("day")
        for row in data.days:
            if pd.Timestamp(row.day) not in frame.index:
                continue
            snap = frame.loc[pd.Timestamp(row.day)]
            assert (row.load is None) == math.isnan(snap.load), (athlete, row.day)
            assert row.load is None or row.load == pytest.approx(snap.load)
            if row.acr is None:
                assert math.isnan(snap.acr_coupled), (athlete, row.day)
            else:
                assert row.acr == pytest.approx(snap.acr_coupled), (athlete, row.day)
        assert all(r.load is None for r in data.days if r.day in days)
        snapshot = snapshot_for_day(con, athlete)
        assert load_line(data).startswith(
            f"Load: {snapshot.acr_status} (ACR {snapshot.acute_chronic_ratio:.2f} coupled)"
        )
    con.close()


def test_the_issues_case_reads_optimal_where_zero_load_read_low(null_rpe_db):
    """Given athlete 1's two latest workouts without RPE, when Tier 1 reads the load, then OPTIMAL 0.83 as the analytics say."""
    con = connect(null_rpe_db[0])
    line = load_line(load_context_data(con, 1, with_findings=False))
    snapshot = snapshot_for_day(con, 1)
    con.close()
    assert line == f"Load: {snapshot.acr_status} (ACR {snapshot.acute_chronic_ratio:.2f} coupled)"
    assert snapshot.acr_status == "OPTIMAL" and "can push harder" not in line  # was "LOW (ACR 0.74)" with RPE as 0


def test_the_series_covers_every_calendar_day_and_days_before_any_data_are_rest_days(demo_con):
    """Given a window reaching before the athlete's first data, when reading, then every day is there; early ones load 0, no ACR."""
    as_of = demo_con.execute("SELECT as_of FROM athletes WHERE athlete_id = 1").fetchone()[0]
    rows = daily_series(demo_con, 1, as_of, 400)
    assert len(rows) == 400 and rows[-1]["day"] == as_of
    assert rows[0]["load"] == 0.0 and rows[0]["acr"] is None
    assert len(daily_series(demo_con, 1, as_of, DAILY_DAYS)) == DAILY_DAYS


def test_the_athletes_page_shows_the_analytics_acr_for_the_null_rpe_day(
    null_rpe_db, open_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
):
    """Given the same NULL-RPE days, when the Athletes page draws, then its 'ACR now' is the analytics' value for that day."""
    path, _ = null_rpe_db
    con = connect(path)
    snapshots = daily_snapshots(con, with_workouts=False)
    names = dict(con.execute("SELECT athlete_id, name FROM athletes").fetchall())
    con.close()
    expected = {
        names[athlete]: days[f"acr_{DEFAULT_ACR_VARIANT}"].iloc[-1] for athlete, days in snapshots.groupby("athlete_id")
    }
    at = open_app()  # the home page is the Athletes page
    table = at.dataframe[0].value
    shown = dict(zip(table["name"], table["acr_now"], strict=True))
    assert shown.keys() == expected.keys()
    for name, acr in expected.items():
        assert shown[name] == pytest.approx(acr, abs=0.005, nan_ok=True), name  # shown to 2 decimals
