"""`patterns`: the cross-modality findings for one athlete (every family, or one), as text or --json.

python -m core patterns --athlete jordan
python -m core patterns --athlete tomas --family overload --days 56 --json
"""

from __future__ import annotations

import argparse

from core.analytics.patterns import FAMILIES, analyze_patterns
from core.cli import database, emit, positive_int
from core.db.athletes import resolve_athlete


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("patterns", help="cross-modality pattern findings for one athlete")
    p.add_argument("--athlete", required=True, help="athlete id or handle, e.g. jordan")
    p.add_argument("--family", choices=list(FAMILIES), help="one pattern family (default: all)")
    p.add_argument("--days", type=positive_int, default=None, help="only the last N days (default: all history)")
    p.add_argument("--json", action="store_true", help="print findings as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with database(args) as con:
        athlete_id = resolve_athlete(con, args.athlete)
        report = analyze_patterns(con, athlete_id, args.days)
    results = [r for r in report.families if args.family in (None, r.family)]
    payload = {**report.to_dict(), "families": [r.to_dict() for r in results]}
    lines = []
    for result in results:
        if result.findings:
            for f in result.findings:
                ci = "" if f.ci_low is None else f", 95% CI {f.ci_low:g}..{f.ci_high:g}"
                lines.append(f"{result.family:<13} {f.summary}  [{f.effect:g} {f.unit}, n={f.n}{ci}]")
        else:
            lines.append(f"{result.family:<13} no finding ({result.note})")
    emit(args, payload, "\n".join(lines))
    return 0
