"""Health CSVs: header aliases with units, unused columns named, empty days, deep-sleep fractions, UTF-16 (core/imports/health.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from core.imports import ImportReport


def test_headers_with_units_spaces_and_case_are_read_and_unused_columns_named(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given headers `Date, Sleep Hours, HRV (ms), Resting HR (bpm), Steps`, when imported, then the four are read and Steps is named as not used."""
    path = tmp_path / "health.csv"
    path.write_text("Date,Sleep Hours,HRV (ms),Resting HR (bpm),Steps\n2024-09-01,7.5,55,48,10000\n", encoding="utf-8")
    report = run_import(path)
    assert report.files[0].status == "imported", report.files
    assert "column(s) not used: 'Steps'" in report.files[0].message
    day = rows("daily_health").iloc[0]
    assert (day.sleep_hours, day.hrv_ms, day.resting_hr) == (7.5, 55, 48)


def test_resting_heart_rate_spelled_out_and_sleep_minutes_are_read(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given `Resting Heart Rate` and `Sleep (min)` columns, when imported, then RHR is read and 450 min is 7.5 h."""
    path = tmp_path / "health.csv"
    path.write_text("day,Sleep (min),Resting Heart Rate\n2024-09-02,450,47\n", encoding="utf-8")
    run_import(path)
    day = rows("daily_health").iloc[0]
    assert (day.sleep_hours, day.resting_hr) == (7.5, 47)


def test_a_day_with_every_value_empty_is_not_stored_and_fractions_become_percent(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given deep sleep 0.21 and a second day with every cell empty, when imported, then one day with 21 % is stored and the line says so."""
    path = tmp_path / "health.csv"
    path.write_text(
        "date,sleep_hours,hrv_ms,resting_hr,deep_sleep_pct\n2024-09-09,7.5,55,48,0.21\n2024-09-10,,,,\n",
        encoding="utf-8",
    )
    report = run_import(path)
    assert report.files[0].health_days == 1
    assert "fractions" in report.files[0].message and "1 day(s) with every value empty" in report.files[0].message
    assert list(rows("daily_health").deep_sleep_pct) == [21.0]


def test_deep_sleep_mixing_fractions_and_percent_is_refused(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given deep sleep 18 on one day and 0.2 on the next, when imported, then the file is refused naming line 3."""
    path = tmp_path / "health.csv"
    path.write_text("date,sleep_hours,deep_sleep_pct\n2024-09-09,7.5,18\n2024-09-10,7,0.2\n", encoding="utf-8")
    report = run_import(path)
    assert report.files[0].status == "refused" and report.files[0].message.startswith("line 3: deep sleep 0.2")
    assert rows("daily_health").empty


def test_utf16_with_bom_and_semicolons_are_read(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a UTF-16 health CSV with a BOM and a semicolon one with decimal commas, when imported, then both days are stored."""
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("date,sleep_hours,hrv_ms,resting_hr\r\n2024-09-15,7.5,55,48\r\n".encode("utf-16"))
    semi = tmp_path / "semi.csv"
    semi.write_text("date;sleep_hours;hrv_ms;resting_hr\n2024-09-16;7,25;56;47\n", encoding="utf-8")
    report = run_import(utf16, semi)
    assert [f.status for f in report.files] == ["imported", "imported"], report.files
    assert list(rows("daily_health").sleep_hours) == [7.5, 7.25]


def test_a_day_in_the_future_refuses_the_file(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a health row dated 2099, when imported, then the file is refused and the athlete's "today" does not move."""
    path = tmp_path / "health.csv"
    path.write_text("date,sleep_hours\n2099-01-01,7.5\n", encoding="utf-8")
    report = run_import(path)
    assert report.files[0].status == "refused" and "2099-01-01 is in the future" in report.files[0].message
    assert rows("daily_health").empty and not (report.as_of or "").startswith("2099")
