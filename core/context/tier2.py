"""Tier 2: topic-triggered blocks under one shared budget (default 400 tokens).

Blocks come in priority order: the workout the message is about (when it points at one), then the
topics in the order they first appear in the message. Over budget, whole lines are dropped from the
last block's last line upwards (see core.context.budget). Every free-text field (titles, finding
sentences) goes through core.quoting, so a note cannot break a line or pose as an instruction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from core.context.budget import Item, Section
from core.context.data import ContextData
from core.context.inference import WorkoutFocus
from core.context.tier1 import _mean, load_line
from core.context.topics import TopicHit
from core.quoting import escape_bare, quote
from core.workouts.scalars import format_clock, format_number
from core.workouts.sport import Activity, date_label, format_sport_line, sport_line

RECENT_STRENGTH = 4
RECENT_CARDIO = 5
TOP_FINDINGS = 3
_CARDIO = {"run": "run", "ride": "ride", "swim": "swim"}
_HEADERS = {
    "training": "[TRAINING] recent strength, newest first",
    "cardio": "[CARDIO]",
    "cross_training": "[CROSS-TRAINING] strongest patterns",
    "recovery": "[RECOVERY] 7-day averages vs the 3 weeks before",
}


def dated_line(activity: Activity, units: str, titles: dict[int, str]) -> str:
    """`Nov 18 "Lower A" S:53m|…`: day, title (quoted) and the one-liner."""
    title = titles.get(activity.activity_id)
    label = f" {quote(title)}" if title else ""
    return f"{date_label(activity.start_time.date())}{label} {format_sport_line(sport_line(activity, units))}"


def _cardio_sessions(data: ContextData) -> list[Activity]:
    """Runs, rides and swims, brick legs included, oldest first."""
    out = []
    for a in data.activities:
        out += [leg for leg in a.legs if leg.type in _CARDIO] if a.legs else ([a] if a.type in _CARDIO else [])
    return out


def training_items(data: ContextData, shown: frozenset[int] = frozenset()) -> list[str]:
    strength = [a for a in data.activities if a.type == "strength" and a.activity_id not in shown][-RECENT_STRENGTH:]
    return [dated_line(a, data.units, data.titles) for a in reversed(strength)] or [
        "No strength session in the last 14 days"
    ]


def cardio_items(data: ContextData, shown: frozenset[int] = frozenset()) -> list[str]:
    """The seed's build_cardio_context: week summary, recent one-liners, pace trend."""
    sessions = _cardio_sessions(data)
    if not sessions:
        return ["No run, ride or swim in the last 14 days"]
    week = [a for a in sessions if a.start_time.date() > data.as_of - timedelta(days=7)]
    summary = []
    for typ in _CARDIO:
        lines = [sport_line(a, data.units) for a in week if a.type == typ]
        if lines:
            unit = next((x.distance_unit for x in lines if x.distance_unit), "")
            total = sum(x.distance or 0 for x in lines)
            summary.append(f"{len(lines)} {typ}{'s' if len(lines) > 1 else ''} {format_number(round(total, 1))}{unit}")
    items = [f"This week: {', '.join(summary) if summary else 'none'}"]
    items += [
        f"{date_label(a.start_time.date())} {format_sport_line(sport_line(a, data.units))}"
        for a in reversed(sessions[-RECENT_CARDIO:])
    ]
    runs = [sport_line(a, data.units) for a in sessions if a.type == "run"]
    paces = [r.pace_s for r in runs if r.pace_s]
    if len(paces) >= 4:
        half = len(paces) // 2
        old, new = sum(paces[:half]) / half, sum(paces[half:]) / (len(paces) - half)
        unit = runs[0].distance_unit or "mi"
        trend = "faster" if new < old else "slower" if new > old else "steady"
        items.append(f"Run pace trend: {format_clock(old)}→{format_clock(new)}/{unit} ({trend}, {len(paces)} runs)")
    return items


def cross_training_items(data: ContextData, shown: frozenset[int] = frozenset()) -> list[str]:
    if not data.findings:
        return ["No cross-training pattern passed the tests in this athlete's data"]
    return [f"- {escape_bare(f.summary)}" for f in data.findings[:TOP_FINDINGS]]


def recovery_items(data: ContextData, shown: frozenset[int] = frozenset()) -> list[str]:
    days = data.days
    items = []
    for label, attr, fmt in (
        ("Sleep", "sleep_hours", "{:.1f}h"),
        ("HRV", "hrv_ms", "{:.0f}ms"),
        ("Resting HR", "resting_hr", "{:.0f}bpm"),
    ):
        recent = _mean([getattr(d, attr) for d in days[-7:]])
        before = _mean([getattr(d, attr) for d in days[-28:-7]])
        if recent is None:
            continue
        text = f"{label} {fmt.format(recent)}"
        if before:
            text += f" (was {fmt.format(before)}, {100 * (recent / before - 1):+.0f}%)"
        items.append(text)
    load = load_line(data)
    if load:
        items.append(load)
    return items or ["No sleep, HRV or resting-HR data in the last 4 weeks"]


_BUILDERS = {
    "training": training_items,
    "cardio": cardio_items,
    "cross_training": cross_training_items,
    "recovery": recovery_items,
}


def tier2_sections(data: ContextData, topics: Sequence[TopicHit], focus: WorkoutFocus | None) -> list[Section]:
    """The blocks in priority order; item priority = block rank × 100 + line rank.

    Sessions shown in the [WORKOUT] block are not repeated in the topic blocks.
    """
    blocks: list[tuple[str, str, list[str]]] = []
    if focus is not None:
        lines = [focus.text(data.units)]
        if focus.ambiguous:
            lines.append("Several sessions match: name them briefly and ask which one")
        blocks.append(
            ("workout", f"[WORKOUT] ({focus.rule}{': ' + ', '.join(focus.words) if focus.words else ''})", lines)
        )
    shown = frozenset(a.activity_id for f in [focus] if f for w in f.activities for a in (w, *w.legs))
    blocks += [(hit.topic, _HEADERS[hit.topic], _BUILDERS[hit.topic](data, shown)) for hit in topics]
    return [
        Section(
            header + "\n", "\n", tuple(Item(f"{name}:{i + 1}", line, rank * 100 + i) for i, line in enumerate(lines))
        )
        for rank, (name, header, lines) in enumerate(blocks)
    ]
