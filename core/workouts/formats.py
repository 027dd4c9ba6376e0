"""The same workout data as verbose, compact, ultra, minified JSON and TOON, with exact token counts.

`get_workout_data` is what the Tier 3 tool of the same name returns; `token_table`
is what the page, the CLI, the benchmark and the tests all measure with, so
their figures cannot disagree. JSON and TOON carry the same fields as the
dataclasses, leaving out empty ones (None, no sets, not skipped) the way the
compact notations do, so the comparison is like for like.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import toon_format

from core.db.athletes import Athlete, find_athlete
from core.errors import CoachError
from core.tokens import DEFAULT_ENCODING, count_tokens
from core.workouts.levels import LEVELS, format_level
from core.workouts.program import Program, Scope, load_program, parse_scope, select_scope

FORMATS = ("verbose", "compact", "ultra", "json", "toon")
FORMAT_LABELS = {"verbose": "verbose", "compact": "compact", "ultra": "ultra", "json": "JSON", "toon": "TOON"}


@dataclass(frozen=True)
class WorkoutData:
    """One athlete's program cut to a scope; a session scope holds one week with that one session."""

    athlete: Athlete
    scope: Scope
    program: Program

    @property
    def session_only(self) -> bool:
        return self.scope.kind == "session"


@dataclass(frozen=True)
class TokenRow:
    """Tokens and characters of one format, and its share of the verbose baseline."""

    format: str
    tokens: int
    chars: int
    ratio: float

    @property
    def reduction_pct(self) -> float:
        return round(100 * (1 - self.ratio), 1)


@dataclass(frozen=True)
class LevelChoice:
    """The most readable level that fits a budget (None when even ultra does not), with every level's count."""

    level: str | None
    budget: int
    tokens: dict[str, int]

    @property
    def message(self) -> str:
        counts = ", ".join(f"{lvl} {n}" for lvl, n in self.tokens.items())
        if self.level is None:
            return f"no level fits {self.budget} tokens ({counts})"
        return f"{self.level} fits {self.budget} tokens ({counts})"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        out = {}
        for f in dataclasses.fields(value):
            item = _plain(getattr(value, f.name))
            if item is None or item == [] or item is False:
                continue
            out[f.name] = item
        return out
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def data_dict(program: Program, session_only: bool = False) -> dict[str, Any]:
    """The data as plain JSON values (the session alone for a session scope)."""
    plain: dict[str, Any] = _plain(program.weeks[0].sessions[0] if session_only else program)
    return plain


def format_json(program: Program, session_only: bool = False) -> str:
    """Minified JSON (no spaces, UTF-8 kept)."""
    return json.dumps(data_dict(program, session_only), separators=(",", ":"), ensure_ascii=False)


def format_toon(program: Program, session_only: bool = False) -> str:
    """TOON via the official `toon-format` package (tabular arrays where rows are uniform)."""
    return toon_format.encode(data_dict(program, session_only))


def render(program: Program, fmt: str, session_only: bool = False) -> str:
    """The text of `program` in one of FORMATS."""
    if fmt in LEVELS:
        return format_level(program, fmt, session_only)
    if fmt == "json":
        return format_json(program, session_only)
    if fmt == "toon":
        return format_toon(program, session_only)
    raise CoachError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")


def load_workout_data(con: duckdb.DuckDBPyConnection, athlete: int | str, scope: str | Scope) -> WorkoutData:
    """Read the athlete's program from DuckDB and cut it to `scope` ('full_program', 'week:3', …)."""
    who = find_athlete(con, athlete)
    wanted = parse_scope(scope) if isinstance(scope, str) else scope
    program = load_program(con, who.athlete_id)
    return WorkoutData(who, wanted, select_scope(program, wanted, who.as_of))


def render_data(data: WorkoutData, fmt: str) -> str:
    """The text of a scoped WorkoutData in one of FORMATS."""
    return render(data.program, fmt, data.session_only)


def get_workout_data(con: duckdb.DuckDBPyConnection, athlete_id: int, scope: str, fmt: str = "compact") -> str:
    """What the Tier 3 tool returns: the scoped program as text in `fmt`.

    Raises NotFoundError for an unknown athlete, week or session and CoachError for a bad scope or format.
    """
    if fmt not in FORMATS:
        raise CoachError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return render_data(load_workout_data(con, athlete_id, scope), fmt)


def token_table(data: WorkoutData, encoding: str = DEFAULT_ENCODING) -> list[TokenRow]:
    """One row per format, in FORMATS order; ratio = tokens / verbose tokens."""
    texts = {fmt: render_data(data, fmt) for fmt in FORMATS}
    counts = {fmt: count_tokens(text, encoding) for fmt, text in texts.items()}
    base = counts["verbose"] or 1
    return [TokenRow(fmt, counts[fmt], len(texts[fmt]), round(counts[fmt] / base, 4)) for fmt in FORMATS]


