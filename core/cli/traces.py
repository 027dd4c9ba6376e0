"""`python -m core export-traces`: the interaction log as OpenTelemetry GenAI spans (a JSON-lines file or OTLP).

python -m core export-traces --out traces.jsonl                    # every logged turn, one span per line
python -m core export-traces --athlete maya --out maya.jsonl       # one athlete
python -m core export-traces --otlp http://127.0.0.1:4318/v1/traces   # to Langfuse, Phoenix or a collector
python -m core export-traces --otlp http://127.0.0.1:4318/v1/traces --timeout 3   # give up sooner; exit 1 if not sent
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.chat.traces import TraceExportError, export_turns, json_lines_exporter, otlp_exporter
from core.cli import command_database, emit
from core.db.athletes import resolve_athlete
from core.db.traces import logged_turn_rows
from core.errors import CoachError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export-traces", help="the interaction log as OpenTelemetry GenAI spans (file or OTLP)")
    p.add_argument("--athlete", help="id or handle (default: every athlete)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="write JSON lines (one span per line) to this file")
    target.add_argument("--otlp", metavar="URL", help="send over OTLP/HTTP, e.g. http://127.0.0.1:4318/v1/traces")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="OTLP: seconds for the whole export, retries included (default 10); past it the command fails",
    )
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    con = command_database(args)
    athlete_id = resolve_athlete(con, args.athlete) if args.athlete else None
    frame = logged_turn_rows(con, athlete_id)
    if args.otlp:
        if not args.otlp.startswith(("http://", "https://")):
            raise CoachError(f"--otlp: expected an http(s) URL, got {args.otlp[:80]!r}")
        if not 0 < args.timeout <= 600:
            raise CoachError(f"--timeout {args.timeout:g}: expected seconds, more than 0 and at most 600")
        try:
            spans = export_turns(frame, otlp_exporter(args.otlp, timeout_s=args.timeout))
        except TraceExportError as exc:
            raise CoachError(f"--otlp {args.otlp}: {exc}; timeout {args.timeout:g} s") from None
        where = args.otlp
    else:
        with args.out.open("w", encoding="utf-8") as fh:
            spans = export_turns(frame, json_lines_exporter(fh))
        where = str(args.out)
    emit(args, {"turns": len(frame), "spans": spans, "target": where}, f"{len(frame)} turns, {spans} spans → {where}")
    return 0
