"""What the browser tests share: serving the dashboard, and `Dashboard`, a user's actions as short calls."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

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
VIEWPORT = {"width": 1400, "height": 1000}
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
TIMEOUT_MS = 60_000  # first page runs compute findings and token tables: generous, never a speed assertion
EXCEPTION_BOX = '[data-testid="stException"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(demo_db_path: Path, log_dir: Path, **env_extra: str) -> Iterator[str]:
    """`streamlit run app.py` on loopback on a private demo database (plus `env_extra`); yields its base URL."""
    port = _free_port()
    env = {**os.environ, "COACH_DB": str(demo_db_path), **env_extra}
    log_path = log_dir / f"streamlit-{port}.log"
    log = log_path.open("w")
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
                raise RuntimeError(f"streamlit did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@dataclass
class Dashboard:
    """What a user does on the dashboard, as short calls; each interaction waits until Streamlit is idle."""

    page: Page
    base_url: str

    def open(self, path: str = "") -> Dashboard:
        """Load the page at URL `path` ("" is the home page) in a new session and wait for its first run."""
        self.page.goto(f"{self.base_url}/{path.lstrip('/')}")
        expect(self.page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=TIMEOUT_MS)
        return self.wait_idle()

    def go(self, title: str) -> Dashboard:
        """Follow the sidebar link `title` (same session: the sidebar choices are kept)."""
        self.page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        return self.wait_idle()

    def wait_idle(self) -> Dashboard:
        """Wait until the app is connected, its script is not running and no element is stale from the last run."""
        app = self.page.get_by_test_id("stApp")
        expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=TIMEOUT_MS)
        expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT_MS)
        expect(self.page.locator("[data-stale='true']")).to_have_count(0, timeout=TIMEOUT_MS)
        return self

    def keyed(self, key: str) -> Locator:
        """The element (widget, chart, container) created with `key=key`."""
        return self.page.locator(f".st-key-{key}")

    def select(self, key: str, option: str, *, prefix: bool = False) -> Dashboard:
        """Pick `option` (its visible label; with `prefix`, the first label starting so) in the selectbox `key`."""
        self.keyed(key).get_by_test_id("stSelectbox").click()
        name = re.compile("^" + re.escape(option)) if prefix else option
        self.page.get_by_role("option", name=name, exact=not prefix).first.click()
        expect(self.keyed(key).get_by_role("combobox")).to_have_value(name, timeout=TIMEOUT_MS)
        return self.wait_idle()

    def radio(self, key: str, option: str) -> Dashboard:
        """Pick `option` in the radio group with widget key `key`."""
        self.keyed(key).get_by_text(option, exact=True).click()
        return self.wait_idle()

    def click(self, button: str) -> Dashboard:
        """Press the button labelled `button`."""
        self.page.get_by_role("button", name=button).click()
        return self.wait_idle()

    def pick_athlete(self, name: str) -> Dashboard:
        """The sidebar athlete picker, by the athlete's name ("Tomás Rivera")."""
        return self.select("athlete_id", name, prefix=True)

    def pick_tokenizer(self, encoding: str) -> Dashboard:
        """The sidebar tokenizer picker ("o200k_base" or "cl100k_base")."""
        return self.select("encoding", encoding)

    def metric(self, label: str) -> Locator:
        """The value of the st.metric whose label is exactly `label`."""
        box = self.page.get_by_test_id("stMetric").filter(
            has=self.page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
        )
        return box.get_by_test_id("stMetricValue")

    def chart(self, key: str) -> Locator:
        """The drawn Plotly chart inside the st.plotly_chart with key `key` (the newest: a rerun may briefly hold two)."""
        return self.keyed(key).locator(".js-plotly-plot").last

    def table_cells(self, index: int = 0) -> list[str]:
        """Texts of the cells of the `index`-th st.dataframe on the page (the grid's accessible table: the
        columns in view), row by row."""
        return self.page.get_by_test_id("stDataFrame").nth(index).locator("td").all_inner_texts()

    def cell(self, text: str, index: int = 0) -> Locator:
        """The cell showing exactly `text` in the `index`-th st.dataframe (attached, not visible: the grid draws
        on a canvas and keeps its accessible table off screen)."""
        return self.page.get_by_test_id("stDataFrame").nth(index).locator("td").get_by_text(text, exact=True)

    def legend(self, key: str) -> list[str]:
        """The legend entries of the chart with key `key`."""
        return self.chart(key).locator(".legendtext").all_text_contents()

    def main_text(self) -> str:
        """All visible text of the page body (not the sidebar)."""
        return self.page.get_by_test_id("stMain").inner_text()

    def assert_no_exception(self) -> None:
        expect(self.page.locator(EXCEPTION_BOX)).to_have_count(0)

    def screenshot(self, name: str) -> Path:
        """A full-page PNG in test-artifacts/e2e/ (gitignored)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path
