"""End to end: the app shell, deep links, and the CLI working on the file while a page is open."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.browser import Dashboard


def test_home_page_answers_on_its_port(app_url: str) -> None:
    """Given a served dashboard, when / is fetched over HTTP, then the app shell answers 200."""
    with urllib.request.urlopen(app_url, timeout=10) as response:
        assert response.status == 200
        assert b'<div id="root">' in response.read()


def test_deep_link_on_a_fresh_server_opens_that_page_with_navigation(ui: Dashboard) -> None:
    """Given a first request to /plan, when it loads, then the plan page shows with the sidebar navigation."""
    ui.open("plan")
    expect(ui.page.get_by_role("heading", name="Weekly plan")).to_be_visible()
    expect(ui.page.get_by_test_id("stSidebarNav").get_by_text("Plan history & diff")).to_be_visible()
    expect(ui.page.get_by_text("KeyError")).to_have_count(0)


def test_cli_works_on_the_file_while_a_page_is_open_and_the_page_shows_its_edit(
    ui: Dashboard, app_db: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """With the plan page open in Chromium, `plan show`, `tokens` and `plan apply` succeed; a rerun shows the edit."""
    ui.open("plan")
    version = ui.page.get_by_test_id("stMetricValue").first
    expect(version).to_have_text("v5")

    shown = cli("--db", str(app_db), "plan", "show", "--athlete", "maya", "--json")
    assert shown.returncode == 0, shown.stderr
    counted = cli("--db", str(app_db), "tokens", "--athlete", "maya", "--json")
    assert counted.returncode == 0, counted.stderr
    ops = json.dumps([{"op": "update_block", "block_id": "b_2", "sets": 5}])
    base = json.loads(shown.stdout)["plan_hash"]
    applied = cli("--db", str(app_db), "plan", "apply", "--athlete", "maya", "--base", base, ops)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith("ok b_2 sets 3→5; plan ")

    ui.page.reload()
    expect(ui.page.get_by_test_id("stMetricValue").first).to_have_text("v6", timeout=60_000)
