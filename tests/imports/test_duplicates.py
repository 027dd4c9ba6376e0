"""The same activity from two sources is stored once: multisport legs, TCX and FIT multisport, chained FIT files,
a Strava summary row and the device file of it, and starts compared as UTC instants (migration 013)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest

from core.db import connect
from core.db.connection import migration_files
from core.db.imports import import_settings
from core.imports import ImportReport
from core.imports.athlete import add_athlete
from core.imports.fit import parse_fit
from core.imports.runner import import_activity_rows
from core.imports.tcx import parse_tcx
from tests.imports import samples

RACE = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
LJUBLJANA = ZoneInfo("Europe/Ljubljana")


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _race_files(folder: Path) -> tuple[Path, Path]:
    """The FIT triathlon and a separate FIT file of its run leg alone (as a second watch would record it)."""
    multi, legs = samples.fit_multisport(RACE)
    run = samples.fit_file([samples.fit_session(legs[2] + timedelta(seconds=12), "running", seconds=2400)])
    return _write(folder, "race.fit", multi), _write(folder, "run-leg.fit", run)


# ---- 1. a multisport and a file of one of its legs --------------------------------------------------------


def test_a_leg_file_after_its_multisport_is_skipped_as_that_leg(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a FIT triathlon imported, when a separate FIT file of its run leg comes, then it is skipped naming
    the leg it repeats, and the race keeps its parent and three legs."""
    race, leg = _race_files(tmp_path)
    assert run_import(race).files[0].status == "imported"
    report = run_import(leg)
    assert report.files[0].status == "skipped", report.files
    assert "leg 3 of #" in report.files[0].message
    frame = rows()
    assert len(frame) == 4 and list(frame.type) == ["multi", "swim", "ride", "run"]


def test_a_multisport_after_one_of_its_legs_makes_that_activity_its_leg_and_adds_the_others(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given the run leg's own file imported first, when the FIT triathlon comes, then the race is imported with
    the stored run (same id, its own figures) as leg 3 and new swim and ride legs; importing both again adds nothing."""
    race, leg = _race_files(tmp_path)
    run_import(leg)
    run_id = int(rows().activity_id.iloc[0])
    report = run_import(race)
    assert report.files[0].status == "imported", report.files
    assert f"leg 3 (run) was already there as #{run_id}" in report.files[0].message
    frame = rows().set_index("activity_id")
    assert len(frame) == 4 and (frame.type == "run").sum() == 1
    parent = frame[frame.type == "multi"].index[0]
    assert frame.loc[run_id, "parent_id"] == parent and frame.loc[run_id, "leg_order"] == 3
    assert frame.loc[run_id, "transition_before_min"] == 1.0
    legs = frame[frame.parent_id == parent].sort_values("leg_order")
    assert list(legs.type) == ["swim", "ride", "run"] and list(legs.leg_order) == [1, 2, 3]
    again = run_import(race, leg)
    assert [f.status for f in again.files] == ["skipped", "skipped"] and len(rows()) == 4


# ---- 2. TCX MultiSportSession: the same rows as FIT ----------------------------------------------------------


def _shape(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
    first = rows[0]["activity_id"]
    return [
        (
            r["type"] if r["parent_id"] is None else "leg",
            r["source_sport"] if r["parent_id"] is None else "",
            r["title"] if r["parent_id"] is None else "",
            None if r["parent_id"] is None else r["parent_id"] == first,
            r["leg_order"],
            r["transition_before_min"],
            r["start_utc"],
        )
        for r in rows
    ]


def test_tcx_multisport_session_is_one_multi_parent_with_legs_like_fit(
    fresh: tuple[Path, int], tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given the same triathlon as a TCX MultiSportSession and as a FIT file, when parsed, then both give the same
    rows' shape (a 'multi' parent, three legs in order with the transitions before them); imported, the TCX is one
    parent and three legs, and the FIT copy after it is skipped as the same race."""
    path, athlete_id = fresh
    con = connect(path, read_only=True)
    settings = import_settings(con, athlete_id)
    con.close()
    tcx = parse_tcx(samples.tcx_multisport(RACE))
    fit = parse_fit(samples.fit_multisport(RACE)[0])
    assert len(tcx) == 1 and len(fit) == 1
    tcx_rows, _ = import_activity_rows(tcx[0], settings, 1)
    fit_rows, _ = import_activity_rows(fit[0], settings, 1)
    assert _shape(tcx_rows) == _shape(fit_rows)
    assert _shape(tcx_rows)[0][:3] == ("multi", "multisport", "Multisport")

    report = run_import(_write(tmp_path, "race.tcx", samples.tcx_multisport(RACE)))
    assert report.files[0].status == "imported" and "3 legs" in report.files[0].message, report.files
    frame = rows()
    assert list(frame.type) == ["multi", "other", "ride", "run"]
    assert list(frame.leg_order.iloc[1:]) == [1, 2, 3] and frame.parent_id.iloc[1:].eq(frame.activity_id.iloc[0]).all()
    assert list(frame.transition_before_min.iloc[1:]) == [0.0, 2.0, 1.0]
    again = run_import(_write(tmp_path, "race.fit", samples.fit_multisport(RACE)[0]))
    assert again.files[0].status == "skipped" and "multi at" in again.files[0].message, again.files
    assert len(rows()) == 4


# ---- 3. chained FIT files and sessions days apart -------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "first_start", "second_start"),
    [
        (
            "chained files, a day apart",
            datetime(2025, 1, 10, 17, 0, tzinfo=UTC),
            datetime(2025, 1, 11, 17, 0, tzinfo=UTC),
        ),
        (
            "chained files, back to back",
            datetime(2025, 1, 10, 17, 0, tzinfo=UTC),
            datetime(2025, 1, 10, 17, 42, tzinfo=UTC),
        ),
        (
            "one file, across midnight",
            datetime(2025, 1, 10, 21, 30, tzinfo=UTC),
            datetime(2025, 1, 10, 23, 30, tzinfo=UTC),
        ),
    ],
)
def test_fit_activities_chained_or_apart_in_one_file_are_each_their_own_activity(
    case: str,
    first_start: datetime,
    second_start: datetime,
    tmp_path: Path,
    run_import: Callable[..., ImportReport],
    rows: Callable[..., pd.DataFrame],
) -> None:
    """Given a run and a ride in one FIT byte stream (two chained files, or one file with two sessions an hour or
    more apart), when imported, then two activities, each with its own local date and no multisport parent."""
    run = samples.fit_session(first_start, "running", seconds=2400)
    ride = samples.fit_session(second_start, "cycling", seconds=1800)
    chained = "chained" in case
    data = samples.fit_file([run]) + samples.fit_file([ride]) if chained else samples.fit_file([run, ride])
    report = run_import(_write(tmp_path, "two.fit", data))
    assert report.files[0].activities == 2, report.files
    frame = rows()
    assert list(frame.type) == ["run", "ride"] and frame.parent_id.isna().all()
    expected = [s.astimezone(LJUBLJANA).date() for s in (first_start, second_start)]
    assert [t.date() for t in frame.start_time] == expected


