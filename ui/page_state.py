"""State shared by every page: the database as each page run sees it, the write helper and the sidebar choices.

DuckDB allows many readers or one writer per file, so the dashboard never keeps the
file open between runs. A run's reads share one read-only connection, opened on
first use and owned by the run's thread: app.py closes it when the run ends
(`page_run`), and a page file run on its own loses it with its thread. Pages only
ever hold a `RunConnection`, which forwards to it, so nothing a page keeps (a cached
function's globals) can hold the file open. A page write opens, commits and releases
at once (`writing`). Kept out of app.py so pages can import it without re-running navigation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.db import connect, db_path_from_env, reading
from core.db import writing as write_connection
from core.db.athletes import athletes_frame
from core.demo.seeding import ensure_demo_database
from core.errors import CoachError
from core.tokens import DEFAULT_ENCODING
from ui import gate

_run = threading.local()  # Streamlit runs each session's script on its own thread


@st.cache_resource
def _prepared(path: str) -> str:
    """Create, migrate and seed the file once per server process (first start); holds no connection."""
    return str(ensure_demo_database(path))


def database_key() -> str:
    """The database file in use: part of every cached result's key."""
    return str(db_path_from_env())


def _run_connection() -> duckdb.DuckDBPyConnection:
    con = getattr(_run, "con", None)
    if con is None:
        con = _run.con = connect(_prepared(database_key()), read_only=True)
    return con


def _release() -> None:
    con, _run.con = getattr(_run, "con", None), None
    if con is not None:
        con.close()


class RunConnection:
    """What pages hold: every attribute comes from this run's read-only connection, opened on first use.

    `cursor()` returns the same object: the run's connection belongs to one thread already.
    """

    def cursor(self) -> RunConnection:
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(_run_connection(), name)


@contextmanager
def page_run() -> Iterator[None]:
    """app.py wraps each page run in this: the run's connection is closed when the run ends."""
    _release()
    try:
        yield
    except (CoachError, duckdb.IOException) as exc:  # e.g. a file damaged mid-run: one line, not a traceback
        st.error(" ".join(str(exc).split())[:500])
    finally:
        _release()


def connection() -> duckdb.DuckDBPyConnection:
    """The database for reads in this run (a `RunConnection`); callers take `.cursor()` per use as before.

    Nobody signed in (a page run alone on a deep link): back through app.py and its sign-in gate.
    """
    _require_sign_in()
    return RunConnection()  # type: ignore[return-value]


@contextmanager
def writing() -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection for one page write, released at once; the run's reads reopen after it.

    DuckDB allows one open mode per file in a process, so this run's reader is closed first.
    """
    _release()
    with write_connection(_prepared(database_key())) as con:
        yield con


@st.cache_data(ttl=60)
def _roster_of(path: str) -> pd.DataFrame:
    with reading(_prepared(path)) as con:  # app.py reads it before the page run starts
        return athletes_frame(con)


def roster() -> pd.DataFrame:
    """Athletes for the sidebar picker."""
    _require_sign_in()
    return _roster_of(database_key())


def _require_sign_in() -> None:
    if gate.current_actor() is None:
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
    st.switch_page(str(Path(__file__).parents[1] / "app.py"))


def follow_deep_link() -> None:
    """In app.py after st.navigation: finish a deep link that arrived before app.py had run."""
    target = st.session_state.pop("_deep_link", None)
    if target:
        st.switch_page(str(Path(target).relative_to(Path(__file__).parents[1])))


def encoding() -> str:
    """The tokenizer picked in the sidebar."""
    return str(st.session_state.get("encoding", DEFAULT_ENCODING))


def developer_view(page: str, *, default: bool = False) -> bool:
    """The page's one "Developer view" switch: IDs, hashes and token counts show only while it is on.

    On by default only on the developer pages (`default=True`); its key is the page's, so each page keeps its own.
    """
    return bool(
        st.toggle(
            "Developer view",
            value=default,
            key=f"{page}_developer_view",
            help="Show stable IDs, plan hashes and token counts",
        )
    )
