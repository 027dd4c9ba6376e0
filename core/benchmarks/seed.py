"""Demo-data generator at scale: seconds, rows per second and peak memory of `seed --athletes N --weeks W`."""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.db.connection import PROJECT_ROOT

QUICK = {"athletes": 100, "weeks": 52}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athletes", type=int, default=1000, help="cohort size (default 1000)")
    parser.add_argument("--weeks", type=int, default=104, help="weeks per athlete (default 104 = 2 years)")
    parser.add_argument("--repeats", type=int, default=1, help="runs; the median is reported")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Each run is a fresh `python -m core seed` child process, so its peak RSS is its own."""
    seconds, rows = [], 0
    peak_kb = 0
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "cohort.duckdb"
            started = time.perf_counter()
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "core",
                    "--db",
                    str(db),
                    "seed",
                    "--athletes",
                    str(args.athletes),
                    "--weeks",
                    str(args.weeks),
                    "--json",
                ],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds.append(time.perf_counter() - started)
            if result.returncode != 0:
                raise RuntimeError(result.stderr.strip())
            rows = sum(json.loads(result.stdout)["rows"].values())
            size_mb = db.stat().st_size / 1e6
        peak_kb = max(peak_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    median = statistics.median(seconds)
    return {
        "athletes": args.athletes,
        "weeks": args.weeks,
        "repeats": args.repeats,
        "median_seconds": round(median, 2),
        "rows": rows,
        "rows_per_second": round(rows / median),
        "peak_rss_mb": round(peak_kb / 1024),
        "db_size_mb": round(size_mb, 1),
    }


def headline(result: dict[str, Any]) -> str:
    return (
        f"seed {result['athletes']} athletes × {result['weeks']} weeks: {result['median_seconds']} s,"
        f" {result['rows_per_second']:,} rows/s, peak RSS {result['peak_rss_mb']} MB"
    )


def render(result: dict[str, Any]) -> str:
    return (
        f"seed --athletes {result['athletes']} --weeks {result['weeks']}: median {result['median_seconds']} s over "
        f"{result['repeats']} run(s), {result['rows']:,} rows ({result['rows_per_second']:,}/s), "
        f"peak RSS {result['peak_rss_mb']} MB, file {result['db_size_mb']} MB"
    )
