"""core.demo.seeding: a seed is resumable after kill -9, refuses to mix runs, and deletes only the tables it owns."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from core.db import connect, reading
from core.db.connection import PROJECT_ROOT
from core.demo.seeding import FLUSH_EVERY, ensure_demo_database, seed_demo
from core.errors import CoachError

COHORT = ["--athletes", str(3 * FLUSH_EVERY), "--weeks", "4"]


def _kill_after_first_batch(db: Path, seeder: subprocess.Popen[bytes]) -> bool | None:
    """Kill the seeder once a batch is committed, while this reader holds the file: the seeder opens the file per
    batch, so it cannot write another batch or finish between what we saw and the kill. True: killed mid-run;
    False: the seeder finished before a read got in (a fast machine); None: not yet."""
    try:
        with reading(db, wait=5) as con:
            done = int(con.execute("SELECT count(*) FROM seed_athletes").fetchone()[0])
            open_runs = int(con.execute("SELECT count(*) FROM seed_runs WHERE completed_at IS NULL").fetchone()[0])
            if done < FLUSH_EVERY:
                return None
            seeder.send_signal(signal.SIGKILL)  # finished or not: this attempt ends here
            return bool(open_runs)
    except (CoachError, duckdb.Error):
        return None if seeder.poll() is None else False  # not created yet, or the seeder is mid-write


def test_seed_killed_mid_run_resumes_to_the_same_data(
    tmp_path: Path,
    data_hash: Callable[[duckdb.DuckDBPyConnection], str],
    cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    """Given `seed` killed -9 after its first batch, then `seed` refuses other args, resumes, and matches an unbroken seed."""
    for attempt in range(5):  # a fresh file each time the seeder finished before a read could get in
        db = tmp_path / f"killed{attempt}.duckdb"
        seeder = subprocess.Popen(
            [sys.executable, "-m", "core", "--db", str(db), "seed", *COHORT], cwd=PROJECT_ROOT, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while (killed := _kill_after_first_batch(db, seeder)) is None:  # readiness poll, bounded
            assert time.monotonic() < deadline, "seed stalled before its first batch"
            time.sleep(0.05)
        seeder.wait(timeout=30)
        if killed:
            break
    assert killed, "the seeder finished 5 times before it could be killed mid-run"

    with reading(db) as con:
        assert con.execute("SELECT count(*) FROM seed_runs WHERE completed_at IS NULL").fetchone()[0] == 1
        before = data_hash(con)
    refused = cli("--db", str(db), "seed", "--athletes", "10", "--weeks", "8")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "unfinished seed (seed 7, 75 athletes × 4 weeks" in refused.stderr
    assert "python -m core seed --seed 7 --athletes 75 --weeks 4 --as-of 2026-11-19" in refused.stderr
    with reading(db) as con:
        assert data_hash(con) == before

    resumed = cli("--db", str(db), "seed", *COHORT)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after" in resumed.stdout

    unbroken = connect(tmp_path / "unbroken.duckdb")
    seed_demo(unbroken, athletes=3 * FLUSH_EVERY, weeks=4)
    with reading(db) as con:
        assert data_hash(con) == data_hash(unbroken)
        assert con.execute("SELECT count(*) FROM seed_runs WHERE completed_at IS NULL").fetchone()[0] == 0
    unbroken.close()
    assert "already holds athletes" in cli("--db", str(db), "seed", *COHORT).stderr


def test_replace_empties_only_the_tables_seeding_owns(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given a table another feature added (with athlete rows), when seeding with replace, then its rows survive."""
    demo_con.execute("CREATE TABLE coach_notes (athlete_id INTEGER, note VARCHAR)")
    demo_con.execute("INSERT INTO coach_notes VALUES (1, 'keep me'), (2, 'me too')")
    demo_con.execute("UPDATE athletes SET phase = 'PEAK'")
    seed_demo(demo_con, replace=True)
    assert demo_con.execute("SELECT count(*) FROM coach_notes").fetchone()[0] == 2
    assert demo_con.execute("SELECT count(DISTINCT phase) FROM athletes").fetchone()[0] > 1


def test_first_start_only_reads_a_ready_file(demo_db_path: Path) -> None:
    """Given a seeded file that another process is reading, then first-start setup needs no write lock and changes nothing."""
    digest = hashlib.sha256(demo_db_path.read_bytes()).hexdigest()
    holder = connect(demo_db_path, read_only=True)
    try:
        assert ensure_demo_database(demo_db_path) == demo_db_path.resolve()
    finally:
        holder.close()
    assert hashlib.sha256(demo_db_path.read_bytes()).hexdigest() == digest


def test_first_start_creates_and_seeds_a_new_file(tmp_path: Path) -> None:
    """Given no file, when the app or a command starts, then the file holds the five demo athletes with their plans."""
    path = ensure_demo_database(tmp_path / "new" / "coach.duckdb")
    with reading(path) as con:
        assert con.execute("SELECT count(*), count(DISTINCT handle) FROM athletes").fetchone() == (5, 5)
        assert con.execute("SELECT count(*) FROM plan_versions WHERE author = 'import'").fetchone()[0] == 5