# ---- 5. a Strava summary row, then the device file of the same activity ---------------------------------------


def _summary_csv(folder: Path, when: str = "Jun 1, 2025, 5:00:20 AM", kind: str = "Run") -> Path:
    row = samples.strava_row(7, when, "Sunday long run", kind, 2400, 7200)
    return _write(folder, "activities.csv", (samples.STRAVA_HEADER + row).encode())


def test_a_device_file_replaces_the_summary_only_strava_row_of_the_same_activity(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a Strava activities.csv row with no file imported, when the FIT file of that run (20 s apart) comes,
    then the row is replaced in place (same id, CSV title kept, the file's HR zones and import) and the line says so;
    the CSV imported again after it is skipped."""
    run_import(_summary_csv(tmp_path))
    before = rows().iloc[0]
    assert pd.isna(before.z2_min)
    fit = samples.fit_file([samples.fit_session(datetime(2025, 6, 1, 5, 0, tzinfo=UTC), "running", seconds=2400)])
    report = run_import(_write(tmp_path, "run.fit", fit))
    assert report.files[0].status == "imported", report.files
    assert f"replaces the summary-only Strava row #{before.activity_id}" in report.files[0].message
    frame = rows()
    assert len(frame) == 1
    after = frame.iloc[0]
    assert after.activity_id == before.activity_id and after.title == "Sunday long run"
    assert after.import_id != before.import_id and after.z1_min + after.z2_min + after.z3_min > 0
    assert after.max_hr == 170 and after.start_utc == datetime(2025, 6, 1, 5, 0)
    csv_again = tmp_path / "again"
    csv_again.mkdir()
    again = run_import(_summary_csv(csv_again, "Jun 1, 2025, 5:00:40 AM"))
    assert again.files[0].status == "skipped" and len(rows()) == 1


def test_a_multisport_replaces_the_summary_only_row_of_its_leg(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a summary-only Strava row of the race's ride, when the FIT triathlon comes, then the ride leg takes the
    row's id with the file's figures, and nothing is stored twice."""
    multi, legs = samples.fit_multisport(RACE)
    when = legs[1].strftime("%b %-d, %Y, %-I:%M:%S %p")
    run_import(_summary_csv(tmp_path, when, "Ride"))
    row_id = int(rows().activity_id.iloc[0])
    report = run_import(_write(tmp_path, "race.fit", multi))
    assert f"leg 2 replaces the summary-only Strava row #{row_id}" in report.files[0].message, report.files
    frame = rows().set_index("activity_id")
    assert len(frame) == 4 and frame.loc[row_id, "leg_order"] == 2 and frame.loc[row_id, "distance_m"] == 10800


def test_a_failed_replacement_leaves_the_summary_row_as_it_was(
    tmp_path: Path,
    run_import: Callable[..., ImportReport],
    rows: Callable[..., pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a summary-only row, when writing its device file fails after the old row was deleted, then the file is
    refused in one line and the summary row is still there, unchanged (one transaction)."""
    run_import(_summary_csv(tmp_path))
    before = rows()

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk went away")

    monkeypatch.setattr("core.imports.runner.record_import", broken)
    fit = samples.fit_file([samples.fit_session(datetime(2025, 6, 1, 5, 0, tzinfo=UTC), "running", seconds=2400)])
    report = run_import(_write(tmp_path, "run.fit", fit))
    assert report.files[0].status == "refused" and "disk went away" in report.files[0].message
    pd.testing.assert_frame_equal(rows(), before)


# ---- 6. UTC start instants ----------------------------------------------------------------------------------


def _gpx_run(folder: Path, name: str, start: datetime) -> Path:
    return _write(folder, f"{name}.gpx", samples.gpx((name, "running", samples.gpx_points(start, 600))))


def test_runs_in_the_repeated_dst_hour_imported_in_separate_runs_are_both_kept(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a run at 00:30 UTC on 27 Oct 2024 imported (02:30 on a Ljubljana wall clock), when a run at 01:30 UTC
    (02:30 again, after clocks went back) is imported later, then it is kept; a copy of it 20 s later is skipped."""
    first = datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert run_import(_gpx_run(tmp_path, "a", first)).files[0].status == "imported"
    second = run_import(_gpx_run(tmp_path, "b", first + timedelta(hours=1)))
    assert second.files[0].status == "imported", second.files
    copy = run_import(_gpx_run(tmp_path, "b_copy", first + timedelta(hours=1, seconds=20)))
    assert copy.files[0].status == "skipped" and "as #" in copy.files[0].message
    frame = rows()
    assert list(frame.start_time.astype(str)) == ["2024-10-27 02:30:00", "2024-10-27 02:30:00"]
    assert list(frame.start_utc.astype(str)) == ["2024-10-27 00:30:00", "2024-10-27 01:30:00"]


def test_a_row_without_utc_start_is_still_recognised_in_the_athletes_zone(
    fresh: tuple[Path, int], tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given an imported run whose start_utc is unknown (a row from before migration 013), when a copy 20 s later
    comes, then it is skipped: the local time is read in the athlete's zone."""
    path, athlete_id = fresh
    run_import(_gpx_run(tmp_path, "a", datetime(2024, 7, 1, 6, 0, tzinfo=UTC)))
    con = connect(path)
    con.execute("UPDATE activities SET start_utc = NULL WHERE athlete_id = ?", [athlete_id])
    con.close()
    report = run_import(_gpx_run(tmp_path, "a_copy", datetime(2024, 7, 1, 6, 0, 20, tzinfo=UTC)))
    assert report.files[0].status == "skipped", report.files
    assert len(rows()) == 1


def test_migration_013_backfills_utc_starts_where_the_local_time_is_unambiguous() -> None:
    """Given rows stored before migration 013 (local times of a Ljubljana athlete and of an athlete with no
    settings), when it runs, then each gets its UTC start, except the local time inside the fall-back hour (NULL)."""
    con = duckdb.connect(":memory:")
    for version, _, path in migration_files():
        if version < 13:
            con.execute(path.read_text(encoding="utf-8"))
    zoned = add_athlete(con, handle="lj", time_zone="Europe/Ljubljana")
    plain = add_athlete(con, handle="plain")
    con.execute("DELETE FROM athlete_settings WHERE athlete_id = ?", [plain])
    for activity_id, athlete, local in (
        (1, zoned, "2024-07-01 12:00:00"),
        (2, zoned, "2024-10-27 02:30:00"),
        (3, zoned, "2024-10-27 03:30:00"),
        (4, plain, "2024-10-27 02:30:00"),
    ):
        con.execute(
            "INSERT INTO activities (activity_id, athlete_id, type, start_time, duration_min) VALUES (?, ?, 'run', ?, 30)",
            [activity_id, athlete, local],
        )
    (migration,) = [path for version, _, path in migration_files() if version == 13]
    con.execute(migration.read_text(encoding="utf-8"))
    got = dict(con.execute("SELECT activity_id, CAST(start_utc AS VARCHAR) FROM activities ORDER BY 1").fetchall())
    assert got == {1: "2024-07-01 10:00:00", 2: None, 3: "2024-10-27 02:30:00", 4: "2024-10-27 02:30:00"}
