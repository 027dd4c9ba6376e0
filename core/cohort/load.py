"""`load-findings DIR`: the materialized runs and findings back into the database, where the dashboard's
`stored_findings` reads them in milliseconds (they carry the data version of the export they came from)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.cohort.athlete import CohortError
from core.db.cohort import load_materialized


def load_findings(con: duckdb.DuckDBPyConnection, out_dir: Path) -> int:
    """Replace the stored pattern runs and findings of every athlete in `out_dir`; athletes loaded."""
    runs, findings = out_dir / "runs", out_dir / "findings"
    for part in (runs, findings):
        if not any(part.glob("*.parquet")):
            raise CohortError(f"output {str(part)!r}: expected Parquet files (run `materialize` first)")
    return load_materialized(con, runs, findings, datetime.now(UTC).replace(tzinfo=None))
