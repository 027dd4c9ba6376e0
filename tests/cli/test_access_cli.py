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


def test_access_benchmark_reports_the_median_verify_time_and_guess_rate(capsys: pytest.CaptureFixture) -> None:
    """Given 3 repeats, when benchmarking, then the JSON gives a positive median and the matching guess rate."""
    assert main(["bench", "access", "--repeats", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["access"]
    assert result["verify_median_s"] > 0 and result["scrypt"]["memory_mib"] == 16
    assert result["guesses_per_core_per_s"] == pytest.approx(1 / result["verify_median_s"], rel=0.05)
    assert result["sign_in_unknown_user_median_s"] > 0 and result["sign_in_known_user_median_s"] > 0
    ratio = result["sign_in_unknown_user_median_s"] / result["sign_in_known_user_median_s"]
    assert result["unknown_over_known_ratio"] == pytest.approx(ratio, rel=0.05)
