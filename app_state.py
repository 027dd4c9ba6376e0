"""State shared by every page: the one cached DuckDB connection and the sidebar choices.

Kept out of app.py so pages can import it without re-running navigation.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

import app_auth
from core.db import db_path_from_env
from core.db.athletes import athletes_frame
from core.demo.generator import open_database
from core.tokens import DEFAULT_ENCODING


@st.cache_resource
def _connection_to(path: str) -> duckdb.DuckDBPyConnection:
    return open_database(path)


def database_key() -> str:
    """The database file in use: part of every cached result's key."""
    return str(db_path_from_env())


def connection() -> duckdb.DuckDBPyConnection:
    """The one connection per database file, shared by all sessions: callers take `.cursor()` per use.

    Keyed by path so a changed `$COACH_DB` (tests, a second file) never reuses another file's connection.
    Nobody signed in (a page run alone on a deep link): back through app.py and its sign-in gate.
    """
    _require_sign_in()
    return _connection_to(database_key())


@st.cache_data(ttl=60)
def _roster_of(path: str) -> pd.DataFrame:
    return athletes_frame(_connection_to(path).cursor())


def roster() -> pd.DataFrame:
    """Athletes for the sidebar picker."""
    _require_sign_in()
    return _roster_of(database_key())


def _require_sign_in() -> None:
    if app_auth.current_actor() is None:
        try:
            _route_through_app()
        except StreamlitAPIException:
            st.stop()  # no app.py to route to (a page file run as the main script): draw nothing


def athlete_id() -> int:
    """The athlete picked in the sidebar (app.py sets it before any page runs)."""
    if "athlete_id" not in st.session_state:
        _route_through_app()
    return int(st.session_state["athlete_id"])


def _route_through_app() -> None:
    """Send a page that ran without app.py back through it, keeping the page the user asked for.

    Streamlit runs `pages/x.py` alone (its old pages-folder mode) when a fresh server's first
    request is a deep link such as /plan; app.py then sends the user on to that page.
    """
    ctx = st.runtime.scriptrunner.get_script_run_ctx()
    if ctx is not None and ctx.page_script_hash != ctx.pages_manager.main_script_hash:
        pages = ctx.pages_manager.get_pages()
        page = pages.get(ctx.page_script_hash, {})
        if page.get("script_path"):
            st.session_state["_deep_link"] = page["script_path"]
    st.switch_page(str(Path(__file__).parent / "app.py"))


def follow_deep_link() -> None:
    """In app.py after st.navigation: finish a deep link that arrived before app.py had run."""
    target = st.session_state.pop("_deep_link", None)
    if target:
        st.switch_page(str(Path(target).relative_to(Path(__file__).parent)))


def encoding() -> str:
    """The tokenizer picked in the sidebar."""
    return str(st.session_state.get("encoding", DEFAULT_ENCODING))
