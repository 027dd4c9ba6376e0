"""The three readability levels by name, and how to read each (written once for tool descriptions)."""

from __future__ import annotations

from core.errors import CoachError
from core.workouts.compact import format_compact
from core.workouts.program import Program
from core.workouts.ultra import format_ultra
from core.workouts.verbose import format_verbose

LEVELS = ("verbose", "compact", "ultra")

# How to read each level, written once for a tool description rather than in every result.
READING_KEYS = {
    "compact": (
        'W<n> phase [start→end] "desc" <k>sess; S<n>:name {status C/P/N/S, <min>m, sch:MM-DD, cmp:MM-DDTHH:MM} '
        '"notes"; E<n>:name[group] sets×reps@load [done/total|0|S] |N:coach |U:athlete; sets '
        '<n>:<reps>@<weight>r<RIR>"note", +<k>pending.'
    ),
    "ultra": (
        "Header: units year r<usual RIR>; G code=group. Week/session/exercise fields that are not shown repeat "
        "the previous week's (same-numbered session's, same exercise's). S<n>[:name|]<status><min> <day> <time "
        "done>. Exercise: name[group]sets×reps@load(! = skipped state flipped): sets as reps, @weight if not the "
        "load, r<RIR> if not the usual; |N: coach |U: athlete notes."
    ),
}


def format_level(program: Program, level: str, session_only: bool = False) -> str:
    """The text of `program` at a readability level: verbose, compact or ultra."""
    if level == "verbose":
        return format_verbose(program, session_only)
    if level == "compact":
        return format_compact(program, session_only)
    if level == "ultra":
        return format_ultra(program, session_only)
    raise CoachError(f"level {level!r}: expected one of {', '.join(LEVELS)}")
