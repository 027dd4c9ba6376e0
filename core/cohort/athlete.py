"""One athlete's materialization as a pure function of that athlete's rows: frames in, snapshot rows and
pattern findings out. Every engine calls it (the local process pool, Spark's `applyInPandas`).

There is no connection to the database in it: the frames are copied into a private in-memory DuckDB that
has the real schema (one per process, emptied after each athlete), and the project's own queries and
pattern families run there. So the snapshot and observation SQL keeps one definition, shared with the
dashboard, and the answer depends only on the rows: they are inserted in one canonical order (every
column ascending) whichever engine delivered them, in whatever order.

Outputs are canonical: snapshots as `SNAPSHOT_SCHEMA` (the workouts list is left out: it is the
activities table again), findings as canonical JSON (sorted keys, no spaces), byte-comparable across engines.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from core.analytics.load import daily_snapshots
from core.analytics.patterns import analyze_patterns
from core.db.cohort import VERSIONS_TABLE, athlete_rows, scratch_database
from core.errors import CoachError

SNAPSHOT_SCHEMA = pa.schema(
    [
        ("athlete_id", pa.int64()),
        ("day", pa.date32()),
        ("day_index", pa.int64()),
        ("n_workouts", pa.int64()),
        ("flagged_workouts", pa.int64()),
        *[
            (name, pa.float64())
            for name in (
                "load",
                "training_load",
                "load_7d_avg",
                "acute_load",
                "chronic_load",
                "acr_coupled",
                "acr_uncoupled",
                "sleep_hours",
                "deep_sleep_pct",
                "hrv_ms",
                "resting_hr",
                "calories",
                "protein_g",
                "acute_ewma",
                "chronic_ewma",
                "acr_ewma",
                "fitness",
                "fatigue",
                "form",
            )
        ],
    ]
)
RUN_SCHEMA = pa.schema(
    [("athlete_id", pa.int64()), ("data_version", pa.string()), ("tests", pa.int64()), ("families_json", pa.string())]
)
FINDING_SCHEMA = pa.schema(
    [
        ("athlete_id", pa.int64()),
        ("rank", pa.int64()),
        ("family", pa.string()),
        ("key", pa.string()),
        ("headline", pa.string()),
        ("effect", pa.float64()),
        ("q_value", pa.float64()),
        ("finding_json", pa.string()),
    ]
)


class CohortError(CoachError):
    """Bad input to the cohort job: missing athlete rows, an unknown engine, an empty export."""


def findings_json(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8 as is (byte-comparable across engines)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshot_table(frame: pd.DataFrame) -> pa.Table:
    """Snapshot rows (from `daily_snapshots`) in the canonical output schema: counts as int64, every other
    number as float64 (NULL stays null), the day as a date."""
    columns = []
    for field in SNAPSHOT_SCHEMA:
        array = pa.array(frame[field.name], from_pandas=True) if field.name in frame else pa.nulls(len(frame))
        columns.append(array.cast(field.type))
    return pa.Table.from_arrays(columns, schema=SNAPSHOT_SCHEMA)


@dataclass(frozen=True, eq=False)
class AthleteMaterialization:
    """What the nightly job stores for one athlete."""

    athlete_id: int
    data_version: str  # the export's analysis version + fingerprint of the rows it saw ('' when not exported)
    snapshots: pa.Table | None  # SNAPSHOT_SCHEMA rows, full history; None when not asked for
    tests: int  # hypotheses tested (the Benjamini-Hochberg denominator)
    families_json: str  # canonical JSON [{"family", "testable", "note"}]
    findings_json: tuple[str, ...]  # canonical JSON of each finding, strongest first

    def run_row(self) -> dict[str, Any]:
        return {
            "athlete_id": self.athlete_id,
            "data_version": self.data_version,
            "tests": self.tests,
            "families_json": self.families_json,
        }

    def finding_rows(self) -> list[dict[str, Any]]:
        rows = []
        for rank, text in enumerate(self.findings_json, start=1):
            f = json.loads(text)
            rows.append(
                {
                    "athlete_id": self.athlete_id,
                    "rank": rank,
                    "family": f["family"],
                    "key": f["key"],
                    "headline": f["headline"],
                    "effect": f["effect"],
                    "q_value": f["q_value"],
                    "finding_json": text,
                }
            )
        return rows


@functools.cache
def _scratch() -> duckdb.DuckDBPyConnection:
    return scratch_database()


def _as_arrow(frame: pd.DataFrame | pa.Table) -> pa.Table:
    return frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)


def materialize_athlete(
    frames: Mapping[str, pd.DataFrame | pa.Table], *, with_snapshots: bool = True
) -> AthleteMaterialization:
    """Snapshots (full history) and every pattern family's findings for the one athlete in `frames`
    (table name → that athlete's rows, as exported by `export_cohort`)."""
    tables = {name: _as_arrow(frame) for name, frame in frames.items()}
    athletes = tables.get("athletes")
    ids = set() if athletes is None else set(athletes.column("athlete_id").to_pylist())
    if len(ids) != 1:
        raise CohortError(f"athletes rows: expected exactly one athlete, got ids {sorted(ids)[:5]}")
    athlete_id = int(ids.pop())
    versions = tables.get(VERSIONS_TABLE)
    version = "" if versions is None or versions.num_rows == 0 else str(versions.column("data_version")[0].as_py())
    with athlete_rows(_scratch(), tables) as con:
        snapshots = snapshot_table(daily_snapshots(con, [athlete_id], with_workouts=False)) if with_snapshots else None
        report = analyze_patterns(con, athlete_id)
    families = [{"family": r.family, "testable": r.testable, "note": r.note} for r in report.families]
    return AthleteMaterialization(
        athlete_id=athlete_id,
        data_version=version,
        snapshots=snapshots,
        tests=report.tests,
        families_json=findings_json(families),
        findings_json=tuple(findings_json(f.to_dict()) for f in report.findings),
    )


def run_table(results: list[AthleteMaterialization]) -> pa.Table:
    """One `RUN_SCHEMA` row per athlete."""
    return pa.Table.from_pylist([r.run_row() for r in results], schema=RUN_SCHEMA)


def finding_table(results: list[AthleteMaterialization]) -> pa.Table:
    """One `FINDING_SCHEMA` row per finding, ranked per athlete (1 = strongest)."""
    return pa.Table.from_pylist([row for r in results for row in r.finding_rows()], schema=FINDING_SCHEMA)
