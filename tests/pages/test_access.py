"""The sign-in gate under AppTest: nothing of any page before sign-in, one error for a wrong password, then the pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from core.access import SIGN_IN_THROTTLE, hash_password
from core.db import connect
from core.db.athletes import athletes_frame
from core.db.connection import PROJECT_ROOT
from ui import gate

PASSWORD = "correct horse battery"
PAGES = ["pages/home.py", "pages/plan.py", "pages/history.py", "pages/formats.py", "pages/patterns.py"]


@pytest.fixture(scope="module")
def passwords() -> dict[str, str]:
    return {"alice": hash_password(PASSWORD)}


@pytest.fixture(autouse=True)
def fresh_throttle() -> Iterator[None]:
    """The process-wide sign-in backoff starts empty for each test (AppTest runs in this process)."""
    SIGN_IN_THROTTLE.clear()
    yield
    SIGN_IN_THROTTLE.clear()


@pytest.fixture
def athlete_names(demo_db_path: Path) -> list[str]:
    """Every athlete's name and handle in the demo database: none may show before sign-in."""
    con = connect(demo_db_path)
    frame = athletes_frame(con)
    con.close()
    return [*frame.name, *frame.handle]


@pytest.fixture
def secured(demo_db_path: Path, monkeypatch: pytest.MonkeyPatch, passwords: dict[str, str]) -> Callable[..., AppTest]:
    """Factory: app.py (or one page file) with a [passwords] table configured, run once."""
    monkeypatch.setenv("COACH_DB", str(demo_db_path))

    def _open(script: str = "app.py", secrets: dict[str, Any] | None = None, **state: object) -> AppTest:
        at = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=60)
        at.secrets["OPENAI_API_KEY"] = "test-key"
        for key, value in (secrets if secrets is not None else {"passwords": passwords}).items():
            at.secrets[key] = value
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    return _open


