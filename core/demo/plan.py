"""Each demo athlete's weekly plan from its sports, and a realistic history of coach and AI edits over the weeks.

Version 1 (author 'import') holds the lifting sessions' exercises and circuits, then one
session block per cardio slot (run, ride, swim, yoga; a brick is a ride plus a run), so a
triathlete's week shows swims, rides and runs, not "Rest". Strength blocks are added
first, so their IDs (`b_1` …) are those of a strength-only plan. Then a few edits spread
over the demo period, alternately by the coach ("coach@demo", author 'coach') and by the
AI ("ai", author 'ai'): progressions, a target change with a note, a moved session, an
added recovery session. Everything goes through the one write path
(`core.plan.store.apply_ops`) with timestamps inside the demo period; same seed, same rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import duckdb

from core.demo.profiles import CardioSlot, Profile
from core.demo.strength import weight_str
from core.plan.model import DAY_IDS, SESSION_KINDS, SPORT_TITLES, Block, Day, Plan
from core.plan.store import apply_ops, load_plan, plan_head

COACH_ACTOR = "coach@demo"
AI_ACTOR = "ai"
# Heart-rate zone per slot kind; swims and yoga are planned by distance / duration alone.
ZONES = {"easy": "Z2", "long": "Z2", "tempo": "Z3", "intervals": "Z4"}
SESSION_NAMES = {"easy": "Easy", "long": "Long", "tempo": "Tempo", "intervals": "Intervals"}
SWIM_M_PER_MIN = 40  # an age-group pace with rest: 50 min ≈ 2000 m
BRICK_RIDE_SHARE = 2 / 3

Op = dict[str, Any]


def _weekday(profile: Profile, slot: CardioSlot, index: int) -> int:
    """The slot's planned weekday: fixed, the day of lifting session k (-k), or (0) spread over non-lifting days."""
    if slot.weekday > 0:
        return slot.weekday
    if slot.weekday < 0:
        return profile.sessions[-slot.weekday - 1].weekday
    lifting = {s.weekday for s in profile.sessions}
    free = [d for d in range(1, 8) if d not in lifting] or list(range(1, 8))
    return free[index % len(free)]


def _session_op(day_id: str, sport: str, kind: str, minutes: float) -> Op:
    """One add_block op for a cardio slot: swims by distance, yoga by duration, runs and rides by duration and zone."""
    op: Op = {"op": "add_block", "day_id": day_id, "kind": sport}
    if sport == "swim":
        return op | {"exercise": "Endurance", "distance_m": int(round(minutes * SWIM_M_PER_MIN, -2))}
    if sport == "yoga":
        return op | {"exercise": "Flow" if kind == "easy" else kind.capitalize(), "duration_min": int(minutes)}
    return (
        op
        | {"exercise": SESSION_NAMES.get(kind, kind.capitalize()), "duration_min": int(minutes)}
        | ({"target": ZONES[kind]} if kind in ZONES else {})
    )


def session_ops(profile: Profile) -> list[Op]:
    """add_block ops for every cardio slot of the profile, in slot order (a brick: a ride, then a run)."""
    ops: list[Op] = []
    for index, slot in enumerate(profile.cardio):
        day_id = DAY_IDS[_weekday(profile, slot, index) - 1]
        if slot.type == "brick":
            ride = round(slot.minutes * BRICK_RIDE_SHARE)
            ops += [
                _session_op(day_id, "ride", "easy", ride) | {"exercise": "Brick"},
                _session_op(day_id, "run", "easy", slot.minutes - ride) | {"exercise": "Brick"},
            ]
        else:
            ops.append(_session_op(day_id, slot.type, slot.kind, slot.minutes))
    return ops


def strength_ops(profile: Profile) -> list[Op]:
    """add_block ops for the lifting sessions' exercises (week-1 targets) and the circuits, day by day."""
    by_day = {s.weekday: s for s in profile.sessions}
    ops: list[Op] = []
    for weekday, day_id in enumerate(DAY_IDS, start=1):
        session = by_day.get(weekday)
        for number, ex in enumerate(session.exercises if session else ()):
            op = {
                "op": "add_block",
                "day_id": day_id,
                "exercise": ex.name,
                "sets": ex.sets,
                "reps": ex.reps,
                "weight": weight_str(ex.base_load, profile.units),
                "rest_s": 120 if ex.sets >= 4 else 90,
            }
            if profile.handle == "maya" and weekday == 1 and number == 0:
                op["notes"] = "Pause first rep on chest"
            ops.append(op)
        if weekday in profile.circuits:
            name, rounds, members = profile.circuits[weekday]
            ops.append(
                {
                    "op": "add_block",
                    "day_id": day_id,
                    "kind": "circuit",
                    "exercise": name,
                    "sets": rounds,
                    "rest_s": 60,
                    "notes": "Minimal rest between members",
                    "members": [{"exercise": m, "reps": r, "weight": w} for m, r, w in members],
                }
            )
    return ops


def focus_ops(profile: Profile) -> list[Op]:
    """Each day's label: the lifting session's name, else the day's sports ("Swim + Run"), else Rest."""
    lifting = {s.weekday: s.name for s in profile.sessions}
    sports: dict[str, list[str]] = {}
    for op in session_ops(profile):
        sports.setdefault(op["day_id"], [])
        if SPORT_TITLES[op["kind"]] not in sports[op["day_id"]]:
            sports[op["day_id"]].append(SPORT_TITLES[op["kind"]])
    circuits = set(profile.circuits)
    ops = []
    for weekday, day_id in enumerate(DAY_IDS, start=1):
        focus = (
            lifting.get(weekday)
            or " + ".join(sports.get(day_id, []))
            or ("Conditioning" if weekday in circuits else "Rest")
        )
        ops.append({"op": "set_day_focus", "day_id": day_id, "focus": focus})
    return ops


