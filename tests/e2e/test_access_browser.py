"""End to end: with a password configured, a fresh server's deep link shows only the sign-in until alice signs in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from core.access import hash_password

PASSWORD = "correct horse battery"


@pytest.fixture
def secured_dashboard(tmp_path: Path, serve_with_env: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:
    """The dashboard on loopback with a [passwords] table for alice (not the developer's own secrets)."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[passwords]\nalice = "{hash_password(PASSWORD)}"\n')
    with serve_with_env(STREAMLIT_SECRETS_FILES=str(secrets)) as url:
        yield url


def test_deep_link_on_a_fresh_server_shows_only_sign_in_then_the_page(secured_dashboard: str, browser: Browser) -> None:
    """Given a first request to /plan, when the page loads, then no athlete shows; after sign-in the plan page does."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{secured_dashboard}/plan")
    expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=60_000)
    body = page.locator("body").inner_text()
    assert "Maya Chen" not in body and "Weekly plan" not in body and "b_1" not in body
    page.get_by_role("textbox", name="Username").fill("alice")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Weekly plan")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Signed in as alice")).to_be_visible()
    page.close()
