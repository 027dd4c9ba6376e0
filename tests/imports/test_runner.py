"""Nothing counted twice, nothing lost: re-imports and look-alikes skipped, bad files refused alone, exports joined."""

from __future__ import annotations

import gzip
import os
import shutil
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.imports import ImportReport
from tests.imports import samples

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
GOOD = ["garmin-fenix-5-run.fit", "garmin-edge-820-bike.fit", "tcxparser-run.tcx.gz", "around-visnjan-with-car.gpx"]


def statuses(report: ImportReport) -> dict[str, str]:
    return {Path(f.name).name: f.status for f in report.files}


def test_reimport_of_everything_imports_nothing_and_says_so_per_file(
    run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given good files imported once, when the same files are imported again, then every file is skipped as already imported and no row is added."""
    first = run_import(*GOOD)
    assert set(statuses(first).values()) == {"imported"}
    before = len(rows())
    again = run_import(*GOOD)
    assert [f.status for f in again.files] == ["skipped"] * len(GOOD)
    assert all("already imported" in f.message for f in again.files)
    assert len(rows()) == before and len(rows("import_files")) == len(GOOD)


def test_same_ride_from_a_second_device_is_skipped(
    run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given the Edge 820's ride imported, when the fenix 5's recording of the same ride (53 s apart) comes, then it is skipped naming the first."""
    run_import("garmin-edge-820-bike.fit")
    report = run_import("garmin-fenix-5-bike.fit")
    assert report.files[0].status == "skipped"
    assert "same activity" in report.files[0].message and "ride at" in report.files[0].message
    assert len(rows()) == 1


def test_gzipped_copy_of_a_file_is_recognised_by_its_hash(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a FIT file imported, when Strava's gzipped copy of it comes, then it is skipped as the same file (hash of the uncompressed bytes)."""
    run_import("garmin-fenix-5-run.fit")
    copy = tmp_path / "12345.fit.gz"
    copy.write_bytes(gzip.compress((DATA / "garmin-fenix-5-run.fit").read_bytes()))
    report = run_import(copy)
    assert report.files[0].status == "skipped" and "already imported (" in report.files[0].message
    assert len(rows()) == 1


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("activity-unexpected-eof.fit", "cut short"),
        ("activity-filecrc.fit", "CRC"),
        ("WeightScaleSingleUser.fit", "no activity (a weight-scale file"),
        ("MonitoringFile.fit", "no activity (a monitoring file"),
        ("route.gpx", "a route with no track"),
        ("cerknicko-without-times.gpx.gz", "points without times (5 of"),
        ("unicode_with_bom.gpx", "no track points with times"),
    ],
)
def test_bad_file_is_refused_in_one_line_and_the_others_import(
    bad: str, reason: str, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a bad file between two good ones, when imported, then one refused line names it and the reason, the good ones import, and it left no row."""
    report = run_import("garmin-fenix-5-run.fit", bad, "around-visnjan-with-car.gpx")
    assert statuses(report) == {
        "garmin-fenix-5-run.fit": "imported",
        bad: "refused",
        "around-visnjan-with-car.gpx": "imported",
    }
    refused = next(f for f in report.files if f.status == "refused")
    assert reason in refused.message and "\n" not in refused.line() and bad in refused.line()
    assert len(rows()) == 2 and len(rows("import_files")) == 2


def test_truncated_gzip_is_refused_and_leaves_no_row(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a .fit.gz cut in half, when imported, then it is refused as damaged or cut short and nothing is written."""
    data = gzip.compress((DATA / "garmin-fenix-5-run.fit").read_bytes())
    cut = tmp_path / "cut.fit.gz"
    cut.write_bytes(data[: len(data) // 2])
    report = run_import(cut)
    assert report.files[0].status == "refused" and "cut short" in report.files[0].message
    assert rows().empty and rows("import_files").empty


def test_empty_segment_and_bom_still_import(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a track with an empty segment and a real track saved with a UTF-8 BOM, when imported, then both import and the empty segment is mentioned."""
    bom = tmp_path / "with-bom.gpx"
    bom.write_bytes(b"\xef\xbb\xbf" + (DATA / "around-visnjan-with-car.gpx").read_bytes())
    report = run_import("track-with-empty-segment.gpx", bom)
    assert [f.status for f in report.files] == ["imported", "imported"]
    assert "1 empty track segment(s) ignored" in report.files[0].message
    assert len(rows()) == 2


def test_non_utf8_file_name_is_imported_and_reported_readably(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a file whose name is Latin-1 bytes (not UTF-8), when imported, then it imports and its line shows the name with U+FFFD."""
    folder = os.fsencode(tmp_path)
    name = os.path.join(folder, b"caf\xe9-run.fit")
    shutil.copyfile(DATA / "garmin-fenix-5-run.fit", name)
    report = run_import(Path(os.fsdecode(name)))
    assert report.files[0].status == "imported"
    assert "caf\ufffd-run.fit" in report.files[0].name
    assert rows("import_files").file_name.iloc[0].endswith("caf\ufffd-run.fit")


STRAVA_HEADER = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,"
    "Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,"
    "Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,Elevation Gain,Average Heart Rate\n"
)


def _strava_export(root: Path) -> Path:
    """A Strava bulk export around real files: activities.csv in Strava's layout, activities/*.gz, and a manual row."""
    (root / "activities").mkdir(parents=True)
    (root / "activities" / "101.fit.gz").write_bytes(gzip.compress((DATA / "garmin-fenix-5-walk.fit").read_bytes()))
    (root / "activities" / "102.gpx.gz").write_bytes(gzip.compress((DATA / "around-visnjan-with-car.gpx").read_bytes()))
    (root / "activities.csv").write_text(
        STRAVA_HEADER
        + '101,"Jun 11, 2017, 2:32:51 PM",Lunch stroll,Walk,,45,0.07,82,,false,,,activities/101.fit.gz,,,45,45,67.9,,,1,75\n'
        + '102,"Dec 18, 2020, 6:15:50 AM",Morning Run,Run,,514,2.74,,,false,,,activities/102.gpx.gz,,,514,308,2741.9,,,49.7,\n'
        + '103,"Dec 19, 2020, 5:00:00 PM",Gym strength,Weight Training,,3600,0,,,false,,,,,,3600,3000,0,,,0,\n',
        encoding="utf-8",
    )
    return root


def test_strava_export_folder_and_zip_join_activities_csv_to_files(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a Strava export (a walk FIT, an untyped GPX the CSV calls a Run, a manual strength row), when imported as a folder, then
    three activities with the CSV's names and types; the same export as a zip then imports nothing."""
    export = _strava_export(tmp_path / "export")
    report = run_import(export)
    assert [f.status for f in report.files] == ["imported"] * 3, report.files
    frame = rows().set_index("title")
    assert frame.loc["Lunch stroll", "type"] == "other"
    assert frame.loc["Morning Run", "type"] == "run"  # the GPX names no sport: activities.csv's type is used
    assert frame.loc["Gym strength", "type"] == "strength" and frame.loc["Gym strength", "duration_min"] == 50
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(export.rglob("*")):
            if path.is_file():
                zf.write(path, f"export_1/{path.relative_to(export)}")
    again = run_import(archive)
    assert [f.status for f in again.files] == ["skipped"] * 3 and len(rows()) == 3


def test_health_csv_imports_days_and_keeps_existing_ones(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a health CSV with a BOM and an overlapping second file, when both are imported, then each day is stored once and the first values kept."""
    first = tmp_path / "health.csv"
    first.write_text(
        "\ufeffdate,sleep_hours,hrv_ms,resting_hr\n2025-03-01,7.5,62,48\n2025-03-02,6.25,,51\n", encoding="utf-8"
    )
    second = tmp_path / "health2.csv"
    second.write_text("Date,Sleep,HRV,RHR\n2025-03-02,9,70,40\n2025-03-03,8,65,47\n", encoding="utf-8")
    report = run_import(first, second)
    assert [f.health_days for f in report.files] == [2, 1]
    assert "1 day(s) already there kept" in report.files[1].message
    health = rows("daily_health")
    assert list(health.sleep_hours) == [7.5, 6.25, 8.0] and pd.isna(health.hrv_ms.iloc[1])
    assert report.as_of == "2025-03-03"


def test_health_csv_with_a_bad_value_is_refused_whole(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a health CSV whose third line has HRV 'abc', when imported, then it is refused naming line and column, and no day is stored."""
    bad = tmp_path / "bad.csv"
    bad.write_text("date,sleep_hours,hrv_ms,resting_hr\n2025-03-01,7.5,62,48\n2025-03-02,7,abc,50\n", encoding="utf-8")
    report = run_import(bad)
    assert report.files[0].status == "refused" and "line 3, column 'hrv_ms'" in report.files[0].message
    assert rows("daily_health").empty


# ---- the same activity by UTC instant; repeats inside a file; exports with side files; empty inputs ----------


def test_two_runs_an_hour_apart_across_the_dst_fall_back_are_both_kept(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given runs at 00:30 and 01:30 UTC on 27 Oct 2024 (both 02:30 on a Ljubljana wall clock), when imported
    together, then both are stored; re-importing a copy of the second from another device 20 s later is skipped."""
    first = datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    paths = []
    for name, start in (
        ("a", first),
        ("b", first + timedelta(hours=1)),
        ("b_copy", first + timedelta(hours=1, seconds=20)),
    ):
        path = tmp_path / f"{name}.gpx"
        path.write_bytes(samples.gpx((name, "running", samples.gpx_points(start, 600, move_m=3 + len(name)))))
        paths.append(path)
    report = run_import(*paths)
    assert [f.status for f in report.files] == ["imported", "imported", "skipped"], report.files
    assert list(rows().title) == ["a", "b"]


def test_duplicated_rows_of_a_strava_csv_are_stored_once(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given an activities.csv with the same row twice, when imported, then one activity and the line says so."""
    row = samples.strava_row(1, "Sep 1, 2024, 7:00:00 AM", "Swim", "Swim", 1800, 1500)
    path = tmp_path / "activities.csv"
    path.write_text(samples.STRAVA_HEADER + row + row, encoding="utf-8")
    report = run_import(path)
    assert report.files[0].activities == 1 and "1 repeat(s)" in report.files[0].message
    assert len(rows()) == 1


def _bulk_export(root: Path) -> None:
    """A Strava bulk export as Strava writes it: activities, plus side files that are not activities, macOS litter."""
    (root / "activities").mkdir(parents=True)
    start = datetime(2024, 5, 1, 6, tzinfo=UTC)
    (root / "activities" / "1.gpx").write_bytes(samples.gpx(("r", "running", samples.gpx_points(start, 300))))
    (root / "activities.csv").write_text(
        samples.STRAVA_HEADER.replace("Filename", "Filename")
        + '1,"May 1, 2024, 6:00:00 AM",Morning Run,Run,300,0.9,activities/1.gpx,300,900,140\n',
        encoding="utf-8",
    )
    for side in ("bikes.csv", "shoes.csv", "profile.csv", "global_challenges.csv"):
        (root / side).write_text("Name,Brand\nx,y\n", encoding="utf-8")
    (root / "routes").mkdir()
    (root / "routes" / "1.gpx").write_bytes(samples.gpx(("route", None, "")))
    (root / "media").mkdir()
    (root / "media" / "a.jpg").write_bytes(b"\xff\xd8")
    (root / "activities" / "._1.gpx").write_bytes(b"\x00\x05\x16\x07")
    (root / ".DS_Store").write_bytes(b"\x00")


def test_a_strava_bulk_export_imports_without_refusals_and_ignores_side_files_in_one_line(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a Strava export with bikes.csv, shoes.csv, profile.csv, routes/, media/ and AppleDouble files, as a folder
    and as a zip made on a Mac, when imported, then nothing is refused and one line counts the 6 side files."""
    _bulk_export(tmp_path / "export_1")
    report = run_import(tmp_path / "export_1")
    assert report.counts()["refused"] == 0, report.files
    ignored = [f for f in report.files if "not activities ignored" in f.message]
    assert len(ignored) == 1 and ignored[0].message.startswith("6 file(s)"), report.files
    assert list(rows().title) == ["Morning Run"]
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((tmp_path / "export_1").rglob("*")):
            if path.is_file():
                zf.write(path, f"export_1/{path.relative_to(tmp_path / 'export_1')}")
        zf.writestr("__MACOSX/export_1/._activities.csv", b"\x00\x05\x16\x07")
    again = run_import(archive)
    assert again.counts()["refused"] == 0 and len(rows()) == 1, again.files


def test_zips_inside_a_folder_are_imported_and_empty_inputs_say_nothing_was_found(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a folder holding a zip of a GPX (plus its AppleDouble twin), an empty folder and an empty zip, when
    imported, then the GPX imports and each empty input has one line saying nothing importable was found."""
    folder = tmp_path / "in"
    folder.mkdir()
    start = datetime(2024, 5, 6, 6, tzinfo=UTC)
    with zipfile.ZipFile(folder / "rides.zip", "w") as zf:
        zf.writestr("rides/ride1.gpx", samples.gpx(("ride1", "cycling", samples.gpx_points(start, 300))))
        zf.writestr("__MACOSX/rides/._ride1.gpx", b"\x00\x05\x16\x07")
    (tmp_path / "empty").mkdir()
    with zipfile.ZipFile(tmp_path / "empty.zip", "w"):
        pass
    report = run_import(folder, tmp_path / "empty", tmp_path / "empty.zip")
    assert [(f.name.removeprefix(f"{tmp_path}/"), f.status) for f in report.files] == [
        ("empty", "refused"),
        ("empty.zip", "refused"),
        ("in/rides.zip:rides/ride1.gpx", "imported"),
    ], report.files
    assert all("nothing importable found" in f.message for f in report.files[:2])
    assert list(rows().title) == ["ride1"]


def test_fit_session_without_start_time_is_one_line(tmp_path: Path, run_import: Callable[..., ImportReport]) -> None:
    """Given a FIT file whose session has no start_time, when imported, then one refused line says so (no KeyError)."""
    path = tmp_path / "nostart.fit"
    path.write_bytes(samples.fit_file([samples.fit_session(None, "running")]))
    report = run_import(path)
    assert report.files[0].status == "refused"
    assert report.files[0].message == "FIT session 1 of 1 has no start_time: its day cannot be known"
