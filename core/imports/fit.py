"""FIT files through Garmin's own SDK (`garmin-fit-sdk`): one activity per session, legs for a multisport file.

The session message is the device's own summary, so its figures are taken as they are (timer
time, distance, ascent, HR, power); records give the HR-zone weights and, when the session has
none, normalized power. Transition sessions of a multisport file are not activities: their time
becomes the next leg's `transition_before_s`. Pool swims count their active lengths per stroke.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from garmin_fit_sdk import Decoder, Stream

from core.imports.model import ImportFileError, ParsedActivity
from core.imports.sports import hr_weights, normalized_power, sport_type
from core.imports.values import finite_number

# FIT swim strokes -> swim_laps.stroke (whose CHECK allows free, back, breast, fly, im, kick).
_STROKES = {
    "freestyle": "free",
    "backstroke": "back",
    "breaststroke": "breast",
    "butterfly": "fly",
    "im": "im",
    "mixed": "im",
    "drill": "kick",
}
_NOT_ACTIVITY = {
    "weight": "a weight-scale file",
    "monitoring_a": "a monitoring file",
    "monitoring_b": "a monitoring file",
}


def _fit_number(value: Any) -> float | None:
    return finite_number(value) if isinstance(value, int | float) else None


def _fit_int(value: Any) -> int | None:
    number = _fit_number(value)
    return round(number) if number is not None and number > 0 else None


def decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """Every message of a FIT file by kind; ImportFileError for a file that is not FIT, damaged or cut short."""
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    if not decoder.is_fit():
        raise ImportFileError("not a FIT file (no FIT header)")
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))  # is_fit moved the stream; read from the start
    messages, errors = decoder.read(convert_datetimes_to_dates=True)
    if errors:
        text = " ".join(str(errors[0]).split())
        reason = "cut short (truncated)" if "longer than the number of bytes" in text else "damaged"
        raise ImportFileError(f"FIT file {reason}: {text[:120]}")
    return {str(k): list(v) for k, v in messages.items() if isinstance(v, list)}


def parse_fit(data: bytes) -> list[ParsedActivity]:
    """The activity of a FIT file: one per session, or one multisport activity with a leg per session."""
    messages = decode(data)
    file_type = str((messages.get("file_id_mesgs") or [{}])[0].get("type") or "")
    sessions = messages.get("session_mesgs") or []
    if not sessions:
        what = _NOT_ACTIVITY.get(file_type, f"a '{file_type or 'unknown'}' file")
        raise ImportFileError(f"FIT file holds no activity ({what}, no session): nothing to import")
    records = messages.get("record_mesgs") or []
    lengths = messages.get("length_mesgs") or []
    for i, session in enumerate(sessions, start=1):
        if not isinstance(session.get("start_time"), datetime):
            raise ImportFileError(f"FIT session {i} of {len(sessions)} has no start_time: its day cannot be known")
    parsed = [_session(s, records, lengths) for s in sorted(sessions, key=lambda s: s["start_time"])]
    if len(parsed) == 1 and parsed[0].sport != "transition":
        return parsed
    return [_multisport(parsed)]


def _session(session: dict[str, Any], records: list[dict[str, Any]], lengths: list[dict[str, Any]]) -> ParsedActivity:
    start: datetime = session["start_time"]
    elapsed = _fit_number(session.get("total_elapsed_time")) or 0.0
    timer = _fit_number(session.get("total_timer_time")) or elapsed
    mine = [
        r
        for r in records
        if isinstance(r.get("timestamp"), datetime) and 0 <= (r["timestamp"] - start).total_seconds() <= elapsed + 1
    ]
    times = [(r["timestamp"] - start).total_seconds() for r in mine]
    power = [_fit_int(r.get("power")) for r in mine]
    words = (session.get("sub_sport"), session.get("sport"))
    sport, sub_sport = (str(w) if w is not None else None for w in reversed(words))
    kind = "transition" if sport == "transition" else sport_type(sport, sub_sport)
    pool = _fit_number(session.get("pool_length")) if kind == "swim" else None
    swim: dict[str, int] = {}
    swolf = []
    if kind == "swim":
        for length in lengths:
            in_session = (
                isinstance(length.get("start_time"), datetime)
                and 0 <= (length["start_time"] - start).total_seconds() <= elapsed
            )
            if in_session and length.get("length_type") == "active":
                stroke = _STROKES.get(str(length.get("swim_stroke")), "free")
                swim[stroke] = swim.get(stroke, 0) + 1
                if _fit_number(length.get("total_timer_time")) and _fit_number(length.get("total_strokes")):
                    swolf.append(float(length["total_timer_time"]) + float(length["total_strokes"]))
    return ParsedActivity(
        sport=kind,
        source_sport="/".join(str(w) for w in reversed(words) if w),
        start=start,
        duration_s=timer,
        elapsed_s=elapsed,
        moving_s=_fit_number(session.get("total_moving_time")) or timer,
        distance_m=_fit_number(session.get("total_distance")),
        ascent_m=_fit_number(session.get("total_ascent")),
        avg_hr=_fit_int(session.get("avg_heart_rate")),
        max_hr=_fit_int(session.get("max_heart_rate")),
        avg_power_w=_fit_int(session.get("avg_power")),
        max_power_w=_fit_int(session.get("max_power")),
        normalized_power_w=_fit_int(session.get("normalized_power")) or normalized_power(times, power),
        hr_seconds=hr_weights(
            times, [_fit_int(r.get("heart_rate")) for r in mine], [_fit_number(r.get("distance")) for r in mine]
        ),
        pool_length_m=pool,
        swim_lengths=swim,
        strokes_per_min=_fit_int(session.get("avg_cadence")) if kind == "swim" else None,
        swolf=round(sum(swolf) / len(swolf)) if swolf else None,
    )


def _multisport(sessions: list[ParsedActivity]) -> ParsedActivity:
    """Legs in order; each transition's time is kept as the next leg's `transition_before_s` (never a leg)."""
    legs: list[ParsedActivity] = []
    pending = 0.0
    for session in sessions:
        if session.sport == "transition":
            pending += session.elapsed_s
            continue
        legs.append(replace(session, transition_before_s=pending if legs else None))
        pending = 0.0
    if not legs:
        raise ImportFileError("FIT multisport file holds only transitions: nothing to import")
    first, last = sessions[0], sessions[-1]
    elapsed = (last.start - first.start).total_seconds() + last.elapsed_s
    hr = [p for leg in legs for p in leg.hr_seconds]
    return ParsedActivity(
        sport="multi",
        source_sport="multisport",
        start=first.start,
        duration_s=sum(s.duration_s for s in sessions),
        elapsed_s=elapsed,
        distance_m=sum(leg.distance_m or 0.0 for leg in legs),
        avg_hr=round(sum(h * s for h, s in hr) / sum(s for _, s in hr)) if hr else None,
        max_hr=max((leg.max_hr for leg in legs if leg.max_hr), default=None),
        legs=tuple(legs),
    )
