"""`seed`: build the deterministic demo database (or a large synthetic cohort)."""

from __future__ import annotations

import argparse
import time

from core.cli import emit
from core.db import connect
from core.demo.generator import DEMO_AS_OF, seed_demo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("seed", help="create the schema and load deterministic demo data")
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    p.add_argument("--athletes", type=int, default=None, help="number of athletes (default: the 5 demo profiles)")
    p.add_argument("--weeks", type=int, default=16, help="weeks of history per athlete")
    p.add_argument("--as-of", default=str(DEMO_AS_OF), help="last day of data, YYYY-MM-DD")
    p.add_argument("--replace", action="store_true", help="drop existing athlete data first")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from datetime import date

    started = time.perf_counter()
    con = connect(args.db)
    summary = seed_demo(
        con,
        seed=args.seed,
        athletes=args.athletes,
        weeks=args.weeks,
        as_of=date.fromisoformat(args.as_of),
        replace=args.replace,
    )
    con.close()
    payload = {**summary, "seconds": round(time.perf_counter() - started, 2)}
    rows = "\n".join(f"  {table:<20} {count:>10,}" for table, count in summary["rows"].items())
    emit(args, payload, f"seeded {summary['athletes']} athletes × {args.weeks} weeks in {payload['seconds']} s\n{rows}")
    return 0