def tree_text(at: AppTest) -> str:
    """Every element's message in the whole element tree (main, sidebar, dataframes' bytes) as one text."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def session_text(at: AppTest) -> str:
    """Everything session state holds, user keys and widget values alike."""
    state = at.session_state._state._state
    return repr((state._old_state, state._new_session_state, state._new_widget_state.states))


def names_shown(at: AppTest, names: list[str]) -> list[str]:
    """The athlete names and handles found as whole words anywhere in the element tree."""
    text = tree_text(at)
    return [name for name in names if re.search(rf"\b{re.escape(name)}\b", text)]


def assert_only_the_sign_in_form(at: AppTest, names: list[str]) -> None:
    assert not at.exception, at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert len(at.dataframe) == len(at.metric) == len(at.selectbox) == len(at.get("plotly_chart")) == 0
    assert names_shown(at, names) == []


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="access_username").input(username)
    at.text_input(key="access_password").input(password)
    return at.button[0].click().run()


@pytest.mark.parametrize("page", [None, *PAGES])
def test_before_sign_in_every_page_shows_only_the_sign_in_form(
    secured: Callable[..., AppTest], athlete_names: list[str], page: str | None
) -> None:
    """Given a password configured, when opening the app or switching to any page, then only the form shows."""
    at = secured()
    if page is not None:
        at.switch_page(page).run()
    assert_only_the_sign_in_form(at, athlete_names)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_run_alone_on_a_deep_link_shows_only_the_sign_in_form(
    secured: Callable[..., AppTest], athlete_names: list[str], page: str
) -> None:
    """Given a page file run without app.py (a fresh server's deep link), when it runs, then only the form shows."""
    at = secured(page, athlete_id=1, encoding="o200k_base")
    assert not at.exception, at.exception
    assert len(at.dataframe) == len(at.metric) == len(at.get("plotly_chart")) == 0
    assert names_shown(at, athlete_names) == []


def test_wrong_password_shows_one_error_and_nothing_else(
    secured: Callable[..., AppTest], athlete_names: list[str]
) -> None:
    """Given the form, when alice types a wrong password, then one clear error, the form again, and no data."""
    at = sign_in(secured(), "alice", "wrong horse battery")
    assert [e.value for e in at.error] == ["Wrong username or password."]
    assert_only_the_sign_in_form(at, athlete_names)
    assert "wrong horse battery" not in session_text(at)


def test_right_password_shows_the_pages_and_no_password_or_secret_is_kept_or_shown(
    secured: Callable[..., AppTest], athlete_names: list[str], passwords: dict[str, str]
) -> None:
    """Given alice's password, when she signs in, then pages show data; no password, hash or key is kept or shown."""
    at = sign_in(secured(), "alice", PASSWORD)
    assert not at.exception and not at.error
    assert "Signed in as alice" in [t.value for t in at.sidebar.text]
    assert names_shown(at, athlete_names) != []
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert [t.label for t in at.text_input if t.label == "Password"] == []
        shown = tree_text(at)
        assert passwords["alice"] not in shown and passwords["alice"].split("$")[-1] not in shown
        assert "test-key" not in shown
    assert PASSWORD not in session_text(at) and passwords["alice"] not in session_text(at)


def test_repeated_failures_are_slowed_down_even_for_the_right_password(
    secured: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given three wrong passwords, when the right one comes at once, then it waits; after the wait it signs in."""
    now = 1000.0  # a fixed clock: a loaded machine's slow runs must not eat the wait
    monkeypatch.setattr(gate.time, "monotonic", lambda: now)
    at = secured()
    for _ in range(3):
        at = sign_in(at, "alice", "wrong horse battery")
    assert at.error[0].value == "Wrong username or password. Try again in 2 s."
    at = sign_in(at, "alice", PASSWORD)
    assert [e.value for e in at.error] == ["Too many failed sign-ins: try again in 2 s."]
    assert "Password" in [t.label for t in at.text_input]
    monkeypatch.setattr(gate.time, "monotonic", lambda: now + 3)
    at = sign_in(at, "alice", PASSWORD)
    assert not at.error and "Signed in as alice" in [t.value for t in at.sidebar.text]


def test_failures_spread_over_new_sessions_are_throttled_for_that_username(
    secured: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given three wrong guesses for alice, each from a new session, when a fourth session tries, then it waits."""
    now = 1000.0  # a fixed clock: a loaded machine's slow runs must not eat the wait
    monkeypatch.setattr(gate.time, "monotonic", lambda: now)
    for _ in range(3):
        at = sign_in(secured(), "alice", "wrong horse battery")
    assert at.error[0].value == "Wrong username or password. Try again in 2 s."
    fresh = sign_in(secured(), "alice", PASSWORD)
    assert [e.value for e in fresh.error] == ["Too many failed sign-ins: try again in 2 s."]
    assert "Signed in as alice" not in [t.value for t in fresh.sidebar.text]
    monkeypatch.setattr(gate.time, "monotonic", lambda: now + 3)
    assert "Signed in as alice" in [t.value for t in sign_in(secured(), "alice", PASSWORD).sidebar.text]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "scrypt$n=16384,r=8,p=1$A$AAAAAAAA",
        "scrypt$n=3,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$n=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ],
)
def test_a_malformed_hash_in_secrets_shows_one_error_line_and_no_exception(
    secured: Callable[..., AppTest], athlete_names: list[str], bad: str
) -> None:
    """Given a malformed scrypt hash (empty, bad base64, n=3, n=2^30), when the app runs, then one error and no data."""
    at = secured(secrets={"passwords": {"alice": bad}})
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("passwords.alice: ")
    assert len(at.text_input) == len(at.dataframe) == 0
    assert names_shown(at, athlete_names) == []


def test_sign_out_returns_to_the_form(secured: Callable[..., AppTest], athlete_names: list[str]) -> None:
    """Given alice signed in, when she signs out, then only the sign-in form shows again."""
    at = sign_in(secured(), "alice", PASSWORD)
    at.sidebar.button(key="access_sign_out").click().run()
    assert_only_the_sign_in_form(at, athlete_names)


def test_an_edit_made_while_signed_in_records_that_person_in_the_plan_history(
    secured: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """Given alice signed in, when she edits the plan, then Plan history lists the new version by alice."""
    at = sign_in(secured(), "alice", PASSWORD)
    at.switch_page("pages/plan.py").run()
    keys = [w.key for w in [*at.number_input, *at.button]]  # keys carry the shown hash; Monday's editor shows b_1
    at.number_input(key=next(k for k in keys if k.startswith("plan__b_1_") and k.endswith("__sets"))).set_value(5)
    at.button(key=next(k for k in keys if k.startswith("plan_save_day_1"))).click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.endswith(": b_1 sets 4→5")
    at.switch_page("pages/history.py").run()
    timeline = at.dataframe[0].value
    assert list(zip(timeline["Author"], timeline["By"], strict=True))[-1] == ("coach", "alice")


def test_oidc_configured_shows_only_the_provider_button_until_signed_in(
    secured: Callable[..., AppTest], athlete_names: list[str]
) -> None:
    """Given an [auth] section, when nobody is signed in, then one sign-in button and no data; signed in, the pages."""
    auth = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "s" * 32, "client_id": "i"}
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = auth
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert names_shown(at, athlete_names) == []
    at.user = {"is_logged_in": True, "email": "coach@example.org", "name": "Coach"}
    at.run()
    assert not at.exception, at.exception
    assert "Signed in as coach@example.org" in [t.value for t in at.sidebar.text]
    assert names_shown(at, athlete_names) != []


@pytest.fixture
def network_address() -> Iterator[None]:
    """server.address set to every interface for one test, as `streamlit run app.py --server.address 0.0.0.0` would."""
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    yield
    st_config.set_option("server.address", before)


def test_app_started_around_the_launcher_on_a_network_address_shows_only_the_refusal(
    network_address: None, secured: Callable[..., AppTest], athlete_names: list[str]
) -> None:
    """Given 0.0.0.0 and no sign-in, when the app runs (launcher bypassed), then one refusal line and no data."""
    at = secured(secrets={})
    assert [e.value for e in at.error] == [
        "server.address 0.0.0.0: refusing to serve athletes' data beyond this machine without sign-in; bind"
        " 127.0.0.1, or configure [passwords] or [auth] in .streamlit/secrets.toml (see README, Sharing)"
    ]
    assert len(at.text_input) == len(at.dataframe) == 0
    assert names_shown(at, athlete_names) == []


def test_plain_text_password_in_secrets_shows_the_config_error_only(
    secured: Callable[..., AppTest], athlete_names: list[str]
) -> None:
    """Given a plain-text password in [passwords], when the app runs, then one error names the entry and no data."""
    at = secured(secrets={"passwords": {"alice": "hunter2hunter2"}})
    assert len(at.error) == 1 and at.error[0].value.startswith("passwords.alice: expected a hash")
    assert "hunter2" not in tree_text(at)
    assert names_shown(at, athlete_names) == []


def test_a_deep_link_opens_its_page_once_signed_in(secured: Callable[..., AppTest]) -> None:
    """Given the plan page asked for before sign-in, when alice signs in, then that page opens (not the home page)."""
    at = secured()
    at.switch_page("pages/plan.py").run()
    at = sign_in(at, "alice", PASSWORD)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Weekly plan"]


@pytest.fixture
def broken_secrets_file(tmp_path: Path) -> Iterator[Path]:
    """Streamlit's secrets.files pointed at one file that is not valid TOML, for one test."""
    path = tmp_path / "secrets.toml"
    path.write_text('OPENAI_API_KEY = "sk-sentinel"\n[passwords\nalice = "x"\n')
    before = st_config.get_option("secrets.files")
    st_config.set_option("secrets.files", [str(path)])
    yield path
    st_config.set_option("secrets.files", before)


def test_a_secrets_file_that_is_not_toml_is_reported_as_such_not_as_no_sign_in(
    broken_secrets_file: Path, demo_db_path: Path, monkeypatch: pytest.MonkeyPatch, athlete_names: list[str]
) -> None:
    """Given a secrets.toml with a TOML error, when the app runs (launcher bypassed), then one error names file and line."""
    monkeypatch.setenv("COACH_DB", str(demo_db_path))
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        f"secrets {broken_secrets_file}: not valid TOML (Expected ']' at the end of a table declaration (at line 2,"
        " column 11)); fix it before starting (sign-in is read from it)"
    ]
    assert len(at.text_input) == len(at.dataframe) == 0 and names_shown(at, athlete_names) == []
    assert "sk-sentinel" not in tree_text(at)
