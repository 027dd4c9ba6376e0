"""End to end, *Plan history & diff*: versions made by the CLI, a diff of two picked versions, a revert seen at once."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from core.db import reading
from core.db.athletes import resolve_athlete
from core.plan.diff import render_change
from core.plan.store import diff_versions, plan_versions
from tests.e2e.browser import Dashboard

Cli = Callable[..., subprocess.CompletedProcess[str]]


def _apply(cli: Cli, app_db: Path, op: dict[str, object]) -> None:
    """One CLI edit on Maya's current plan (the base hash read first, as a developer would)."""
    shown = cli("--db", str(app_db), "plan", "show", "--athlete", "maya", "--json")
    base = json.loads(shown.stdout)["plan_hash"]
    applied = cli("--db", str(app_db), "plan", "apply", "--athlete", "maya", "--base", base, json.dumps([op]))
    assert applied.returncode == 0, applied.stderr


def test_diff_of_two_cli_versions_then_a_revert_shows_in_the_timeline_at_once(
    ui: Dashboard, app_db: Path, cli: Cli
) -> None:
    """Given v2 and v3 made by the CLI, when v1→v3 is diffed and v1 reverted to, then core's diff lines and v4 show at once."""
    _apply(cli, app_db, {"op": "update_block", "block_id": "b_2", "sets": 5})
    _apply(cli, app_db, {"op": "update_block", "block_id": "b_3", "reps": "6-8"})
    with reading(app_db) as con:
        maya = resolve_athlete(con, "maya")
        lines = [render_change(c) for c in diff_versions(con, maya, 1, 3).changes]
    assert len(lines) == 2

    ui.open("history").pick_athlete("Maya Chen")
    expect(ui.cell("v3")).to_be_attached()
    ui.select("history_from", "1").select("history_to", "3")
    expect(ui.page.get_by_role("heading", name="Diff v1 → v3")).to_be_visible()
    for line in lines:
        expect(ui.page.get_by_text(line, exact=True)).to_be_visible()

    ui.select("history_revert_to", "v1").click("Revert to v1")
    expect(ui.page.get_by_text("Reverted to v1 as v4")).to_be_visible()
    expect(ui.cell("v4")).to_be_attached()
    with reading(app_db) as con:
        versions = plan_versions(con, maya)
    assert [v.version for v in versions] == [1, 2, 3, 4]
    assert versions[-1].plan_hash == versions[0].plan_hash
