"""Daily snapshots of a whole cohort in one set-based pass over the Parquet export.

The per-athlete path (`materialize_athlete`) runs the snapshot query once per athlete. Over a cohort that
is a Python loop of small queries; here the same query (core/db/analytics.py) runs once over every athlete
through views on the export, the recursive columns are vectorized over all athletes at once
(`add_recursive_columns`), and the result goes to Parquet as Arrow without Python objects per row. The
rows equal the per-athlete function's (tests/cohort/test_snapshots.py).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from core.analytics.load import daily_snapshots
from core.cohort.athlete import snapshot_table
from core.db.cohort import cohort_views


def cohort_snapshots(in_dir: Path) -> pa.Table:
    """Every exported athlete's daily snapshots (full history), in `SNAPSHOT_SCHEMA`, by athlete and day."""
    with cohort_views(in_dir) as con:
        return snapshot_table(daily_snapshots(con, with_workouts=False))

