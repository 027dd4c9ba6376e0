"""Per-sport one-liners from the tiered-context document: S: R: C: W: Y: M: and multi-workout days.

    S:65m|5200kg|chest,quads Bench(3×16@315#PR),Squat(4×8@405)
    R:45m|6.2mi|9:42/mi|Z2:32m,Z3:8m|+420ft|hr156avg
    C:90m|28.4mi|18.9mph|Z2:65m,Z3:20m|np185w|+1250ft|hr140avg
    W:35m|1650yd|2:08/100|free:28,back:4|spm24|swolf72
    Y:45m|vinyasa|hips,shoulders|rpe4
    M:120m[C:45m|15mi][R:35m|4mi|8:45/mi]T1:4m,T2:3m

Distances are stored in metres; lbs athletes read miles and feet, kg athletes
kilometres and metres; swims are in yards, like the seed. Values are rounded
once, in `sport_line`, into a `SportLine`; `parse_sport_line` reads the text
back to that same `SportLine` (lossless at the rendered precision). Strength
volume stays in kg, as the `volume_kg` column and the seed's example have it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import duckdb

from core.db import program as sql
from core.errors import NotationError
from core.quoting import escape_chars, find_unescaped, split_unescaped, unescape
from core.workouts.scalars import format_clock, format_number

METRES_PER_MILE = 1609.344
METRES_PER_YARD = 0.9144
FEET_PER_METRE = 3.28084
TYPE_CODES = {"strength": "S", "run": "R", "ride": "C", "swim": "W", "yoga": "Y", "multi": "M", "other": "O"}

_NAME_SPECIAL = frozenset('\\"|[](),#@× ') - {" "}
_LIST_SPECIAL = frozenset('\\"|[](),#@× ')


@dataclass(frozen=True)
class StrengthItem:
    """An exercise of a strength activity: top set (sets × reps @ weight), PR flag."""

    name: str
    sets: int
    reps: int
    weight: float | None = None
    is_pr: bool = False


@dataclass(frozen=True)
class Activity:
    """One row of `activities` with its strength exercises, swim laps and (for a brick) its legs."""

    activity_id: int
    type: str
    start_time: datetime
    duration_min: float
    avg_hr: int | None = None
    distance_m: float | None = None
    elevation_gain_m: float | None = None
    zones_min: tuple[float | None, ...] = (None, None, None, None, None)
    normalized_power_w: int | None = None
    strokes_per_min: int | None = None
    swolf: int | None = None
    volume_kg: float | None = None
    muscle_groups: tuple[str, ...] = ()
    yoga_style: str | None = None
    focus_areas: tuple[str, ...] = ()
    rpe: float | None = None
    transition_before_min: float | None = None
    exercises: tuple[StrengthItem, ...] = ()
    laps: tuple[tuple[str, int], ...] = ()
    legs: tuple[Activity, ...] = ()


@dataclass(frozen=True)
class SportLine:
    """The rendered values of one activity; `parse_sport_line(format_sport_line(x)) == x`."""

    kind: str
    minutes: int
    distance: float | None = None
    distance_unit: str | None = None
    pace_s: int | None = None
    speed: float | None = None
    zones: tuple[tuple[int, int], ...] = ()
    elevation: int | None = None
    elevation_unit: str | None = None
    avg_hr: int | None = None
    np_w: int | None = None
    laps: tuple[tuple[str, int], ...] = ()
    spm: int | None = None
    swolf: int | None = None
    volume_kg: int | None = None
    muscles: tuple[str, ...] = ()
    exercises: tuple[StrengthItem, ...] = ()
    style: str | None = None
    focus: tuple[str, ...] = ()
    rpe: float | None = None
    legs: tuple[SportLine, ...] = field(default=())
    transitions: tuple[int, ...] = ()


# ---------------------------------------------------------------- activity → rendered values


def _round1(value: float) -> float:
    return round(value + 0.0, 1)


def sport_line(activity: Activity, units: str) -> SportLine:
    """Convert and round an activity once, in the athlete's units (lbs → mi/ft, kg → km/m)."""
    kind = TYPE_CODES[activity.type]
    minutes = round(activity.duration_min)
    line = SportLine(kind, minutes)
    zones = tuple((i + 1, round(z)) for i, z in enumerate(activity.zones_min) if z is not None and round(z) > 0)
    hr = activity.avg_hr
    if kind in ("R", "C", "O"):  # O: an imported walk, hike, row... (distance, zones, HR; no pace)
        unit, per = ("mi", METRES_PER_MILE) if units == "lbs" else ("km", 1000.0)
        distance = _round1(activity.distance_m / per) if activity.distance_m else None
        pace = speed = None
        if activity.distance_m and activity.duration_min:
            raw = activity.distance_m / per
            if kind == "R":
                pace = round(activity.duration_min * 60 / raw)
            elif kind == "C":
                speed = _round1(raw / (activity.duration_min / 60))
        elev = None
        elev_unit = None
        if activity.elevation_gain_m is not None:
            elev_unit = "ft" if units == "lbs" else "m"
            elev = round(activity.elevation_gain_m * (FEET_PER_METRE if units == "lbs" else 1))
        np_w = activity.normalized_power_w if kind == "C" else None
        line = replace(
            line,
            distance=distance,
            distance_unit=unit if distance is not None else None,
            pace_s=pace,
            speed=speed,
            zones=zones,
            elevation=elev,
            elevation_unit=elev_unit,
            avg_hr=hr,
            np_w=np_w,
        )
    elif kind == "W":
        yards = round(activity.distance_m / METRES_PER_YARD) if activity.distance_m else None
        pace = round(activity.duration_min * 60 / (yards / 100)) if yards else None
        line = replace(
            line,
            distance=float(yards) if yards is not None else None,
            distance_unit="yd" if yards else None,
            pace_s=pace,
            laps=activity.laps,
            spm=activity.strokes_per_min,
            swolf=activity.swolf,
        )
    elif kind == "S":
        volume = round(activity.volume_kg) if activity.volume_kg is not None else None
        line = replace(line, volume_kg=volume, muscles=activity.muscle_groups, exercises=activity.exercises)
    elif kind == "Y":
        rpe = _round1(activity.rpe) if activity.rpe is not None else None
        line = replace(line, style=activity.yoga_style, focus=activity.focus_areas, rpe=rpe)
    elif kind == "M":
        legs = tuple(sport_line(leg, units) for leg in activity.legs)
        transitions = tuple(round(leg.transition_before_min or 0) for leg in activity.legs[1:])
        line = replace(line, legs=legs, transitions=transitions)
    return line


