"""The one import path: sources expanded (folders, Strava exports, zips), each file parsed with no lock held,
then checked against what the athlete has and written all or nothing in its own transaction.

A file is *skipped* when its SHA-256 (of the uncompressed bytes, so `x.fit` and `x.fit.gz` match) was
imported before, or when every activity in it matches one already stored: same type, start within
`SAME_START_S` (the same ride from a second device, Strava's copy of a FIT file). A file that cannot
be read is *refused* with one line naming it and why; the others go on, and nothing of it is written.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from core.db.imports import (
    ImportSettings,
    advance_as_of,
    existing_health_days,
    import_settings,
    imported_hashes,
    insert_health_days,
    known_file,
    matching_activity,
    next_activity_id,
    record_import,
)
from core.db.transactions import transaction
from core.imports.fit import parse_fit
from core.imports.gpx import parse_gpx
from core.imports.health import HealthDay, is_health_csv, parse_health
from core.imports.model import FileOutcome, ImportFileError, ImportSource, ParsedActivity
from core.imports.sports import zone_minutes
from core.imports.strava import is_strava_csv, parse_activities_csv
from core.imports.tcx import parse_tcx

SAME_START_S = 60.0
WRITE_BATCH = 25  # files parsed with no lock, then written under one write connection (a transaction each)
MAX_FILE_BYTES = 200_000_000  # uncompressed: a larger file (or a gzip bomb) is refused, never read whole
SUFFIXES = (".fit", ".gpx", ".tcx", ".csv")

ImportWriter = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
ImportProgress = Callable[[int, int, FileOutcome], None]


@dataclass(frozen=True)
class ImportReport:
    """Every file's outcome, in order, and the athlete's "today" after the import."""

    athlete_id: int
    files: tuple[FileOutcome, ...]
    as_of: str | None

    def counts(self) -> dict[str, int]:
        out = {"imported": 0, "skipped": 0, "refused": 0, "activities": 0, "health_days": 0}
        for f in self.files:
            out[f.status] += 1
            out["activities"] += f.activities
            out["health_days"] += f.health_days
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "athlete_id": self.athlete_id,
            "as_of": self.as_of,
            **self.counts(),
            "files": [vars(f) for f in self.files],
        }


def display_name(name: str | os.PathLike[str]) -> str:
    """A file name fit to print and store: undecodable bytes (a non-UTF-8 name) shown as U+FFFD."""
    text = os.fsdecode(name)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _base_name(name: str) -> str:
    lower = name.lower()
    return lower[:-3] if lower.endswith(".gz") else lower


def is_importable(name: str) -> bool:
    return _base_name(name).endswith(SUFFIXES)


def unpacked(source: ImportSource) -> bytes:
    """The source's bytes, gunzipped when the name ends in .gz; ImportFileError when cut short or too large."""
    data = source.read()
    if not source.name.lower().endswith(".gz"):
        if len(data) > MAX_FILE_BYTES:
            raise ImportFileError(f"file is larger than {MAX_FILE_BYTES:,} bytes")
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise ImportFileError(f"gzip data is damaged or cut short ({' '.join(str(exc).split())[:80]})") from None
    if len(out) > MAX_FILE_BYTES:
        raise ImportFileError(f"uncompressed file is larger than {MAX_FILE_BYTES:,} bytes")
    return out


# ---- sources ------------------------------------------------------------------------------------------


def _file_source(path: Path, name: str | None = None) -> ImportSource:
    return ImportSource(display_name(name or str(path)), path.read_bytes)


def _export_sources(csv_name: str, csv_bytes: bytes, members: dict[str, Callable[[], bytes]]) -> list[ImportSource]:
    """A Strava export: each file activities.csv names (with its title and sport), the rest of its files,
    and activities.csv itself for the rows with no file."""
    rows = parse_activities_csv(csv_bytes.decode("utf-8", "replace"))
    by_name = {k.replace("\\", "/").lstrip("./"): v for k, v in members.items()}
    sources, used = [], set()
    for row in rows:
        key = (row.filename or "").replace("\\", "/").lstrip("./")
        if key and key in by_name:
            used.add(key)
            sources.append(ImportSource(display_name(key), by_name[key], row.title, row.sport))
    orphans = tuple(
        r.activity for r in rows if not r.filename or r.filename.replace("\\", "/").lstrip("./") not in used
    )
    sources += [
        ImportSource(display_name(k), v) for k, v in sorted(by_name.items()) if k not in used and is_importable(k)
    ]
    sources.append(ImportSource(display_name(csv_name), lambda: csv_bytes, manual=orphans))
    return sources


