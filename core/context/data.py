"""Everything one message's context is built from, read once: a few small queries, then pure rendering.

Findings take 0.4-2.7 s to compute, far too slow per message. `athlete_findings` is the one place
that gets them: until materialized findings land, it computes them with `find_patterns` and keeps
them per database, athlete and data fingerprint, so a changed athlete is recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb

from core.analytics.alerts import Alert, athlete_alerts
from core.analytics.findings import Finding
from core.analytics.materialized import stored_findings
from core.context.topics import AthleteTerms, is_cross_training_name
from core.db import context as sql
from core.errors import NotFoundError
from core.plan.model import Plan
from core.workouts.sport import Activity, load_activities

RECENT_DAYS = 14
DAILY_DAYS = 42  # 28 for the chronic window + 14 days of ratios for the overload alert

_FINDINGS: dict[tuple[Any, ...], list[Finding]] = {}


def athlete_findings(
    con: duckdb.DuckDBPyConnection, athlete_id: int, fingerprint: Sequence[str] | None = None
) -> list[Finding]:
    """Every pattern finding of the athlete, strongest first (cached until the athlete's data changes)."""
    if fingerprint is None:
        facts = sql.athlete_facts(con, athlete_id)
        fingerprint = facts["fingerprint"] if facts else ()
    key: tuple[Any, ...] = (athlete_id, tuple(fingerprint))
    if fingerprint and fingerprint[0] == "":  # an in-memory database has no path: key it by connection
        key += (id(con),)
    if key not in _FINDINGS:
        _FINDINGS[key] = stored_findings(con, athlete_id)
    return _FINDINGS[key]


@dataclass(frozen=True)
class DayRow:
    """One calendar day: session-RPE load and ACR (core.analytics.load's), cardio minutes, health and nutrition."""

    day: date
    load: float | None  # None: a workout without RPE, so the day's load is unknown (as the analytics say)
    acr: float | None  # coupled acute:chronic ratio of core.analytics.load; None until 28 days of history
    cardio_min: float
    sleep_hours: float | None
    deep_sleep_pct: float | None
    hrv_ms: float | None
    resting_hr: int | None
    calories: int | None
    protein_g: int | None


@dataclass(frozen=True)
class ContextData:
    """One athlete as of their data's 'today': profile, the last 14 days of activities, 42 days of days."""

    athlete_id: int
    handle: str
    phase: str
    units: str
    sports: tuple[str, ...]
    as_of: date
    first_day: date | None
    weight_kg: float | None  # latest body weight, for the protein target
    activities: tuple[Activity, ...]  # top-level, oldest first, brick legs inside
    titles: dict[int, str]
    days: tuple[DayRow, ...]  # oldest first, ends at as_of
    findings: tuple[Finding, ...]
    alerts: tuple[Alert, ...] = ()  # core.analytics.alerts, most severe first

    @property
    def today(self) -> DayRow:
        return self.days[-1]


def load_context_data(con: duckdb.DuckDBPyConnection, athlete_id: int, *, with_findings: bool = True) -> ContextData:
    """Read what the context needs; NotFoundError for an unknown athlete."""
    facts = sql.athlete_facts(con, athlete_id)
    if facts is None:
        raise NotFoundError(f"athlete_id {athlete_id!r} not found; expected an existing athlete id")
    as_of = facts["as_of"]
    activities = tuple(load_activities(con, athlete_id, as_of - timedelta(days=RECENT_DAYS - 1), as_of))
    labels = sql.activity_labels(con, athlete_id, [a.activity_id for a in activities])
    days = tuple(DayRow(**row) for row in sql.daily_series(con, athlete_id, as_of, DAILY_DAYS))
    return ContextData(
        athlete_id=athlete_id,
        handle=facts["handle"],
        phase=facts["phase"],
        units=facts["units"],
        sports=tuple(facts["sports"] or ()),
        as_of=as_of,
        first_day=facts["first_day"],
        weight_kg=facts["weight_kg"],
        activities=activities,
        titles={aid: lab["title"] for aid, lab in labels.items() if lab["title"]},
        days=days,
        findings=tuple(athlete_findings(con, athlete_id, facts["fingerprint"])) if with_findings else (),
        alerts=tuple(athlete_alerts(con, [athlete_id]).get(athlete_id, [])),
    )


def training_terms(plan: Plan, activities: Sequence[Activity]) -> AthleteTerms:
    """The athlete's own words: exercise and circuit-member names in the plan and recent history, and the
    labels of plan days that hold lifting (`Upper A`, `Bodyweight B`), as training talk; a circuit whose
    name is cross-training talk (`Mobility Flow`) and its moves (`Cat-Cow`) as cross-training talk, as
    every blind labeller had them."""
    names: list[str] = []
    mobility: list[str] = []
    for day in plan.days:
        lifting = [b for b in day.blocks if not b.is_session]
        for block in lifting:
            moves = [block.exercise, *(m.exercise for m in block.members)]
            (mobility if block.members and is_cross_training_name(block.exercise) else names).extend(moves)
        if lifting and day.focus:
            names.append(day.focus)
    names += [item.name for a in activities for leg in (a, *a.legs) for item in leg.exercises]
    cross = tuple(sorted(set(mobility)))
    return AthleteTerms(training=tuple(sorted(set(names) - set(cross))), cross_training=cross)
