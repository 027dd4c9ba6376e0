"""`replay`: the scripted conversation under strategy A (no tiers) and B (build_context), per turn and cumulative.

python -m core replay
python -m core replay --athlete maya --price 0.15
python -m core replay --athlete maya --price 2.50 --cached-price 1.25   # cost with and without prompt caching
python -m core replay --athlete jordan --window 8192 --json
"""

from __future__ import annotations

import argparse
from contextlib import closing

from tqdm import tqdm

from core.cli import emit
from core.context.budget_profile import add_budget_arguments, budgets_from_args
from core.context.caching import DEFAULT_CACHED_PRICE, cache_report, replay_requests
from core.context.replay import DEFAULT_PRICE, SCRIPT_PATH, AthleteReplay, load_script
from core.db import snapshot
from core.db.athletes import athlete_ids, resolve_athlete
from core.demo.seeding import ensure_demo_database
from core.tokens import DEFAULT_ENCODING, ENCODINGS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("replay", help="A/B replay of the scripted conversation: tokens and cost per turn")
    p.add_argument("--athlete", action="append", help="athlete id or handle (repeatable; default: all)")
    p.add_argument("--script", default=str(SCRIPT_PATH), help="replay script JSON (default: data/replay_script.json)")
    p.add_argument("--price", type=float, default=DEFAULT_PRICE, help="USD per million input tokens")
    p.add_argument(  # issue 28: prompt caching in the price
        "--cached-price", type=float, default=DEFAULT_CACHED_PRICE, help="USD per million cached input tokens"
    )
    add_budget_arguments(p)  # issue 28: strategy B's budgets, --window and --budget-profile
    p.add_argument("--encoding", default=DEFAULT_ENCODING, choices=ENCODINGS)
    p.add_argument("--json", action="store_true", help="print every turn's figures as JSON")
    p.set_defaults(handler=run)


def render_replay(result: AthleteReplay) -> str:
    head = (
        f"{'turn':>4} {'A ctx':>6} {'B ctx':>6} {'B/A':>5} {'A req':>6} {'B req':>6} {'B tools':>7}  plan       message"
    )
    lines = [f"== {result.handle} (athlete {result.athlete_id}) ==", head]
    a_cum = b_cum = 0
    for t in result.turns:
        a_cum += t.a_context
        b_cum += t.b_context
        lines.append(
            f"{t.turn:>4} {t.a_context:>6} {t.b_context:>6} {t.b_context / t.a_context:>5.2f} {t.a_request:>6}"
            f" {t.b_request:>6} {t.b_tools_raw:>7}  {t.b_plan_mode or '-':<9}  {t.message[:48]}"
        )
    s = result.summary()
    lines += [
        f"cumulative context: A {s['a_context']:,} vs B {s['b_context']:,} tokens (B = {s['context_ratio']:.1%} of A)",
        f"cumulative request incl. tools and history: A {s['a_request']:,} vs B {s['b_request']:,}"
        f" (B = {s['request_ratio']:.1%}); B median request {s['b_request_median']:g} tokens",
        f"tool definitions: A sends {s['a_tools_raw']:,} raw (~{s['a_tools_openai']:,} OpenAI approx.) every turn;"
        f" B median {s['b_tools_raw_median']:g}, max {s['b_tools_raw_max']:,} raw",
        f"cost without caching at ${result.price_per_million}/M input tokens (the request tokens above, tools as raw"
        f" JSON): A ${s['a_cost_usd']:.4f} vs B ${s['b_cost_usd']:.4f}",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    con = args.resources.enter_context(
        closing(snapshot(ensure_demo_database(args.db)))
    )  # scratch copies need a writable db
    ids = [resolve_athlete(con, a) for a in args.athlete] if args.athlete else athlete_ids(con)
    turns = len(load_script(args.script))
    with tqdm(total=turns * len(ids), desc="replay", unit="turn", disable=args.json) as bar:
        results = replay_requests(  # issue 28: the exact requests too, for the caching figures
            con,
            ids,
            script=args.script,
            budgets=budgets_from_args(args),  # issue 28
            encoding=args.encoding,
            price_per_million=args.price,
            on_turn=lambda _n: bar.update(1),
        )
    reports = [
        cache_report(r, q, encoding=args.encoding, price=args.price, cached_price=args.cached_price) for r, q in results
    ]
    emit(
        args,
        [{**r.to_dict(), "caching": c.to_dict()} for (r, _), c in zip(results, reports, strict=True)],
        "\n\n".join(render_replay(r) + "\n" + "\n".join(c.lines()) for (r, _), c in zip(results, reports, strict=True)),
    )
    return 0
