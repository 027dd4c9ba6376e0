"""Strava exports in the account's language: German, French, Spanish, Italian, Dutch and Portuguese activities.csv
read through one table of header, month and activity-type names; an unreadable one names its unknown headers."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from core.imports import ImportReport
from core.imports.model import ImportFileError
from core.imports.strava import parse_activities_csv

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"

# The German layout of a real export (column order as Strava writes it; some names vary between exports).
GERMAN_HEADER = (
    "Aktivitäts-ID,Datum der Aktivität,Aktivitätsname,Aktivitätsart,Aktivitätsbeschreibung,Verstrichene Zeit,"
    "Distanz,Max. Herzfrequenz,Relativer Aufwand,Pendeln,Private Notiz zur Aktivität,Aktivitätsausrüstung,"
    "Dateiname,Sportlergewicht,Fahrradgewicht,Verstrichene Zeit,Bewegungszeit,Distanz,Höchstgeschw.,"
    "Durchschnittliche Geschwindigkeit,Höhenzunahme,Durchschnittliche Herzfrequenz\n"
)


def test_a_german_strava_export_imports_with_its_titles_types_and_numbers(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given a Strava export in German (headers, '3. Dez. 2025, 07:12:33' dates, 'Lauf' / 'Krafttraining' types,
    '10,50' km), when imported as a folder, then the file gets its German title and the file-less rows import
    with their type, time and distance; nothing is refused."""
    export = tmp_path / "export_de"
    (export / "activities").mkdir(parents=True)
    (export / "activities" / "11.fit.gz").write_bytes(gzip.compress((DATA / "garmin-fenix-5-walk.fit").read_bytes()))
    (export / "activities.csv").write_text(
        GERMAN_HEADER
        + '11,"11. Juni 2017, 14:32:51",Mittagsspaziergang,Spaziergang,,45,"0,07",82,,false,,,activities/11.fit.gz,,,45,45,67.9,,,1,75\n'
        + '12,"3. Dez. 2025, 07:12:33",Morgenlauf,Lauf,,3700,"10,50",171,,false,,,,,,3700,3600,,,,"12,5",148\n'
        + '13,"04.12.2025, 18:00:00",Kraft,Krafttraining,,3600,"0,00",,,false,,,,,,3600,3000,0,,,0,\n',
        encoding="utf-8",
    )
    report = run_import(export)
    assert report.counts()["refused"] == 0 and report.counts()["activities"] == 3, report.files
    frame = rows().set_index("title")
    assert frame.loc["Mittagsspaziergang", "type"] == "other"  # the walk FIT file, titled from the German CSV
    run = frame.loc["Morgenlauf"]
    assert run.type == "run" and run.distance_m == 10500 and run.duration_min == 60 and run.elapsed_min == 61.67
    assert run.start_utc == datetime(2025, 12, 3, 7, 12, 33) and run.avg_hr == 148 and run.max_hr == 171
    assert run.elevation_gain_m == 12.5
    assert frame.loc["Kraft", "type"] == "strength" and frame.loc["Kraft", "start_utc"] == datetime(2025, 12, 4, 18)


@pytest.mark.parametrize(
    ("header", "date", "kind", "expected_type"),
    [
        (
            "Aktivitäts-ID,Aktivitätsdatum,Name der Aktivität,Aktivitätsart",
            "3. Dez. 2025, 07:12:33",
            "Radfahrt",
            "ride",
        ),
        (
            "ID de l'activité,Date de l'activité,Nom de l'activité,Type d'activité",
            "3 déc. 2025, 07:12:33",
            "Course à pied",
            "run",
        ),
        (
            "ID de actividad,Fecha de la actividad,Nombre de la actividad,Tipo de actividad",
            "3 dic 2025, 7:12:33",
            "Natación",
            "swim",
        ),
        (
            "ID de actividad,Fecha de la actividad,Nombre de la actividad,Tipo de actividad",
            "3 de dic. de 2025, 7:12:33 a. m.",
            "Carrera",
            "run",
        ),
        ("ID attività,Data attività,Nome attività,Tipo attività", "3 dic 2025, 07:12:33", "Giro in bici", "ride"),
        (
            "Activiteits-ID,Activiteitsdatum,Activiteitsnaam,Activiteitstype",
            "3 dec. 2025 07:12:33",
            "Hardloopsessie",
            "run",
        ),
        (
            "ID da atividade,Data da atividade,Nome da atividade,Tipo de atividade",
            "3 de dez. de 2025, 07:12:33",
            "Corrida",
            "run",
        ),
        ("Activity ID,Activity Date,Activity Name,Activity Type", "Dec 3, 2025, 7:12:33 AM", "Run", "run"),
    ],
)
def test_activities_csv_in_each_language_reads_its_date_and_type(
    header: str, date: str, kind: str, expected_type: str
) -> None:
    """Given a one-row activities.csv in a language Strava writes, when parsed, then its date is 3 Dec 2025 07:12:33
    UTC and its localized type is ours."""
    (row,) = parse_activities_csv(f'{header}\n1,"{date}",Name,{kind}\n')
    assert row.start == datetime(2025, 12, 3, 7, 12, 33, tzinfo=UTC)
    assert row.sport == expected_type and row.source_sport == kind


def test_an_activities_csv_in_an_unknown_language_is_refused_naming_its_headers(
    tmp_path: Path, run_import: Callable[..., ImportReport], rows: Callable[..., pd.DataFrame]
) -> None:
    """Given an activities.csv whose headers are in a language not in the table (Polish), when imported, then one
    refused line names the columns it could not find and the headers it did not recognise; nothing is stored."""
    path = tmp_path / "activities.csv"
    path.write_text("Identyfikator aktywności,Data aktywności,Typ aktywności\n1,2025-12-03 07:12:33,Bieg\n", "utf-8")
    report = run_import(path)
    assert report.files[0].status == "refused", report.files
    message = report.files[0].message
    assert "no column for Activity ID, Activity Date, Activity Type" in message
    assert "headers not recognised: 'Identyfikator aktywności', 'Data aktywności', 'Typ aktywności'" in message
    assert rows().empty


def test_a_date_that_is_no_date_names_its_line() -> None:
    """Given a German activities.csv whose date is '32. Dez. 2025, 07:12:33', when parsed, then ImportFileError names line 2."""
    with pytest.raises(ImportFileError, match=r"line 2: Activity Date '32\. Dez\. 2025"):
        parse_activities_csv('Aktivitäts-ID,Aktivitätsdatum,Aktivitätsart\n1,"32. Dez. 2025, 07:12:33",Lauf\n')
