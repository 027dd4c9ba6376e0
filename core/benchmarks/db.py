"""Opening the database per unit of work: the page-run cost of a read connection, a write, and a snapshot.

Each figure is the median of `--repeats` runs on a private copy of the file (the source is never written).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.db import reading, snapshot, writing
from core.db.athletes import athlete_count
from core.demo.seeding import ensure_demo_database

QUICK = {"repeats": 10}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=50, help="timed runs per figure (median reported)")


def _median_ms(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def run(args: argparse.Namespace) -> dict[str, Any]:
    repeats = max(1, args.repeats)
    source = ensure_demo_database(getattr(args, "db", None))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "copy.duckdb"
        shutil.copyfile(source, path)

        def read_per_run() -> None:
            with reading(path) as con:
                athlete_count(con)

        def write_per_run() -> None:
            with writing(path):  # opening read-write checks the schema (migrations) before any write
                pass

        with reading(path) as con:
            query_ms = _median_ms(lambda: athlete_count(con), repeats)
        open_ms = _median_ms(read_per_run, repeats)
        write_ms = _median_ms(write_per_run, repeats)
        snapshot_ms = _median_ms(lambda: snapshot(path).close(), max(1, repeats // 5))
        size_mb = path.stat().st_size / 1e6
    return {
        "repeats": repeats,
        "file_mb": round(size_mb, 1),
        "query_on_open_connection_ms": query_ms,
        "open_query_close_ms": open_ms,
        "open_cost_per_page_run_ms": round(open_ms - query_ms, 2),
        "open_vs_query_ratio": round(open_ms / query_ms, 1) if query_ms else None,
        "write_open_close_ms": write_ms,
        "snapshot_ms": snapshot_ms,
    }


def headline(result: dict[str, Any]) -> str:
    return (
        f"open+query+close {result['open_query_close_ms']:.1f} ms per page run"
        f" (+{result['open_cost_per_page_run_ms']:.1f} ms over a query); write open {result['write_open_close_ms']:.1f} ms"
    )


def render(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"{result['file_mb']} MB file, medians of {result['repeats']} runs:",
            f"  one query on an open connection        {result['query_on_open_connection_ms']:>8.2f} ms",
            f"  open read-only, query, close (per run) {result['open_query_close_ms']:>8.2f} ms"
            f"  (+{result['open_cost_per_page_run_ms']:.2f} ms, ×{result['open_vs_query_ratio']})",
            f"  open read-write (schema check), close  {result['write_open_close_ms']:>8.2f} ms",
            f"  snapshot into memory (long jobs)       {result['snapshot_ms']:>8.2f} ms",
        ]
    )
