"""A real `streamlit run` server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from core.db.connection import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(demo_db_path: Path, tmp_path: Path, **env_extra: str) -> Iterator[str]:
    """`streamlit run app.py` on loopback on a private demo database (plus `env_extra`); yields its base URL."""
    port = _free_port()
    env = {**os.environ, "COACH_DB": str(demo_db_path), **env_extra}
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:  # readiness poll, bounded: the server answers its health endpoint once up
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {(tmp_path / 'streamlit.log').read_text()[-2000:]}")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture
def dashboard(demo_db_path: Path, tmp_path: Path) -> Iterator[str]:
    """Base URL of the dashboard served by `streamlit run app.py` on a private demo database."""
    with serve(demo_db_path, tmp_path) as url:
        yield url


@pytest.fixture
def serve_with_env(demo_db_path: Path, tmp_path: Path) -> Callable[..., contextlib.AbstractContextManager[str]]:
    """Factory: `with serve_with_env(NAME=value): …` serves the dashboard with extra environment variables."""
    return lambda **env_extra: serve(demo_db_path, tmp_path, **env_extra)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (Playwright's own browser download does not work on these machines)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: `make test` installs Debian's chromium package")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()
