"""State shared by every page: the one cached DuckDB connection and the sidebar choices.

Kept out of app.py so pages can import it without re-running navigation.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from core.db.athletes import athletes_frame
from core.demo import open_database
from core.tokens import DEFAULT_ENCODING


@st.cache_resource
def connection() -> duckdb.DuckDBPyConnection:
    """One connection per process, shared by all sessions: callers take `.cursor()` per use."""
    return open_database()


@st.cache_data(ttl=60)
def roster() -> pd.DataFrame:
    """Athletes for the sidebar picker."""
    return athletes_frame(connection().cursor())


def athlete_id() -> int:
    """The athlete picked in the sidebar (app.py sets it before any page runs)."""
    return int(st.session_state["athlete_id"])


def encoding() -> str:
    """The tokenizer picked in the sidebar."""
    return str(st.session_state.get("encoding", DEFAULT_ENCODING))
