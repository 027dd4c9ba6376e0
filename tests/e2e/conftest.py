"""Real-browser tests: `streamlit run app.py` on loopback, Debian's Chromium driven by Playwright.

How to write a page test (every page test should be a few lines; `Dashboard` and `serve` live in
tests/e2e/browser.py, import them with `from tests.e2e.browser import Dashboard`):

    def test_formats_counts_match_core(ui: Dashboard, app_db: Path) -> None:
        ui.open("formats")                       # URL path of the page; waits until Streamlit is idle
        ui.pick_athlete("Tomás Rivera")          # sidebar choices (shared by every page)
        ui.pick_tokenizer("cl100k_base")
        ui.select("formats_left", "Compact")     # any selectbox by its widget key
        expect(ui.metric("Compact tokens")).to_have_text("1,234")

Fixtures:
- `app_db`: the module's private demo database (a fresh copy per test module); open it with
  `core.db.reading(app_db)` for the figures core computes, or run the CLI on it (`cli("--db", str(app_db), …)`).
- `app_url`: the dashboard served on a free loopback port on `app_db`, one server per test module
  (override `app_url` in a module for another server, e.g. with secrets: `serve(path, log_dir, NAME=value)`).
- `ui`: a `Dashboard` on a new 1400 px Chromium page at `app_url`. After the test it saves a screenshot to
  `test-artifacts/e2e/<test name>.png` (pass or fail) and asserts no exception box appeared.
- `dashboard` / `serve_with_env`: a server per test on the test's own `demo_db_path`, for tests that
  need a database nobody else touched.

Tests in one module share its server and database: a module that writes should order its tests or
read the current state first, never assume a pristine plan.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_FLAGS, VIEWPORT, Dashboard, serve


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (Playwright's own browser download does not work on these machines)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: `make test` installs Debian's chromium package")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_db(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This test module's own copy of the demo database (the served dashboard and the CLI share it)."""
    target = tmp_path_factory.mktemp("e2e_db") / "coach.duckdb"
    shutil.copyfile(demo_template, target)
    return target


@pytest.fixture(scope="module")
def app_url(app_db: Path) -> Iterator[str]:
    """The dashboard served once for this test module, on `app_db`."""
    with serve(app_db, app_db.parent) as url:
        yield url


@pytest.fixture
def ui(browser: Browser, app_url: str, request: pytest.FixtureRequest) -> Iterator[Dashboard]:
    """A 1400 px Chromium page on the module's dashboard; afterwards a screenshot and the no-exception check."""
    page = browser.new_page(viewport=VIEWPORT)
    dashboard = Dashboard(page, app_url)
    try:
        yield dashboard
        dashboard.assert_no_exception()
    finally:
        with contextlib.suppress(Exception):  # the screenshot is evidence, never a second failure
            dashboard.screenshot(request.node.name)
        page.close()


@pytest.fixture
def dashboard(demo_db_path: Path, tmp_path: Path) -> Iterator[str]:
    """Base URL of a dashboard served for this test alone, on its private `demo_db_path`."""
    with serve(demo_db_path, tmp_path) as url:
        yield url


@pytest.fixture
def serve_with_env(demo_db_path: Path, tmp_path: Path) -> Callable[..., contextlib.AbstractContextManager[str]]:
    """Factory: `with serve_with_env(NAME=value): …` serves the dashboard with extra environment variables."""
    return lambda **env_extra: serve(demo_db_path, tmp_path, **env_extra)
