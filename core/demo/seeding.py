"""Seeding the demo data: all or nothing per batch of athletes, resumable after a crash, and first-start setup.

Same seed → same rows. A run is recorded in `seed_runs`; each batch of athletes is
generated with no lock held, then written (rows in one transaction, plans through
the one write path) and recorded done. A seed killed half-way leaves a run without
`completed_at`: the next `seed` with the same arguments removes the unfinished
athletes and carries on; other arguments are refused with the command that resumes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb

from core.analytics.materialized import refresh_findings
from core.db import reading, writing
from core.db.athletes import athlete_count, athlete_ids, delete_athletes, table_counts
from core.db.connection import pending_migrations, resolve_path, utc_now
from core.db.seed_runs import (
    SeedRun,
    complete_run,
    forget_runs,
    mark_done,
    remove_unfinished_athletes,
    start_run,
    unfinished_run,
)
from core.db.transactions import transaction
from core.demo.athlete import AthleteState, RowBuffer, draw_sleep, monday_of
from core.demo.cardio import cardio_week
from core.demo.health import health_days
from core.demo.plan import write_plan_history
from core.demo.profiles import PROFILES, Profile, iter_profiles
from core.demo.strength import program_week
from core.errors import CoachError

DEMO_AS_OF = date(2026, 11, 19)  # a Thursday: week 16 has done, in-progress and pending sessions
DEFAULT_SEED = 7
FLUSH_EVERY = 25  # athletes per batch: generated without a lock, then written and recorded together

Writer = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


def generate_athlete(
    athlete_id: int, profile: Profile, *, seed: int, start: date, weeks: int, as_of: date, rows: RowBuffer
) -> None:
    """Add every row of one athlete to `rows`: sleep first, then each week's program and cardio, then health."""
    state = AthleteState(
        athlete_id=athlete_id,
        profile=profile,
        rng=random.Random(f"{seed}:{athlete_id}"),
        start=start,
        n_weeks=weeks,
        as_of=as_of,
        rows=rows,
        activity_base=athlete_id * 10_000_000,
    )
    draw_sleep(state)
    rows.add(
        "athletes",
        athlete_id=athlete_id,
        handle=state.handle,
        name=state.name,
        profile=profile.profile,
        phase=profile.phase,
        units=profile.units,
        sports=list(profile.sports),
        as_of=as_of,
    )
    for week in range(weeks):
        program_week(state, week)
        cardio_week(state, week)
    program_week(state, weeks)  # the program runs on: next week is planned, not started
    health_days(state)


def _begin(con: duckdb.DuckDBPyConnection, seed: int, count: int, weeks: int, as_of: date, replace: bool) -> SeedRun:
    """The run to continue (an unfinished one with these arguments) or a new one; refuses to mix data."""
    if replace:
        with transaction(con):
            delete_athletes(con, None)
            forget_runs(con)
    else:
        run = unfinished_run(con)
        if run is not None:
            if not run.matches(seed, count, weeks, as_of):
                raise CoachError(
                    f"database holds an unfinished seed ({run.describe()}): run `{run.command()}` to finish it,"
                    " or add --replace to start over"
                )
            remove_unfinished_athletes(con, run)
            return run
        if athlete_count(con):
            raise CoachError("database already holds athletes; pass replace=True (--replace) to regenerate")
    return start_run(con, seed, count, weeks, as_of, utc_now())


def seed_with(
    open_writer: Writer,
    *,
    seed: int = DEFAULT_SEED,
    athletes: int | None = None,
    weeks: int = 16,
    as_of: date = DEMO_AS_OF,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Seed (or finish seeding) through connections from `open_writer`; returns counts per table.

    `progress(n)` is called with the athletes already done, then with each batch written.
    """
    if weeks < 2:
        raise CoachError(f"weeks={weeks}: expected at least 2")
    if athletes is not None and athletes < 1:
        raise CoachError(f"athletes={athletes}: expected at least 1")
    count = len(PROFILES) if athletes is None else athletes
    with open_writer() as con:
        run = _begin(con, seed, count, weeks, as_of, replace)
    start = monday_of(as_of) - timedelta(weeks=weeks - 1)
    plan_time, plan_end = datetime.combine(start, time(6, 0)), datetime.combine(as_of, time(0, 0))
    todo = [(a, p) for a, p in iter_profiles(count) if a not in run.done]
    if progress is not None:
        progress(len(run.done))
    for first in range(0, len(todo), FLUSH_EVERY):
        batch = todo[first : first + FLUSH_EVERY]
        rows = RowBuffer()
        for athlete_id, profile in batch:
            generate_athlete(athlete_id, profile, seed=seed, start=start, weeks=weeks, as_of=as_of, rows=rows)
        with open_writer() as con:
            with transaction(con):
                rows.flush(con)
            for athlete_id, profile in batch:
                write_plan_history(con, athlete_id, profile, seed=seed, start=plan_time, end=plan_end)
            mark_done(con, run.run_id, [a for a, _ in batch])
        if progress is not None:
            progress(len(batch))
    with open_writer() as con:
        complete_run(con, run.run_id, utc_now())
        counts = table_counts(con)
    return {
        "athletes": count,
        "weeks": weeks,
        "seed": seed,
        "as_of": str(as_of),
        "resumed_after": len(run.done),
        "rows": counts,
    }


def seed_demo(con: duckdb.DuckDBPyConnection, **options: Any) -> dict[str, Any]:
    """Seed on an open read-write connection (tests, one-process tools); options as `seed_with`."""
    return seed_with(lambda: nullcontext(con), **options)


def seed_file(path: Path | str | None, **options: Any) -> dict[str, Any]:
    """Seed the database file, holding its write lock only while each batch is written; options as `seed_with`."""
    target = resolve_path(path)
    return seed_with(lambda: writing(target), **options)


def ensure_demo_database(path: Path | str | None = None) -> Path:
    """First start: create, migrate and seed the demo data if the file needs it; finish a killed seed. Returns the path.

    A file that is ready is only read (no write lock), so this is cheap on every start.
    """
    target = resolve_path(path)
    if target.exists() and target.stat().st_size > 0:
        with reading(target) as con:
            if not pending_migrations(con) and athlete_count(con) and unfinished_run(con) is None:
                return target
    with writing(target) as con:
        needs_seed = athlete_count(con) == 0 or unfinished_run(con) is not None
    if needs_seed:
        seed_file(target)
        with writing(target) as con:  # findings stored once here, so page runs read them in milliseconds
            for athlete_id in athlete_ids(con):
                refresh_findings(con, athlete_id)
    return target
