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

from core.analytics.load import DEFAULT_ACR_VARIANT, acr_status
from core.analytics.patterns import Finding
from core.context.budget import Item, Section
from core.context.data import ContextData
from core.quoting import escape_bare, quote
from core.workouts.sport import Activity, clock_label, date_label, format_sport_line, sport_line

_LOAD_ADVICE = {"HIGH": " - recovery priority", "LOW": " - can push harder", "OPTIMAL": ""}


def acr_series(data: ContextData) -> list[float | None]:
    """Coupled ACR for each day of `data.days`, as the analytics give it (None until 28 days of history)."""
    return [d.acr for d in data.days]


def load_line(data: ContextData) -> str | None:
    """`Load: HIGH (ACR 1.42 coupled) - recovery priority` (the variant named), or None without 28 days of history."""
    acr = acr_series(data)[-1]
    status = acr_status(acr)
    if acr is None or status == "UNKNOWN":
        return None
    return f"Load: {status} (ACR {acr:.2f} {DEFAULT_ACR_VARIANT}){_LOAD_ADVICE.get(status, '')}"


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def active_alerts(data: ContextData) -> list[str]:
    """Alerts that hold today, most severe first (rules, thresholds and order: core.analytics.alerts)."""
    return [alert.text for alert in data.alerts]


def insight_headline(finding: Finding) -> str:
    """A finding in a few words with its effect: `leg day run hr +7.85 bpm`."""
    return escape_bare(f"{finding.key.replace('_', ' ')} {finding.effect:+g} {finding.unit}")


def when_label(moment: datetime, today: date) -> str:
    """'today 6:39 AM', 'yesterday 5:01 PM' or 'Nov 16 6:46 AM' (relative to the data's today)."""
    gap = (today - moment.date()).days
    day = "today" if gap == 0 else "yesterday" if gap == 1 else date_label(moment.date())
    return f"{day} {clock_label(moment)}"


def last_workout_text(data: ContextData, activity: Activity) -> str:
    """The workout as its one-liner without exercise list and HR zones (Tier 2 and the tools carry those)."""
    line = replace(sport_line(activity, data.units), exercises=(), zones=())
    title = data.titles.get(activity.activity_id)
    label = f"{quote(title)} " if title else ""
    return f"last {label}{when_label(activity.start_time, data.as_of)} {format_sport_line(line)}"


def tier1_sections(data: ContextData, tool_names: Sequence[str]) -> list[Section]:
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
    sections.append(Section(f"Today {date_label(data.as_of)}: ", " | ", tuple(today_items)))
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
