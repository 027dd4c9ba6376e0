"""core.cli: the command line runs the same functions the pages use, with --json figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.db.connection import PROJECT_ROOT


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, cwd=PROJECT_ROOT)


def test_seed_json_reports_rows_and_refuses_a_second_seed(tmp_path: Path) -> None:
    """seed --json reports row counts; seeding the same file again without --replace exits 1."""
    db = str(tmp_path / "c.duckdb")
    first = _cli("--db", db, "seed", "--weeks", "3", "--json")
    assert first.returncode == 0, first.stderr
    payload = json.loads(first.stdout)
    assert payload["athletes"] == 5 and payload["rows"]["activities"] > 0
    again = _cli("--db", db, "seed", "--weeks", "3")
    assert again.returncode == 1 and "--replace" in again.stderr


def test_seed_rejects_nonsense_sizes(tmp_path: Path) -> None:
    """A cohort of zero athletes is refused with a message naming the field."""
    result = _cli("--db", str(tmp_path / "c.duckdb"), "seed", "--athletes", "0")
    assert result.returncode == 1 and "athletes=0" in result.stderr


def test_seed_benchmark_reports_medians_and_memory() -> None:
    """bench seed --json on a tiny cohort reports time, rows and peak memory."""
    result = _cli("bench", "seed", "--athletes", "3", "--weeks", "2", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)["seed"]
    assert figures["rows"] > 0 and figures["median_seconds"] > 0 and figures["peak_rss_mb"] > 0
