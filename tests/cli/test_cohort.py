"""core.cli.cohort: export → materialize → load-findings from the command line, and clear one-line refusals."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from core.cli import main
from core.db import reading
from core.db.findings import read_pattern_run


def test_export_materialize_load_round_trip(demo_db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Given the demo database, when exported, materialized locally and loaded back by the CLI, then every
    athlete has a stored run whose data version is the database's current one."""
    db = ["--db", str(demo_db_path)]
    assert main([*db, "export", "--parquet", str(tmp_path / "in"), "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["rows"]["athletes"] == 5 and exported["rows"]["activities"] > 0
    argv = ["materialize", "--engine", "local", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")]
    assert main([*db, *argv, "--workers", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["athletes"] == 5 and summary["snapshot_rows"] >= 5 * 7 * 15
    assert main([*db, "load-findings", str(tmp_path / "out"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["athletes"] == 5
    from core.analytics.materialized import data_version

    with reading(demo_db_path) as con:
        for athlete_id in range(1, 6):
            stored = read_pattern_run(con, athlete_id)
            assert stored is not None and stored[0] == data_version(con, athlete_id)


def test_materialize_without_an_export_is_one_line(
    cli: Callable[..., subprocess.CompletedProcess[str]], demo_db_path: Path, tmp_path: Path
) -> None:
    """Given an empty input directory, when materialize runs, then it fails with one line naming the input."""
    argv = ["materialize", "--input", str(tmp_path), "--output", str(tmp_path / "out")]
    result = cli("--db", str(demo_db_path), *argv)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: ") and str(tmp_path) in result.stderr
    assert "Traceback" not in result.stderr
