"""Workout data formats: verbose vs compact vs ultra vs minified JSON vs TOON, every demo athlete and scope.

Token counts are exact (tiktoken) and deterministic, so the targets are checked
as ratios: compact ≤ 0.60 × verbose on the current week, ultra ≤ 0.40 × verbose
on the full program and the current week, ultra below compact, JSON and TOON on
every scope. Each scope is also read back (compact and ultra round trip). The
only timing is the median time to render and parse the ultra full program.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from core.db.athletes import Athlete
from core.tokens import DEFAULT_ENCODING
from core.workouts.formats import (
    FORMAT_LABELS,
    FORMATS,
    WorkoutData,
    athlete_scope_tables,
    round_trips,
    target_checks,
    token_table,
)
from core.workouts.program import Scope, seed_example_program
from core.workouts.ultra import format_ultra, parse_ultra

QUICK = {"repeats": 2}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athlete", action="append", default=None, help="athlete id or handle (default: all)")
    parser.add_argument("--encoding", default=DEFAULT_ENCODING, help="tokenizer encoding")
    parser.add_argument("--repeats", type=int, default=5, help="repeats for the median render+parse time")


def seed_example_rows(encoding: str = DEFAULT_ENCODING) -> dict[str, int]:
    """Tokens of the seed's own example (week 1 with its three sessions) in every format."""
    data = WorkoutData(
        Athlete(0, "seed", "Seed example", "lbs", seed_example_program().weeks[0].start),
        Scope("week", week=1),
        seed_example_program(),
    )
    return {r.format: r.tokens for r in token_table(data, encoding)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from core.db import snapshot
    from core.db.athletes import athlete_ids
    from core.demo.seeding import ensure_demo_database

    con = snapshot(ensure_demo_database(getattr(args, "db", None)))  # an in-memory copy: never blocks a writer
    ids = args.athlete or athlete_ids(con)
    scopes: list[dict[str, Any]] = []
    checks = []
    timings = []
    for athlete in ids:
        for data, rows in athlete_scope_tables(con, athlete, args.encoding):
            trips = round_trips(data)
            found = target_checks(data, rows)
            checks += found
            scopes.append(
                {
                    "athlete": data.athlete.handle,
                    "scope": str(data.scope),
                    "tokens": {r.format: r.tokens for r in rows},
                    "ratio": {r.format: r.ratio for r in rows},
                    "round_trip": trips,
                    "targets_met": all(c.ok for c in found),
                }
            )
            if data.scope.kind == "full_program":
                runs = []
                for _ in range(max(1, args.repeats)):
                    started = time.perf_counter()
                    parse_ultra(format_ultra(data.program))
                    runs.append(time.perf_counter() - started)
                timings.append(
                    {"athlete": data.athlete.handle, "ultra_render_parse_ms": round(1000 * statistics.median(runs), 2)}
                )
    con.close()
    failed = [c for c in checks if not c.ok]
    return {
        "encoding": args.encoding,
        "seed_example": seed_example_rows(args.encoding),
        "scopes": scopes,
        "timings": timings,
        "targets": {
            "checked": len(checks),
            "failed": [
                {"athlete": c.athlete, "scope": c.scope, "claim": c.claim, "value": c.value, "limit": c.limit}
                for c in failed
            ],
            "all_met": not failed,
        },
        "round_trip_all": all(all(s["round_trip"].values()) for s in scopes),
    }


def headline(result: dict[str, Any]) -> str:
    week = [s for s in result["scopes"] if s["scope"].startswith("week")] or result["scopes"]
    ratio = {f: statistics.median(s["ratio"][f] for s in week) for f in FORMATS}
    t = result["targets"]
    return (
        "current week, median × verbose: "
        + ", ".join(f"{FORMAT_LABELS[f]} {ratio[f]:.2f}" for f in FORMATS)
        + f"; targets {t['checked'] - len(t['failed'])}/{t['checked']} met"
    )


def render(result: dict[str, Any]) -> str:
    seed = result["seed_example"]
    lines = [
        f"encoding {result['encoding']}; tokens (× verbose)",
        "seed example (week 1): " + ", ".join(f"{FORMAT_LABELS[f]} {seed[f]}" for f in FORMATS),
        "",
        f"{'athlete':<8} {'scope':<26}" + "".join(f"{FORMAT_LABELS[f]:>15}" for f in FORMATS) + "  round trip  targets",
    ]
    for s in result["scopes"]:
        cells = "".join(f"{s['tokens'][f]:>7,} ({s['ratio'][f]:.2f})" for f in FORMATS)
        trip = "ok" if all(s["round_trip"].values()) else "FAIL"
        lines.append(
            f"{s['athlete']:<8} {s['scope']:<26}{cells}  {trip:>10}  {'met' if s['targets_met'] else 'MISSED'}"
        )
    t = result["targets"]
    lines.append("")
    verdict = "all met" if t["all_met"] else f"{len(t['failed'])} missed"
    lines.append(f"targets: {t['checked']} checked, {verdict}")
    for f in t["failed"]:
        lines.append(f"  MISSED {f['athlete']} {f['scope']}: {f['claim']} (got {f['value']}, limit {f['limit']})")
    lines.append("round trip (compact + ultra) on every scope: " + ("ok" if result["round_trip_all"] else "FAILED"))
    lines.append(
        "median ultra render+parse of the full program: "
        + ", ".join(f"{t['athlete']} {t['ultra_render_parse_ms']} ms" for t in result["timings"])
    )
    return "\n".join(lines)
