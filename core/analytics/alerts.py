"""Alerts and streaks a coach scans first, computed once here for the roster, the athlete's header and Tier 1.

Every rule is one row of `RULES`: its thresholds live there and nowhere else. A rule's daily condition
compares one day's value (or a rolling sum over `window_days`) with its threshold; the rule fires when
the condition has held on each of the last `run_days` days, and says since when: the first day of that
run. It ends the first day the condition fails. Table order is severity order: the roster lists alerts
in it, and Tier 1 keeps the first two, dropping the second before the first when over budget.

Load spikes read the acute:chronic ratio in the project's one default variant (`DEFAULT_ACR_VARIANT`,
coupled 7:28 session-RPE), the same number the Athletes page, Patterns and Tier 1 show.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from core.analytics.load import DEFAULT_ACR_VARIANT, HIGH_ACR, acr_column, daily_snapshots
from core.db.alerts import alert_day_rows, alert_profiles

HISTORY_DAYS = 42  # days read per athlete: a run longer than this is reported as this long


@dataclass(frozen=True)
class Rule:
    """One alert rule: the daily value is compared with `threshold` (over `window_days`), for `run_days` in a row."""

    key: str
    label: str  # a few words, for the roster and the rules table in docs/pages.md
    threshold: float
    unit: str
    window_days: int = 1
    run_days: int = 1
    reference: float | None = None  # the per-day amount a shortfall is measured from (sleep need, in hours)


RULES: tuple[Rule, ...] = (
    Rule("load_spike", "Load spike", HIGH_ACR, f"ACR ({DEFAULT_ACR_VARIANT})", run_days=2),
    Rule("missed_sessions", "Missed sessions", 2, "sessions in 7 days", window_days=7),
    Rule("sleep_debt", "Sleep debt", 5.0, "h under 8 h a night, over 7 nights", window_days=7, reference=8.0),
    Rule("protein_low", "Low protein", 1.6, "g per kg body weight a day", run_days=3),
    Rule("calories_low", "Low calories", 25, "kcal per kg body weight a day", run_days=3),
    Rule("sport_gap", "Sport not trained", 0, "sessions of that sport", run_days=7),
    Rule("training_streak", "Training streak", 0, "workouts a day", run_days=5),
)
RULE = {rule.key: rule for rule in RULES}


@dataclass(frozen=True)
class AlertDay:
    """What the rules read about one calendar day (None: not logged)."""

    day: date
    sports: frozenset[str] = frozenset()  # sports trained that day (brick legs as their sport)
    workouts: int = 0
    acr: float | None = None  # DEFAULT_ACR_VARIANT
    sleep_hours: float | None = None
    calories: int | None = None
    protein_g: int | None = None
    planned: int = 0  # program sessions scheduled that day
    missed: int = 0  # of those, skipped or never completed


@dataclass(frozen=True)
class Alert:
    """One alert that holds on the last day: `text` is short (Tier 1 reads it), `since` is when it began."""

    key: str
    text: str
    since: date
    days: int

    @property
    def label(self) -> str:
        """The rule's few words: 'Sleep debt'."""
        return RULE[self.key].label

    @property
    def dated(self) -> str:
        """The text with its start date, for pages: 'Protein <98g 3 days (since 17 Nov)'."""
        return f"{self.text} (since {self.since:%d %b})"


def _streak_length(held: Sequence[bool]) -> int:
    """How many of the last days in a row the condition held."""
    n = 0
    for value in reversed(held):
        if not value:
            break
        n += 1
    return n


def _rolling(values: Sequence[float], window: int) -> list[float]:
    return [sum(values[max(0, i - window + 1) : i + 1]) for i in range(len(values))]


def _fired(rule: Rule, days: Sequence[AlertDay], held: Sequence[bool], text: Callable[[str], str]) -> Alert | None:
    """The rule's alert if its condition held on the last `run_days` days; `text` gets the run's length
    ('12', or '42+' when the run reaches back past the first day read)."""
    n = _streak_length(held)
    if n < rule.run_days:
        return None
    return Alert(rule.key, text(f"{n}+" if n == len(days) else str(n)), days[-n].day, n)


def _below(value: float | None, target: int) -> bool:
    return value is not None and not math.isnan(value) and value < target


