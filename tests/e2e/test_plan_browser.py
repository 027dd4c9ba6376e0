"""The plan in a real browser: edit in place and see the new version at once, two sessions racing, diff and revert."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

WAIT = 60_000
SETS = "Sets / rounds (1-20 (circuit: rounds))"
WEIGHT = "Weight (e.g. 225lbs, 100kg, BW)"


def _open(browser: Browser, url: str) -> Page:
    """A fresh browser context (its own Streamlit session) on the page, once its header has drawn."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(url)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("v5", timeout=WAIT)
    return page


def _monday_sets(page: Page, value: int) -> None:
    """Open Monday's editor (b_1, Bench Press, is picked) and type a set count, committed like a user (Enter)."""
    page.get_by_text("Edit Mon 16 Nov", exact=True).click()
    field = page.get_by_label(SETS).first
    expect(field).to_have_value("4", timeout=WAIT)
    field.fill(str(value))
    field.press("Enter")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT)


def _save_monday(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).first.click()


def test_an_edit_on_weekly_plan_shows_the_new_version_at_once(dashboard: str, browser: Browser, tmp_path: Path) -> None:
    """Given maya's plan at v5, when the coach sets Bench Press to 5 sets and saves, then v6 and the new row show at once."""
    page = _open(browser, f"{dashboard}/plan")
    _monday_sets(page, 5)
    _save_monday(page)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("v6", timeout=WAIT)
    expect(page.get_by_text("Saved as v6: b_1 sets 4→5")).to_be_visible()
    expect(page.get_by_label(SETS).first).to_have_value("5")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "plan_edit.png"), full_page=True)
    page.context.close()


def test_after_save_the_panel_stays_open_with_the_message_beside_the_button(
    dashboard: str, browser: Browser, tmp_path: Path
) -> None:
    """Given Monday's panel open, when the coach saves, then the panel is still open (its fields show the new value)
    and the confirmation sits right under the Save button, in view, not at the top of the page; a second save
    works in the same open panel."""
    page = _open(browser, f"{dashboard}/plan")
    _monday_sets(page, 5)
    _save_monday(page)
    message = page.get_by_text("Saved as v6: b_1 sets 4→5")
    expect(message).to_be_visible(timeout=WAIT)
    expect(page.get_by_label(SETS).first).to_be_visible()
    expect(page.get_by_label(SETS).first).to_have_value("5")
    save, shown = page.get_by_role("button", name="Save", exact=True).first.bounding_box(), message.bounding_box()
    assert save is not None and shown is not None
    assert (
        0 < shown["y"] - save["y"] < 200
    )  # under the row of Save / Remove / Move, beside the action, not ~3,000 px away at the top
    field = page.get_by_label(SETS).first
    field.fill("4")
    field.press("Enter")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT)
    _save_monday(page)
    expect(page.get_by_text("Saved as v7: b_1 sets 5→4")).to_be_visible(timeout=WAIT)
    expect(page.get_by_label(SETS).first).to_have_value("4")  # still open: no click needed to reopen it
    page.screenshot(path=str(tmp_path / "plan_panel_open.png"), full_page=True)
    page.context.close()


def test_a_refused_weight_is_explained_next_to_the_weight_field(
    dashboard: str, browser: Browser, tmp_path: Path
) -> None:
    """Given Monday's panel open, when the coach types 'heavy' as Bench Press's weight and saves, then the reason
    shows right under the weight field and the panel stays open; the plan is unchanged (still v5)."""
    page = _open(browser, f"{dashboard}/plan")
    page.get_by_text("Edit Mon 16 Nov", exact=True).click()
    weight = page.get_by_label(WEIGHT).first
    expect(weight).to_be_visible(timeout=WAIT)
    weight.fill("heavy")
    weight.press("Enter")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT)
    _save_monday(page)
    reason = page.get_by_text("expected like 225lbs, 100kg or BW, got 'heavy'", exact=False)
    expect(reason).to_be_visible(timeout=WAIT)
    field, shown = page.get_by_label(WEIGHT).first.bounding_box(), reason.bounding_box()
    assert field is not None and shown is not None
    assert 0 < shown["y"] - field["y"] < 120  # directly under the field it is about
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("v5")
    page.screenshot(path=str(tmp_path / "plan_field_error.png"), full_page=True)
    page.context.close()


