"""core.analytics.materialized: findings stored per athlete and data version, served from the store while fresh."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest

from core.analytics import materialized
from core.analytics.patterns import find_patterns
from core.db import insert_frame
from core.db.athletes import resolve_athlete


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how often the full analysis runs behind stored_findings."""
    calls: list[int] = []
    real = materialized.analyze_patterns

    def counting(con, athlete_id, days=None):
        calls.append(athlete_id)
        return real(con, athlete_id, days)

    monkeypatch.setattr(materialized, "analyze_patterns", counting)
    return calls


def test_first_read_computes_and_stores_then_serves_from_the_store(
    demo_con: duckdb.DuckDBPyConnection, counted
) -> None:
    """Given no stored run, stored_findings computes once and stores; a second read returns identical findings
    without recomputing, and they equal find_patterns over all history."""
    jordan = resolve_athlete(demo_con, "jordan")
    first = materialized.stored_findings(demo_con, jordan)
    second = materialized.stored_findings(demo_con, jordan)
    assert counted == [jordan]
    assert (
        [f.to_dict() for f in first]
        == [f.to_dict() for f in second]
        == [f.to_dict() for f in find_patterns(demo_con, jordan)]
    )
    assert any(f.key == "leg_day_run_hr" and f.headline for f in second)


def test_new_activity_makes_the_store_stale(demo_con: duckdb.DuckDBPyConnection, counted) -> None:
    """Given a stored run, when the athlete logs a new activity (or a health value changes), the next read
    recomputes; another athlete's store stays fresh."""
    jordan, sam = resolve_athlete(demo_con, "jordan"), resolve_athlete(demo_con, "sam")
    materialized.stored_findings(demo_con, jordan)
    materialized.stored_findings(demo_con, sam)
    run = pd.DataFrame(
        {"activity_id": [999_999_001], "athlete_id": [jordan], "type": ["run"], "start_time": [datetime(2026, 11, 19, 7)],
         "duration_min": [30.0], "rpe": [4.0], "avg_hr": [140], "distance_m": [5000.0]}
    )  # fmt: skip
    insert_frame(demo_con, "activities", run)
    materialized.stored_findings(demo_con, jordan)
    materialized.stored_findings(demo_con, sam)
    assert counted == [jordan, sam, jordan]
    demo_con.execute("UPDATE daily_health SET hrv_ms = hrv_ms + 1 WHERE athlete_id = ? AND day = '2026-11-18'", [sam])
    materialized.stored_findings(demo_con, sam)
    assert counted[-1] == sam and len(counted) == 4


def test_refresh_replaces_the_stored_rows(demo_con: duckdb.DuckDBPyConnection) -> None:
    """refresh_findings writes one row per finding (rank 1 = strongest) and one run row with the data version."""
    aiko = resolve_athlete(demo_con, "aiko")
    found = materialized.refresh_findings(demo_con, aiko)
    materialized.refresh_findings(demo_con, aiko)
    rows = demo_con.execute(
        "SELECT rank, key, headline FROM pattern_findings WHERE athlete_id = ? ORDER BY rank", [aiko]
    ).fetchall()
    assert [r[1] for r in rows] == [f.key for f in found] and rows[0][1] == "evening_yoga_deep_sleep"
    version = demo_con.execute("SELECT data_version FROM pattern_runs WHERE athlete_id = ?", [aiko]).fetchone()[0]
    assert version == materialized.data_version(demo_con, aiko) and version.startswith(materialized.ANALYSIS_VERSION)
