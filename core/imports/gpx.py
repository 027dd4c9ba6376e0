"""GPX tracks through `gpxpy`: one activity per file, every timed point of every track counted.

A GPX file has no summary, so the figures are the track's own: distance is gpxpy's 2-D length
(as Strava reports it), ascent its smoothed uphill, moving time its moving time, and the timer time
is first to last point minus pauses (gaps over a minute). HR and power come from the Garmin
TrackPointExtension (`hr`) and a `power` extension when present. Empty segments are ignored (and
said so); a route, or a track without times (under 90 % of its points timed), is refused.
"""

from __future__ import annotations

import itertools

import gpxpy
import gpxpy.gpx

from core.imports.model import ImportFileError, ParsedActivity
from core.imports.sports import PAUSE_GAP_S, hr_weights, normalized_power, sport_type
from core.imports.text import decode_xml_text


def _extension_number(point: gpxpy.gpx.GPXTrackPoint, name: str) -> int | None:
    for extension in point.extensions:
        for element in extension.iter():
            if element.tag.rsplit("}", 1)[-1].lower() == name and element.text:
                try:
                    return round(float(element.text))
                except ValueError:
                    return None
    return None


def parse_gpx(data: bytes) -> tuple[list[ParsedActivity], list[str]]:
    """The file's activity and notes on what was ignored; ImportFileError when there is none."""
    try:
        gpx = gpxpy.parse(decode_xml_text(data, "GPX"))
    except gpxpy.gpx.GPXException as exc:
        raise ImportFileError(f"not a readable GPX file: {' '.join(str(exc).split())[:120]}") from None
    notes = []
    segments = [s for t in gpx.tracks for s in t.segments]
    empty = sum(1 for s in segments if not s.points)
    if empty:
        notes.append(f"{empty} empty track segment(s) ignored")
    every = [p for s in segments for p in s.points]
    points = [p for p in every if p.time is not None]
    if len(points) >= 2 and len(points) < 0.9 * len(every):
        raise ImportFileError(
            f"GPX track has points without times ({len(points)} of {len(every)} timed): its time and pace cannot be known"
        )
    if len(points) < 2:
        what = "a route with no track" if gpx.routes and not gpx.tracks else "no track points with times"
        raise ImportFileError(f"GPX file has {what}: no activity to import")
    points.sort(key=lambda p: p.time)  # type: ignore[arg-type, return-value]
    start = points[0].time
    assert start is not None
    times = [(p.time - start).total_seconds() for p in points]  # type: ignore[operator]
    timer = sum(g for g in (b - a for a, b in itertools.pairwise(times)) if g <= PAUSE_GAP_S)
    hrs = [_extension_number(p, "hr") for p in points]
    power = [_extension_number(p, "power") for p in points]
    known_hr = [h for h in hrs if h]
    known_power = [w for w in power if w is not None]
    moving = gpx.get_moving_data()
    uphill = gpx.get_uphill_downhill().uphill if any(p.elevation is not None for p in points) else None
    track_type = next((t.type for t in gpx.tracks if t.type), None)
    name = next((t.name for t in gpx.tracks if t.name), None) or gpx.name
    return [
        ParsedActivity(
            sport=sport_type(track_type),
            source_sport=track_type or "",
            start=start,
            duration_s=timer,
            elapsed_s=times[-1],
            moving_s=moving.moving_time if moving else None,
            distance_m=gpx.length_2d(),
            ascent_m=uphill,
            avg_hr=round(sum(known_hr) / len(known_hr)) if known_hr else None,
            max_hr=max(known_hr) if known_hr else None,
            avg_power_w=round(sum(known_power) / len(known_power)) if known_power else None,
            max_power_w=max(known_power) if known_power else None,
            normalized_power_w=normalized_power(times, power) if known_power else None,
            title=name,
            hr_seconds=hr_weights(times, hrs),
        )
    ], notes
