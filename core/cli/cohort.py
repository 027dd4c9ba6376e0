"""`export`, `materialize`, `load-findings`: the nightly cohort job (snapshots and findings for every athlete).

    python -m core export --parquet /tmp/cohort                              # tables as Parquet, one partition per athlete
    python -m core materialize --engine local --input /tmp/cohort --output /tmp/out          # DuckDB + process pool
    python -m core materialize --engine spark --input /tmp/cohort --output /tmp/out-spark \\
        --master 'local[2]'                                                  # or spark://host:7077, yarn, k8s://…
    python -m core load-findings /tmp/out                                    # findings back into the database
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli import command_database, emit, positive_int


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="write the analysed tables as Parquet, partitioned by athlete (hive-style)")
    p.add_argument("--parquet", type=Path, required=True, metavar="DIR", help="output directory")
    p.add_argument("--json", action="store_true", help="print rows written as JSON")
    p.set_defaults(handler=run_export)

    p = sub.add_parser("materialize", help="snapshots and findings for every exported athlete, locally or on Spark")
    p.add_argument("--engine", choices=("local", "spark"), default="local", help="local: DuckDB + processes")
    p.add_argument("--input", type=Path, required=True, metavar="DIR", help="an `export --parquet` directory")
    p.add_argument("--output", type=Path, required=True, metavar="DIR", help="snapshots/, runs/, findings/ go here")
    p.add_argument("--master", default="local[*]", help="Spark master URL (spark engine; default local[*])")
    p.add_argument("--workers", type=positive_int, default=None, help="processes (local engine; default: CPUs)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run_materialize)

    p = sub.add_parser("load-findings", help="load materialized findings into the database for the dashboard")
    p.add_argument("dir", type=Path, metavar="DIR", help="a `materialize --output` directory")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run_load)


def run_export(args: argparse.Namespace) -> int:
    from core.cohort.export import export_cohort

    rows = export_cohort(command_database(args), args.parquet)
    lines = "\n".join(f"  {table:<20} {count:>10,}" for table, count in rows.items())
    emit(args, {"output": str(args.parquet), "rows": rows}, f"exported to {args.parquet}\n{lines}")
    return 0


def run_materialize(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        from core.cohort.spark import materialize_spark

        summary = materialize_spark(args.input, args.output, master=args.master)
    else:
        from core.cohort.local import materialize_local

        summary = materialize_local(args.input, args.output, workers=args.workers)
    text = (
        f"{summary['engine']}: {summary['athletes']:,} athletes, {summary['snapshot_rows']:,} snapshot rows,"
        f" {summary['findings']:,} findings in {summary['total_s']} s → {summary['output']}"
    )
    emit(args, summary, text)
    return 0


def run_load(args: argparse.Namespace) -> int:
    from core.cohort.load import load_findings

    athletes = load_findings(command_database(args, write=True), args.dir)
    emit(args, {"athletes": athletes, "input": str(args.dir)}, f"loaded findings of {athletes:,} athletes")
    return 0
