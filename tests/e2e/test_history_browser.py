"""End to end, *Plan history & diff*: versions made by the CLI, a diff of two picked versions, a revert seen at once."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from core.db import reading
from core.db.athletes import resolve_athlete
from core.plan.diff import plain_change
from core.plan.store import diff_versions, plan_versions
from tests.e2e.browser import TIMEOUT_MS, Dashboard

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
    """Given two versions made by the CLI on the seeded history, when diffed and reverted, then core's lines and the new version show at once."""
    with reading(app_db) as con:
        maya = resolve_athlete(con, "maya")
        start = plan_versions(con, maya)[-1].version
    _apply(cli, app_db, {"op": "update_block", "block_id": "b_2", "sets": 5})
    _apply(cli, app_db, {"op": "update_block", "block_id": "b_3", "reps": "6-8"})
    a, b = start, start + 2
    with reading(app_db) as con:
        lines = [plain_change(c) for c in diff_versions(con, maya, a, b).changes]
    assert len(lines) == 2

    ui.open("history").pick_athlete("Maya Chen")
    expect(ui.cell(f"v{b}")).to_be_attached(timeout=TIMEOUT_MS)
    ui.select(f"history_from_{maya}", f"v{a}").select(f"history_to_{maya}", f"v{b}")
    expect(ui.page.get_by_role("heading", name=f"Diff v{a} → v{b}")).to_be_visible()
    for line in lines:  # the diff is a data grid: its cells are in the DOM for screen readers, drawn on a canvas
        expect(ui.cell(line, 1)).to_be_attached()

    ui.select(f"history_revert_to_{maya}", "v1")  # the imported plan (the picker offers the previous version first)
    ui.page.get_by_text("Yes, make v1 the current plan", exact=False).click()
    ui.wait_idle().click("Revert to v1")
    expect(ui.page.get_by_text(f"Reverted to v1 as v{b + 1}")).to_be_visible()
    expect(ui.cell(f"v{b + 1}")).to_be_attached()
    with reading(app_db) as con:
        versions = plan_versions(con, maya)
    assert [v.version for v in versions][-4:] == [a, a + 1, b, b + 1]
    assert versions[-1].plan_hash == versions[0].plan_hash