def _sport_gap(days: Sequence[AlertDay], sport: str) -> Alert | None:
    return _fired(RULE["sport_gap"], days, [sport not in d.sports for d in days], lambda n: f"No {sport} {n} days")


def alerts_for(days: Sequence[AlertDay], *, sports: Sequence[str] = (), weight_kg: float | None = None) -> list[Alert]:
    """Every rule that holds on the last of `days` (oldest first, consecutive), in `RULES` order.

    `sports` are the athlete's own sports (a sport gap is only reported for them); without a body weight
    the protein and calorie targets are unknown and those rules stay silent.
    """
    if not days:
        return []
    out: list[Alert | None] = []
    rule = RULE["load_spike"]
    acr = [d.acr for d in days]
    out.append(
        _fired(
            rule,
            days,
            [a is not None and a > rule.threshold for a in acr],
            lambda n: f"ACR {acr[-1]:.2f} {DEFAULT_ACR_VARIANT} >{rule.threshold:g} {n} days",
        )
    )
    missed_rule = RULE["missed_sessions"]
    missed = _rolling([float(d.missed) for d in days], missed_rule.window_days)
    out.append(
        _fired(
            missed_rule,
            days,
            [m >= missed_rule.threshold for m in missed],
            lambda n: f"Missed {missed[-1]:.0f} planned sessions in {missed_rule.window_days} days",
        )
    )
    sleep_rule = RULE["sleep_debt"]
    need = sleep_rule.reference or 0.0
    debt = _rolling([max(0.0, need - d.sleep_hours) if d.sleep_hours else 0.0 for d in days], sleep_rule.window_days)
    out.append(
        _fired(
            sleep_rule,
            days,
            [x >= sleep_rule.threshold for x in debt],
            lambda n: f"Sleep debt {debt[-1]:.1f}h over {sleep_rule.window_days} nights",
        )
    )
    for key, field, text in (
        ("protein_low", "protein_g", "Protein <{}g"),
        ("calories_low", "calories", "Calories <{}"),
    ):
        if weight_kg:
            target = round(RULE[key].threshold * weight_kg)
            held = [_below(getattr(d, field), target) for d in days]
            out.append(_fired(RULE[key], days, held, f"{text.format(target)} {{}} days".format))
    gaps = [gap for sport in sports if sport != "multi" and (gap := _sport_gap(days, sport)) is not None]
    gaps.sort(key=lambda a: -a.days)
    out.extend(gaps)
    out.append(
        _fired(
            RULE["training_streak"],
            days,
            [d.workouts > RULE["training_streak"].threshold for d in days],
            lambda n: f"Trained {n} days in a row",
        )
    )
    return [a for a in out if a is not None]


def _none_if_nan(value: object) -> float | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]


def athlete_alerts(con: duckdb.DuckDBPyConnection, athlete_ids: list[int] | None = None) -> dict[int, list[Alert]]:
    """Alerts holding on each athlete's as-of day (None: every athlete), from the last HISTORY_DAYS days."""
    column = acr_column(DEFAULT_ACR_VARIANT)
    snaps = daily_snapshots(con, athlete_ids, days=HISTORY_DAYS, with_workouts=False)
    acr = {(int(r.athlete_id), r.day.date()): _none_if_nan(getattr(r, column)) for r in snaps.itertuples()}
    by_athlete: dict[int, list[AlertDay]] = {}
    for row in alert_day_rows(con, athlete_ids, HISTORY_DAYS):
        athlete = int(row["athlete_id"])
        by_athlete.setdefault(athlete, []).append(
            AlertDay(
                day=row["day"],
                sports=frozenset(row["sports"]),
                workouts=int(row["workouts"]),
                acr=acr.get((athlete, row["day"])),
                sleep_hours=row["sleep_hours"],
                calories=row["calories"],
                protein_g=row["protein_g"],
                planned=int(row["planned"]),
                missed=int(row["missed"]),
            )
        )
    return {
        int(p["athlete_id"]): alerts_for(
            by_athlete.get(int(p["athlete_id"]), []), sports=p["sports"] or (), weight_kg=p["weight_kg"]
        )
        for p in alert_profiles(con, athlete_ids)
    }
