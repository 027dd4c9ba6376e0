"""A cohort of 50 seeded demo athletes (8 weeks each, enough for every family to test something), exported once."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cohort.export import export_cohort
from core.db import connect
from core.demo.seeding import seed_demo

COHORT_ATHLETES = 50
COHORT_WEEKS = 8


@pytest.fixture(scope="session")
def cohort_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of 50 demo athletes, seeded once per session; tests copy it before writing."""
    path = tmp_path_factory.mktemp("cohort") / "cohort.duckdb"
    con = connect(path)
    seed_demo(con, seed=7, athletes=COHORT_ATHLETES, weeks=COHORT_WEEKS)
    con.execute("CHECKPOINT")
    con.close()
    return path


@pytest.fixture(scope="session")
def cohort_export(cohort_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 50-athlete database exported as Parquet, partitioned by athlete."""
    out = tmp_path_factory.mktemp("export")
    con = connect(cohort_db, read_only=True)
    try:
        export_cohort(con, out)
    finally:
        con.close()
    return out