# ---------------------------------------------------------------- rendering


def _zones(zones: tuple[tuple[int, int], ...]) -> str:
    return ",".join(f"Z{z}:{m}m" for z, m in zones)


def _list(items: tuple[str, ...]) -> str:
    return ",".join(escape_chars(i, _LIST_SPECIAL) for i in items)


def _strength_item(item: StrengthItem) -> str:
    text = f"{escape_chars(item.name, _NAME_SPECIAL)}({item.sets}×{item.reps}"
    if item.weight is not None:
        text += "@" + format_number(item.weight)
    return text + ("#PR" if item.is_pr else "") + ")"


def format_sport_line(line: SportLine) -> str:
    """The one-liner of a SportLine (fields without a value are left out)."""
    head = f"{line.kind}:{line.minutes}m"
    if line.kind == "M":
        legs = "".join(f"[{format_sport_line(leg)}]" for leg in line.legs)
        trans = ",".join(f"T{i}:{m}m" for i, m in enumerate(line.transitions, start=1))
        return head + legs + trans
    parts = [head]
    if line.kind in ("R", "C", "W", "O"):
        if line.distance is not None:
            parts.append(f"{format_number(line.distance)}{line.distance_unit}")
        if line.kind == "R" and line.pace_s is not None:
            parts.append(f"{format_clock(line.pace_s)}/{line.distance_unit or 'mi'}")
        if line.kind == "C" and line.speed is not None:
            parts.append(f"{format_number(line.speed)}{'mph' if line.distance_unit != 'km' else 'kmh'}")
        if line.kind == "W":
            if line.pace_s is not None:
                parts.append(f"{format_clock(line.pace_s)}/100")
            if line.laps:
                parts.append(",".join(f"{s}:{n}" for s, n in line.laps))
            if line.spm is not None:
                parts.append(f"spm{line.spm}")
            if line.swolf is not None:
                parts.append(f"swolf{line.swolf}")
        if line.zones:
            parts.append(_zones(line.zones))
        if line.np_w is not None:
            parts.append(f"np{line.np_w}w")
        if line.elevation is not None:
            parts.append(f"+{line.elevation}{line.elevation_unit}")
        if line.avg_hr is not None:
            parts.append(f"hr{line.avg_hr}avg")
        return "|".join(parts)
    if line.kind == "Y":
        parts += [escape_chars(line.style or "", _LIST_SPECIAL), _list(line.focus)]
        if line.rpe is not None:
            parts.append(f"rpe{format_number(line.rpe)}")
        return "|".join(parts)
    if line.volume_kg is not None:
        parts.append(f"{line.volume_kg}kg")
    if line.muscles:
        parts.append(_list(line.muscles))
    text = "|".join(parts)
    if line.exercises:
        text += " " + ",".join(_strength_item(e) for e in line.exercises)
    return text


# ---------------------------------------------------------------- parsing

_PACE_RE = re.compile(r"(\d+):(\d{2})/(mi|km|100)")


