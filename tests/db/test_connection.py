"""core.db.connection: schema creation, migrations, refusals that overwrite nothing, and many readers or one writer."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from core.db import connect, reading, snapshot, writing
from core.db.connection import PROJECT_ROOT, migration_files
from core.errors import DatabaseBusyError, DatabaseError

EXPECTED_TABLES = {
    "athletes",
    "plan_days",
    "plan_blocks",
    "plan_members",
    "program_weeks",
    "program_sessions",
    "program_exercises",
    "logged_sets",
    "activities",
    "strength_exercises",
    "swim_laps",
    "daily_health",
    "nutrition",
    "body_comp",
    "interactions",
    "schema_migrations",
    "seed_runs",
    "seed_athletes",
}


def test_schema_created_on_empty_file(tmp_path: Path) -> None:
    """Given no file, when connecting, then every foundation table exists and all migrations are recorded."""
    con = connect(tmp_path / "new.duckdb")
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert tables >= EXPECTED_TABLES
    applied = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    assert applied == [v for v, _, _ in migration_files()]


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    """Given a migrated file, when reopened, then migrations are not re-run and data survives."""
    path = tmp_path / "db.duckdb"
    con = connect(path)
    con.execute("INSERT INTO athletes VALUES (1, 'a', 'A', 'control', 'BASE', 'kg', ['run'], DATE '2026-01-01')")
    con.close()
    con = connect(path)
    assert con.execute("SELECT count(*) FROM athletes").fetchall()[0][0] == 1
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchall()[0][0] == len(migration_files())


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """Given a file that is not DuckDB, when connecting, then a one-line error and identical bytes."""
    path = tmp_path / "coach.duckdb"
    original = b"this is not a database\n" * 100
    path.write_bytes(original)
    with pytest.raises(DatabaseError) as err:
        connect(path)
    assert "not a DuckDB database" in str(err.value) and "\n" not in str(err.value)
    assert path.read_bytes() == original


def test_unwritable_path_gives_one_line_error(tmp_path: Path) -> None:
    """Given a path whose parent is a regular file, when connecting, then a one-line error names it."""
    blocker = tmp_path / "plain.txt"
    blocker.write_text("keep me")
    with pytest.raises(DatabaseError) as err:
        connect(blocker / "sub" / "coach.duckdb")
    assert "not writable" in str(err.value) and "\n" not in str(err.value)
    assert blocker.read_text() == "keep me"


def test_directory_path_is_refused(tmp_path: Path) -> None:
    """Given a directory as the database path, then a clear error, not a DuckDB trace."""
    with pytest.raises(DatabaseError, match="is a directory"):
        connect(tmp_path)


@pytest.mark.slow  # starts `python -m core` in a subprocess
def test_cli_reports_corrupt_db_in_one_line_and_exits_nonzero(tmp_path: Path) -> None:
    """Given a corrupt file, when the CLI seeds it, then exit 1, one stderr line, file unchanged."""
    path = tmp_path / "bad.duckdb"
    path.write_bytes(b"garbage" * 50)
    result = subprocess.run(
        [sys.executable, "-m", "core", "--db", str(path), "seed"], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("error: ")
    assert path.read_bytes() == b"garbage" * 50


# A helper process that holds the file (read or write) until its stdin gets a line.
HOLDER = """
import sys
from core.db import reading, writing
with (writing if sys.argv[2] == "write" else reading)(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


@contextmanager
def _held(path: Path, mode: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), mode],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.communicate("\n", timeout=30)


def _athletes(path: Path) -> int:
    with reading(path) as con:
        return int(con.execute("SELECT count(*) FROM athletes").fetchone()[0])


def test_many_processes_read_together(demo_db_path: Path) -> None:
    """Given another process reading the file, when this one reads, then it gets in at once (no wait)."""
    with _held(demo_db_path, "read"), reading(demo_db_path, wait=0) as con:
        assert con.execute("SELECT count(*) FROM athletes").fetchone()[0] == 5


