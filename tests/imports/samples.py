"""Small activity files built in the tests (GPX, TCX, FIT, Strava CSV), so each defect has its own minimal case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from garmin_fit_sdk import Encoder, Profile

GPX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"'
    ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
)


def gpx_points(
    start: datetime,
    n: int,
    step_s: float = 1,
    hr: object = 140,
    power: object = None,
    zone: str = "Z",
    move_m: float = 3,
) -> str:
    """`n` track points every `step_s` seconds moving `move_m` metres each; `zone` 'Z', '' (naive) or '+02:00'."""
    out = []
    for i in range(n):
        t = start + timedelta(seconds=i * step_s)
        if zone == "+02:00":
            t = t + timedelta(hours=2)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S") + zone
        ext = "".join(
            [
                f"<power>{power}</power>" if power is not None else "",
                f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr></gpxtpx:TrackPointExtension>"
                if hr is not None
                else "",
            ]
        )
        lat = 46.0 + i * move_m / 111_000
        out.append(f'<trkpt lat="{lat:.7f}" lon="14.5"><time>{stamp}</time><extensions>{ext}</extensions></trkpt>')
    return "\n".join(out)


def gpx(*tracks: tuple[str, str | None, str]) -> bytes:
    """A GPX file of (name, type, points) tracks."""
    body = "".join(
        f"<trk><name>{name}</name>{f'<type>{kind}</type>' if kind else ''}<trkseg>{points}</trkseg></trk>"
        for name, kind, points in tracks
    )
    return f"{GPX_HEAD}{body}</gpx>\n".encode()


TCX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase'
    ' xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'
    ' xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><Activities>'
)


def tcx_activity(
    start: datetime, n: int, sport: str = "Running", total_time: bool = True, watts: object = None, step_s: int = 1
) -> str:
    """One <Activity> with one lap of `n` trackpoints, 3 m apart; TotalTimeSeconds left out when not `total_time`."""
    stamp = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    points = "".join(
        f"<Trackpoint><Time>{(start + timedelta(seconds=i * step_s)).strftime('%Y-%m-%dT%H:%M:%SZ')}</Time>"
        f"<DistanceMeters>{i * 3.0}</DistanceMeters><HeartRateBpm><Value>150</Value></HeartRateBpm>"
        + (f"<Extensions><ns3:TPX><ns3:Watts>{watts}</ns3:Watts></ns3:TPX></Extensions>" if watts is not None else "")
        + "</Trackpoint>"
        for i in range(n)
    )
    total = f"<TotalTimeSeconds>{n * step_s}</TotalTimeSeconds>" if total_time else ""
    return (
        f'<Activity Sport="{sport}"><Id>{stamp}</Id><Lap StartTime="{stamp}">{total}'
        f"<DistanceMeters>{n * 3.0}</DistanceMeters><Track>{points}</Track></Lap></Activity>"
    )


def tcx(*activities: str) -> bytes:
    return f"{TCX_HEAD}{''.join(activities)}</Activities></TrainingCenterDatabase>\n".encode()


STRAVA_HEADER = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename,Moving Time,Distance,"
    "Average Heart Rate\n"
)


def strava_row(n: int, when: str, name: str, kind: str, seconds: int, metres: float, hr: str = "140") -> str:
    return f'{n},"{when}",{name},{kind},{seconds},{metres / 1000:.2f},,{seconds},{metres},{hr}\n'


def fit_file(sessions: list[dict[str, Any]]) -> bytes:
    """A FIT activity file with the given session messages (and a record every 5 s of each)."""
    mesg = Profile["mesg_num"]
    encoder = Encoder()
    first = next((s["start_time"] for s in sessions if "start_time" in s), datetime(2024, 8, 1, tzinfo=UTC))
    encoder.on_mesg(
        mesg["FILE_ID"], {"type": "activity", "manufacturer": "development", "product": 0, "time_created": first}
    )
    for s in sessions:
        start = s.get("start_time", first)
        for i in range(0, int(s.get("total_elapsed_time", 600)), 5):
            encoder.on_mesg(
                mesg["RECORD"], {"timestamp": start + timedelta(seconds=i), "heart_rate": 150, "distance": i * 3.0}
            )
        encoder.on_mesg(
            mesg["SESSION"], {"timestamp": start + timedelta(seconds=s.get("total_elapsed_time", 600)), **s}
        )
    return bytes(encoder.close())


def fit_session(start: datetime | None, sport: str, sub_sport: str = "generic", seconds: float = 600) -> dict[str, Any]:
    session: dict[str, Any] = {
        "sport": sport,
        "sub_sport": sub_sport,
        "total_elapsed_time": seconds,
        "total_timer_time": seconds,
        "total_distance": seconds * 3.0,
        "avg_heart_rate": 150,
        "max_heart_rate": 170,
    }
    if start is not None:
        session["start_time"] = start
    return session


def fit_multisport(start: datetime) -> tuple[bytes, list[datetime]]:
    """A FIT triathlon built with the SDK: open-water swim 20 min, T1 2 min, ride 60 min, T2 1 min, run 40 min.

    Returns the file and the legs' starts (swim, ride, run)."""
    plan = [
        ("swimming", "open_water", 1200),
        ("transition", "generic", 120),
        ("cycling", "road", 3600),
        ("transition", "generic", 60),
        ("running", "generic", 2400),
    ]
    sessions, legs, t = [], [], start
    for sport, sub_sport, seconds in plan:
        sessions.append(fit_session(t, sport, sub_sport, seconds))
        if sport != "transition":
            legs.append(t)
        t += timedelta(seconds=seconds)
    return fit_file(sessions), legs


def tcx_multisport(start: datetime, notes: str | None = None) -> bytes:
    """A TCX MultiSportSession (Garmin's schema) of the same race as `fit_multisport`: Other (the swim) 20 min,
    a 120 s transition, Biking 60 min, a 60 s transition, Running 40 min — trackpoints every 10 s."""
    legs = (("Other", 0, 1200, 0), ("Biking", 1320, 3600, 120), ("Running", 4980, 2400, 60))
    parts = []
    for i, (sport, offset, seconds, transition) in enumerate(legs):
        t = start + timedelta(seconds=offset)
        lap = ""
        if transition:
            stamp = (t - timedelta(seconds=transition)).strftime("%Y-%m-%dT%H:%M:%SZ")
            lap = (
                f'<Transition StartTime="{stamp}"><TotalTimeSeconds>{transition}</TotalTimeSeconds>'
                "<DistanceMeters>0</DistanceMeters><Calories>0</Calories><Intensity>Active</Intensity>"
                "<TriggerMethod>Manual</TriggerMethod></Transition>"
            )
        tag = "NextSport" if i else "FirstSport"
        parts.append(f"<{tag}>{lap}{tcx_activity(t, seconds // 10, sport, step_s=10)}</{tag}>")
    head = f"<MultiSportSession><Id>{start.strftime('%Y-%m-%dT%H:%M:%SZ')}</Id>"
    tail = f"<Notes>{notes}</Notes></MultiSportSession>" if notes else "</MultiSportSession>"
    return f"{TCX_HEAD}{head}{''.join(parts)}{tail}</Activities></TrainingCenterDatabase>\n".encode()
