"""State shared by every page: the one cached DuckDB connection and the sidebar choices.

Kept out of app.py so pages can import it without re-running navigation.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from core.db import db_path_from_env
from core.db.athletes import athletes_frame
from core.demo import open_database
from core.tokens import DEFAULT_ENCODING


@st.cache_resource
def _connection_to(path: str) -> duckdb.DuckDBPyConnection:
    return open_database(path)


def connection() -> duckdb.DuckDBPyConnection:
    """The one connection per database file, shared by all sessions: callers take `.cursor()` per use.

    Keyed by path so a changed `$COACH_DB` (tests, a second file) never reuses another file's connection.
    """
    return _connection_to(str(db_path_from_env()))


@st.cache_data(ttl=60)
def _roster_of(path: str) -> pd.DataFrame:
    return athletes_frame(_connection_to(path).cursor())


def roster() -> pd.DataFrame:
    """Athletes for the sidebar picker."""
    return _roster_of(str(db_path_from_env()))


def athlete_id() -> int:
    """The athlete picked in the sidebar (app.py sets it before any page runs)."""
    return int(st.session_state["athlete_id"])


def encoding() -> str:
    """The tokenizer picked in the sidebar."""
    return str(st.session_state.get("encoding", DEFAULT_ENCODING))
