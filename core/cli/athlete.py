"""`athlete add`: an athlete from nothing (no plan, no history), ready for `import`.

python -m core athlete add --handle sam --name "Sam Rivera" --time-zone Europe/Ljubljana
python -m core athlete add --handle kim --units lbs --sports run ride --max-hr 184 --json
"""

from __future__ import annotations

import argparse

from core.cli import command_database, emit
from core.db.athletes import find_athlete
from core.imports.athlete import PHASES, UNITS, add_athlete
from core.imports.sports import TYPES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("athlete", help="add an athlete")
    actions = p.add_subparsers(dest="athlete_action", metavar="ACTION", required=True)
    q = actions.add_parser("add", help="create an athlete with no plan and no history")
    q.add_argument("--handle", required=True, help="short lower-case name used by --athlete, e.g. 'sam'")
    q.add_argument("--name", help="display name (default: the handle)")
    q.add_argument("--time-zone", default="UTC", help="IANA time zone of imported start times (default UTC)")
    q.add_argument("--units", choices=UNITS, default="kg", help="units the athlete logs weights in")
    q.add_argument("--phase", choices=PHASES, default="BASE", type=str.upper, help="training phase")
    q.add_argument("--sports", nargs="*", choices=TYPES, default=[], help="sports they do")
    q.add_argument("--max-hr", type=int, default=190, help="maximum heart rate, bpm (splits HR zones; default 190)")
    q.add_argument("--json", action="store_true", help="print the new athlete as JSON")
    q.set_defaults(handler=run_add)


def run_add(args: argparse.Namespace) -> int:
    con = command_database(args, write=True)
    athlete_id = add_athlete(
        con,
        handle=args.handle,
        name=args.name,
        time_zone=args.time_zone,
        units=args.units,
        phase=args.phase,
        sports=args.sports,
        max_hr=args.max_hr,
    )
    athlete = find_athlete(con, athlete_id)
    payload = {"athlete_id": athlete_id, "handle": athlete.handle, "name": athlete.name, "as_of": str(athlete.as_of)}
    emit(
        args,
        payload,
        f"added athlete {athlete.handle} (id {athlete_id}, {athlete.name}); import files with"
        f" `python -m core import --athlete {athlete.handle} PATH...`",
    )
    return 0