def initial_plan_ops(profile: Profile) -> list[Op]:
    """Version 1: day labels, strength blocks (so their IDs match a strength-only plan), then sessions."""
    return [*focus_ops(profile), *strength_ops(profile), *session_ops(profile)]


@dataclass(frozen=True)
class Edit:
    """One scripted edit of the history: who makes it and the ops it builds from the plan it sees (None: skip)."""

    author: str
    actor: str
    ops: Callable[[Plan, random.Random], list[Op] | None]


def _sessions(plan: Plan) -> list[tuple[Day, Block]]:
    return [(d, b) for d, _, b in plan.blocks() if b.kind in SESSION_KINDS]


def _progress(plan: Plan, rng: random.Random) -> list[Op] | None:
    """Coach: the week's longest session grows by about a tenth (distance for swims, else duration)."""
    sessions = _sessions(plan)
    if not sessions:
        return None
    _, block = max(sessions, key=lambda s: (s[1].duration_min or 0, s[1].distance_m or 0))
    if block.distance_m is not None and block.duration_min is None:
        return [{"op": "update_block", "block_id": block.block_id, "distance_m": block.distance_m + 200}]
    step = rng.choice((5, 10, 15))
    return [{"op": "update_block", "block_id": block.block_id, "duration_min": (block.duration_min or 0) + step}]


def _retarget(plan: Plan, rng: random.Random) -> list[Op] | None:
    """AI: an easy session becomes steady (Z2 → Z3) after good recovery, with a note saying why."""
    easy = [b for _, b in _sessions(plan) if b.target == "Z2"]
    if not easy:
        return None
    block = rng.choice(easy)
    note = "HRV up: Z3, ease off if HR drifts"
    renamed = {"exercise": "Steady"} if block.exercise == "Easy" else {}
    return [{"op": "update_block", "block_id": block.block_id, "target": "Z3", "notes": note} | renamed]


def _label_if_rest(day: Day, title: str) -> list[Op]:
    """A set_day_focus op naming what a former rest day now holds (none if the day had a real label)."""
    return [{"op": "set_day_focus", "day_id": day.day_id, "focus": title}] if day.focus in (None, "Rest") else []


def _move_to_quiet_day(plan: Plan, rng: random.Random) -> list[Op] | None:
    """Coach: a session moves off the busiest day to the quietest day without that sport, relabelling a rest day."""
    busiest = max(plan.days, key=lambda d: len(d.blocks))
    movable = [b for b in busiest.blocks if b.kind in SESSION_KINDS]
    if not movable:
        return None
    block = rng.choice(movable)
    quiet = [d for d in plan.days if d is not busiest and all(b.kind != block.kind for b in d.blocks)]
    if not quiet:
        return None
    target = min(quiet, key=lambda d: len(d.blocks))
    move = {"op": "move_block", "block_id": block.block_id, "day_id": target.day_id}
    return [move, *_label_if_rest(target, SPORT_TITLES[block.kind])]


def _recovery(plan: Plan, rng: random.Random) -> list[Op] | None:
    """AI: a short recovery session on the emptiest day, in the athlete's own lowest-impact sport."""
    sports = [b.kind for _, b in _sessions(plan)]
    sport = next((s for s in ("yoga", "swim", "ride", "run") if s in sports), None)
    if sport is None:
        return None
    day = min(plan.days, key=lambda d: len(d.blocks))
    op: Op = {"op": "add_block", "day_id": day.day_id, "kind": sport, "exercise": "Recovery"}
    if sport == "swim":
        op |= {"distance_m": 1000}
    else:
        op |= {"duration_min": rng.choice((20, 25, 30))} | ({} if sport == "yoga" else {"target": "Z1"})
    return [op, *_label_if_rest(day, "Recovery")]


HISTORY = (
    Edit("coach", COACH_ACTOR, _progress),
    Edit("ai", AI_ACTOR, _retarget),
    Edit("coach", COACH_ACTOR, _move_to_quiet_day),
    Edit("ai", AI_ACTOR, _recovery),
)


def write_plan_history(
    con: duckdb.DuckDBPyConnection, athlete_id: int, profile: Profile, *, seed: int, start: datetime, end: datetime
) -> str:
    """Write version 1 at `start`, then the HISTORY edits spread evenly before `end`; returns the head hash."""
    current = apply_ops(
        con, athlete_id, initial_plan_ops(profile), plan_head(con, athlete_id).plan_hash, "import", at=start
    )
    rng = random.Random(f"{seed}:plan:{athlete_id}")
    span = end - start
    for number, edit in enumerate(HISTORY, start=1):
        ops = edit.ops(load_plan(con, athlete_id), rng)
        if not ops:
            continue
        day = (start + span * number / (len(HISTORY) + 1)).date()
        at = datetime.combine(day, time(rng.randint(7, 19), rng.choice((0, 15, 30, 45))))
        current = apply_ops(con, athlete_id, ops, current, edit.author, at=at, actor=edit.actor)
    return current
