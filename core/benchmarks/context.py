"""Tiered context: build_context speed over every scripted message × athlete, and the A/B token figures.

Timing: each (athlete, message) is built `--repeats` times after one warm-up build per athlete
(which fills the findings cache: findings are computed once per athlete and data version); the
median and p95 of all builds are reported (goal p50 ≤ 20 ms, p95 ≤ 50 ms; a figure, never a test).
Tokens: the replay of data/replay_script.json under strategy A and B (see core.context.replay):
B's context as a share of A's, B's median whole request, tool definitions offered per turn.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from core.context.builder import build_context
from core.context.replay import DEFAULT_PRICE, load_script, replay
from core.tokens import DEFAULT_ENCODING

GOAL_P50_MS = 20
GOAL_P95_MS = 50
GOAL_RATIO = 0.25
GOAL_TOOLS_RAW = 600
GOAL_REQUEST_MEDIAN = 1500


QUICK = {"repeats": 1}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athlete", action="append", default=None, help="athlete id or handle (default: all)")
    parser.add_argument("--repeats", type=int, default=3, help="builds per (athlete, message) for the timing")
    parser.add_argument("--encoding", default=DEFAULT_ENCODING, help="tokenizer encoding")
    parser.add_argument("--price", type=float, default=DEFAULT_PRICE, help="USD per million input tokens")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> dict[str, Any]:
    from core.db import snapshot
    from core.db.athletes import athlete_ids, resolve_athlete
    from core.demo.seeding import ensure_demo_database

    con = snapshot(ensure_demo_database(getattr(args, "db", None)))  # an in-memory copy: never blocks a writer
    try:
        ids = [resolve_athlete(con, a) for a in args.athlete] if args.athlete else athlete_ids(con)
        messages = [t.user for t in load_script()]
        timings: list[float] = []
        warmup = {}
        for athlete in ids:
            started = time.perf_counter()
            build_context(con, athlete, messages[0], encoding=args.encoding)
            warmup[athlete] = round(1000 * (time.perf_counter() - started), 1)
            for message in messages:
                for _ in range(max(1, args.repeats)):
                    started = time.perf_counter()
                    build_context(con, athlete, message, encoding=args.encoding)
                    timings.append(1000 * (time.perf_counter() - started))
        replays = replay(con, ids, encoding=args.encoding, price_per_million=args.price)
        from core.context.caching import bench_caching  # issue 28 (bench28): both strategies with/without caching

        caching = bench_caching(con, ids, encoding=args.encoding, price=args.price)
    finally:
        con.close()
    per_athlete = [r.summary() for r in replays]
    all_turns = [t for r in replays for t in r.turns]
    return {
        "encoding": args.encoding,
        "builds": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(_percentile(timings, 0.95), 2),
        "first_build_ms": warmup,
        "athletes": per_athlete,
        "b_tools_raw_median": statistics.median(t.b_tools_raw for t in all_turns),
        "b_tools_raw_max": max(t.b_tools_raw for t in all_turns),
        "b_tools_openai_median": statistics.median(t.b_tools_openai for t in all_turns),
        "b_request_median": statistics.median(t.b_request for t in all_turns),
        "b_request_openai_median": statistics.median(t.b_request_openai for t in all_turns),
        "a_request_median": statistics.median(t.a_request for t in all_turns),
        "caching": caching,  # issue 28 (bench28)
        "goals": {
            "p50_ms": GOAL_P50_MS,
            "p95_ms": GOAL_P95_MS,
            "context_ratio": GOAL_RATIO,
            "tools_raw_per_turn": GOAL_TOOLS_RAW,
            "request_median": GOAL_REQUEST_MEDIAN,
        },
    }


def headline(result: dict[str, Any]) -> str:
    worst = max(a["context_ratio"] for a in result["athletes"])
    return (
        f"build_context p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms; B context ≤ {worst:.1%} of A;"
        f" B request median {result['b_request_median']:g} tokens vs A {result['a_request_median']:g}"
    )


def render(result: dict[str, Any]) -> str:
    g = result["goals"]

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines = [
        f"build_context over {result['builds']} builds: p50 {result['p50_ms']} ms ({mark(result['p50_ms'] <= g['p50_ms'])}"
        f" ≤ {g['p50_ms']}), p95 {result['p95_ms']} ms ({mark(result['p95_ms'] <= g['p95_ms'])} ≤ {g['p95_ms']})",
        "first build per athlete (computes findings once): "
        + ", ".join(f"{a}: {ms} ms" for a, ms in result["first_build_ms"].items()),
        "",
        f"{'athlete':<8} {'A ctx':>7} {'B ctx':>7} {'B/A':>6} {'A req':>8} {'B req':>7} {'B req p50':>9} {'B tools p50/max':>16}",
    ]
    for a in result["athletes"]:
        lines.append(
            f"{a['handle']:<8} {a['a_context']:>7,} {a['b_context']:>7,} {a['context_ratio']:>6.1%} {a['a_request']:>8,}"
            f" {a['b_request']:>7,} {a['b_request_median']:>9g} {a['b_tools_raw_median']:>8g}/{a['b_tools_raw_max']:,}"
        )
    worst = max(a["context_ratio"] for a in result["athletes"])
    lines += [
        "",
        f"B context ≤ {g['context_ratio']:.0%} of A on every athlete: {mark(worst <= g['context_ratio'])} (worst {worst:.1%})",
        f"tool definitions offered per turn (raw JSON): median {result['b_tools_raw_median']:g},"
        f" max {result['b_tools_raw_max']:,} ({mark(result['b_tools_raw_max'] <= g['tools_raw_per_turn'])}"
        f" ≤ {g['tools_raw_per_turn']}); OpenAI approx. median {result['b_tools_openai_median']:g};"
        f" strategy A sends {result['athletes'][0]['a_tools_raw']:,} raw every turn",
        f"whole B request median: {result['b_request_median']:g} tokens raw ({mark(result['b_request_median'] <= g['request_median'])}"
        f" ≤ {g['request_median']}), ~{result['b_request_openai_median']:g} OpenAI approx.;"
        f" strategy A median {result['a_request_median']:g}",
    ]
    from core.context.caching import bench_caching_lines  # issue 28 (bench28)

    lines += ["", *bench_caching_lines(result.get("caching", []))]
    return "\n".join(lines)