def test_a_busy_file_is_one_line_naming_the_holder(demo_db_path: Path) -> None:
    """Given another process writing, when reading with a short bound, then one line naming its PID and command."""
    with (
        _held(demo_db_path, "write") as holder,
        pytest.raises(DatabaseBusyError) as err,
        reading(demo_db_path, wait=0.3),
    ):
        pass
    message = str(err.value)
    assert f"PID {holder.pid} (" in message and "python" in message and "\n" not in message
    assert "waited 0.3 s" in message and "Could not set lock" not in message


def test_a_lock_conflict_is_retried_until_the_holder_lets_go(
    demo_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a writer elsewhere, when a write starts, then it retries, and lands once the holder releases."""
    refused = threading.Event()
    real_connect = duckdb.connect

    def counting_connect(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        try:
            return real_connect(*args, **kwargs)
        except duckdb.IOException:
            refused.set()
            raise

    monkeypatch.setattr(duckdb, "connect", counting_connect)
    outcome: list[object] = []

    def write() -> None:
        with writing(demo_db_path, wait=60) as con:
            outcome.append(
                con.execute("UPDATE athletes SET phase = 'PEAK' WHERE handle = 'sam' RETURNING 1").fetchall()
            )

    with _held(demo_db_path, "write"):
        worker = threading.Thread(target=write)
        worker.start()
        assert refused.wait(timeout=30)
    worker.join(timeout=60)
    assert outcome == [[(1,)]]
    with reading(demo_db_path) as con:
        assert con.execute("SELECT phase FROM athletes WHERE handle = 'sam'").fetchone()[0] == "PEAK"


def test_a_snapshot_holds_no_lock_while_a_long_job_runs(demo_db_path: Path) -> None:
    """Given a snapshot taken for a long job, when another process writes meanwhile, then it gets in at once."""
    with reading(demo_db_path) as con:
        activities = con.execute("SELECT count(*) FROM activities").fetchone()[0]
    copy = snapshot(demo_db_path)
    with _held(demo_db_path, "write"):
        assert copy.execute("SELECT count(*) FROM activities").fetchone()[0] == activities > 0
    copy.close()


def test_a_newer_schema_is_readable_but_refused_for_writes(demo_db_path: Path) -> None:
    """Given a file recording a migration this code does not know, then reads work and writes are refused, unchanged."""
    con = connect(demo_db_path)
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'from_the_future')")
    con.close()
    before = hashlib.sha256(demo_db_path.read_bytes()).hexdigest()
    assert _athletes(demo_db_path) == 5
    with pytest.raises(DatabaseError, match="migration 999, newer than this code") as err, writing(demo_db_path):
        pass
    assert "\n" not in str(err.value)
    assert hashlib.sha256(demo_db_path.read_bytes()).hexdigest() == before


def test_a_fifo_is_refused_before_duckdb_opens_it(tmp_path: Path) -> None:
    """Given a FIFO as the database path, then a one-line refusal instead of an open that would block."""
    fifo = tmp_path / "coach.duckdb"
    os.mkfifo(fifo)
    with pytest.raises(DatabaseError, match="not a regular file"):
        connect(fifo)


def test_reading_a_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    """Given no file, when reading, then a one-line error naming `seed`, and no file is created."""
    with pytest.raises(DatabaseError, match="python -m core seed"), reading(tmp_path / "none.duckdb"):
        pass
    assert not (tmp_path / "none.duckdb").exists()


# A process that edits maya's plan N times the way a developer would: read the hash, then apply on it.
EDITOR = """
import contextlib, io, json, sys
from core.cli import main
db, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
outcomes = []
for i in range(n):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        shown = main(["--db", db, "plan", "show", "--athlete", "maya", "--json"])
    base = json.loads(out.getvalue())["plan_hash"] if shown == 0 else "0" * 64
    ops = json.dumps([{"op": "update_block", "block_id": "b_2", "notes": f"{tag}-{i}"}])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", db, "plan", "apply", "--athlete", "maya", "--base", base, ops])
    outcomes.append({"note": f"{tag}-{i}", "code": code, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps(outcomes))
"""


@pytest.mark.slow  # starts `python -m core` in a subprocess
def test_two_processes_editing_one_plan_lose_and_duplicate_nothing(demo_db_path: Path) -> None:
    """Given two processes each applying 20 edits on the hash they read, then each lands or is refused as stale, once."""
    editors = [
        subprocess.Popen(
            [sys.executable, "-c", EDITOR, str(demo_db_path), tag, "20"],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("left", "right")
    ]
    outcomes = []
    for editor in editors:
        out, err = editor.communicate(timeout=300)
        assert editor.returncode == 0, err
        outcomes += json.loads(out)
    landed = [o["note"] for o in outcomes if o["code"] == 0]
    refused = [o for o in outcomes if o["code"] != 0]
    assert all(o["out"].startswith("ok b_2 notes ") for o in outcomes if o["code"] == 0)
    assert all(o["err"].startswith("error: stale base_hash ") and o["err"].count("\n") == 1 for o in refused)
    assert not any("lock" in o["err"].lower() or "Traceback" in o["err"] for o in outcomes)
    assert len(landed) >= 2 and len(landed) + len(refused) == 40
    with reading(demo_db_path) as con:
        versions = con.execute(
            "SELECT version, plan_hash, parent_hash, changes_json FROM plan_versions WHERE athlete_id = 1 ORDER BY version"
        ).fetchall()
    seeded = len([v for v in versions if not json.loads(v[3])["ops"][0].get("notes", "").startswith(("left", "right"))])
    assert [v[0] for v in versions] == list(range(1, len(landed) + seeded + 1))  # the demo's seeded history first
    assert all(child[2] == parent[1] for parent, child in itertools.pairwise(versions))
    recorded = [json.loads(v[3])["ops"][0]["notes"] for v in versions[seeded:]]
    assert sorted(recorded) == sorted(landed)


def _widget_key(at: AppTest, start: str, end: str = "") -> str:
    """The one widget key of this run that starts and ends so (the plan editor's keys carry the shown hash)."""
    keys = [w.key for w in [*at.number_input, *at.selectbox, *at.button]]
    found = [k for k in keys if k.startswith(start) and k.endswith(end)]
    assert len(found) == 1, (start, end, found)
    return found[0]


def test_a_long_read_does_not_make_a_page_write_fail(
    demo_db_path: Path, open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given `bench formats` reading the file in another process, when the coach saves edits meanwhile, each lands."""
    monkeypatch.setenv("COACH_DB_WAIT", "1")  # far shorter than the benchmark: a reader holding the file would fail it
    bench = subprocess.Popen(
        [sys.executable, "-m", "core", "--db", str(demo_db_path), "bench", "formats", "--json"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    saved_while_reading = 0
    for sets in itertools.cycle(range(2, 8)):
        page = open_page("pages/plan.py")
        page.selectbox(key=_widget_key(page, "plan_pick_day_1")).set_value("b_2").run()
        page.number_input(key=_widget_key(page, "plan__b_2_", "__sets")).set_value(sets)
        page.button(key=_widget_key(page, "plan_save_day_1")).click().run()
        assert not page.exception and not page.error, [e.value for e in page.error]
        assert any(s.value.startswith("Saved as v") and "b_2 sets " in s.value for s in page.success) or any(
            c.value.startswith("No change") for c in page.info
        )
        if bench.poll() is not None:
            break
        saved_while_reading += 1
    out, err = bench.communicate(timeout=300)
    assert bench.returncode == 0, err
    assert json.loads(out)["formats"] and saved_while_reading >= 1
