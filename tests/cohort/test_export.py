"""The Parquet export: one hive partition per athlete per table, with each athlete's data version."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.analytics.materialized import data_version
from core.cohort.export import export_cohort
from core.db.athletes import athlete_ids
from core.db.cohort import EXPORT_QUERIES, athlete_table_frames, exported_athletes


def test_export_writes_one_partition_per_athlete_and_table(demo_con: duckdb.DuckDBPyConnection, tmp_path: Path):
    """Given the demo database, when exported, then every table has an athlete_id=N directory per athlete with
    rows, and reading them back gives the database's row counts."""
    rows = export_cohort(demo_con, tmp_path)
    ids = athlete_ids(demo_con)
    assert exported_athletes(tmp_path) == ids
    for table in EXPORT_QUERIES:
        assert sorted(p.name for p in (tmp_path / table).iterdir()) == sorted(f"athlete_id={i}" for i in ids)
    frames = athlete_table_frames(tmp_path, ids)
    assert {t: len(f) for t, f in frames.items()} == rows
    assert rows["activities"] == demo_con.execute("SELECT count(*) FROM activities").fetchone()[0]


def test_exported_data_version_is_the_dashboards(demo_con: duckdb.DuckDBPyConnection, tmp_path: Path):
    """Given the demo database, when exported, then each athlete's data version equals `data_version` on the
    database (so findings computed from the export count as current there)."""
    export_cohort(demo_con, tmp_path)
    versions = athlete_table_frames(tmp_path, athlete_ids(demo_con))["data_versions"]
    for row in versions.itertuples():
        assert row.data_version == data_version(demo_con, int(row.athlete_id))
