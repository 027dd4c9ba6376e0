"""The per-athlete materialization: a pure function of the athlete's rows, equal to the dashboard's analysis."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.analytics.load import daily_snapshots
from core.analytics.materialized import data_version
from core.analytics.patterns import analyze_patterns
from core.cohort.athlete import findings_json, materialize_athlete, snapshot_table
from core.db.athletes import athlete_ids
from core.db.cohort import athlete_table_frames


def test_materialization_equals_the_dashboards_analysis(demo_con: duckdb.DuckDBPyConnection, tmp_path: Path):
    """Given the demo athletes exported, when each is materialized from its frames alone, then its snapshots,
    findings and data version equal what the database connection computes."""
    from core.cohort.export import export_cohort

    export_cohort(demo_con, tmp_path)
    for athlete_id in athlete_ids(demo_con):
        result = materialize_athlete(athlete_table_frames(tmp_path, [athlete_id]))
        report = analyze_patterns(demo_con, athlete_id)
        assert result.findings_json == tuple(findings_json(f.to_dict()) for f in report.findings)
        assert result.tests == report.tests
        assert result.data_version == data_version(demo_con, athlete_id)
        expected = snapshot_table(daily_snapshots(demo_con, [athlete_id], with_workouts=False))
        assert result.snapshots is not None and result.snapshots.equals(expected)


def test_row_order_does_not_change_the_answer(demo_con: duckdb.DuckDBPyConnection, tmp_path: Path):
    """Given one athlete's frames, when every table's rows arrive reversed (as another engine may deliver them),
    then the materialization is identical."""
    from core.cohort.export import export_cohort

    export_cohort(demo_con, tmp_path)
    frames = athlete_table_frames(tmp_path, [1])
    reversed_frames = {name: frame.iloc[::-1].reset_index(drop=True) for name, frame in frames.items()}
    first, second = materialize_athlete(frames), materialize_athlete(reversed_frames)
    assert first.findings_json == second.findings_json and first.findings_json
    assert first.snapshots is not None and second.snapshots is not None
    assert first.snapshots.equals(second.snapshots)
