"""End to end: the real dashboard in a real browser."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, expect


def test_home_page_answers_on_its_port(dashboard: str) -> None:
    """`streamlit run app.py` serves the app shell over HTTP on the chosen port."""
    with urllib.request.urlopen(dashboard, timeout=10) as response:
        assert response.status == 200
        assert b'<div id="root">' in response.read()


def test_home_page_shows_athletes_and_chart_in_chromium(dashboard: str, browser: Browser, tmp_path: Path) -> None:
    """In Chromium the home page renders the roster, the picked athlete's metrics and the plotly chart."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(dashboard)
    expect(page.get_by_role("heading", name="Coach Context Lab")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Maya Chen — CUT")).to_be_visible(timeout=30_000)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    shot = tmp_path / "home.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


def test_deep_link_on_a_fresh_server_opens_that_page_with_navigation(dashboard: str, browser: Browser) -> None:
    """A first request to /plan (before anyone opened /) lands on the plan page with the sidebar picker."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{dashboard}/plan")
    expect(page.get_by_role("heading", name="Weekly plan")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Plan history & diff")).to_be_visible()
    expect(page.get_by_text("KeyError")).to_have_count(0)
    page.close()


def test_cli_works_on_the_file_while_a_page_is_open_and_the_page_shows_its_edit(
    dashboard: str, browser: Browser, demo_db_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """With the plan page open in Chromium, `plan show`, `tokens` and `plan apply` succeed; a rerun shows the edit."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{dashboard}/plan")
    version = page.get_by_test_id("stMetricValue").first
    expect(version).to_have_text("v5", timeout=60_000)

    shown = cli("--db", str(demo_db_path), "plan", "show", "--athlete", "maya", "--json")
    assert shown.returncode == 0, shown.stderr
    counted = cli("--db", str(demo_db_path), "tokens", "--athlete", "maya", "--json")
    assert counted.returncode == 0, counted.stderr
    ops = json.dumps([{"op": "update_block", "block_id": "b_2", "sets": 5}])
    applied = cli(
        "--db",
        str(demo_db_path),
        "plan",
        "apply",
        "--athlete",
        "maya",
        "--base",
        json.loads(shown.stdout)["plan_hash"],
        ops,
    )
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith("ok b_2 sets 3→5; plan ")

    page.reload()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("v6", timeout=60_000)
    page.close()
