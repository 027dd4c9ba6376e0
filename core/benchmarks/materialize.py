"""The nightly cohort job: athletes per second for the local and the Spark engine, and the cohort snapshot
against one DuckDB aggregate pass over the same rows, in one run.

The cohort database is generated once per (athletes, weeks, seed) and exported to Parquet once (both cached
in --cache-dir); only materialization is timed. Engines run once each (a full night's work is the figure);
the snapshot figures are medians over --repeats. Spark's figure includes starting its JVM and workers.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from core.analytics.load import daily_snapshots
from core.benchmarks.patterns import _database, _generator_fingerprint
from core.cohort.athlete import materialize_athlete
from core.cohort.export import export_cohort
from core.cohort.local import materialize_local
from core.cohort.snapshots import cohort_snapshots, snapshots_from
from core.db import connect
from core.db.cohort import aggregate_pass, athlete_table_frames, cohort_views, exported_athletes

QUICK = {"athletes": 40, "weeks": 16, "repeats": 2}
SAMPLE = 10  # athletes whose single-process CPU cost is measured (the figure that does not depend on the load)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athletes", type=int, default=300, help="cohort size")
    parser.add_argument("--weeks", type=int, default=104, help="weeks of history per athlete")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per snapshot figure (median reported)")
    parser.add_argument("--seed", type=int, default=7, help="demo data seed")
    parser.add_argument("--workers", type=int, default=2, help="processes of the local engine")
    parser.add_argument("--master", default="local[2]", help="Spark master URL")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark engine")
    parser.add_argument("--quick", action="store_true", help=f"smaller: {QUICK}")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "coach_bench",
        help="where generated databases and exports are kept between runs",
    )


def _median_run_seconds(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _export(args: argparse.Namespace) -> tuple[Path, Path]:
    """(the cached cohort database, its cached Parquet export)."""
    name = f"cohort_{args.athletes}x{args.weeks}w_seed{args.seed}_{_generator_fingerprint()}"
    database: Path = args.cache_dir / f"{name}.duckdb"
    export_dir: Path = args.cache_dir / f"{name}_parquet"
    con, _ = _database(database, args.athletes, args.weeks, args.seed)
    try:
        if not (export_dir / "data_versions").exists():
            export_cohort(con, export_dir)
    finally:
        con.close()
    return database, export_dir


def _engine(summary: dict[str, Any]) -> dict[str, Any]:
    """Athletes per second, and CPU-seconds per athlete (wall time × cores used)."""
    seconds, cores = summary["total_s"], summary.get("workers") or summary["cores"]
    return {
        **summary,
        "athletes_per_s": round(summary["athletes"] / seconds, 2),
        "cpu_s_per_athlete": round(seconds * cores / summary["athletes"], 3),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    repeats = max(1, args.repeats)
    database, export_dir = _export(args)
    with tempfile.TemporaryDirectory() as tmp:
        local = materialize_local(export_dir, Path(tmp) / "local", workers=args.workers, progress=False)
        engines = {"local": _engine(local)}
        if not args.no_spark:
            from core.cohort.spark import materialize_spark

            engines["spark"] = _engine(materialize_spark(export_dir, Path(tmp) / "spark", master=args.master))
    per_athlete = _per_athlete_cpu(export_dir)
    aggregate_s = _median_run_seconds(lambda: _aggregate(export_dir), repeats)
    cohort_s = _median_run_seconds(lambda: cohort_snapshots(export_dir), repeats)
    sql_s = _median_run_seconds(lambda: _snapshot_query(export_dir), repeats)
    in_database = _in_database(database, repeats)
    return {
        "athletes": args.athletes,
        "weeks": args.weeks,
        "repeats": repeats,
        "engines": engines,
        "per_athlete_cpu_s": per_athlete,
        "snapshots": {
            "rows": engines["local"]["snapshot_rows"],
            "aggregate_pass_s": round(aggregate_s, 3),
            "cohort_snapshots_s": round(cohort_s, 3),
            "ratio": round(cohort_s / aggregate_s, 2),
            "snapshot_query_s": round(sql_s, 3),
            "snapshot_query_ratio": round(sql_s / aggregate_s, 2),
            "goal_ratio": 5.0,
        },
        "snapshots_in_database": in_database,
    }


def _per_athlete_cpu(export_dir: Path) -> dict[str, float]:
    """CPU seconds of `materialize_athlete` (snapshots + every family) for a sample of athletes, in this process."""
    ids = exported_athletes(export_dir)
    sample = ids[:: max(1, len(ids) // SAMPLE)][:SAMPLE]
    materialize_athlete(athlete_table_frames(export_dir, sample[:1]))  # warm: scratch schema, imports
    cpu = []
    for athlete_id in sample:
        frames = athlete_table_frames(export_dir, [athlete_id])
        started = time.process_time()
        materialize_athlete(frames)
        cpu.append(time.process_time() - started)
    return {"median": round(statistics.median(cpu), 3), "max": round(max(cpu), 3), "sample": len(cpu)}


def _in_database(database: Path, repeats: int) -> dict[str, float]:
    """The same figures over the DuckDB file instead of the export (no Parquet decoding on either side), and
    the dashboard's `daily_snapshots` with its workouts lists, the path the issue measured at 25×."""
    con = connect(database, read_only=True)
    try:
        aggregate_s = _median_run_seconds(lambda: aggregate_pass(con), repeats)
        cohort_s = _median_run_seconds(lambda: snapshots_from(con), repeats)
        dashboard_s = _median_run_seconds(lambda: daily_snapshots(con), repeats)
    finally:
        con.close()
    return {
        "aggregate_pass_s": round(aggregate_s, 3),
        "cohort_snapshots_s": round(cohort_s, 3),
        "ratio": round(cohort_s / aggregate_s, 2),
        "daily_snapshots_s": round(dashboard_s, 3),
        "daily_snapshots_ratio": round(dashboard_s / aggregate_s, 2),
    }


