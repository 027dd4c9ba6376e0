"""`seed`: build the deterministic demo database (or a large synthetic cohort), resumable after a crash.

python -m core seed
python -m core --db /tmp/big.duckdb seed --athletes 1000 --weeks 104
python -m core seed --replace --seed 8 --json
"""

from __future__ import annotations

import argparse
import time

from tqdm import tqdm

from core.cli import emit, iso_date, positive_int
from core.demo.profiles import PROFILES
from core.demo.seeding import DEFAULT_SEED, DEMO_AS_OF, seed_file


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("seed", help="create the schema and load deterministic demo data (resumes a killed seed)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)")
    p.add_argument(
        "--athletes", type=positive_int, default=None, help="number of athletes (default: the 5 demo profiles)"
    )
    p.add_argument("--weeks", type=positive_int, default=16, help="weeks of history per athlete (at least 2)")
    p.add_argument("--as-of", type=iso_date, default=DEMO_AS_OF, help="last day of data, YYYY-MM-DD")
    p.add_argument("--replace", action="store_true", help="delete the athlete data this code owns first")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    total = args.athletes or len(PROFILES)
    # Progress on stderr, shown on a terminal only; every finished batch is committed, so ^C loses nothing done.
    with tqdm(total=total, unit="athlete", desc="seed", disable=None, leave=False) as bar:
        summary = seed_file(
            args.db,
            seed=args.seed,
            athletes=args.athletes,
            weeks=args.weeks,
            as_of=args.as_of,
            replace=args.replace,
            progress=bar.update,
        )
    payload = {**summary, "seconds": round(time.perf_counter() - started, 2)}
    rows = "\n".join(f"  {table:<20} {count:>10,}" for table, count in summary["rows"].items())
    resumed = f" (resumed after {summary['resumed_after']} already written)" if summary["resumed_after"] else ""
    emit(
        args,
        payload,
        f"seeded {summary['athletes']} athletes × {args.weeks} weeks in {payload['seconds']} s{resumed}\n{rows}",
    )
    return 0
