"""GPX tracks through `gpxpy`: one activity per file (tracks hours apart are split), every timed point counted.

A GPX file has no summary, so the figures are the track's own: distance is gpxpy's 2-D length
(as Strava reports it), ascent its smoothed uphill, moving time its moving time, and the timer time
is first to last point minus pauses (see `sports.is_pause`). HR and power come from the Garmin
TrackPointExtension (`hr`) and a `power` extension when present. Empty segments are ignored (and
said so); a route, or a track without times (under 90 % of its points timed), is refused.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import gpxpy
import gpxpy.gpx

from core.imports.model import ImportFileError, ParsedActivity
from core.imports.sports import hr_weights, normalized_power, sport_type, timer_seconds
from core.imports.text import decode_xml_text
from core.imports.values import sample

SPLIT_GAP_S = 3600.0  # tracks of one file starting more than an hour after the previous one ended: another activity


def _extension_text(point: gpxpy.gpx.GPXTrackPoint, name: str) -> str | None:
    for extension in point.extensions:
        for element in extension.iter():
            if element.tag.rsplit("}", 1)[-1].lower() == name and element.text:
                return str(element.text)
    return None


def parse_gpx(data: bytes) -> tuple[list[ParsedActivity], list[str]]:
    """The file's activities and notes on what was ignored; ImportFileError when there is none.

    Times without a zone are UTC (the GPX schema says so). Tracks are one activity unless a track
    starts more than SPLIT_GAP_S after the previous one ended (two days' runs in one file are two).
    """
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
    for p in every:
        if p.time is not None and p.time.tzinfo is None:
            p.time = p.time.replace(tzinfo=UTC)
    points = [p for p in every if p.time is not None]
    if len(points) >= 2 and len(points) < 0.9 * len(every):
        raise ImportFileError(
            f"GPX track has points without times ({len(points)} of {len(every)} timed): its time and pace cannot be known"
        )
    if len(points) < 2:
        what = "a route with no track" if gpx.routes and not gpx.tracks else "no track points with times"
        raise ImportFileError(f"GPX file has {what}: no activity to import")
    spans = sorted((span, i) for i, t in enumerate(gpx.tracks) if (span := _track_span(t)) is not None)
    groups: list[list[gpxpy.gpx.GPXTrack]] = []
    last_end: datetime | None = None
    for (start, end), i in spans:
        if last_end is None or (start - last_end).total_seconds() > SPLIT_GAP_S:
            groups.append([])
        groups[-1].append(gpx.tracks[i])
        last_end = end if last_end is None or end > last_end else last_end
    activities = [_track_activity(group, gpx.name) for group in groups]
    if len(activities) > 1:
        notes.append(f"{len(activities)} activities: tracks more than {SPLIT_GAP_S / 3600:g} h apart are split")
    return activities, notes


def _track_span(track: gpxpy.gpx.GPXTrack) -> tuple[datetime, datetime] | None:
    times = [p.time for s in track.segments for p in s.points if p.time is not None]
    return (min(times), max(times)) if times else None


def _track_activity(tracks: list[gpxpy.gpx.GPXTrack], file_name: str | None) -> ParsedActivity:
    part = gpxpy.gpx.GPX()
    part.tracks = tracks
    points = [p for t in tracks for s in t.segments for p in s.points if p.time is not None]
    points.sort(key=lambda p: p.time)  # type: ignore[arg-type, return-value]
    start = points[0].time
    assert start is not None
    times = [(p.time - start).total_seconds() for p in points]  # type: ignore[operator]
    distances: list[float | None] = [0.0]
    for a, b in itertools.pairwise(points):
        step = b.distance_2d(a)
        last = distances[-1]
        distances.append(last + step if last is not None and step is not None else None)
    where = [f"at {p.time:%Y-%m-%d %H:%M:%S}" for p in points]
    hrs = [sample("heart rate", _extension_text(p, "hr"), w) for p, w in zip(points, where, strict=True)]
    power = [sample("power", _extension_text(p, "power"), w) for p, w in zip(points, where, strict=True)]
    known_hr = [h for h in hrs if h]
    known_power = [w for w in power if w is not None]
    moving = part.get_moving_data()
    uphill = part.get_uphill_downhill().uphill if any(p.elevation is not None for p in points) else None
    track_type = next((t.type for t in tracks if t.type), None)
    name = next((t.name for t in tracks if t.name), None) or file_name
    return ParsedActivity(
        sport=sport_type(track_type),
        source_sport=track_type or "",
        start=start,
        duration_s=timer_seconds(times, distances),
        elapsed_s=times[-1],
        moving_s=moving.moving_time if moving else None,
        distance_m=part.length_2d(),
        ascent_m=uphill,
        avg_hr=round(sum(known_hr) / len(known_hr)) if known_hr else None,
        max_hr=max(known_hr) if known_hr else None,
        avg_power_w=round(sum(known_power) / len(known_power)) if known_power else None,
        max_power_w=max(known_power) if known_power else None,
        normalized_power_w=normalized_power(times, power) if known_power else None,
        title=name,
        hr_seconds=hr_weights(times, hrs, distances),
    )
