"""The sign-in gate: app.py runs it before anything that touches athletes' data.

Modes come from `.streamlit/secrets.toml` (see core.access): Streamlit's built-in OIDC when an
`[auth]` section is configured (`st.login` / `st.user` / `st.logout`); otherwise the password gate
of Streamlit's "Authentication without SSO" guide over a `[passwords]` table of scrypt hashes;
with neither, only a loopback address is served and the person is "local". A page run on its own
(a deep link) reaches data only through `page_state.connection()`, which asks `current_actor()`
first, so no page can draw data before this gate.
"""

from __future__ import annotations

import math
import time

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.access import (
    LOCAL_ACTOR,
    SIGN_IN_THROTTLE,
    AccessConfig,
    AccessError,
    access_config,
    check_sign_in,
    secrets_file_problem,
    serve_refusal,
)

_ACTOR = "access_actor"
_MESSAGE = "access_message"


def _config() -> AccessConfig:
    """The sign-in configured in secrets (re-read each run, so a removed user is signed out at once).

    A secrets file Streamlit could not parse is an AccessError naming it, never "no sign-in configured".
    """
    if st.secrets.load_if_toml_exists():
        return access_config(st.secrets.to_dict())
    if problem := secrets_file_problem(st.get_option("secrets.files")):
        raise AccessError(problem)
    return access_config({})


def _refusal(config: AccessConfig) -> str | None:
    return serve_refusal(st.get_option("server.address"), config, bool(st.get_option("server.enableXsrfProtection")))


def current_actor() -> str | None:
    """Who is using this session: a username, an OIDC email, 'local' (unshared), or None before sign-in."""
    try:
        config = _config()
    except AccessError:
        return None
    if _refusal(config) is not None:
        return None
    if config.mode == "oidc":
        if not st.user.is_logged_in:
            return None
        return str(st.user.get("email") or st.user.get("name") or st.user.get("sub") or "") or None
    if config.mode == "password":
        actor = st.session_state.get(_ACTOR)
        return actor if actor in (config.passwords or {}) else None
    return LOCAL_ACTOR


def actor() -> str:
    """The signed-in person for pages to record beside each change (stops the page if nobody is)."""
    found = current_actor()
    if found is None:
        st.stop()
    return found


def gated_navigation(pages: list[StreamlitPage]) -> StreamlitPage:
    """In app.py: the navigation, once someone is signed in (or the app is local).

    Until then the menu is hidden and only the sign-in (or the refusal) is drawn, whatever page was
    asked for; the asked-for page stays current, so a deep link opens after sign-in.
    """
    try:
        config = _config()
        refusal = _refusal(config)
    except AccessError as exc:
        config, refusal = AccessConfig("none"), str(exc)
    found = None if refusal else current_actor()
    nav = st.navigation(pages, position="sidebar" if found else "hidden")
    if refusal:
        st.error(refusal)
        st.stop()
    if found is None:
        _sign_in_page(config)
        st.stop()
    if found != LOCAL_ACTOR:
        st.sidebar.text(f"Signed in as {found}")
        st.sidebar.button("Sign out", key="access_sign_out", on_click=_sign_out, args=(config,))
    return nav


def _sign_in_page(config: AccessConfig) -> None:
    st.title("Coach Context Lab")
    st.caption("Athletes' health data: sign in to continue.")
    if config.mode == "oidc":
        for provider in config.providers:
            label = "Sign in" if provider is None else f"Sign in with {provider}"
            if st.button(label, key=f"access_login_{provider or 'default'}"):
                st.login(provider)
        return
    with st.form("access_sign_in"):
        st.text_input("Username", key="access_username", autocomplete="username")
        st.text_input("Password", type="password", key="access_password", autocomplete="current-password")
        st.form_submit_button("Sign in", on_click=_check_entered, args=(config,))
    if st.session_state.get(_MESSAGE):
        st.error(st.session_state[_MESSAGE])


def _check_entered(config: AccessConfig) -> None:
    """Form callback: check the pair once, drop the password from session state, slow down repeated failures.

    The backoff is per username and shared by every session of the server (core.access.SIGN_IN_THROTTLE),
    so opening a new browser session does not reset it.
    """
    password = st.session_state.pop("access_password", "")
    username = st.session_state.get("access_username", "")
    now = time.monotonic()
    wait = SIGN_IN_THROTTLE.wait(username, now)
    if wait > 0:
        st.session_state[_MESSAGE] = f"Too many failed sign-ins: try again in {math.ceil(wait)} s."
        return
    found = check_sign_in(config.passwords or {}, username, password)
    if found is not None:
        SIGN_IN_THROTTLE.succeeded(username)
        for key in (_MESSAGE, "access_username"):
            st.session_state.pop(key, None)
        st.session_state[_ACTOR] = found
        return
    delay = SIGN_IN_THROTTLE.failed(username, now)
    st.session_state[_MESSAGE] = "Wrong username or password." + (
        f" Try again in {math.ceil(delay)} s." if delay else ""
    )


def _sign_out(config: AccessConfig) -> None:
    if config.mode == "oidc":
        st.logout()
        return
    st.session_state.clear()
