"""One bad value refuses its file in one line naming the field and value; the run goes on (core/imports/values.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.imports import ImportReport, ParsedActivity
from core.imports.model import ImportFileError
from core.imports.values import checked_activity, finite_number, sample
from tests.imports.samples import STRAVA_HEADER, gpx, gpx_points, strava_row, tcx, tcx_activity

T0 = datetime(2024, 12, 1, 6, 0, tzinfo=UTC)


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_inf_and_overflowing_values_refuse_only_their_file(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given files with HR inf, HR 3000000000, power 1e15, TCX Watts Infinity and a Strava CSV with an inf average HR,
    when imported with a good file last, then each bad one is refused naming field and value, and the good one imports."""
    bad = {
        "hr_inf.gpx": gpx(("inf", "running", gpx_points(T0, 60, hr="inf"))),
        "hr_huge.gpx": gpx(("huge", "running", gpx_points(T0 + timedelta(days=1), 60, hr=3000000000))),
        "power_huge.gpx": gpx(("watts", "cycling", gpx_points(T0 + timedelta(days=2), 60, power="1e15"))),
        "watts_inf.tcx": tcx(tcx_activity(T0 + timedelta(days=3), 60, "Biking", watts="Infinity")),
        "activities.csv": STRAVA_HEADER + strava_row(1, "Dec 5, 2024, 6:00:00 AM", "Run", "Run", 1800, 5000, hr="inf"),
    }
    paths = [_write(tmp_path, name, data) for name, data in bad.items()]
    good = _write(tmp_path, "good.gpx", gpx(("good", "running", gpx_points(T0 + timedelta(days=6), 120))))
    report = run_import(*paths, good)
    lines = {Path(f.name).name: f for f in report.files}
    assert [lines[p.name].status for p in paths] == ["refused"] * 5, report.files
    assert "heart rate 'inf'" in lines["hr_inf.gpx"].message
    assert "heart rate 3e+09" in lines["hr_huge.gpx"].message
    assert "power 1e+15" in lines["power_huge.gpx"].message
    assert "power 'Infinity'" in lines["watts_inf.tcx"].message
    assert "'Average Heart Rate': 'inf'" in lines["activities.csv"].message
    assert lines["good.gpx"].status == "imported"
    assert list(rows().title) == ["good"] and len(rows("import_files")) == 1


def test_a_database_error_on_one_file_rolls_it_back_and_the_next_file_still_writes(
    tmp_path: Path,
    run_import: Callable[..., ImportReport],
    rows: Callable[..., pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given the value check replaced by one that lets HR 3000000000 reach the INTEGER column of the first file, when
    that file and a good one are imported, then the first is one 'cannot be written' line, leaves no row, and the
    second imports."""

    def unchecked(activity: ParsedActivity, today: date) -> ParsedActivity:
        return replace(activity, avg_hr=3_000_000_000) if activity.title == "huge" else activity

    monkeypatch.setattr("core.imports.runner.checked_activity", unchecked)
    huge = _write(tmp_path, "a_huge.gpx", gpx(("huge", "running", gpx_points(T0, 60))))
    good = _write(tmp_path, "b_good.gpx", gpx(("good", "running", gpx_points(T0 + timedelta(days=1), 60))))
    report = run_import(huge, good)
    assert [f.status for f in report.files] == ["refused", "imported"], report.files
    assert report.files[0].message.startswith("cannot be written:")
    assert list(rows().title) == ["good"] and list(rows("import_files").file_name) == [str(good)]


def test_any_parser_exception_is_its_files_line(
    tmp_path: Path, run_import: Callable[..., ImportReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a GPX parser that raises an unexpected ZeroDivisionError, when a GPX and a TCX are imported, then the GPX
    is refused in one line and the TCX imports."""

    def broken(data: bytes) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("core.imports.runner.parse_gpx", broken)
    a = _write(tmp_path, "a.gpx", gpx(("a", "running", gpx_points(T0, 60))))
    b = _write(tmp_path, "b.tcx", tcx(tcx_activity(T0 + timedelta(days=1), 60)))
    report = run_import(a, b)
    assert [f.status for f in report.files] == ["refused", "imported"]
    assert report.files[0].message == "cannot be read: ZeroDivisionError: boom"


def _activity(**changes: object) -> ParsedActivity:
    values: dict[str, object] = {
        "sport": "run",
        "source_sport": "running",
        "start": T0,
        "duration_s": 1800.0,
        "elapsed_s": 1800.0,
        "distance_m": 5000.0,
    }
    values.update(changes)
    return ParsedActivity(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"start": datetime(1989, 12, 31, tzinfo=UTC)}, "before 2000"),
        ({"start": datetime(2099, 1, 1, tzinfo=UTC)}, "in the future"),
        ({"distance_m": -5.0}, "distance -5"),
        ({"duration_s": 0.0}, "duration 0 s with distance 5000 m"),
        ({"avg_hr": 400}, "heart rate 400"),
        ({"normalized_power_w": 10**15}, r"power 1e\+15"),
        ({"strokes_per_min": 900}, "cadence 900"),
    ],
)
def test_implausible_values_are_refused_naming_field_and_value(changes: dict[str, object], expected: str) -> None:
    """Given an activity with one implausible figure, when checked, then ImportFileError names that figure."""
    with pytest.raises(ImportFileError, match=expected):
        checked_activity(_activity(**changes), date(2024, 12, 1))


def test_plausible_activity_passes_with_a_utc_start_and_tomorrow_is_accepted() -> None:
    """Given a naive start (UTC by the formats' rule) tomorrow, when checked, then it passes as a UTC-aware start."""
    checked = checked_activity(_activity(start=datetime(2024, 12, 2, 23, 0)), date(2024, 12, 1))
    assert checked.start == datetime(2024, 12, 2, 23, 0, tzinfo=UTC)


def test_numbers_from_text_are_finite_or_none_and_samples_are_checked() -> None:
    """Given text cells, when read, then inf/NaN/1e400 are not numbers, 0 is no reading and 260 bpm is refused."""
    assert [finite_number(t) for t in ("inf", "NaN", "1e400", " 42 ", "", None)] == [None, None, None, 42.0, None, None]
    assert sample("heart rate", "0") is None and sample("heart rate", "151.4") == 151
    with pytest.raises(ImportFileError, match="heart rate 260"):
        sample("heart rate", "260")
