"""FIT files from several vendors' devices: each stored activity equals the file's own session summary."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

from core.imports import ImportReport
from core.imports.fit import parse_fit

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
LJUBLJANA = ZoneInfo("Europe/Ljubljana")

# file -> (our type, vendor): Garmin fenix 5 / Edge 820 / Edge 200 / Edge 800, Wahoo ELEMNT BOLT, COROS PACE 2
REAL = {
    "garmin-fenix-5-run.fit": "run",
    "garmin-fenix-5-walk.fit": "other",
    "garmin-edge-820-bike.fit": "ride",
    "garmin-edge-200-ride.fit": "ride",
    "garmin-edge-800-indoor.fit.gz": "ride",
    "wahoo-elemnt-bolt-ride.fit": "ride",
    "coros-pace-2-ride.fit.gz": "ride",
}


def session_of(name: str) -> dict[str, Any]:
    """The file's own session message, decoded here independently of the importer."""
    data = (DATA / name).read_bytes()
    data = gzip.decompress(data) if name.endswith(".gz") else data
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert not errors
    sessions: list[dict[str, Any]] = messages["session_mesgs"]
    return sessions[0]


def close(a: float, b: float, rel: float = 0.01) -> bool:
    return abs(a - b) <= rel * abs(b) + 1e-6


@pytest.mark.parametrize("name", list(REAL))
def test_real_fit_file_matches_its_session_summary(
    name: str, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a real device FIT file, when imported, then sport, local start, timer/elapsed time, distance, ascent, HR and power equal its session."""
    report = run_import(name)
    assert [f.status for f in report.files] == ["imported"], report.files
    s = session_of(name)
    row = rows().iloc[0]
    assert row.type == REAL[name]
    assert row.start_time == s["start_time"].astimezone(LJUBLJANA).replace(tzinfo=None)
    assert close(row.duration_min * 60, s["total_timer_time"])
    assert close(row.elapsed_min * 60, s["total_elapsed_time"])
    if s.get("total_distance"):
        assert close(row.distance_m, s["total_distance"])
    if s.get("total_ascent") is not None:
        assert row.elevation_gain_m == s["total_ascent"]
    for ours, theirs in (
        ("avg_hr", "avg_heart_rate"),
        ("max_hr", "max_heart_rate"),
        ("avg_power_w", "avg_power"),
        ("max_power_w", "max_power"),
    ):
        expected = s.get(theirs) or None
        assert (None if pd.isna(row[ours]) else int(row[ours])) == expected, ours
    if s.get("avg_heart_rate"):
        zones = sum(row[f"z{i}_min"] for i in range(1, 6))
        assert 0.9 * row.duration_min <= zones <= 1.02 * row.elapsed_min  # zone minutes cover the recorded time


def test_power_file_keeps_the_devices_normalized_power(
    run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given the Wahoo BOLT ride with power, when imported, then NP, average and max power are the session's (243 / 182 / 665 W)."""
    run_import("wahoo-elemnt-bolt-ride.fit")
    row = rows().iloc[0]
    assert (row.normalized_power_w, row.avg_power_w, row.max_power_w) == (243, 182, 665)


def test_multisport_file_becomes_one_activity_with_a_leg_per_sport(
    run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given the fenix 2 multisport file (4 sports, 3 transitions), when imported, then one 'multi' parent and 4 legs with transitions before legs 2-4."""
    report = run_import("garmin-fenix2-multisport.fit.gz")
    assert report.files[0].activities == 1 and "4 legs" in report.files[0].message
    frame = rows()
    parent = frame[frame.parent_id.isna()].iloc[0]
    legs = frame[frame.parent_id == parent.activity_id].sort_values("leg_order")
    assert parent.type == "multi"
    assert list(legs.type) == ["other", "run", "run", "ride"]
    assert list(legs.leg_order) == [1, 2, 3, 4]
    assert legs.transition_before_min.iloc[0] == 0
    assert legs.transition_before_min.iloc[1:].tolist() == pytest.approx(
        [334.79 / 60, 4.3 / 60, 269.81 / 60], abs=0.006
    )
    assert close(legs.distance_m.iloc[3], 28928.27)  # the cycling session's own total
    assert close(parent.duration_min * 60, 11738.24 + 334.79 + 2294.84 + 4.3 + 6764.48 + 269.81 + 3211.0)


def _swim_file(start: datetime) -> bytes:
    """A pool swim built with the FIT SDK's own encoder (no real swim file with lengths was found): 4 free, 2 back lengths of 25 m."""
    encoder = Encoder()
    encoder.on_mesg(
        Profile["mesg_num"]["FILE_ID"],
        {"type": "activity", "manufacturer": "development", "product": 0, "time_created": start},
    )
    t = start
    for stroke in ("freestyle",) * 4 + ("backstroke",) * 2:
        encoder.on_mesg(
            Profile["mesg_num"]["LENGTH"],
            {
                "timestamp": t + timedelta(seconds=30),
                "start_time": t,
                "total_elapsed_time": 30.0,
                "total_timer_time": 30.0,
                "total_strokes": 15,
                "length_type": "active",
                "swim_stroke": stroke,
            },
        )
        t += timedelta(seconds=30)
    encoder.on_mesg(
        Profile["mesg_num"]["SESSION"],
        {
            "timestamp": t,
            "start_time": start,
            "sport": "swimming",
            "sub_sport": "lap_swimming",
            "total_elapsed_time": 180.0,
            "total_timer_time": 180.0,
            "total_distance": 150.0,
            "pool_length": 25.0,
            "avg_cadence": 30,
            "num_lengths": 6,
        },
    )
    return encoder.close()


def test_pool_swim_counts_its_lengths_per_stroke(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given an encoded pool swim (4 free + 2 back lengths of 25 m), when imported, then a swim with pool length, SWOLF and swim_laps per stroke."""
    path = tmp_path / "swim.fit"
    path.write_bytes(_swim_file(datetime(2025, 6, 1, 6, 0, tzinfo=UTC)))
    assert run_import(path).files[0].status == "imported"
    row = rows().iloc[0]
    assert (row.type, row.distance_m, row.pool_length_m, row.swolf, row.strokes_per_min) == (
        "swim",
        150.0,
        25.0,
        45,
        30,
    )
    laps = rows("swim_laps")
    assert dict(zip(laps.stroke, laps.laps, strict=True)) == {"back": 2, "free": 4}


def test_parse_fit_refuses_a_file_with_no_activity() -> None:
    """Given Garmin's weight-scale and monitoring files, when parsed, then each is refused saying it holds no activity and what it is."""
    from core.imports.model import ImportFileError

    for name, what in (("WeightScaleSingleUser.fit", "weight-scale"), ("MonitoringFile.fit", "monitoring")):
        with pytest.raises(ImportFileError, match=f"no activity.*{what}"):
            parse_fit((DATA / name).read_bytes())
