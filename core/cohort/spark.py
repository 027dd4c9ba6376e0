"""The Spark engine: `groupBy("athlete_id").applyInPandas(...)` over the Parquet export, calling the same
`materialize_athlete` as the local engine, results written as Parquet (`OUTPUTS`, same schemas).

`applyInPandas` hands one pandas frame per group, so the export's tables are stacked into one: each
table's columns are prefixed with its name (`activities__start_time`), a `_table` column says which
table a row came from, and the function splits them back. Its output is one frame per athlete with a
`kind` column ('snapshot', 'run', 'finding'); the result is persisted once and written as three outputs.

The executors need this project and its Python dependencies installed (a wheel or an image on a cluster;
in local mode the driver's interpreter and `PYTHONPATH` are handed to them).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import reduce
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from core.cohort.athlete import (
    FINDING_SCHEMA,
    RUN_SCHEMA,
    SNAPSHOT_SCHEMA,
    CohortError,
    finding_table,
    materialize_athlete,
    run_table,
)
from core.cohort.export import export_athletes
from core.db.cohort import EXPORT_QUERIES, VERSIONS_TABLE
from core.db.connection import PROJECT_ROOT

TABLES = (*EXPORT_QUERIES, VERSIONS_TABLE)
OUTPUT_SCHEMAS = {"snapshot": SNAPSHOT_SCHEMA, "run": RUN_SCHEMA, "finding": FINDING_SCHEMA}
_SPARK_TYPES = {pa.int64(): "bigint", pa.float64(): "double", pa.date32(): "date", pa.string(): "string"}
# Athletes per shuffle partition (see docs/scale.md): a task of ~100 athletes runs for tens of seconds, so
# scheduling overhead (~ms per task) is noise, and a straggler holds back little of the job.
ATHLETES_PER_PARTITION = 100


def _output_fields() -> list[pa.Field]:
    fields = {"kind": pa.field("kind", pa.string())}
    for schema in OUTPUT_SCHEMAS.values():
        for field in schema:
            fields.setdefault(field.name, field)
    return list(fields.values())


OUTPUT_FIELDS = _output_fields()
OUTPUT_DDL = ", ".join(f"`{f.name}` {_SPARK_TYPES[f.type]}" for f in OUTPUT_FIELDS)


def unstack_tables(stacked: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One athlete's stacked rows (`_table` + `table__column` columns) → table name → that table's rows."""
    frames = {}
    for table, rows in stacked.groupby("_table", sort=False):
        prefix = f"{table}__"
        columns = {c: c[len(prefix) :] for c in rows.columns if c.startswith(prefix)}
        frame = rows[["athlete_id", *columns]].rename(columns=columns).reset_index(drop=True)
        frames[str(table)] = frame
    return frames


def _typed(table: pa.Table, kind: str) -> pd.DataFrame:
    frame = table.to_pandas(date_as_object=True)
    for field in table.schema:
        if field.type == pa.int64():
            frame[field.name] = frame[field.name].astype("Int64")  # stays integral next to other kinds' NULLs
    frame.insert(0, "kind", kind)
    return frame


def materialize_group(stacked: pd.DataFrame) -> pd.DataFrame:
    """The `applyInPandas` function: one athlete's stacked rows → its snapshot, run and finding rows."""
    result = materialize_athlete(unstack_tables(stacked))
    assert result.snapshots is not None
    parts = [
        _typed(result.snapshots, "snapshot"),
        _typed(run_table([result]), "run"),
        _typed(finding_table([result]), "finding"),
    ]
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True).reindex(
        columns=[f.name for f in OUTPUT_FIELDS]
    )
    for field in OUTPUT_FIELDS:
        if field.type == pa.string():  # pyspark 4.3 cannot take pandas 3's Arrow-backed strings: plain objects
            out[field.name] = out[field.name].astype(object).where(out[field.name].notna(), None)
    return out


@contextmanager
def spark_session(master: str) -> Iterator[Any]:
    """A Spark session on `master` (any master URL: local[2], spark://host:7077, yarn, k8s://…), stopped after."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    paths = [str(PROJECT_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    spark = (
        SparkSession.builder.master(master)
        .appName("coach-cohort-materialize")
        .config("spark.sql.session.timeZone", "UTC")  # timestamps are athlete-local wall times: no shifting
        .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")  # list athletes on the driver
        .config("spark.sql.adaptive.enabled", "false")  # keep the partition count chosen above
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "true")
        .config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def _stacked(spark: Any, in_dir: Path) -> Any:
    from pyspark.sql import functions as F

    frames = []
    for table in TABLES:
        df = spark.read.option("basePath", str(in_dir / table)).parquet(str(in_dir / table))
        frames.append(
            df.select(
                F.col("athlete_id").cast("int").alias("athlete_id"),
                F.lit(table).alias("_table"),
                *[F.col(c).alias(f"{table}__{c}") for c in df.columns if c != "athlete_id"],
            )
        )
    return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def materialize_spark(
    in_dir: Path, out_dir: Path, *, master: str = "local[2]", athletes_per_partition: int = ATHLETES_PER_PARTITION
) -> dict[str, Any]:
    """Snapshots and findings of every exported athlete under `out_dir`, computed by Spark; a summary."""
    try:  # pyspark is heavy and dev-only: only this engine loads it
        from pyspark import StorageLevel
        from pyspark.sql import functions as F
    except ImportError:
        raise CohortError(
            "engine 'spark': pyspark is not installed; expected `pip install pyspark` (the version of your cluster)"
        ) from None

    athletes = len(export_athletes(in_dir))
    started = time.perf_counter()
    with spark_session(master) as spark:
        # at least one partition per core, else ~athletes_per_partition athletes each
        partitions = max(-(-athletes // athletes_per_partition), spark.sparkContext.defaultParallelism)
        spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
        out = _stacked(spark, in_dir).groupBy("athlete_id").applyInPandas(materialize_group, schema=OUTPUT_DDL)
        out = out.persist(StorageLevel.MEMORY_AND_DISK)
        counts = {}
        for kind, schema in OUTPUT_SCHEMAS.items():
            rows = out.filter(F.col("kind") == kind).select(*schema.names)
            rows.write.mode("overwrite").parquet(str(out_dir / f"{kind}s"))
            counts[kind] = rows.count()
        out.unpersist()
        cores = spark.sparkContext.defaultParallelism
    return {
        "engine": "spark",
        "master": master,
        "partitions": partitions,
        "cores": cores,
        "athletes": counts["run"],
        "snapshot_rows": counts["snapshot"],
        "findings": counts["finding"],
        "total_s": round(time.perf_counter() - started, 3),
        "output": str(out_dir),
    }
