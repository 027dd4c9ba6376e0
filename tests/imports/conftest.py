"""Fixtures for the importers: a demo database with one new athlete (no plan, no history) and an import helper."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.db import connect, writing
from core.imports import ImportReport, import_sources, sources_from_paths
from core.imports.athlete import add_athlete

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


@pytest.fixture
def fresh(demo_db_path: Path) -> tuple[Path, int]:
    """The demo database plus athlete 'newbie' (Europe/Ljubljana, max HR 190) who has nothing yet."""
    con = connect(demo_db_path)
    athlete_id = add_athlete(con, handle="newbie", name="New Bie", time_zone="Europe/Ljubljana")
    con.close()
    return demo_db_path, athlete_id


def writer(path: Path) -> Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]:
    return lambda: writing(path)


@pytest.fixture
def run_import(fresh: tuple[Path, int]) -> Callable[..., ImportReport]:
    """Import paths (names under tests/data/imports, or absolute paths) for the new athlete."""
    path, athlete_id = fresh

    def _run(*names: str | Path) -> ImportReport:
        sources, refused = sources_from_paths([n if Path(n).is_absolute() else DATA / n for n in names])
        return import_sources(writer(path), athlete_id, sources, refused=refused)

    return _run


@pytest.fixture
def rows(fresh: tuple[Path, int]) -> Callable[..., pd.DataFrame]:
    """The new athlete's rows of a table (activities by default), ordered by id."""
    path, athlete_id = fresh

    def _rows(table: str = "activities") -> pd.DataFrame:
        con = connect(path, read_only=True)
        try:
            if table == "swim_laps":
                sql = "SELECT l.* FROM swim_laps l JOIN activities a USING (activity_id) WHERE a.athlete_id = ?"
                return con.execute(sql + " ORDER BY activity_id, stroke", [athlete_id]).df()
            order = {"activities": "activity_id", "daily_health": "day", "import_files": "import_id"}[table]
            return con.execute(f"SELECT * FROM {table} WHERE athlete_id = ? ORDER BY {order}", [athlete_id]).df()
        finally:
            con.close()

    return _rows
