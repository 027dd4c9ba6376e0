"""FIT files through Garmin's own SDK (`garmin-fit-sdk`): one activity per session, legs for a multisport file.

The session message is the device's own summary, so its figures are taken as they are (timer
time, distance, ascent, HR, power); records give the HR-zone weights and, when the session has
none, normalized power. Transition sessions of a multisport file are not activities: their time
becomes the next leg's `transition_before_s`. Pool swims count their active lengths per stroke.

Sessions are legs of one multisport only when they follow each other: within one FIT file of a chained
file (several files in one, each with its own file_id) and with at most `MULTISPORT_GAP_S` between one's end
and the next's start, or a transition session between them. Otherwise each is an activity of its own, with its
own date (two days' activities chained in one file stay two).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from garmin_fit_sdk import Decoder, Profile, Stream

from core.imports.model import ImportFileError, ParsedActivity
from core.imports.multisport import multisport_activity
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
MULTISPORT_GAP_S = 600.0  # an untimed change of sport; a longer pause between sessions starts another activity
_FILE_ID = Profile["mesg_num"]["FILE_ID"]
_SESSION = Profile["mesg_num"]["SESSION"]
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
    """Every message of a FIT file by kind; ImportFileError for a file that is not FIT, damaged or cut short.

    Each session message gets `_part`: which file of a chained FIT file (0, 1, ...) it came in.
    """
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    if not decoder.is_fit():
        raise ImportFileError("not a FIT file (no FIT header)")
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))  # is_fit moved the stream; read from the start
    parts = [-1]

    def listen(number: int, message: dict[str, Any]) -> None:
        if number == _FILE_ID:
            parts[0] += 1
        elif number == _SESSION:
            message["_part"] = max(parts[0], 0)

    messages, errors = decoder.read(convert_datetimes_to_dates=True, mesg_listener=listen)
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
    ordered = sorted(sessions, key=lambda s: (s.get("_part", 0), s["start_time"]))
    groups: list[list[ParsedActivity]] = []
    previous: tuple[int, ParsedActivity] | None = None
    for message in ordered:
        current = (int(message.get("_part", 0)), _session(message, records, lengths))
        if previous is None or not _follows(previous, current):
            groups.append([])
        groups[-1].append(current[1])
        previous = current
    found = [_fit_activity(group) for group in groups]
    activities = [a for a in found if a is not None]
    if not activities:
        raise ImportFileError("FIT multisport file holds only transitions: nothing to import")
    return sorted(activities, key=lambda a: a.start)


def _follows(previous: tuple[int, ParsedActivity], current: tuple[int, ParsedActivity]) -> bool:
    """Whether a session continues the previous one's multisport: same file of a chain, and a transition
    on either side or at most MULTISPORT_GAP_S from the previous one's end."""
    (part_a, a), (part_b, b) = previous, current
    if part_a != part_b:
        return False
    if "transition" in (a.sport, b.sport):
        return True
    return (b.start - a.start).total_seconds() - a.elapsed_s <= MULTISPORT_GAP_S


def _fit_activity(sessions: list[ParsedActivity]) -> ParsedActivity | None:
    """One session as it is; several as a multisport (None for a group of transitions only)."""
    real = [s for s in sessions if s.sport != "transition"]
    if len(sessions) == 1 or not real:
        return real[0] if real else None
    return _multisport(sessions)


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
    transitions: list[float] = []
    pending = 0.0
    for session in sessions:
        if session.sport == "transition":
            pending += session.elapsed_s
            continue
        legs.append(session)
        transitions.append(pending)
        pending = 0.0
    return multisport_activity(legs, transitions, "FIT multisport file")
