"""`import`: FIT, GPX, TCX (or .gz), Strava export folders or zips, and health CSVs into an athlete's data.

python -m core import --athlete sam ride.fit run.gpx.gz morning.tcx
python -m core import --athlete sam ~/Downloads/export_12345.zip --json
python -m core import --athlete sam health.csv     # columns: date, sleep_hours, hrv_ms, resting_hr

One line per file: imported, skipped (already there: same file, or the same activity; or a Strava export's
side files, ignored in one line) or refused (with the reason, e.g. a value out of range). Exit 0 when no
file was refused, 1 otherwise; a bad file never stops the others.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from core.cli import emit
from core.db import writing
from core.db.athletes import resolve_athlete
from core.demo.seeding import ensure_demo_database
from core.imports import import_sources, sources_from_paths


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("import", help="import activity files and health CSVs for an athlete")
    p.add_argument("--athlete", required=True, help="athlete id or handle (create one with `athlete add`)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files, folders or a Strava export .zip")
    p.add_argument("--json", action="store_true", help="print the outcome of every file as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = ensure_demo_database(args.db)
    with writing(path) as con:
        athlete_id = resolve_athlete(con, args.athlete)
    sources, refused = sources_from_paths(args.paths)
    with tqdm(total=len(sources), unit="file", desc="import", disable=None, leave=False, file=sys.stderr) as bar:
        report = import_sources(
            lambda: writing(path), athlete_id, sources, refused=refused, progress=lambda *_: bar.update()
        )
    counts = report.counts()
    summary = (
        f"{counts['imported']} imported, {counts['skipped']} skipped, {counts['refused']} refused:"
        f" {counts['activities']} activities, {counts['health_days']} health days added; as of {report.as_of}"
    )
    emit(args, report.to_dict(), "\n".join([*(f.line() for f in report.files), summary]))
    return 1 if counts["refused"] else 0
