"""Cross-modality analytics: all pattern families per athlete (against the 0.2 s goal for 104 weeks, and as a ratio
to reading the athlete's rows once: at most 10×), and daily snapshots for a whole cohort.

The cohort database is generated once per (athletes, weeks, seed) into the temp dir and reused by
later runs; only the analytics are timed. Medians over --repeats runs. Per athlete the figure is
`analyze_patterns` end to end (queries + every family + the FDR control), split into the queries
(`load_athlete_data`) and the statistics (`analyze_data`).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import core.demo
from core.analytics.load import add_recursive_columns, daily_snapshots
from core.analytics.materialized import refresh_findings, stored_findings
from core.analytics.observations import load_athlete_data
from core.analytics.patterns import analyze_data, analyze_patterns
from core.db import connect
from core.db.analytics import daily_snapshot_frame
from core.db.athletes import athlete_count, athletes_frame
from core.db.connection import MIGRATIONS_DIR
from core.db.transactions import checkpoint
from core.demo.profiles import PROFILES
from core.demo.seeding import seed_demo


def _generator_fingerprint() -> str:
    """Short hash of the generator and schema sources: a cached database from older code is never reused."""
    digest = hashlib.sha256()
    for module in sorted(Path(core.demo.__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    for migration in sorted(MIGRATIONS_DIR.glob("*.sql")):
        digest.update(migration.read_bytes())
    return digest.hexdigest()[:10]


GOAL_S = 0.2  # issue 12: all families for one athlete × 104 weeks


QUICK = {"athletes": 100, "repeats": 2}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athletes", type=int, default=1000, help="cohort size for the snapshot query")
    parser.add_argument("--weeks", type=int, default=104, help="weeks of history (both parts)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure (median reported)")
    parser.add_argument("--seed", type=int, default=7, help="demo data seed")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "coach_bench",
        help="where generated databases are kept between runs",
    )


def _median_seconds(fn: Any, repeats: int, cpu: list[float] | None = None) -> tuple[float, Any]:
    """Median wall-clock seconds of `fn` (and, into `cpu`, its median process CPU seconds)."""
    times, cpu_times, result = [], [], None
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    if cpu is not None:
        cpu.append(statistics.median(cpu_times))
    return statistics.median(times), result


def _database(path: Path, athletes: int, weeks: int, seed: int) -> tuple[Any, float | None]:
    """Open the cached database, generating it first if missing or incomplete; (connection, seconds spent)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path)
    if athlete_count(con) == athletes:
        return con, None
    started = time.perf_counter()
    seed_demo(con, seed=seed, athletes=athletes, weeks=weeks, replace=True)
    checkpoint(con)
    return con, time.perf_counter() - started


