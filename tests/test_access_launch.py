"""`make run` starts the dashboard on loopback only, and refuses a network address without sign-in in one line."""

from __future__ import annotations

import ipaddress
import os
import select
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from core.access import hash_password
from core.chat.endpoints import configured_endpoint
from core.db.connection import PROJECT_ROOT

READY = "You can now view your Streamlit app"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _make_run(tmp_path: Path, demo_db_path: Path, secrets: str | None, *variables: str) -> subprocess.Popen:
    """`make run` as a developer types it, with this venv's python and the install step taken as done."""
    secrets_file = tmp_path / "secrets.toml"
    if secrets is not None:
        secrets_file.write_text(secrets)
    env = {
        **os.environ,
        "HOME": str(tmp_path),  # no ~/.streamlit config or secrets of the machine's user
        "COACH_DB": str(demo_db_path),
        "STREAMLIT_SECRETS_FILES": str(secrets_file),  # not the developer's own .streamlit/secrets.toml
    }
    command = ["make", "-s", "-o", ".venv/.run-deps", "run", f"PY={sys.executable}", f"PORT={_free_port()}", *variables]
    return subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _output_until_ready(proc: subprocess.Popen, limit_s: float = 300) -> str:
    """Lines the server printed up to its 'ready' line (or its exit)."""
    lines: list[str] = []
    while True:
        ready, _, _ = select.select([proc.stdout], [], [], limit_s)
        line = proc.stdout.readline() if ready else ""
        lines.append(line)
        if not line or READY in line:
            return "".join(lines)


