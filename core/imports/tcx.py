"""TCX files with the standard library's ElementTree: one activity per `<Activity>`, its laps summed.

A `<MultiSportSession>` is one multisport activity whose legs are its `<Activity>` elements (FirstSport,
then each NextSport), each NextSport's `<Transition>` lap time kept as that leg's transition: the same parent and
legs a FIT multisport file gives (see `multisport.multisport_activity`).

A lap's TotalTimeSeconds and DistanceMeters are the device's own summary (timer time and distance),
so the activity's are their sums (with no TotalTimeSeconds at all, the trackpoints' time minus pauses).
Times without a zone are UTC. Ascent is the sum of rises in trackpoint altitude (smoothed by
ignoring rises under 1 m between kept points); HR and power (the ActivityExtension `Watts`) come
from the trackpoints. python-tcxparser was not used: it needs lxml and dateutil for what is about
forty lines here, and reads only the first activity.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime

from core.imports.model import ImportFileError, ParsedActivity
from core.imports.multisport import multisport_activity
from core.imports.sports import hr_weights, normalized_power, sport_type, timer_seconds
from core.imports.text import decode_xml_text
from core.imports.values import finite_number, sample


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, *path: str) -> ET.Element | None:
    found: ET.Element | None = element
    for name in path:
        found = next((c for c in found if _local(c.tag) == name), None) if found is not None else None
    return found


def _tcx_text(element: ET.Element, *path: str) -> str | None:
    found = _child(element, *path)
    return found.text if found is not None else None


def _tcx_number(element: ET.Element, *path: str) -> float | None:
    found = _child(element, *path)
    return finite_number(found.text) if found is not None else None


def _time(text: str | None) -> datetime | None:
    """A TCX time as a UTC-aware instant: a time written without a zone is UTC (TCX times are UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def parse_tcx(data: bytes) -> list[ParsedActivity]:
    """Every activity of the file; ImportFileError when it is not TCX or holds none with times."""
    try:
        root = ET.fromstring(decode_xml_text(data, "TCX"))
    except ET.ParseError as exc:
        raise ImportFileError(f"not a readable TCX file (XML error: {exc})") from None
    sessions = [e for e in root.iter() if _local(e.tag) == "MultiSportSession"]
    legs = {id(e) for m in sessions for e in m.iter() if _local(e.tag) == "Activity"}
    activities = [e for e in root.iter() if _local(e.tag) == "Activity" and id(e) not in legs]
    found = [_tcx_multisport(m) for m in sessions] + [_activity(e) for e in activities]
    parsed = [a for a in found if a is not None]
    if not parsed:
        raise ImportFileError("TCX file holds no activity with timed laps: nothing to import")
    return sorted(parsed, key=lambda a: a.start)


def _tcx_multisport(session: ET.Element) -> ParsedActivity | None:
    """A MultiSportSession as one multisport activity (None when no leg has timed laps); a session with one
    timed leg is that activity alone, as a one-sport FIT file is."""
    legs: list[ParsedActivity] = []
    transitions: list[float] = []
    for sport in session:
        if _local(sport.tag) not in ("FirstSport", "NextSport"):
            continue
        transition = _child(sport, "Transition")
        leg_element = _child(sport, "Activity")
        leg = _activity(leg_element) if leg_element is not None else None
        if leg is None:
            continue
        legs.append(leg)
        transitions.append((_tcx_number(transition, "TotalTimeSeconds") or 0.0) if transition is not None else 0.0)
    if len(legs) <= 1:
        return legs[0] if legs else None
    notes = _tcx_text(session, "Notes")
    parent = multisport_activity(legs, transitions, "TCX MultiSportSession")
    return replace(parent, title=notes.strip()[:200] if notes and notes.strip() else None)


def _activity(activity: ET.Element) -> ParsedActivity | None:
    laps = [c for c in activity if _local(c.tag) == "Lap"]
    starts = [t for t in (_time(lap.get("StartTime")) for lap in laps) if t is not None]
    if not starts:
        return None
    start = min(starts)
    points = [p for p in activity.iter() if _local(p.tag) == "Trackpoint"]
    timed = [(t, p) for t, p in ((_time(_tcx_text(p, "Time")), p) for p in points) if t]
    times = [(t - start).total_seconds() for t, _ in timed]
    where = [f"at {t:%Y-%m-%d %H:%M:%S}" for t, _ in timed]
    hrs = [
        sample("heart rate", _tcx_text(p, "HeartRateBpm", "Value"), w) for (_, p), w in zip(timed, where, strict=True)
    ]
    watts = [
        sample("power", next((e.text for e in p.iter() if _local(e.tag) == "Watts" and e.text), None), w)
        for (_, p), w in zip(timed, where, strict=True)
    ]
    point_distances = [_tcx_number(p, "DistanceMeters") for _, p in timed]
    known_hr = [h for h in hrs if h]
    lap_max_hr = [m for m in (_tcx_number(lap, "MaximumHeartRateBpm", "Value") for lap in laps) if m]
    known_power = [w for w in watts if w is not None]
    lap_times = [_tcx_number(lap, "TotalTimeSeconds") for lap in laps]
    if any(t is not None for t in lap_times):
        timer = sum(t or 0.0 for t in lap_times)
    else:  # no lap summary: the trackpoints' time minus pauses, as for a GPX track
        timer = timer_seconds(times, point_distances if any(d is not None for d in point_distances) else None)
    distance = [d for d in (_tcx_number(lap, "DistanceMeters") for lap in laps) if d is not None]
    notes = _child(activity, "Notes")
    sport = activity.get("Sport")
    return ParsedActivity(
        sport=sport_type(sport),
        source_sport=sport or "",
        start=start,
        duration_s=timer,
        elapsed_s=max(times[-1] if times else 0.0, timer),
        moving_s=timer,
        distance_m=sum(distance) if distance else None,
        ascent_m=_ascent([_tcx_number(p, "AltitudeMeters") for _, p in timed]),
        avg_hr=round(sum(known_hr) / len(known_hr)) if known_hr else None,
        max_hr=round(max(lap_max_hr)) if lap_max_hr else (max(known_hr) if known_hr else None),
        avg_power_w=round(sum(known_power) / len(known_power)) if known_power else None,
        max_power_w=max(known_power) if known_power else None,
        normalized_power_w=normalized_power(times, watts) if known_power else None,
        title=notes.text.strip()[:200] if notes is not None and notes.text and notes.text.strip() else None,
        hr_seconds=hr_weights(times, hrs, point_distances if any(d is not None for d in point_distances) else None),
    )


def _ascent(altitudes: list[float | None]) -> float | None:
    known = [a for a in altitudes if a is not None]
    if len(known) < 2:
        return None
    gain, base = 0.0, known[0]
    for altitude in known[1:]:
        if altitude - base >= 1.0:
            gain += altitude - base
            base = altitude
        elif altitude < base:
            base = altitude
    return round(gain, 1)
