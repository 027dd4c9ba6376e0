"""GPX and TCX files from the parsers' own test suites (figures equal the file's own), then small built files for the edge cases."""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gpxpy
import pandas as pd
import pytest

from core.imports import ImportReport
from tests.imports.samples import gpx, gpx_points, tcx, tcx_activity

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


# ---- built files: time zones, sparse tracks, split tracks, TCX without a summary, repeats, encodings ----------

T1 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def test_naive_gpx_times_are_utc_whatever_the_hosts_zone(
    tmp_path: Path,
    run_import: Callable[..., ImportReport],
    rows: Callable[..., pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a GPX with times written without a zone on a host in New York, when imported for a Ljubljana athlete,
    then 06:00 is read as UTC and stored as 08:00 local; a mixed naive/aware file imports too."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        naive = tmp_path / "naive.gpx"
        naive.write_bytes(gpx(("naive", "running", gpx_points(T1, 120, zone=""))))
        mixed = tmp_path / "mixed.gpx"
        body = gpx_points(T1 + timedelta(days=1), 60, zone="") + gpx_points(T1 + timedelta(days=1, seconds=60), 60)
        mixed.write_bytes(gpx(("mixed", "running", body)))
        report = run_import(naive, mixed)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert [f.status for f in report.files] == ["imported", "imported"], report.files
    assert [str(t) for t in rows().start_time] == ["2024-05-01 08:00:00", "2024-05-02 08:00:00"]


def test_sparse_gpx_keeps_its_duration(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a GPX with a point every 120 s for two hours, when imported, then its duration is 120 min, not 0."""
    path = tmp_path / "sparse.gpx"
    path.write_bytes(gpx(("sparse", "running", gpx_points(T1, 61, step_s=120, move_m=300))))
    run_import(path)
    assert rows().duration_min.iloc[0] == 120.0


def test_gpx_tracks_days_apart_are_separate_activities(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given one GPX with a Monday and a Wednesday track, when imported, then two runs, each with its own name."""
    path = tmp_path / "two.gpx"
    path.write_bytes(
        gpx(("Mon", "running", gpx_points(T1, 600)), ("Wed", "running", gpx_points(T1 + timedelta(days=2), 600)))
    )
    report = run_import(path)
    assert report.files[0].activities == 2
    assert list(rows().title) == ["Mon", "Wed"] and list(rows().duration_min.round()) == [10, 10]


def test_tcx_without_total_time_is_timed_from_its_trackpoints_and_a_repeated_activity_is_stored_once(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a TCX lap without TotalTimeSeconds and a TCX holding the same <Activity> twice, when imported, then the
    first lasts its trackpoints' 10 min and the second is one activity, the line naming the repeat."""
    untimed = tmp_path / "untimed.tcx"
    untimed.write_bytes(tcx(tcx_activity(T1, 601, total_time=False)))
    twice = tmp_path / "twice.tcx"
    twice.write_bytes(tcx(tcx_activity(T1 + timedelta(days=1), 300), tcx_activity(T1 + timedelta(days=1), 300)))
    report = run_import(untimed, twice)
    assert list(rows().duration_min) == [10.0, 5.0]
    assert report.files[1].activities == 1 and "1 repeat(s) of an activity inside the file" in report.files[1].message


def test_xml_declaring_windows_1250_with_spaces_is_read_in_it(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a GPX declared `encoding = "windows-1250"` with a name in Slovene, when imported, then the name reads right."""
    text = (
        gpx(("Tek Žiri", "running", gpx_points(T1, 60)))
        .decode()
        .replace('encoding="UTF-8"', 'encoding = "windows-1250"')
    )
    path = tmp_path / "cp1250.gpx"
    path.write_bytes(text.encode("cp1250"))
    report = run_import(path)
    assert report.files[0].status == "imported", report.files
    assert rows().title.iloc[0] == "Tek Žiri"


def test_xml_declaring_an_unknown_encoding_is_refused_naming_it(
    tmp_path: Path, run_import: Callable[..., ImportReport]
) -> None:
    """Given a TCX declaring encoding 'x-klingon', when imported, then it is refused naming the encoding."""
    path = tmp_path / "odd.tcx"
    path.write_bytes(tcx(tcx_activity(T1, 60)).replace(b'encoding="UTF-8"', b'encoding="x-klingon"'))
    report = run_import(path)
    assert report.files[0].status == "refused" and "'x-klingon'" in report.files[0].message