def run(args: argparse.Namespace) -> dict[str, Any]:
    repeats = max(1, args.repeats)
    demo_path = args.cache_dir / f"demo_{args.weeks}w_seed{args.seed}_{_generator_fingerprint()}.duckdb"
    con, demo_gen = _database(demo_path, len(PROFILES), args.weeks, args.seed)
    per_athlete = []
    try:
        for row in athletes_frame(con).itertuples():
            a = row.athlete_id
            query_s, data = _median_seconds(lambda a=a: load_athlete_data(con, a), repeats)
            stats_s, _ = _median_seconds(lambda d=data: analyze_data(d), repeats)
            cpu: list[float] = []
            seconds, report = _median_seconds(lambda a=a: analyze_patterns(con, a), repeats, cpu)
            refresh_findings(con, a)
            stored_s, _ = _median_seconds(lambda a=a: stored_findings(con, a), repeats)
            per_athlete.append(
                {
                    "athlete": row.handle,
                    "stored_read_s": round(stored_s, 4),
                    "all_families_s": round(seconds, 4),
                    "all_families_cpu_s": round(cpu[0], 4),
                    "queries_s": round(query_s, 4),
                    "statistics_s": round(stats_s, 4),
                    "families_per_read": round(stats_s / query_s, 2) if query_s else None,
                    "tests": report.tests,
                    "findings": len(report.findings),
                }
            )
    finally:
        con.close()

    cohort_path = (
        args.cache_dir / f"cohort_{args.athletes}x{args.weeks}w_seed{args.seed}_{_generator_fingerprint()}.duckdb"
    )
    con, cohort_gen = _database(cohort_path, args.athletes, args.weeks, args.seed)
    try:
        sql_s, frame = _median_seconds(lambda: daily_snapshot_frame(con), repeats)
        ewma_s, _ = _median_seconds(lambda: add_recursive_columns(frame.copy(), 7, 28, 42.0, 7.0), repeats)
        total_s, snaps = _median_seconds(lambda: daily_snapshots(con), repeats)
    finally:
        con.close()
    return {
        "weeks": args.weeks,
        "repeats": repeats,
        "goal_s": GOAL_S,
        "median_all_families_s": round(statistics.median(r["all_families_s"] for r in per_athlete), 4),
        "median_families_per_read": round(statistics.median(r["families_per_read"] or 0.0 for r in per_athlete), 2),
        "one_athlete": per_athlete,
        "one_athlete_generation_s": None if demo_gen is None else round(demo_gen, 2),
        "cohort": {
            "athletes": args.athletes,
            "rows": len(snaps),
            "generation_s": None if cohort_gen is None else round(cohort_gen, 2),
            "database": str(cohort_path),
            "snapshot_sql_s": round(sql_s, 3),
            "ewma_numpy_s": round(ewma_s, 3),
            "daily_snapshots_s": round(total_s, 3),
            "rows_per_s": round(len(snaps) / total_s) if total_s else None,
        },
    }


def headline(result: dict[str, Any]) -> str:
    c = result["cohort"]
    return (
        f"all families {result['median_all_families_s']:.3f} s per athlete × {result['weeks']} weeks (goal {result['goal_s']} s);"
        f" daily snapshots {c['rows_per_s']:,} rows/s over {c['athletes']:,} athletes"
    )


def render(result: dict[str, Any]) -> str:
    lines = [f"All pattern families, one athlete × {result['weeks']} weeks (median of {result['repeats']}):"]
    lines.append(
        f"  {'athlete':<10} {'all families':>13} {'(CPU)':>9} {'queries':>9} {'statistics':>11} {'ratio':>6} "
        f"{'tests':>6} {'findings':>9}"
    )
    for row in result["one_athlete"]:
        lines.append(
            f"  {row['athlete']:<10} {row['all_families_s']:>11.3f} s {row['all_families_cpu_s']:>7.3f} s "
            f"{row['queries_s']:>7.3f} s {row['statistics_s']:>9.3f} s {row['families_per_read']:>5.1f}× "
            f"{row['tests']:>6} {row['findings']:>9}"
        )
    median, goal = result["median_all_families_s"], result["goal_s"]
    verdict = "meets" if median <= goal else "misses"
    stored = statistics.median(r["stored_read_s"] for r in result["one_athlete"])
    lines.append(f"  stored_findings() when fresh (median over athletes): {stored * 1000:.1f} ms")
    lines.append(f"  per athlete (median over athletes): {median:.3f} s — {verdict} the goal {goal} s (at 104 weeks)")
    lines.append(
        f"  every family ÷ reading the athlete's rows once (statistics / queries, median): "
        f"{result['median_families_per_read']:.1f}× (issue 27: at most 10×)"
    )
    c = result["cohort"]
    generated = "cached" if c["generation_s"] is None else f"generated in {c['generation_s']} s"
    lines += [
        "",
        f"Daily snapshots, {c['athletes']:,} athletes × {result['weeks']} weeks = {c['rows']:,} rows ({generated}):",
        f"  one SQL query (calendar, joins, rolling windows) {c['snapshot_sql_s']:>8.3f} s",
        f"  EWMA / fitness / fatigue in numpy (vectorized)   {c['ewma_numpy_s']:>8.3f} s",
        f"  daily_snapshots() total                          {c['daily_snapshots_s']:>8.3f} s"
        f"  ({c['rows_per_s']:,} rows/s)",
    ]
    return "\n".join(lines)
