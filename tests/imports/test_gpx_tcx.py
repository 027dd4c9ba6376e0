"""GPX and TCX files from the parsers' own test suites: figures equal the file's own (laps for TCX, points for GPX)."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

import gpxpy
import pandas as pd
import pytest

from core.imports import ImportReport

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


def test_gpx_track_matches_its_points(
    run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a real eTrex GPX track, when imported, then start, elapsed time and 2-D distance equal the track's own (gpxpy)."""
    assert run_import("around-visnjan-with-car.gpx").files[0].status == "imported"
    gpx = gpxpy.parse((DATA / "around-visnjan-with-car.gpx").read_text(encoding="utf-8"))
    bounds = gpx.get_time_bounds()
    assert bounds.start_time is not None and bounds.end_time is not None
    row = rows().iloc[0]
    assert row.type == "other"  # the file names no sport: kept as other, never guessed
    assert str(row.start_time) == "2020-12-18 07:15:50"  # 06:15:50 UTC in Ljubljana (CET)
    assert row.elapsed_min * 60 == pytest.approx((bounds.end_time - bounds.start_time).total_seconds(), rel=0.01)
    assert row.distance_m == pytest.approx(gpx.length_2d(), rel=0.01)
    assert row.elevation_gain_m == pytest.approx(gpx.get_uphill_downhill().uphill, rel=0.01)


def lap_sums(name: str) -> tuple[float, float]:
    """Seconds and metres summed over the file's <Lap> summaries (read here with a regex, not the importer)."""
    text = gzip.decompress((DATA / name).read_bytes()).decode()
    seconds = sum(float(x) for x in re.findall(r"<TotalTimeSeconds>([\d.]+)<", text))
    metres = sum(float(x) for x in re.findall(r"</TotalTimeSeconds>\s*<DistanceMeters>([\d.]+)<", text))
    return seconds, metres


def test_tcx_run_matches_its_laps(run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]) -> None:
    """Given python-tcxparser's real run (gzipped), when imported, then timer time and distance are its laps' sums, HR its trackpoints'."""
    text = gzip.decompress((DATA / "tcxparser-run.tcx.gz").read_bytes()).decode()
    laps_s, laps_m = lap_sums("tcxparser-run.tcx.gz")
    hrs = [int(x) for x in re.findall(r"<HeartRateBpm>\s*<Value>(\d+)</Value>", text)]
    assert run_import("tcxparser-run.tcx.gz").files[0].status == "imported"
    row = rows().iloc[0]
    assert (row.type, row.title, str(row.start_time)) == ("run", "Aerobics", "2012-12-26 22:29:53")
    assert row.duration_min * 60 == pytest.approx(laps_s, rel=0.01)
    assert row.distance_m == pytest.approx(laps_m, rel=0.01)
    assert row.avg_hr == round(sum(hrs) / len(hrs)) and row.max_hr == 189


def test_tcx_other_sport_is_kept_as_other(
    run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a stand-up-paddle TCX (Sport="Other", several laps), when imported, then one 'other' activity with its laps' time and distance."""
    laps_s, laps_m = lap_sums("tcxparser-sup.tcx.gz")
    run_import("tcxparser-sup.tcx.gz")
    row = rows().iloc[0]
    assert (row.type, row.source_sport) == ("other", "Other")
    assert row.duration_min * 60 == pytest.approx(laps_s, rel=0.01) and row.distance_m == pytest.approx(
        laps_m, rel=0.01
    )
