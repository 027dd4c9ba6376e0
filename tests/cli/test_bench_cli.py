"""`bench all`: every benchmark module runs and lands in one Markdown report; interruptions keep finished sections."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import core.benchmarks.db
from core.cli import main
from core.cli.bench import available, module_arguments

# The smallest figures each benchmark can make: every module runs end to end, its numbers mean nothing.
TINY = [
    *("--set", "repeats=1", "--set", "athletes=2", "--set", "weeks=2", "--set", "athlete=maya"),
    *(
        "--set",
        "simulations=10",
        "--set",
        "per_cell=1",
        "--set",
        "files=5",
        "--set",
        "versions=10",
        "--set",
        "sample=2",
    ),
]


def test_bench_all_quick_runs_every_benchmark_and_the_report_lists_each(
    cli: Callable[..., subprocess.CompletedProcess[str]], demo_db_path: Path, tmp_path: Path
) -> None:
    """Given a tiny preset, when `bench all --quick --json` runs, then every module has a result and a report section."""
    before = hashlib.sha256(demo_db_path.read_bytes()).hexdigest()
    report = tmp_path / "report.md"
    cache = ["--set", f"cache_dir={tmp_path / 'cache'}"]
    result = cli("--db", str(demo_db_path), "bench", "all", "--quick", "--json", *TINY, *cache, "--out", str(report))
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload["benchmarks"]) == set(available()) and len(available()) >= 7
    assert all(b["error"] is None and b["result"] for b in payload["benchmarks"].values())
    assert payload["report"] == str(report) and payload["quick"] is True
    text = report.read_text()
    assert f"{payload['machine']['cores']} cores" in text and f"DuckDB {payload['machine']['duckdb']}" in text
    for name in available():
        assert f"\n## {name}\n" in text and f"| {name} | " in text
    assert hashlib.sha256(demo_db_path.read_bytes()).hexdigest() == before  # benchmarks never write the source


def test_quick_preset_changes_only_what_it_names_and_full_defaults_stay() -> None:
    """Given the db benchmark, when its quick preset is applied, then only repeats shrink; the full default is kept."""
    db = available()["db"]
    assert module_arguments(db, False, {}) == {"repeats": 50}
    assert module_arguments(db, True, {}) == {"repeats": db.QUICK["repeats"]} and db.QUICK["repeats"] < 50
    assert module_arguments(db, True, {"repeats": "3"}) == {"repeats": 3}


def test_ctrl_c_keeps_the_finished_sections_and_names_the_rest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_db_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Given Ctrl-C during the second benchmark, when `bench all` stops, then the report holds the first and names the second."""

    def interrupted(args: object) -> dict:
        raise KeyboardInterrupt

    monkeypatch.setattr(core.benchmarks.db, "run", interrupted)
    report = tmp_path / "report.md"
    argv = ["--db", str(demo_db_path), "bench", "all", "--only", "access", "--only", "db", "--set", "repeats=1"]
    assert main([*argv, "--out", str(report)]) == 130
    text = report.read_text()
    assert "\n## access\n" in text and "\n## db\n" not in text
    assert "| db | — | not run (interrupted) |" in text
    assert f"kept in {report}" in capsys.readouterr().err


def test_an_unknown_set_argument_is_refused_in_one_line_and_writes_nothing(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """Given `--set nosuch=1`, when `bench all` starts, then one error line names it, exit 1, and no report is written."""
    report = tmp_path / "report.md"
    result = cli("bench", "all", "--set", "nosuch=1", "--out", str(report))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --set: no benchmark has the argument 'nosuch'"
    assert not report.exists() and result.stdout == ""
