"""Shared fixtures: every test gets its own fresh copy of a seeded demo database."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from core.db import connect
from core.demo import seed_demo


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database seeded once per test session; tests only ever use copies."""
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    con = connect(path)
    # COACH_TEST_SEED lets a developer rerun the suite on other demo seeds (planted effects must hold on each).
    seed_demo(con, seed=int(os.environ.get("COACH_TEST_SEED", "7")))
    con.execute("CHECKPOINT")
    con.close()
    return path


@pytest.fixture
def demo_db_path(demo_template: Path, tmp_path: Path) -> Path:
    """Path to a private, freshly copied demo database."""
    target = tmp_path / "coach.duckdb"
    shutil.copyfile(demo_template, target)
    return target


@pytest.fixture
def demo_con(demo_db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An open connection to a private demo database."""
    con = connect(demo_db_path)
    yield con
    con.close()
