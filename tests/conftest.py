"""Shared fixtures: every test gets its own fresh copy of a seeded demo database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from core.db import connect
from core.db.connection import PROJECT_ROOT
from core.demo.seeding import seed_demo


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


@pytest.fixture
def open_app(demo_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """Factory: the whole app (app.py) on the private demo database, state preset, run, optionally switched to a page."""
    monkeypatch.setenv("COACH_DB", str(demo_db_path))

    def _open(page: str | None = None, **state: object) -> AppTest:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
        at.secrets["OPENAI_API_KEY"] = "test-key"
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        if page is not None:
            at.switch_page(page).run()
        assert not at.exception, at.exception
        return at

    return _open


@pytest.fixture
def open_page(demo_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """Factory: one page file run on its own, for widget interaction.

    After `switch_page`, AppTest re-runs only the page file and drops app.py's sidebar keys,
    so interaction tests run the page directly with the sidebar's choices preset.
    """
    monkeypatch.setenv("COACH_DB", str(demo_db_path))

    def _open(page: str, **state: object) -> AppTest:
        at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=60)
        at.secrets["OPENAI_API_KEY"] = "test-key"
        for key, value in {"athlete_id": 1, "encoding": "o200k_base", **state}.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    return _open


_EXIT_STATUS: list[int] = []


_SLOW_DIRS = ("e2e", "cohort", "pages")  # a browser, Spark / a process pool, a Streamlit script run per test
# Fixtures that start something real per test: `python -m core`, a whole-app script run, an HTTP model endpoint.
_SLOW_FIXTURES = {"cli", "open_app", "open_page", "scripted_server"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what `make check` leaves out (make test runs everything): the browser, Spark and page suites, and tests
    that start `python -m core`, run the whole app or talk to a model endpoint over HTTP."""
    for item in items:
        parts = item.path.parts
        if any(d in parts for d in _SLOW_DIRS) or _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """End the test process with pytest's status once everything is reported, skipping interpreter teardown.

    Why: after a long run, DuckDB's nanobind bindings print "leaked instances" of their own module constants
    (the 29 `duckdb.sqltypes` types) during interpreter finalization, after pytest's summary. No connection or
    result of ours is among them (checked with gc at this point: only duckdb's own annotations and generic
    aliases refer to its types), the memory goes back to the OS either way, and the junit file, the cache and
    the summary are already written. COACH_TEST_TEARDOWN=1 keeps the normal teardown, to look at it again.
    """
    if _EXIT_STATUS and os.environ.get("COACH_TEST_TEARDOWN") != "1":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])


def _run_cli(*args: str, stdin: str | None = None, **popen: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        input=stdin,
        timeout=300,
        **popen,
    )


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m core ARGS…` in a child process from the project root: (returncode, stdout, stderr)."""
    return _run_cli


@pytest.fixture
def scripted_server() -> Iterator[Callable[..., object]]:
    """Factory: a scripted OpenAI-compatible server on 127.0.0.1 (tests/openai_server.py), shut down after the test."""
    from tests.openai_server import ScriptedServer

    servers: list[ScriptedServer] = []

    def _start(script: object) -> ScriptedServer:
        server = ScriptedServer(script).__enter__()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.__exit__()