def _parse_clock(m: re.Match[str]) -> int:
    return int(m[1]) * 60 + int(m[2])


def _parse_strength_items(text: str) -> tuple[StrengthItem, ...]:
    items = []
    for part in split_unescaped(text, ","):
        paren = find_unescaped(part, "(")
        m = re.fullmatch(r"\((\d+)×(\d+)(?:@([0-9.eE+-]+))?(#PR)?\)", part[paren:]) if paren != -1 else None
        if not m:
            raise NotationError(f"strength exercise {part!r}: expected Name(sets×reps@weight[#PR])")
        weight = float(m[3]) if m[3] else None
        items.append(StrengthItem(unescape(part[:paren]), int(m[1]), int(m[2]), weight, bool(m[4])))
    return tuple(items)


def _parse_list(text: str) -> tuple[str, ...]:
    return tuple(unescape(p) for p in split_unescaped(text, ",")) if text else ()


def parse_sport_line(text: str) -> SportLine:
    """Read a one-liner back into its SportLine."""
    m = re.match(r"([SRCWYMO]):(\d+)m", text)
    if not m:
        raise NotationError(f"one-liner {text!r}: expected it to start like R:45m")
    kind, minutes = m[1], int(m[2])
    rest = text[m.end() :]
    if kind == "M":
        legs = []
        while rest.startswith("["):
            close = find_unescaped(rest, "]")
            legs.append(parse_sport_line(rest[1:close]))
            rest = rest[close + 1 :]
        transitions = tuple(int(t) for _, t in re.findall(r"T(\d+):(\d+)m", rest))
        return SportLine("M", minutes, legs=tuple(legs), transitions=transitions)
    exercises: tuple[StrengthItem, ...] = ()
    if kind == "S":
        space = find_unescaped(rest, " ")
        if space != -1:
            exercises = _parse_strength_items(rest[space + 1 :])
            rest = rest[:space]
    fields = split_unescaped(rest, "|")[1:] if rest else []
    line = SportLine(kind, minutes, exercises=exercises)
    if kind == "Y":
        if len(fields) < 2:
            raise NotationError(f"one-liner {text!r}: expected Y:<min>m|style|focus")
        line = replace(line, style=unescape(fields[0]) or None, focus=_parse_list(fields[1]))
        fields = fields[2:]
    for f in fields:
        if dm := re.fullmatch(r"(\d+(?:\.\d+)?)(mi|km|yd)", f):
            line = replace(line, distance=float(dm[1]), distance_unit=dm[2])
        elif pm := _PACE_RE.fullmatch(f):
            line = replace(line, pace_s=_parse_clock(pm))
        elif sm := re.fullmatch(r"(\d+(?:\.\d+)?)(mph|kmh)", f):
            line = replace(line, speed=float(sm[1]))
        elif re.fullmatch(r"Z\d:\d+m(,Z\d:\d+m)*", f):
            line = replace(line, zones=tuple((int(z), int(n)) for z, n in re.findall(r"Z(\d):(\d+)m", f)))
        elif em := re.fullmatch(r"\+(\d+)(ft|m)", f):
            line = replace(line, elevation=int(em[1]), elevation_unit=em[2])
        elif hm := re.fullmatch(r"hr(\d+)avg", f):
            line = replace(line, avg_hr=int(hm[1]))
        elif nm := re.fullmatch(r"np(\d+)w", f):
            line = replace(line, np_w=int(nm[1]))
        elif sp := re.fullmatch(r"spm(\d+)", f):
            line = replace(line, spm=int(sp[1]))
        elif sw := re.fullmatch(r"swolf(\d+)", f):
            line = replace(line, swolf=int(sw[1]))
        elif rp := re.fullmatch(r"rpe(\d+(?:\.\d+)?)", f):
            line = replace(line, rpe=float(rp[1]))
        elif vm := re.fullmatch(r"(\d+)kg", f):
            line = replace(line, volume_kg=int(vm[1]))
        elif kind == "W" and re.fullmatch(r"[a-z]+:\d+(,[a-z]+:\d+)*", f):
            line = replace(line, laps=tuple((s, int(n)) for s, n in re.findall(r"([a-z]+):(\d+)", f)))
        elif kind == "S":
            line = replace(line, muscles=_parse_list(f))
        else:
            raise NotationError(f"one-liner {text!r}: unknown field {f!r}")
    return line


# ---------------------------------------------------------------- days


def date_label(day: date) -> str:
    """'Dec 15'."""
    return f"{day:%b} {day.day}"


def clock_label(moment: datetime) -> str:
    """'6:30 AM' (the seed's %I:%M %p without the leading zero)."""
    return moment.strftime("%I:%M %p").lstrip("0")


