"""The command line: `athlete add` then `import` with --json, a re-import, and a refused file's exit status."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


def test_athlete_add_then_import_json_then_reimport(
    demo_db_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """Given a new athlete from the CLI, when two files are imported with --json and again, then 2 activities, then 2 skipped and exit 0."""
    db = str(demo_db_path)
    added = cli("--db", db, "athlete", "add", "--handle", "newcomer", "--time-zone", "Europe/Ljubljana", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["handle"] == "newcomer"
    files = [str(DATA / "garmin-fenix-5-run.fit"), str(DATA / "tcxparser-run.tcx.gz")]
    first = cli("--db", db, "import", "--athlete", "newcomer", *files, "--json")
    assert first.returncode == 0, first.stderr
    assert (json.loads(first.stdout)["imported"], json.loads(first.stdout)["activities"]) == (2, 2)
    again = cli("--db", db, "import", "--athlete", "newcomer", *files)
    assert again.returncode == 0
    assert again.stdout.count("skipped ") == 2 and "2 skipped" in again.stdout


def test_refused_file_is_one_line_and_exit_status_1(
    demo_db_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """Given a truncated FIT file and a duplicate handle, when imported / added, then one line each and exit status 1."""
    db = str(demo_db_path)
    bad = cli("--db", db, "import", "--athlete", "maya", str(DATA / "activity-unexpected-eof.fit"))
    assert bad.returncode == 1
    assert [line for line in bad.stdout.splitlines() if line.startswith("refused")] == [
        f"refused  {DATA / 'activity-unexpected-eof.fit'}: FIT file cut short (truncated): FIT Runtime Error number of bytes"
        " provided is longer than the number of bytes remaining"
    ]
    taken = cli("--db", db, "athlete", "add", "--handle", "MAYA")
    assert taken.returncode == 1 and taken.stderr.startswith("error: handle 'maya' is taken")