def test_two_sessions_racing_on_one_shown_plan_lose_no_update(dashboard: str, browser: Browser, tmp_path: Path) -> None:
    """Given two sessions showing v5, one saves first; the other's save is refused naming that change, and it shows v6."""
    first, second = _open(browser, f"{dashboard}/plan"), _open(browser, f"{dashboard}/plan")
    _monday_sets(second, 6)  # typed on v5, not yet saved
    _monday_sets(first, 5)
    _save_monday(first)
    expect(first.get_by_test_id("stMetricValue").first).to_have_text("v6", timeout=WAIT)
    expect(second.get_by_test_id("stMetricValue").first).to_have_text("v5")  # a reader keeps its view until it acts
    _save_monday(second)
    expect(second.get_by_text("Refused; nothing was changed. Showing the current plan v6.")).to_be_visible(timeout=WAIT)
    expect(second.get_by_text("changed since: b_1 (Mon Bench Press) sets 4→5", exact=False)).to_be_visible()
    expect(second.get_by_test_id("stMetricValue").first).to_have_text("v6")
    expect(second.get_by_text("database is locked", exact=False)).to_have_count(0)
    second.screenshot(path=str(tmp_path / "plan_race_loser.png"), full_page=True)
    first.reload()
    expect(first.get_by_test_id("stMetricValue").first).to_have_text("v6", timeout=WAIT)
    for page in (first, second):
        page.context.close()


def _pick(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT)


def test_history_shows_a_diff_of_two_picked_versions_and_reverts(
    dashboard: str, browser: Browser, tmp_path: Path
) -> None:
    """Given maya's seeded history, picking v1 → v3 lists the coach's and AI's changes; the revert offers the previous
    version first, reverts only once confirmed, shows the result beside the button and then no longer offers it."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{dashboard}/history")
    expect(page.get_by_role("heading", name="Diff v4 → v5")).to_be_visible(timeout=WAIT)
    page.get_by_text("Developer view", exact=True).click()  # the model's delta is developer detail
    _pick(page, "From (the plan the model last saw)", "v1")
    _pick(page, "To", "v3")
    expect(page.get_by_role("heading", name="Diff v1 → v3")).to_be_visible(timeout=WAIT)
    delta = page.get_by_test_id("stCode").first  # the diff table is a canvas; the model's delta lists the same lines
    expect(delta).to_contain_text("Plan changes:")
    expect(delta).to_contain_text("b_20 (Fri Ride Easy) duration_min 35→45")
    expect(delta).to_contain_text("b_19 (Tue Ride Easy) exercise Easy→Steady")
    revert_to = "Make an earlier version current again (recorded as a new version; nothing is lost)"
    expect(page.get_by_role("combobox", name=revert_to, exact=True)).to_have_value("v4")  # the previous version
    button = page.get_by_role("button", name="Revert to v4")
    expect(button).to_be_disabled()
    page.get_by_text("Yes, make v4 the current plan", exact=False).click()
    expect(button).to_be_enabled(timeout=WAIT)
    button.click()
    done = page.get_by_text("Reverted to v4 as v6", exact=False)
    expect(done).to_be_visible(timeout=WAIT)
    shown, pressed = done.bounding_box(), page.get_by_role("button", name="Revert to v", exact=False).bounding_box()
    assert shown is not None and pressed is not None and 0 < shown["y"] - pressed["y"] < 200  # beside the button
    page.get_by_role("combobox", name=revert_to, exact=True).click()
    options = page.get_by_role("option").all_inner_texts()
    assert "v4" not in options and "v6" not in options and "v5" in options
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "history_revert.png"), full_page=True)
    page.context.close()