def _listening(proc: subprocess.Popen) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket listening in the process tree `make` started."""
    tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    return {
        (c.laddr.ip, c.laddr.port)
        for p in tree
        for c in p.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN
    }


def _listening_once_up(proc: subprocess.Popen, limit_s: float = 300) -> set[tuple[str, int]]:
    """The process tree's listening sockets, as soon as there is one (or the process ended, or time ran out)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and proc.poll() is None:
        if sockets := _listening(proc):
            return sockets
        select.select([], [], [], 0.2)
    return _listening(proc) if proc.poll() is None else set()


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    """Processes a test started; each is ended by its own process-group id afterwards."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        proc.stdout.close()


def test_make_run_listens_on_the_loopback_address_only(
    tmp_path: Path, demo_db_path: Path, started: list[subprocess.Popen]
) -> None:
    """Given no sign-in configured, when `make run` starts, then its only listening socket is on 127.0.0.1."""
    proc = _make_run(tmp_path, demo_db_path, None)
    started.append(proc)
    sockets = _listening_once_up(proc)  # the socket itself, not the banner (printed late on a busy machine)
    assert sockets
    assert all(ipaddress.ip_address(ip).is_loopback for ip, _ in sockets), sockets


def test_make_run_on_a_network_address_without_sign_in_exits_with_one_clear_line(
    tmp_path: Path, demo_db_path: Path, started: list[subprocess.Popen]
) -> None:
    """Given no sign-in, when `ADDRESS=0.0.0.0 make run`, then it exits non-zero with the refusal line, never serving."""
    proc = _make_run(tmp_path, demo_db_path, None, "ADDRESS=0.0.0.0")
    started.append(proc)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert READY not in output
    ours = [line for line in output.splitlines() if line.startswith("error:")]
    assert ours == [
        "error: server.address 0.0.0.0: refusing to serve athletes' data beyond this machine without sign-in;"
        " bind 127.0.0.1, or configure [passwords] or [auth] in .streamlit/secrets.toml (see README, Sharing)"
    ]


def test_make_run_on_a_network_address_with_passwords_configured_serves_it(
    tmp_path: Path, demo_db_path: Path, started: list[subprocess.Popen]
) -> None:
    """Given a [passwords] table, when `ADDRESS=0.0.0.0 make run`, then it serves on every interface (behind sign-in)."""
    secrets = f'[passwords]\nalice = "{hash_password("correct horse battery")}"\n'
    proc = _make_run(tmp_path, demo_db_path, secrets, "ADDRESS=0.0.0.0")
    started.append(proc)
    # Streamlit's "You can now view" line needs an outbound route to guess the network URL: on a machine
    # without one it may never print it, so wait for the listening socket itself.
    assert {ip for ip, _ in _listening_once_up(proc)} == {"0.0.0.0"}


def test_config_toml_binds_loopback_and_keeps_xsrf_protection() -> None:
    """Given .streamlit/config.toml and the Makefile, when read, then both bind 127.0.0.1 and XSRF stays on."""
    server = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["address"] == "127.0.0.1"
    assert server.get("enableXsrfProtection", True) is True
    assert "ADDRESS ?= 127.0.0.1" in (PROJECT_ROOT / "Makefile").read_text()


def _launch(tmp_path: Path, secrets: str | None, *flags: str) -> subprocess.CompletedProcess[str]:
    """`python app_launch.py FLAGS` with only this secrets file (or none) and no user config."""
    secrets_file = tmp_path / "secrets.toml"
    if secrets is not None:
        secrets_file.write_text(secrets)
    env = {**os.environ, "HOME": str(tmp_path), "STREAMLIT_SECRETS_FILES": str(secrets_file)}
    command = [sys.executable, str(PROJECT_ROOT / "app_launch.py"), "--server.port", str(_free_port()), *flags]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


_SALT, _KEY = "AAAAAAAAAAAAAAAAAAAAAA==", "A" * 43 + "="
LAUNCH_REFUSALS = {
    "address with a trailing space": (
        None,
        ("--server.address", "127.0.0.1 "),
        "error: server.address '127.0.0.1 ': expected an IP address or a host name, without spaces or brackets"
        " (e.g. 127.0.0.1)",
    ),
    "address with brackets": (
        None,
        ("--server.address", "[::1]"),
        "error: server.address '[::1]': expected an IP address or a host name, without spaces or brackets"
        " (e.g. 127.0.0.1)",
    ),
    "bad TOML": (
        'OPENAI_API_KEY = "sk-sentinel"\n[passwords\nalice = "x"\n',
        ("--server.address", "0.0.0.0"),
        "error: secrets {secrets}: not valid TOML (Expected ']' at the end of a table declaration (at line 2,"
        " column 11)); fix it before starting (sign-in is read from it)",
    ),
    "hash with n=3": (
        f'[passwords]\nalice = "scrypt$n=3,r=8,p=1${_SALT}${_KEY}"\n',
        (),
        "error: passwords.alice: n=3: expected a power of two",
    ),
    "empty hash": (
        '[passwords]\nalice = ""\n',
        (),
        "error: passwords.alice: expected a hash made by `python -m core access hash-password`"
        " ('scrypt$n=…,r=…,p=…$salt$key'); plain-text passwords are refused",
    ),
    "auth without client_id": (
        '[auth]\nredirect_uri = "http://h:8501/oauth2callback"\ncookie_secret = "s"\n',
        ("--server.address", "0.0.0.0"),
        "error: auth.client_id: required (or an [auth.<provider>] table with one); without it nobody can sign in",
    ),
}


@pytest.mark.parametrize("case", list(LAUNCH_REFUSALS))
def test_the_launcher_refuses_broken_settings_in_one_line_and_never_starts_streamlit(tmp_path: Path, case: str) -> None:
    """Given a malformed address, bad TOML, a malformed hash or [auth] without client_id, when launching, then one line, exit 2."""
    secrets, flags, expected = LAUNCH_REFUSALS[case]
    done = _launch(tmp_path, secrets, *flags)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [expected.format(secrets=tmp_path / "secrets.toml")]
    assert "Traceback" not in done.stdout + done.stderr and READY not in done.stdout
    assert "sk-sentinel" not in done.stderr and "without sign-in" not in done.stderr


def test_the_example_secrets_say_what_the_code_does_secrets_win_in_the_dashboard_env_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given both a secret and an environment variable, when resolving the endpoint, then as the example file says."""
    example = (PROJECT_ROOT / ".streamlit" / "secrets.toml.example").read_text()
    assert "a value set here wins over the same environment variable" in example
    assert 'a key left out or set to "" falls back to' in example
    assert "does not read this file: it uses\n# the environment only" in example
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.example:1/v1")
    monkeypatch.setenv("OPENAI_MODEL", "env-model")
    dashboard = configured_endpoint({"OPENAI_BASE_URL": "http://secrets.example:1/v1", "OPENAI_MODEL": ""})
    assert dashboard is not None and dashboard.base_url == "http://secrets.example:1/v1"
    assert dashboard.model == "env-model"  # "" in secrets falls back to the environment
    command_line = configured_endpoint()
    assert command_line is not None and command_line.base_url == "http://env.example:1/v1"