def _zip_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes; a member larger than MAX_FILE_BYTES (a zip bomb) is refused unread."""
    if archive.getinfo(name).file_size > MAX_FILE_BYTES:
        raise ImportFileError(f"zip member is larger than {MAX_FILE_BYTES:,} bytes uncompressed")
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ImportFileError(f"zip member is damaged ({' '.join(str(exc).split())[:80]})") from None


def _zip_sources(path_name: str, data: bytes) -> list[ImportSource]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile:
        raise ImportFileError("zip file is damaged or not a zip") from None
    members: dict[str, Callable[[], bytes]] = {n: partial(_zip_member, archive, n) for n in names}
    csv_name = next((n for n in names if n.rsplit("/", 1)[-1] == "activities.csv"), None)
    if csv_name is not None:
        prefix = csv_name[: -len("activities.csv")]
        inside = {n[len(prefix) :]: r for n, r in members.items() if n.startswith(prefix) and n != csv_name}
        return _export_sources(f"{path_name}:{csv_name}", _zip_member(archive, csv_name), inside)
    return [ImportSource(display_name(f"{path_name}:{n}"), r) for n, r in sorted(members.items()) if is_importable(n)]


def sources_from_paths(paths: Iterable[str | Path]) -> tuple[list[ImportSource], list[FileOutcome]]:
    """Files to import from paths (a file, a folder searched recursively, a Strava export folder or zip),
    and a refused line for each path that cannot be read at all."""
    sources: list[ImportSource] = []
    refused: list[FileOutcome] = []
    for raw in paths:
        path = Path(raw)
        name = display_name(str(raw))
        try:
            if path.is_dir():
                csv_path = path / "activities.csv"
                if csv_path.is_file():
                    members = {str(p.relative_to(path)): p.read_bytes for p in sorted(path.rglob("*")) if p.is_file()}
                    members.pop("activities.csv", None)
                    sources += _export_sources(display_name(str(csv_path)), csv_path.read_bytes(), members)
                else:
                    sources += [
                        _file_source(p) for p in sorted(path.rglob("*")) if p.is_file() and is_importable(p.name)
                    ]
            elif path.is_file() and path.suffix.lower() == ".zip":
                sources += _zip_sources(name, path.read_bytes())
            elif path.is_file():
                sources.append(_file_source(path))
            else:
                refused.append(FileOutcome(name, "refused", "no such file or folder"))
        except ImportFileError as exc:
            refused.append(FileOutcome(name, "refused", str(exc)))
        except OSError as exc:
            refused.append(FileOutcome(name, "refused", f"cannot be read ({exc.strerror or exc})"))
    return sources, refused


def sources_from_uploads(items: Iterable[tuple[str, bytes]]) -> tuple[list[ImportSource], list[FileOutcome]]:
    """Files to import from uploaded (name, bytes): a .zip is opened (a Strava export inside is joined)."""
    sources: list[ImportSource] = []
    refused: list[FileOutcome] = []
    for raw_name, data in items:
        name = display_name(raw_name)
        if name.lower().endswith(".zip"):
            try:
                sources += _zip_sources(name, data)
            except ImportFileError as exc:
                refused.append(FileOutcome(name, "refused", str(exc)))
        else:
            sources.append(ImportSource(name, partial(bytes, data)))
    return sources, refused


# ---- one file -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    file_format: str
    activities: tuple[ParsedActivity, ...] = ()
    health: tuple[HealthDay, ...] = ()
    notes: tuple[str, ...] = ()


def parse_source(source: ImportSource, data: bytes) -> _Parsed:
    """What the file holds, by its name's format (and a CSV by its header)."""
    if source.manual is not None:
        return _Parsed("strava_csv", source.manual)
    base = _base_name(source.name)
    if base.endswith(".fit"):
        found = parse_fit(data)
        return _Parsed("fit", tuple(_with_hints(a, source) for a in found))
    if base.endswith(".gpx"):
        activities, notes = parse_gpx(data)
        return _Parsed("gpx", tuple(_with_hints(a, source) for a in activities), notes=tuple(notes))
    if base.endswith(".tcx"):
        return _Parsed("tcx", tuple(_with_hints(a, source) for a in parse_tcx(data)))
    if base.endswith(".csv"):
        text = data.decode("utf-8-sig", "replace")
        header = text.splitlines()[0].split(",") if text.strip() else []
        if is_strava_csv([h.strip().strip('"') for h in header]):
            return _Parsed("strava_csv", tuple(r.activity for r in parse_activities_csv(text)))
        if is_health_csv([h.strip().strip('"') for h in header]):
            return _Parsed("health_csv", health=tuple(parse_health(text)))
        raise ImportFileError(
            "CSV is neither a Strava activities.csv nor a health CSV (date, sleep_hours, hrv_ms, resting_hr)"
        )
    raise ImportFileError("unknown format; expected .fit, .gpx, .tcx (optionally .gz), .csv, a folder or a .zip")