def pick_level(data: WorkoutData | Program, budget: int, encoding: str = DEFAULT_ENCODING) -> LevelChoice:
    """The most readable level (verbose, then compact, then ultra) whose text fits in `budget` tokens."""
    if isinstance(data, WorkoutData):
        program, session_only = data.program, data.session_only
    else:
        program, session_only = data, False
    tokens: dict[str, int] = {}
    for level in LEVELS:
        tokens[level] = count_tokens(format_level(program, level, session_only), encoding)
        if tokens[level] <= budget:
            return LevelChoice(level, budget, tokens)
    return LevelChoice(None, budget, tokens)


def representative_scopes(program: Program, as_of: date) -> list[Scope]:
    """The four scope kinds for one athlete: the whole program, week 1, the session of `as_of`
    (else the first session of the current week) and the current week. None for an athlete with no program
    (only imported activities)."""
    if not program.weeks:
        return []
    current = select_scope(program, Scope("current_week"), as_of).weeks[0]
    today = [s for s in current.sessions if s.scheduled == as_of] or list(current.sessions)
    scopes = [Scope("full_program"), Scope("week", week=program.weeks[0].number)]
    if today:
        scopes.append(Scope("session", session_id=today[0].session_id))
    scopes.append(Scope("current_week"))
    return scopes


def athlete_scope_tables(
    con: duckdb.DuckDBPyConnection, athlete: int | str, encoding: str = DEFAULT_ENCODING
) -> list[tuple[WorkoutData, list[TokenRow]]]:
    """The token table of every representative scope of one athlete."""
    who = find_athlete(con, athlete)
    program = load_program(con, who.athlete_id)
    out = []
    for scope in representative_scopes(program, who.as_of):
        data = WorkoutData(who, scope, select_scope(program, scope, who.as_of))
        out.append((data, token_table(data, encoding)))
    return out


@dataclass(frozen=True)
class TargetCheck:
    """One promised figure: `value` must be at most `limit` (or strictly below when `strict`)."""

    athlete: str
    scope: str
    claim: str
    value: float
    limit: float
    strict: bool = False

    @property
    def ok(self) -> bool:
        return self.value < self.limit if self.strict else self.value <= self.limit


def target_checks(data: WorkoutData, rows: list[TokenRow]) -> list[TargetCheck]:
    """The issue's targets for one scope: compact ≤ 0.60 and ultra ≤ 0.40 × verbose where they apply,
    and ultra below compact, JSON and TOON everywhere."""
    by = {r.format: r for r in rows}
    who, scope = data.athlete.handle, str(data.scope)
    checks = []
    if data.scope.kind == "current_week":
        checks.append(TargetCheck(who, scope, "compact/verbose ≤ 0.60", by["compact"].ratio, 0.60))
    if data.scope.kind in ("current_week", "full_program"):
        checks.append(TargetCheck(who, scope, "ultra/verbose ≤ 0.40", by["ultra"].ratio, 0.40))
    for other in ("compact", "json", "toon"):
        checks.append(
            TargetCheck(who, scope, f"ultra < {FORMAT_LABELS[other]}", by["ultra"].tokens, by[other].tokens, True)
        )
    return checks


def round_trips(data: WorkoutData) -> dict[str, bool]:
    """Whether compact and ultra text of `data` read back to exactly the same data."""
    from core.workouts.compact import format_compact, parse_compact, parse_compact_session
    from core.workouts.ultra import format_ultra, parse_ultra

    program = data.program
    if data.session_only:
        week = program.weeks[0]
        compact_ok = (
            parse_compact_session(format_compact(program, True), week=week.number, anchor=week.start)
            == week.sessions[0]
        )
    else:
        year = program.weeks[0].start.year if program.weeks else 2000
        compact_ok = parse_compact(format_compact(program), units=program.units, year=year) == program
    return {"compact": compact_ok, "ultra": parse_ultra(format_ultra(program)) == program}


def scope_options(con: duckdb.DuckDBPyConnection, athlete: int | str) -> list[str]:
    """Scope strings a picker offers: current week, full program, every week, every session."""
    who = find_athlete(con, athlete)
    program = load_program(con, who.athlete_id)
    weeks = [f"week:{w.number}" for w in program.weeks]
    sessions = [f"session:{s.session_id}" for w in program.weeks for s in w.sessions]
    return ["current_week", "full_program", *weeks, *sessions]
