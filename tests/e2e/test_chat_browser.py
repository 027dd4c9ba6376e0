"""End to end: a chat message sent in preview in Chromium shows the tiers of the request it would send."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, expect


def test_chat_message_in_preview_shows_the_tiers(
    serve_with_env: Callable[..., contextlib.AbstractContextManager[str]], browser: Browser, tmp_path: Path
) -> None:
    """Given no endpoint, when a coach sends a message on Coach chat, then the turn shows topics, tiers and the request."""
    with serve_with_env(COACH_LOCAL_MODEL="off", OPENAI_API_KEY="", OPENAI_BASE_URL="") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{url}/chat")
        expect(page.get_by_role("heading", name="Coach chat")).to_be_visible(timeout=60_000)
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("Add a set to my bench press on Monday")
        box.press("Enter")
        expect(page.get_by_text("Preview: nothing was sent")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Topics: training (")).to_be_visible()
        expect(page.get_by_text("Tier 1 text")).to_be_visible()
        expect(page.get_by_text("Tier 2 text")).to_be_visible()
        expect(page.get_by_text("plan: full (")).to_be_visible()
        page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
        page.close()


def test_chat_beside_the_weekly_plan_sits_in_a_column_to_the_right_of_the_plan(
    serve_with_env: Callable[..., contextlib.AbstractContextManager[str]], browser: Browser, tmp_path: Path
) -> None:
    """Given Weekly plan, when the coach opens the chat beside the plan and sends a message in preview, then the chat
    is drawn in a column right of the plan (not in the sidebar) and the plan stays readable on the left."""
    with serve_with_env(COACH_LOCAL_MODEL="off", OPENAI_API_KEY="", OPENAI_BASE_URL="") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{url}/plan")
        expect(page.get_by_role("heading", name="Weekly plan")).to_be_visible(timeout=60_000)
        page.get_by_text("Coach chat beside the plan").click()
        box = page.get_by_test_id("stMain").get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=60_000)
        box.fill("How did my runs go this week?")
        box.press("Enter")
        expect(page.get_by_text("Preview: nothing was sent")).to_be_visible(timeout=60_000)
        plan = page.locator(".st-key-plan_main").bounding_box()
        chat = box.bounding_box()
        assert plan is not None and chat is not None
        assert chat["x"] >= plan["x"] + plan["width"] - 1  # side by side: the chat starts where the plan ends
        assert page.get_by_test_id("stSidebar").get_by_test_id("stChatInputTextArea").count() == 0
        page.screenshot(path=str(tmp_path / "plan-chat.png"), full_page=True)
        page.close()


def test_local_model_turns_on_the_page_answer_and_share_one_server(
    serve_with_env: Callable[..., contextlib.AbstractContextManager[str]], browser: Browser, tmp_path: Path
) -> None:
    """Given the dashboard started with PORT set to a busy port and the local model being a stand-in server (same
    command line, scripted reply), when a coach sends two messages on Coach chat, then the first turn starts the
    server from its page run and shows its answer, and the second is answered by the same server process."""
    import re
    import socket

    from tests.e2e.browser import Dashboard

    model = tmp_path / "standin.gguf"
    model.write_bytes(b"GGUF stand-in")
    standin = Path(__file__).parents[1] / "chat" / "standin_model_server.py"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env = {
            "COACH_LOCAL_MODEL": str(model),
            "COACH_LOCAL_SERVER": str(standin),
            "PORT": str(busy.getsockname()[1]),  # as `PORT=8766 make run` exports it
            "OPENAI_API_KEY": "",
            "OPENAI_BASE_URL": "",
        }
        with serve_with_env(**env) as url:
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            ui = Dashboard(page, url).open("chat")
            expect(ui.keyed("chat_mode").get_by_text("Embedded local model", exact=True)).to_be_visible()
            pids = []
            for message in ("How is my week?", "And my runs?"):
                box = page.get_by_test_id("stChatInputTextArea")
                box.fill(message)
                box.press("Enter")
                answer = page.get_by_text(re.compile(rf"^stand-in pid \d+ answered: {re.escape(message)}$"))
                expect(answer).to_be_visible(timeout=90_000)
                ui.wait_idle()
                pids.append(answer.inner_text().split()[2])
            assert pids[0] == pids[1]
            expect(page.get_by_text("finish_reason: stop", exact=False).first).to_be_visible()
            ui.assert_no_exception()
            page.screenshot(path=str(tmp_path / "chat-local.png"), full_page=True)
            page.close()
