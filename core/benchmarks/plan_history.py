"""Plan history cost: median edit time and file growth per edit with a short history vs. 1,000 versions.

One demo athlete's plan is copied into a scratch DuckDB file in a temp folder; the
same one-op edit (`update_block` sets, cycling) is applied through the real write
path. At `--early` versions and again after `--versions`, `--sample` edits are timed
the stored version data (snapshot / patch / change-set characters) and the file size
(after a CHECKPOINT) are read before and after them. Versions store a
full snapshot every `SNAPSHOT_EVERY` versions and a patch of the changed days in
between, so neither figure should grow with the history. Last, the History page's plain-language timeline
(`changes_by_version` over every version: one query and one forward walk) is timed at the full length.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from tqdm import tqdm

from core.db import connect, insert_frame
from core.db import plan as plan_db
from core.db.athletes import athletes_frame, resolve_athlete
from core.db.transactions import checkpoint
from core.plan.model import empty_plan, plan_hash
from core.plan.ops import plan_build_ops
from core.plan.store import SNAPSHOT_EVERY, apply_ops, changes_by_version, load_plan, plan_head

QUICK = {"versions": 200, "sample": 10}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athlete", default="maya", help="athlete id or handle whose plan is copied (default maya)")
    parser.add_argument("--versions", type=int, default=1000, help="history length for the late measurement")
    parser.add_argument("--early", type=int, default=10, help="history length for the early measurement")
    parser.add_argument("--sample", type=int, default=50, help="edits timed at each point")


def _edit(con: duckdb.DuckDBPyConnection, athlete_id: int, number: int) -> None:
    ops = [{"op": "update_block", "block_id": _first_block(con, athlete_id), "sets": 1 + number % 20}]
    apply_ops(con, athlete_id, ops, plan_head(con, athlete_id).plan_hash, "coach")


def _first_block(con: duckdb.DuckDBPyConnection, athlete_id: int) -> str:
    return load_plan(con, athlete_id).blocks()[0][2].block_id


def _file_bytes(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    checkpoint(con)
    return path.stat().st_size


def _measure(con: duckdb.DuckDBPyConnection, path: Path, athlete_id: int, start: int, sample: int) -> dict[str, Any]:
    """Time `sample` edits (ms) and the file growth they cause (bytes per edit)."""
    before, stored = _file_bytes(con, path), plan_db.version_storage_chars(con, athlete_id)
    times = []
    for n in range(start, start + sample):
        began = time.perf_counter()
        _edit(con, athlete_id, n)
        times.append((time.perf_counter() - began) * 1000)
    growth = _file_bytes(con, path) - before
    return {
        "versions_before": plan_head(con, athlete_id).version - sample,
        "median_edit_ms": round(statistics.median(times), 2),
        "growth_bytes_per_edit": round(growth / sample),
        "version_chars_per_edit": round((plan_db.version_storage_chars(con, athlete_id) - stored) / sample),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from core.db import snapshot
    from core.demo.seeding import ensure_demo_database

    source = snapshot(ensure_demo_database(getattr(args, "db", None)))  # an in-memory copy: never blocks a writer
    athlete_id = resolve_athlete(source, args.athlete)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.duckdb"
        con = connect(path)
        roster = athletes_frame(source)
        insert_frame(con, "athletes", roster[roster.athlete_id == athlete_id])
        apply_ops(con, athlete_id, plan_build_ops(load_plan(source, athlete_id)), plan_hash(empty_plan()), "import")
        edits = 0
        for edits in tqdm(range(1, args.early), desc="early history", leave=False):
            _edit(con, athlete_id, edits)
        early = _measure(con, path, athlete_id, edits + 1, args.sample)
        target = max(args.versions, early["versions_before"] + args.sample + 1)
        for edits in tqdm(range(plan_head(con, athlete_id).version, target), desc="growing history", leave=False):
            _edit(con, athlete_id, edits)
        late = _measure(con, path, athlete_id, edits + 1, args.sample)
        versions = list(range(1, plan_head(con, athlete_id).version + 1))
        timeline = []
        for _ in range(3):
            started = time.perf_counter()
            changes_by_version(con, athlete_id, versions)
            timeline.append(1000 * (time.perf_counter() - started))
        con.close()
    return {
        "athlete_id": athlete_id,
        "snapshot_every": SNAPSHOT_EVERY,
        "sample_edits": args.sample,
        "early": early,
        "late": late,
        "timeline_versions": len(versions),
        "timeline_ms": round(statistics.median(timeline), 1),
        "edit_ms_ratio": round(late["median_edit_ms"] / early["median_edit_ms"], 2)
        if early["median_edit_ms"]
        else None,
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"one-op edits through apply_ops; full snapshot every {result['snapshot_every']} versions, patches between"
    ]
    for key in ("early", "late"):
        r = result[key]
        lines.append(
            f"after {r['versions_before']:>5} versions: median {r['median_edit_ms']:.2f} ms per edit,"
            f" version data +{r['version_chars_per_edit']} chars, file +{r['growth_bytes_per_edit']} bytes per edit"
            f" ({result['sample_edits']} edits, file size read after CHECKPOINT)"
        )
    lines.append(f"late / early edit time: {result['edit_ms_ratio']}×")
    lines.append(
        f"History timeline in plain words over {result['timeline_versions']:,} versions: {result['timeline_ms']:,} ms"
        " (median of 3)"
    )
    return "\n".join(lines)


def headline(result: dict[str, Any]) -> str:
    early, late = result["early"], result["late"]
    return (
        f"edit {early['median_edit_ms']:.0f} ms at v{early['versions_before']} vs {late['median_edit_ms']:.0f} ms at"
        f" v{late['versions_before']}; {late['version_chars_per_edit']:,} chars of version data per edit"
    )
