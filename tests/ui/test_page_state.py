"""page_state: the dashboard's database access per page run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.db import writing


def test_a_truncated_database_shows_one_error_line_not_a_traceback(
    demo_db_path: Path, open_app: Callable[..., AppTest]
) -> None:
    """Given a database file cut short, when the app starts, then st.error names the file in one line, no exception."""
    with demo_db_path.open("r+b") as fh:
        fh.truncate(demo_db_path.stat().st_size // 3)
    at = open_app()
    assert len(at.error) == 1 and str(demo_db_path) in at.error[0].value and "\n" not in at.error[0].value


def test_a_page_run_leaves_the_file_free_for_a_writer(demo_db_path: Path, open_app: Callable[..., AppTest]) -> None:
    """Given the plan page has just run, when another writer opens the file with no wait, then it gets in."""
    open_app("pages/plan.py")
    with writing(demo_db_path, wait=0) as con:
        assert con.execute("SELECT count(*) FROM athletes").fetchone()[0] == 5
