"""Tier 1: the always-on core (hard budget, default 120 tokens).

Items, most important first — over budget they are dropped from the bottom of this list up, whole:
phase, last workout, load status, first alert, today's calories/protein, last night's sleep, first
insight headline, second alert, second insight headline, tool hints. Nothing is said without data:
a missing value leaves its item out rather than printing a zero.

Load status is the coupled acute:chronic ratio of core.analytics.load (mean session-RPE load of the
last 7 days over the last 28, rest days as 0, days of unknown load left out), read from the
analytics' own snapshot columns for the last 42 days, never recomputed here; its words come from
`acr_status`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from core.analytics.load import acr_status
from core.analytics.overload import OVERLOAD_ACR
from core.analytics.patterns import Finding
from core.context.budget import Item, Section
from core.context.data import AthleteData
from core.quoting import escape_bare, quote
from core.workouts.sport import Activity, clock_label, day_label, format_sport_line, sport_line

OVERLOAD_DAYS = 7  # of the last 14
HRV_DROP_PCT = 10.0
PROTEIN_G_PER_KG = 1.6
PROTEIN_LOW_DAYS = 3
SHORT_SLEEP_H = 6.5
SHORT_SLEEP_NIGHTS = 3
CARDIO_TYPES = ("run", "ride", "swim")
_LOAD_ADVICE = {"HIGH": " - recovery priority", "LOW": " - can push harder", "OPTIMAL": ""}


def acr_series(data: AthleteData) -> list[float | None]:
    """Coupled ACR for each day of `data.days`, as the analytics give it (None until 28 days of history)."""
    return [d.acr for d in data.days]


def load_line(data: AthleteData) -> str | None:
    """`Load: HIGH (ACR 1.42) - recovery priority`, or None without 28 days of history."""
    acr = acr_series(data)[-1]
    status = acr_status(acr)
    if acr is None or status == "UNKNOWN":
        return None
    return f"Load: {status} (ACR {acr:.2f}){_LOAD_ADVICE.get(status, '')}"


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _streak(values: Sequence[bool]) -> int:
    n = 0
    for v in reversed(values):
        if not v:
            break
        n += 1
    return n


def active_alerts(data: AthleteData) -> list[str]:
    """Alerts that hold today, most severe first: overload, HRV falling, low protein, no cardio, short sleep."""
    alerts = []
    recent = acr_series(data)[-14:]
    high = sum(1 for a in recent if a is not None and a > OVERLOAD_ACR)
    if high >= OVERLOAD_DAYS:
        alerts.append(f"ACR >{OVERLOAD_ACR} on {high} of 14 days")
    days = data.days
    hrv_7, hrv_before = _mean([d.hrv_ms for d in days[-7:]]), _mean([d.hrv_ms for d in days[-28:-7]])
    if hrv_7 is not None and hrv_before and 100 * (1 - hrv_7 / hrv_before) >= HRV_DROP_PCT:
        alerts.append(f"HRV -{100 * (1 - hrv_7 / hrv_before):.0f}% vs prior 3wk")
    if data.weight_kg:
        target = round(PROTEIN_G_PER_KG * data.weight_kg)
        low = _streak([d.protein_g is not None and d.protein_g < target for d in days])
        if low >= PROTEIN_LOW_DAYS:
            alerts.append(f"Protein <{target}g {low} days")
    if set(data.sports) & set(CARDIO_TYPES) and not any(d.cardio_min > 0 for d in days[-7:]):
        alerts.append("No cardio this week")
    short = _streak([d.sleep_hours is not None and d.sleep_hours < SHORT_SLEEP_H for d in days])
    if short >= SHORT_SLEEP_NIGHTS:
        alerts.append(f"Sleep <{SHORT_SLEEP_H}h {short} nights")
    return alerts


def insight_headline(finding: Finding) -> str:
    """A finding in a few words with its effect: `leg day run hr +7.85 bpm`."""
    return escape_bare(f"{finding.key.replace('_', ' ')} {finding.effect:+g} {finding.unit}")


def when_label(moment: datetime, today: date) -> str:
    """'today 6:39 AM', 'yesterday 5:01 PM' or 'Nov 16 6:46 AM' (relative to the data's today)."""
    gap = (today - moment.date()).days
    day = "today" if gap == 0 else "yesterday" if gap == 1 else day_label(moment.date())
    return f"{day} {clock_label(moment)}"


def last_workout_text(data: AthleteData, activity: Activity) -> str:
    """The workout as its one-liner without exercise list and HR zones (Tier 2 and the tools carry those)."""
    line = replace(sport_line(activity, data.units), exercises=(), zones=())
    title = data.titles.get(activity.activity_id)
    label = f"{quote(title)} " if title else ""
    return f"last {label}{when_label(activity.start_time, data.as_of)} {format_sport_line(line)}"


def tier1_sections(data: AthleteData, tool_names: Sequence[str]) -> list[Section]:
    """Tier 1 as sections; priorities give the documented drop order (see the module docstring)."""
    today = data.today
    sections = [Section("", "", (Item("phase", f"Phase: {escape_bare(data.phase)}", 0),))]
    today_items = []
    if data.activities:
        today_items.append(Item("last_workout", last_workout_text(data, data.activities[-1]), 1))
    if today.calories is not None and today.protein_g is not None:
        today_items.append(Item("nutrition", f"{today.calories}cal/{today.protein_g}g pro", 4))
    if today.sleep_hours is not None:
        today_items.append(Item("sleep", f"slept {today.sleep_hours:.1f}h", 5))
    sections.append(Section(f"Today {day_label(data.as_of)}: ", " | ", tuple(today_items)))
    load = load_line(data)
    if load:
        sections.append(Section("", "", (Item("load", load, 2),)))
    alerts = active_alerts(data)[:2]
    sections.append(
        Section("Alerts: ", "; ", tuple(Item(f"alert_{i + 1}", a, (3, 7)[i]) for i, a in enumerate(alerts)))
    )
    insights = [insight_headline(f) for f in data.findings[:2]]
    sections.append(
        Section("Insights: ", "; ", tuple(Item(f"insight_{i + 1}", t, (6, 8)[i]) for i, t in enumerate(insights)))
    )
    if tool_names:
        sections.append(Section("Tools: ", "", (Item("tool_hints", ", ".join(tool_names), 9),)))
    return sections
