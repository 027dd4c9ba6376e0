"""Each demo athlete's recurring weekly plan (week-1 targets of its sessions plus its circuits), as a `Plan` value.

It is written through the one write path (`core.plan.store.apply_ops`, author 'import'),
like any other plan, so IDs, hash, version 1 and counters are the write path's own.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from core.demo.profiles import Profile
from core.demo.strength import weight_str
from core.plan.model import DAY_IDS, Block, Day, Member, Plan
from core.plan.ops import plan_build_ops
from core.plan.store import apply_ops, plan_head


def weekly_plan(profile: Profile) -> Plan:
    """The profile's week: sessions' exercises as single blocks, then the day's circuit; days without either rest."""
    by_day = {s.weekday: s for s in profile.sessions}
    ids = {"block": 0, "member": 0}

    def next_id(kind: str) -> str:
        ids[kind] += 1
        return f"{kind[0]}_{ids[kind]}"

    days = []
    for weekday, day_id in enumerate(DAY_IDS, start=1):
        session = by_day.get(weekday)
        blocks = [
            Block(
                next_id("block"),
                "single",
                ex.name,
                ex.sets,
                ex.reps,
                weight_str(ex.base_load, profile.units),
                120 if ex.sets >= 4 else 90,
                "Pause first rep on chest" if profile.handle == "maya" and weekday == 1 and number == 0 else None,
            )
            for number, ex in enumerate(session.exercises if session else ())
        ]
        if weekday in profile.circuits:
            name, rounds, members = profile.circuits[weekday]
            block_id = next_id("block")
            blocks.append(
                Block(
                    block_id,
                    "circuit",
                    name,
                    rounds,
                    rest_s=60,
                    notes="Minimal rest between members",
                    members=tuple(Member(next_id("member"), m, r, w) for m, r, w in members),
                )
            )
        focus = session.name if session else ("Conditioning" if blocks else "Rest")
        days.append(Day(day_id, focus, tuple(blocks)))
    return Plan(days=tuple(days))


def write_weekly_plan(con: duckdb.DuckDBPyConnection, athlete_id: int, profile: Profile, at: datetime) -> str:
    """Write the profile's weekly plan as the athlete's next version (author 'import'); returns its hash."""
    ops = plan_build_ops(weekly_plan(profile))
    return apply_ops(con, athlete_id, ops, plan_head(con, athlete_id).plan_hash, "import", at=at)
