"""core.cli: the command line runs the same functions the pages use; every bad input is one line and changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import core.cli.tokens
from core.cli import main
from core.db import reading
from core.tokens import count_tokens


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and "Conversion Error" not in result.stderr
    return lines[0]


def test_seed_json_reports_rows_and_refuses_a_second_seed(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """Given a seeded file, when seeding again without --replace, then exit 1 naming --replace and the file unchanged."""
    db = tmp_path / "c.duckdb"
    first = cli("--db", str(db), "seed", "--weeks", "3", "--json")
    assert first.returncode == 0, first.stderr
    payload = json.loads(first.stdout)
    assert payload["athletes"] == 5 and payload["rows"]["activities"] == 99
    before = _digest(db)
    assert "--replace" in _one_error_line(cli("--db", str(db), "seed", "--weeks", "3"))
    assert _digest(db) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["seed", "--replace", "--as-of", "garbage"], "--as-of: expected a date YYYY-MM-DD, got 'garbage'"),
        (["seed", "--athletes", "0"], "--athletes: expected a whole number of at least 1, got '0'"),
        (["tokens", "--athlete", "maya", "--budget", "-5"], "--budget: expected a whole number of at least 1"),
        (["patterns", "--athlete", "jordan", "--days", "-3"], "--days: expected a whole number of at least 1"),
        (["tokens", "@/nonexistent.json"], "file '/nonexistent.json' not found"),
        (["tokens", "@{dir}"], "is a directory"),
        (["tokens", "@{binary}"], "is binary (contains NUL bytes)"),
        (["tokens", "@{latin1}"], "is not UTF-8 text"),
        (["patterns", "--athlete", "nobody"], "athlete 'nobody' not found"),
        (["tokens", "--athlete", "'; DROP TABLE athletes; --"], "not found; expected an id or a handle"),
    ],
    ids=["as-of", "athletes", "budget", "days", "missing", "dir", "binary", "latin1", "unknown", "injection"],
)
def test_bad_input_is_one_clear_line_and_the_database_is_unchanged(
    cli: Callable[..., subprocess.CompletedProcess[str]],
    args: list[str],
    expected: str,
    demo_db_path: Path,
    tmp_path: Path,
) -> None:
    """Given a seeded file, when a command gets bad input, then one `error:` line naming it and identical bytes."""
    (tmp_path / "binary.bin").write_bytes(b"\x7fELF\0\0\x01binary")
    (tmp_path / "latin1.txt").write_bytes("Übung".encode("latin-1"))
    files = {"dir": str(tmp_path), "binary": str(tmp_path / "binary.bin"), "latin1": str(tmp_path / "latin1.txt")}
    before = _digest(demo_db_path)
    result = cli("--db", str(demo_db_path), *[a.format(**files) for a in args])
    assert expected in _one_error_line(result)
    assert _digest(demo_db_path) == before


def test_tokens_reads_stdin_and_at_file_like_inline_text(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """Given the same text inline, on stdin and in a UTF-8 file with a BOM, then the three counts agree."""
    text = "Bench Press 3×8-10@225lbs, then 5k easy"
    (tmp_path / "t.txt").write_bytes(b"\xef\xbb\xbf" + text.encode())
    counts = [
        json.loads(r.stdout)["tokens"]
        for r in (
            cli("tokens", text, "--json"),
            cli("tokens", "-", "--json", stdin=text),
            cli("tokens", f"@{tmp_path / 't.txt'}", "--json"),
        )
    ]
    assert counts == [count_tokens(text)] * 3


def test_truncated_database_is_one_line_and_left_untouched(
    cli: Callable[..., subprocess.CompletedProcess[str]], demo_db_path: Path
) -> None:
    """Given a database file cut short, when `plan show` runs, then one line naming the file, bytes unchanged."""
    with demo_db_path.open("r+b") as fh:
        fh.truncate(demo_db_path.stat().st_size // 3)
    before = _digest(demo_db_path)
    line = _one_error_line(cli("--db", str(demo_db_path), "plan", "show", "--athlete", "maya"))
    assert str(demo_db_path) in line
    assert _digest(demo_db_path) == before


def test_db_pointing_at_a_fifo_is_refused_without_hanging(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """Given --db naming a FIFO, when a command runs, then it is refused at once (no open that would block)."""
    fifo = tmp_path / "pipe.duckdb"
    os.mkfifo(fifo)
    line = _one_error_line(cli("--db", str(fifo), "plan", "show"))
    assert "not a regular file" in line


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))


def test_full_disk_during_seed_is_one_line_and_seed_finishes_afterwards(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """Given writes capped at 1 MB (a full disk), when seeding, then one line; uncapped, seed completes every athlete."""
    db = tmp_path / "full.duckdb"
    failed = cli("--db", str(db), "seed", "--athletes", "30", "--weeks", "8", preexec_fn=_limit_file_size)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "disk full or file size limit" in failed.stderr.strip().splitlines()[-1]
    again = cli("--db", str(db), "seed", "--athletes", "30", "--weeks", "8", "--json")
    assert again.returncode == 0, again.stderr
    with reading(db) as con:
        assert con.execute("SELECT count(*) FROM athletes").fetchone()[0] == 30
        assert con.execute("SELECT count(*) FROM plan_heads").fetchone()[0] == 30


def test_unexpected_os_error_is_one_line_and_traceback_on_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a command failing with an OSError, then one line and exit 1; with $COACH_TRACEBACK the error propagates."""

    def broken(text: str, encoding: str) -> int:
        raise OSError(28, "No space left on device\nsecond line")

    monkeypatch.setattr(core.cli.tokens, "count_tokens", broken)
    assert main(["tokens", "hello"]) == 1
    err = capsys.readouterr().err
    assert err == "error: OSError: [Errno 28] No space left on device second line\n"
    monkeypatch.setenv("COACH_TRACEBACK", "1")
    with pytest.raises(OSError):
        main(["tokens", "hello"])


def test_a_real_bug_is_not_hidden_by_the_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a command failing with a TypeError (a bug, not bad input), then it propagates with its traceback."""
    monkeypatch.setattr(core.cli.tokens, "count_tokens", lambda text, encoding: len(None))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        main(["tokens", "hello"])


def test_seed_benchmark_reports_medians_and_memory(cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """bench seed --json on a tiny cohort reports time, rows and peak memory."""
    result = cli("bench", "seed", "--athletes", "3", "--weeks", "2", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)["seed"]
    assert figures["rows"] > 0 and figures["median_seconds"] > 0 and figures["peak_rss_mb"] > 0


def test_db_benchmark_reports_the_open_cost_per_page_run(
    cli: Callable[..., subprocess.CompletedProcess[str]], demo_db_path: Path
) -> None:
    """bench db --json reports medians for a query, an open-query-close per run, a write and a snapshot."""
    before = _digest(demo_db_path)
    result = cli("--db", str(demo_db_path), "bench", "db", "--repeats", "3", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)["db"]
    assert figures["open_query_close_ms"] > figures["query_on_open_connection_ms"] > 0
    assert figures["write_open_close_ms"] > 0 and figures["snapshot_ms"] > 0
    assert _digest(demo_db_path) == before  # measured on a private copy