def _with_hints(activity: ParsedActivity, source: ImportSource) -> ParsedActivity:
    sport = source.sport_hint if activity.sport == "other" and source.sport_hint else activity.sport
    return replace(activity, sport=sport, title=source.title or activity.title)


_LABELS = {"run": "Run", "ride": "Ride", "swim": "Swim", "yoga": "Yoga", "strength": "Strength", "multi": "Multisport"}


def import_activity_rows(
    activity: ParsedActivity, settings: ImportSettings, first_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for `activities` (a multisport parent first, then its legs) and `swim_laps`, ids from `first_id`."""
    tz = ZoneInfo(settings.time_zone)
    rows: list[dict[str, Any]] = []
    laps: list[dict[str, Any]] = []

    def add(a: ParsedActivity, parent: int | None, order: int | None) -> int:
        activity_id = first_id + len(rows)
        label = _LABELS.get(a.sport) or (a.source_sport.split("/")[0].replace("_", " ").capitalize() or "Activity")
        row: dict[str, Any] = {
            "activity_id": activity_id,
            "athlete_id": settings.athlete_id,
            "type": a.sport,
            "start_time": a.start.astimezone(tz).replace(tzinfo=None, microsecond=0),
            "duration_min": round(a.duration_s / 60, 2),
            "title": a.title or label,
            "avg_hr": a.avg_hr,
            "max_hr": a.max_hr,
            "distance_m": round(a.distance_m, 1) if a.distance_m else None,
            "elevation_gain_m": round(a.ascent_m, 1) if a.ascent_m is not None else None,
            "normalized_power_w": a.normalized_power_w,
            "avg_power_w": a.avg_power_w,
            "max_power_w": a.max_power_w,
            "moving_min": round(a.moving_s / 60, 2) if a.moving_s is not None else None,
            "elapsed_min": round(a.elapsed_s / 60, 2),
            "source_sport": a.source_sport or None,
            "pool_length_m": a.pool_length_m,
            "strokes_per_min": a.strokes_per_min,
            "swolf": a.swolf,
            "parent_id": parent,
            "leg_order": order,
            "transition_before_min": round(a.transition_before_s / 60, 2)
            if a.transition_before_s is not None
            else None,
        }
        zones = zone_minutes(a.hr_seconds, settings.max_hr)
        if zones is not None:
            row.update({f"z{i + 1}_min": z for i, z in enumerate(zones)})
        rows.append(row)
        laps.extend({"activity_id": activity_id, "stroke": s, "laps": n} for s, n in sorted(a.swim_lengths.items()))
        return activity_id

    parent_id = add(activity, None, None)
    for order, leg in enumerate(activity.legs, start=1):
        add(replace(leg, transition_before_s=leg.transition_before_s or 0.0), parent_id, order)
    return rows, laps


def _prepare(source: ImportSource, known: set[str]) -> tuple[str, _Parsed] | FileOutcome:
    """Read, hash and parse one file with no lock held: (hash, what it holds), or its refused line.

    A file whose hash was imported before is not parsed at all (the write step says it is skipped).
    """
    try:
        data = unpacked(source)
        file_hash = hashlib.sha256(data).hexdigest()
        return file_hash, _Parsed("known") if file_hash in known else parse_source(source, data)
    except ImportFileError as exc:
        return FileOutcome(source.name, "refused", str(exc))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, OSError, RecursionError) as exc:
        # A parser library tripping over a malformed file: still one line for this file, the others go on.
        return FileOutcome(
            source.name, "refused", f"cannot be read: {type(exc).__name__}: {' '.join(str(exc).split())[:100]}"
        )


def _write_one(
    con: duckdb.DuckDBPyConnection, settings: ImportSettings, source: ImportSource, file_hash: str, parsed: _Parsed
) -> FileOutcome:
    """Skip a file seen before (by hash); otherwise write what is new in it, in its own transaction."""
    before = known_file(con, settings.athlete_id, file_hash)
    if before is not None:
        when = f"{before.imported_at:%Y-%m-%d %H:%M} UTC"
        return FileOutcome(source.name, "skipped", f"already imported ({before.file_name}, {when}); nothing added")
    if parsed.health:
        return _write_health(con, settings, source, file_hash, parsed.health)
    return _write_activities(con, settings, source, file_hash, parsed)


def _write_activities(
    con: duckdb.DuckDBPyConnection, settings: ImportSettings, source: ImportSource, file_hash: str, parsed: _Parsed
) -> FileOutcome:
    tz = ZoneInfo(settings.time_zone)
    fresh, same = [], []
    for a in parsed.activities:
        local = a.start.astimezone(tz).replace(tzinfo=None)
        match = matching_activity(con, settings.athlete_id, a.sport, local, SAME_START_S)
        if match is None:
            fresh.append(a)
        else:
            same.append(
                f"{a.sport} at {local:%Y-%m-%d %H:%M} is already there as #{match.activity_id} {match.title or ''}".rstrip()
            )
    rows: list[dict[str, Any]] = []
    laps: list[dict[str, Any]] = []
    with transaction(con, f"import of {source.name}"):
        next_id = next_activity_id(con, settings.athlete_id)
        for a in fresh:
            new_rows, new_laps = import_activity_rows(a, settings, next_id + len(rows))
            rows += new_rows
            laps += new_laps
        record_import(
            con,
            athlete_id=settings.athlete_id,
            file_hash=file_hash,
            file_name=source.name[:500],
            file_format=parsed.file_format,
            activities=rows,
            swim_laps=laps,
            imported_at=datetime.now(UTC).replace(tzinfo=None),
        )
    if not fresh:
        if not parsed.activities:
            return FileOutcome(source.name, "skipped", "no rows without a file in it; nothing added")
        return FileOutcome(source.name, "skipped", f"same activity already imported: {'; '.join(same)[:300]}")
    kinds = ", ".join(f"{a.sport} {a.start.astimezone(tz):%Y-%m-%d %H:%M}" for a in fresh[:3])
    kinds += f" and {len(fresh) - 3} more" if len(fresh) > 3 else ""
    legs = sum(len(a.legs) for a in fresh)
    extra = [f"{legs} legs"] if legs else []
    extra += [f"{len(same)} already there"] if same else []
    extra += list(parsed.notes)
    message = f"{len(fresh)} activit{'y' if len(fresh) == 1 else 'ies'} ({kinds})" + (
        f"; {'; '.join(extra)}" if extra else ""
    )
    return FileOutcome(source.name, "imported", message, activities=len(fresh))


def _write_health(
    con: duckdb.DuckDBPyConnection,
    settings: ImportSettings,
    source: ImportSource,
    file_hash: str,
    days: Sequence[HealthDay],
) -> FileOutcome:
    present = existing_health_days(con, settings.athlete_id, [d.day for d in days])
    new = [d for d in days if d.day not in present]
    frame = pd.DataFrame.from_records([{"athlete_id": settings.athlete_id, **vars(d)} for d in new])
    with transaction(con, f"import of {source.name}"):
        insert_health_days(con, frame)
        record_import(
            con,
            athlete_id=settings.athlete_id,
            file_hash=file_hash,
            file_name=source.name[:500],
            file_format="health_csv",
            activities=[],
            swim_laps=[],
            imported_at=datetime.now(UTC).replace(tzinfo=None),
        )
    kept = f"; {len(present)} day(s) already there kept as they were" if present else ""
    if not new:
        return FileOutcome(source.name, "skipped", f"every day already there ({len(present)}); nothing added")
    return FileOutcome(
        source.name, "imported", f"{len(new)} health day(s) {new[0].day}..{new[-1].day}{kept}", health_days=len(new)
    )


def import_sources(
    open_writer: ImportWriter,
    athlete_id: int,
    sources: Sequence[ImportSource],
    *,
    refused: Sequence[FileOutcome] = (),
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import every source for the athlete, one transaction per file; then move their "today" to their last day.

    Files are parsed WRITE_BATCH at a time with no lock held, then written under one write connection
    (opening one per file costs a checkpoint each: 1.4 files/s instead of tens).
    """
    with open_writer() as con:
        settings = import_settings(con, athlete_id)
        known = imported_hashes(con, athlete_id)
    outcomes = list(refused)
    for first in range(0, len(sources), WRITE_BATCH):
        chunk = sources[first : first + WRITE_BATCH]
        prepared = [_prepare(source, known) for source in chunk]  # parsing is the slow part: no lock held
        with open_writer() as con:
            for source, item in zip(chunk, prepared, strict=True):
                outcome = item if isinstance(item, FileOutcome) else _write_one(con, settings, source, *item)
                outcomes.append(outcome)
                if progress is not None:
                    progress(len(outcomes) - len(refused), len(sources), outcome)
    with open_writer() as con:
        as_of = advance_as_of(con, athlete_id)
    return ImportReport(athlete_id, tuple(outcomes), str(as_of) if as_of else None)
