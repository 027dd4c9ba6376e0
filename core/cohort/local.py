"""The local engine: cohort snapshots in one set-based DuckDB pass, findings with `materialize_athlete` in a
process pool (chunks of athletes, each chunk's rows read with partition pruning), a tqdm bar per athlete.

Outputs, the same for every engine (`OUTPUTS`): `DIR/snapshots`, `DIR/runs`, `DIR/findings`, Parquet.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import types
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from core.cohort.athlete import AthleteMaterialization, finding_table, materialize_athlete, run_table
from core.cohort.export import export_athletes
from core.cohort.snapshots import cohort_snapshots
from core.db.cohort import athlete_table_frames

OUTPUTS = ("snapshots", "runs", "findings")
CHUNK_ATHLETES = 25  # per task: small enough to balance two to dozens of workers, large enough to amortize reads


def split_by_athlete(frames: dict[str, pd.DataFrame]) -> dict[int, dict[str, pd.DataFrame]]:
    """Tables of several athletes → per athlete, per table (an athlete without rows in a table gets none)."""
    by_athlete: dict[int, dict[str, pd.DataFrame]] = {}
    for table, frame in frames.items():
        for athlete_id, rows in frame.groupby("athlete_id", sort=False):
            by_athlete.setdefault(int(athlete_id), {})[table] = rows
    return by_athlete


def materialize_chunk(in_dir: Path, athlete_ids: list[int]) -> list[AthleteMaterialization]:
    """Findings (no snapshots: the cohort pass makes those) of a chunk of athletes, read from the export."""
    per_athlete = split_by_athlete(athlete_table_frames(in_dir, athlete_ids))
    return [materialize_athlete(per_athlete[a], with_snapshots=False) for a in athlete_ids if a in per_athlete]


def write_part(table: pa.Table, out_dir: Path, name: str) -> Path:
    """`out_dir/name/part-0.parquet` (the directory is what readers glob)."""
    target = out_dir / name
    target.mkdir(parents=True, exist_ok=True)
    path = target / "part-0.parquet"
    pq.write_table(table, path)
    return path


@contextmanager
def spawn_safe_main() -> Iterator[None]:
    """While spawn workers start, a `__main__` they will not re-run.

    A spawned child re-runs its parent's `__main__` by path when that module has no import name. Under Streamlit
    (and its AppTest) `__main__` is the last page script, so every worker would render a page without a session
    and die, breaking the pool. A module run by name (`python -m core`) is re-imported safely and is kept.
    """
    current = sys.modules["__main__"]
    if getattr(current, "__spec__", None) is not None or not hasattr(current, "__file__"):
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = current


def materialize_local(
    in_dir: Path, out_dir: Path, *, workers: int | None = None, progress: bool = True
) -> dict[str, Any]:
    """Snapshots and findings of every exported athlete under `out_dir`; a summary with timings."""
    ids = export_athletes(in_dir)
    workers = max(1, workers or os.cpu_count() or 1)
    started = time.perf_counter()
    snapshots = cohort_snapshots(in_dir)
    write_part(snapshots, out_dir, "snapshots")
    snapshot_s = time.perf_counter() - started
    chunks = [ids[i : i + CHUNK_ATHLETES] for i in range(0, len(ids), CHUNK_ATHLETES)]
    results: list[AthleteMaterialization] = []
    # spawn: a forked child would inherit DuckDB's threads and locks mid-flight
    with (
        ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool,
        tqdm(total=len(ids), unit="athlete", desc="findings", disable=None if progress else True) as bar,
    ):
        with spawn_safe_main():  # spawn workers start on submit
            futures = [pool.submit(materialize_chunk, in_dir, chunk) for chunk in chunks]
        for future in as_completed(futures):
            done = future.result()
            results.extend(done)
            bar.update(len(done))
    results.sort(key=lambda r: r.athlete_id)
    write_part(run_table(results), out_dir, "runs")
    findings = finding_table(results)
    write_part(findings, out_dir, "findings")
    return {
        "engine": "local",
        "workers": workers,
        "athletes": len(results),
        "snapshot_rows": snapshots.num_rows,
        "findings": findings.num_rows,
        "snapshots_s": round(snapshot_s, 3),
        "total_s": round(time.perf_counter() - started, 3),
        "output": str(out_dir),
    }
