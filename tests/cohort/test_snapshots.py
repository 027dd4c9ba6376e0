"""The set-based cohort snapshots equal the per-athlete function's, row for row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from core.cohort.athlete import SNAPSHOT_SCHEMA, materialize_athlete
from core.cohort.snapshots import cohort_snapshots
from core.db.cohort import athlete_table_frames, exported_athletes


def assert_same_rows(left: pa.Table, right: pa.Table) -> None:
    """Same columns and rows; integers and days exactly, floats within 1e-12 (NULL where the other is NULL)."""
    assert left.schema == right.schema == SNAPSHOT_SCHEMA
    a = left.sort_by([("athlete_id", "ascending"), ("day", "ascending")]).to_pandas()
    b = right.sort_by([("athlete_id", "ascending"), ("day", "ascending")]).to_pandas()
    assert len(a) == len(b)
    for field in SNAPSHOT_SCHEMA:
        x, y = a[field.name].to_numpy(), b[field.name].to_numpy()
        if field.type == pa.float64():
            assert np.array_equal(np.isnan(x), np.isnan(y)), field.name
            assert np.allclose(x, y, rtol=1e-12, atol=1e-12, equal_nan=True), field.name
        else:
            assert (x == y).all(), field.name


def test_cohort_snapshots_equal_the_per_athlete_function(cohort_export: Path):
    """Given 50 exported athletes, when snapshots are computed set-based for the cohort and one athlete at a time,
    then the rows are the same (floats within 1e-12)."""
    ids = exported_athletes(cohort_export)
    per_athlete = [materialize_athlete(athlete_table_frames(cohort_export, [a])).snapshots for a in ids[:12]]
    cohort = cohort_snapshots(cohort_export)
    subset = cohort.filter(pa.compute.is_in(cohort.column("athlete_id"), pa.array(ids[:12], pa.int64())))
    assert_same_rows(subset, pa.concat_tables([t for t in per_athlete if t is not None]))
    assert sorted(set(cohort.column("athlete_id").to_pylist())) == ids


def test_histories_shorter_than_the_chronic_window_match_too(tmp_path: Path):
    """Given athletes with two weeks of history (shorter than the 28-day window), when snapshots are computed
    for the cohort and per athlete, then the rows are the same."""
    from core.cohort.export import export_cohort
    from core.db import connect
    from core.demo.seeding import seed_demo

    con = connect(tmp_path / "short.duckdb")
    try:
        seed_demo(con, seed=3, athletes=3, weeks=2)
        export_cohort(con, tmp_path / "export")
    finally:
        con.close()
    ids = exported_athletes(tmp_path / "export")
    per_athlete = [materialize_athlete(athlete_table_frames(tmp_path / "export", [a])).snapshots for a in ids]
    assert_same_rows(cohort_snapshots(tmp_path / "export"), pa.concat_tables([t for t in per_athlete if t is not None]))
