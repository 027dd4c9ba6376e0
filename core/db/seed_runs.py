"""Seed bookkeeping: which seed run a database holds, which athletes it finished, and removing unfinished ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from core.db.athletes import delete_athletes
from core.db.connection import scalar
from core.db.transactions import transaction


@dataclass(frozen=True)
class SeedRun:
    """A seed as asked for (seed, athletes, weeks, as_of) and how far it got."""

    run_id: int
    seed: int
    athletes: int
    weeks: int
    as_of: date
    completed: bool
    done: frozenset[int]

    def matches(self, seed: int, athletes: int, weeks: int, as_of: date) -> bool:
        return (self.seed, self.athletes, self.weeks, self.as_of) == (seed, athletes, weeks, as_of)

    def describe(self) -> str:
        return (
            f"seed {self.seed}, {self.athletes} athletes × {self.weeks} weeks as of {self.as_of};"
            f" {len(self.done)} of {self.athletes} athletes written"
        )

    def command(self) -> str:
        return (
            f"python -m core seed --seed {self.seed} --athletes {self.athletes} --weeks {self.weeks}"
            f" --as-of {self.as_of}"
        )


def unfinished_run(con: duckdb.DuckDBPyConnection) -> SeedRun | None:
    """The latest seed run that never completed, with the athletes it finished; None if every run completed."""
    row = con.execute(
        "SELECT run_id, seed, athletes, weeks, as_of FROM seed_runs WHERE completed_at IS NULL"
        " ORDER BY run_id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    done = con.execute("SELECT athlete_id FROM seed_athletes WHERE run_id = ?", [row[0]]).fetchall()
    return SeedRun(int(row[0]), int(row[1]), int(row[2]), int(row[3]), row[4], False, frozenset(r[0] for r in done))


def start_run(
    con: duckdb.DuckDBPyConnection, seed: int, athletes: int, weeks: int, as_of: date, at: datetime
) -> SeedRun:
    """Record a new seed run (nothing written yet)."""
    run_id = int(scalar(con, "SELECT coalesce(max(run_id), 0) + 1 FROM seed_runs"))
    con.execute(
        "INSERT INTO seed_runs (run_id, seed, athletes, weeks, as_of, started_at) VALUES (?, ?, ?, ?, ?, ?)",
        [run_id, seed, athletes, weeks, as_of, at],
    )
    return SeedRun(run_id, seed, athletes, weeks, as_of, False, frozenset())


def mark_done(con: duckdb.DuckDBPyConnection, run_id: int, athlete_ids: list[int]) -> None:
    """Record athletes whose rows and plan are all written."""
    con.execute(
        "INSERT INTO seed_athletes SELECT ?, unnest(?::INTEGER[])",
        [run_id, athlete_ids],
    )


def complete_run(con: duckdb.DuckDBPyConnection, run_id: int, at: datetime) -> None:
    con.execute("UPDATE seed_runs SET completed_at = ? WHERE run_id = ?", [at, run_id])


def remove_unfinished_athletes(con: duckdb.DuckDBPyConnection, run: SeedRun) -> list[int]:
    """Delete every athlete of an unfinished run that is not recorded done (a seed killed mid-athlete); their ids."""
    present = [r[0] for r in con.execute("SELECT athlete_id FROM athletes ORDER BY athlete_id").fetchall()]
    partial = [a for a in present if a not in run.done]
    if partial:
        with transaction(con):
            delete_athletes(con, partial)
    return partial


def forget_runs(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the seed bookkeeping (with `seed --replace`, inside its transaction)."""
    con.execute("DELETE FROM seed_athletes")
    con.execute("DELETE FROM seed_runs")