@dataclass(frozen=True)
class DayEntry:
    """One activity of a day as rendered: its clock time and its one-liner values."""

    clock: str
    line: SportLine


def format_activity_day(day: date, entries: list[DayEntry], with_date: bool = False) -> str:
    """The seed's multi-workout day: `Dec 15: 2 sessions` then `  1. 6:30 AM - R:…`.

    A day with one activity is its one-liner (prefixed `Dec 15: ` when `with_date`, as in a log).
    """
    if len(entries) == 1:
        text = format_sport_line(entries[0].line)
        return f"{date_label(day)}: {text}" if with_date else text
    lines = [f"{date_label(day)}: {len(entries)} sessions"]
    lines += [f"  {i}. {e.clock} - {format_sport_line(e.line)}" for i, e in enumerate(entries, start=1)]
    return "\n".join(lines)


def parse_day(text: str) -> tuple[str | None, list[DayEntry]]:
    """Read a day back: ('Dec 15' or None, entries). A lone one-liner has no clock time."""
    lines = text.split("\n")
    m = re.fullmatch(r"([A-Z][a-z]{2} \d{1,2}): (\d+) sessions", lines[0])
    if m:
        entries = []
        for i, line in enumerate(lines[1:], start=1):
            em = re.fullmatch(rf"  {i}\. (\d{{1,2}}:\d{{2}} [AP]M) - (.*)", line)
            if not em:
                raise NotationError(f"day line {line!r}: expected '  {i}. 6:30 AM - R:…'")
            entries.append(DayEntry(em[1], parse_sport_line(em[2])))
        if len(entries) != int(m[2]):
            raise NotationError(f"day {m[1]}: header says {m[2]} sessions, found {len(entries)}")
        return m[1], entries
    dm = re.match(r"([A-Z][a-z]{2} \d{1,2}): ", text)
    if dm:
        return dm[1], [DayEntry("", parse_sport_line(text[dm.end() :]))]
    return None, [DayEntry("", parse_sport_line(text))]


# ---------------------------------------------------------------- loading


def load_activities(con: duckdb.DuckDBPyConnection, athlete_id: int, since: date, until: date) -> list[Activity]:
    """Top-level activities of the athlete between two days (inclusive), legs folded into their brick."""
    rows = sql.activity_rows(con, athlete_id, since, until)
    ids = [r[0] for r in rows]
    exercises: dict[int, list[StrengthItem]] = {}
    for aid, name, sets, reps, weight, is_pr in sql.strength_exercise_rows(con, ids):
        exercises.setdefault(aid, []).append(
            StrengthItem(name, int(sets), int(reps), None if weight is None else float(weight), bool(is_pr))
        )
    laps: dict[int, list[tuple[str, int]]] = {}
    for aid, stroke, n in sql.swim_lap_rows(con, ids):
        laps.setdefault(aid, []).append((stroke, int(n)))
    built: dict[int, Activity] = {}
    parents: dict[int, int | None] = {}
    for r in rows:
        (
            aid,
            typ,
            start,
            dur,
            hr,
            dist,
            elev,
            z1,
            z2,
            z3,
            z4,
            z5,
            np_w,
            spm,
            swolf,
            vol,
            muscles,
            style,
            focus,
            rpe,
            parent,
            _order,
            trans,
        ) = r
        built[aid] = Activity(
            aid,
            typ,
            start,
            float(dur),
            hr,
            dist,
            elev,
            (z1, z2, z3, z4, z5),
            np_w,
            spm,
            swolf,
            vol,
            tuple(muscles or ()),
            style,
            tuple(focus or ()),
            rpe,
            trans,
            tuple(exercises.get(aid, ())),
            tuple(laps.get(aid, ())),
        )
        parents[aid] = parent
    legs: dict[int, list[Activity]] = {}
    for aid, parent in parents.items():
        if parent is not None:
            legs.setdefault(parent, []).append(built[aid])
    return [replace(a, legs=tuple(legs.get(aid, ()))) for aid, a in built.items() if parents[aid] is None]


def activity_log(activities: list[Activity], units: str) -> str:
    """Every day with activities, oldest first: `Dec 15: R:…` or the multi-workout block."""
    days: dict[date, list[DayEntry]] = {}
    for a in activities:
        days.setdefault(a.start_time.date(), []).append(DayEntry(clock_label(a.start_time), sport_line(a, units)))
    return "\n".join(format_activity_day(d, entries, with_date=True) for d, entries in sorted(days.items()))


def recent_activity_log(con: duckdb.DuckDBPyConnection, athlete_id: int, as_of: date, days: int = 7) -> str:
    """The last `days` days up to `as_of`, as an activity log."""
    from core.db.athletes import find_athlete

    units = find_athlete(con, athlete_id).units
    return activity_log(load_activities(con, athlete_id, as_of - timedelta(days=days - 1), as_of), units)