def _aggregate(export_dir: Path) -> None:
    with cohort_views(export_dir) as con:
        aggregate_pass(con)


def _snapshot_query(export_dir: Path) -> None:
    """The dashboard's snapshot query for the whole cohort at once (the path before the set-based one)."""
    with cohort_views(export_dir) as con:
        daily_snapshots(con, with_workouts=False)


def headline(result: dict[str, Any]) -> str:
    engines = ", ".join(f"{name} {e['athletes_per_s']} athletes/s" for name, e in result["engines"].items())
    s = result["snapshots"]
    return f"{engines} ({result['athletes']} × {result['weeks']} w); cohort snapshots {s['ratio']}× one aggregate pass"


def render(result: dict[str, Any]) -> str:
    lines = [f"Cohort materialization, {result['athletes']} athletes × {result['weeks']} weeks:"]
    lines.append(f"  {'engine':<7} {'athletes/s':>11} {'wall':>9} {'CPU s/athlete':>14} {'findings':>9}  where")
    for name, e in result["engines"].items():
        where = f"{e['workers']} processes" if name == "local" else f"{e['master']}, {e['partitions']} partitions"
        lines.append(
            f"  {name:<7} {e['athletes_per_s']:>11} {e['total_s']:>7.1f} s {e['cpu_s_per_athlete']:>14}"
            f" {e['findings']:>9}  {where}"
        )
    cpu = result["per_athlete_cpu_s"]
    lines.append(
        f"  one athlete, one process: {cpu['median']:.3f} s CPU median, {cpu['max']:.3f} s max"
        f" (sample of {cpu['sample']}; snapshots + every family)"
    )
    s = result["snapshots"]
    lines += [
        "",
        f"Daily snapshots of the cohort, {s['rows']:,} rows (median of {result['repeats']}):",
        f"  one aggregate pass over the same rows      {s['aggregate_pass_s']:>7.3f} s   1.0×",
        f"  cohort snapshots (set-based, numpy)        {s['cohort_snapshots_s']:>7.3f} s {s['ratio']:>5}×"
        f"  (goal ≤ {s['goal_ratio']}×)",
        f"  the snapshot query over the cohort         {s['snapshot_query_s']:>7.3f} s {s['snapshot_query_ratio']:>5}×",
    ]
    d = result["snapshots_in_database"]
    lines += [
        "The same over the DuckDB file:",
        f"  one aggregate pass over the same rows      {d['aggregate_pass_s']:>7.3f} s   1.0×",
        f"  cohort snapshots (set-based, numpy)        {d['cohort_snapshots_s']:>7.3f} s {d['ratio']:>5}×",
        f"  daily_snapshots() with workouts lists      {d['daily_snapshots_s']:>7.3f} s {d['daily_snapshots_ratio']:>5}×",
    ]
    return "\n".join(lines)
