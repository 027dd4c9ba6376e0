"""`python -m core access hash-password`: reads stdin, prints only the hash, refuses a short password."""

from __future__ import annotations

import io
import json

import pytest

from core.access import verify_password
from core.cli import main

PASSWORD = "correct horse battery"


def test_hash_password_reads_stdin_and_prints_a_paste_ready_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Given a password on stdin and --user, when hashing, then one `alice = "…"` line verifies and hides the password."""
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["access", "hash-password", "--user", "alice"]) == 0
    out = capsys.readouterr().out.strip()
    user, _, quoted = out.partition(" = ")
    assert user == "alice" and verify_password(PASSWORD, json.loads(quoted))
    assert PASSWORD not in out


def test_hash_password_json_gives_the_hash(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Given --json, when hashing, then the JSON holds a hash that verifies."""
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD))
    assert main(["access", "hash-password", "--json"]) == 0
    assert verify_password(PASSWORD, json.loads(capsys.readouterr().out)["hash"])


def test_short_password_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Given a 5-character password, when hashing, then exit 1 with one error line and no hash printed."""
    monkeypatch.setattr("sys.stdin", io.StringIO("hunt2\n"))
    assert main(["access", "hash-password"]) == 1
    out = capsys.readouterr()
    assert out.out == "" and out.err == "error: password: expected 8-1024 characters, got 5\n"
