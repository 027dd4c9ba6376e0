"""`export --parquet DIR`: the analysed tables as Parquet, one hive partition per athlete, with the data
version of each athlete's rows so the findings computed from the export are recognised as current by the
dashboard (`stored_findings`) as long as the database has not changed since."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.analytics.materialized import ANALYSIS_VERSION
from core.cohort.athlete import CohortError
from core.db.cohort import data_fingerprints, export_parquet, exported_athletes


def export_cohort(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    """Write every athlete's analysed rows under `out_dir/<table>/athlete_id=N/`; rows written per table."""
    versions = data_fingerprints(con)
    versions["data_version"] = ANALYSIS_VERSION + "/" + versions.pop("fingerprint")
    out_dir.mkdir(parents=True, exist_ok=True)
    return export_parquet(con, out_dir, versions)


def export_athletes(in_dir: Path) -> list[int]:
    """The athlete ids of an export, ascending; CohortError naming the directory when it holds none."""
    ids = exported_athletes(in_dir)
    if not ids:
        raise CohortError(f"input {str(in_dir)!r}: expected an export with athletes (run `export --parquet` first)")
    return ids
