"""Where import files come from: paths (files, folders, zips, Strava exports, zips in zips) and uploads, expanded
into one `ImportSource` per file, with hidden files and an export's side files left out and a line for each path
that holds nothing importable. Kept apart from the runner, which parses and writes what this finds.
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from core.imports.model import FileOutcome, ImportFileError, ImportSource
from core.imports.strava import parse_activities_csv
from core.imports.text import decode_csv_text

MAX_FILE_BYTES = 200_000_000  # uncompressed: a larger file (or a gzip bomb) is refused, never read whole
SUFFIXES = (".fit", ".gpx", ".tcx", ".csv")


def display_name(name: str | os.PathLike[str]) -> str:
    """A file name fit to print and store: undecodable bytes (a non-UTF-8 name) shown as U+FFFD."""
    text = os.fsdecode(name)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def base_name(name: str) -> str:
    lower = name.lower()
    return lower[:-3] if lower.endswith(".gz") else lower


def is_importable(name: str) -> bool:
    return base_name(name).endswith(SUFFIXES) and not is_hidden(name)


def is_hidden(name: str) -> bool:
    """A macOS AppleDouble (`._x.gpx`, `__MACOSX/`), `.DS_Store` or any dot-file: never an activity, ignored."""
    parts = name.replace("\\", "/").split("/")
    return any(p == "__MACOSX" or (p.startswith(".") and p not in (".", "..")) for p in parts)


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


@dataclass(frozen=True)
class _Expanded:
    """What a path, zip or export holds: sources to import and early lines (ignored side files, refusals)."""

    sources: list[ImportSource]
    lines: list[FileOutcome]


def _export_sources(csv_name: str, csv_bytes: bytes, members: dict[str, Callable[[], bytes]]) -> _Expanded:
    """A Strava export: each file activities.csv names (with its title and sport), the other files of its
    `activities/` folder, and activities.csv itself for the rows with no file. Every other file of the
    export (bikes.csv, profile.csv, routes/, media/ ...) is not an activity: ignored, counted in one line.
    An activities.csv that cannot be read is refused alone; the files of `activities/` still import."""
    lines = []
    try:
        rows = parse_activities_csv(decode_csv_text(csv_bytes))
    except ImportFileError as exc:
        rows = []
        lines.append(FileOutcome(display_name(csv_name), "refused", str(exc)))
    by_name = {k.replace("\\", "/").lstrip("./"): v for k, v in members.items() if not is_hidden(k)}
    root = csv_name[: -len("activities.csv")] if csv_name.endswith("activities.csv") else ""
    sources, used = [], set()
    for row in rows:
        key = (row.filename or "").replace("\\", "/").lstrip("./")
        if key and key in by_name:
            used.add(key)
            sources.append(ImportSource(display_name(root + key), by_name[key], row.title, row.sport))
    orphans = tuple(
        r.activity for r in rows if not r.filename or r.filename.replace("\\", "/").lstrip("./") not in used
    )
    rest = sorted(k for k in by_name if k not in used)
    extra = [k for k in rest if k.lower().startswith("activities/") and is_importable(k)]
    sources += [ImportSource(display_name(root + k), by_name[k]) for k in extra]
    if rows:
        sources.append(ImportSource(display_name(csv_name), lambda: csv_bytes, manual=orphans))
    ignored = [k for k in rest if k not in extra]
    if ignored:
        shown = ", ".join(ignored[:5]) + (f" and {len(ignored) - 5} more" if len(ignored) > 5 else "")
        lines.append(
            FileOutcome(
                display_name(root or csv_name),
                "skipped",
                f"{len(ignored)} file(s) of the Strava export that are not activities ignored ({display_name(shown)})",
            )
        )
    return _Expanded(sources, lines)


def _zip_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes; a member larger than MAX_FILE_BYTES (a zip bomb) is refused unread."""
    if archive.getinfo(name).file_size > MAX_FILE_BYTES:
        raise ImportFileError(f"zip member is larger than {MAX_FILE_BYTES:,} bytes uncompressed")
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ImportFileError(f"zip member is damaged ({' '.join(str(exc).split())[:80]})") from None


def _zip_sources(path_name: str, data: bytes, depth: int = 0) -> _Expanded:
    """A zip's files: a Strava export inside is joined; a zip inside (one level) is opened too."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [i.filename for i in archive.infolist() if not i.is_dir() and not is_hidden(i.filename)]
    except zipfile.BadZipFile:
        raise ImportFileError("zip file is damaged or not a zip") from None
    members: dict[str, Callable[[], bytes]] = {n: partial(_zip_member, archive, n) for n in names}
    csvs = sorted((n for n in names if n.rsplit("/", 1)[-1] == "activities.csv"), key=lambda n: n.count("/"))
    if csvs:
        csv_name = csvs[0]
        prefix = csv_name[: -len("activities.csv")]
        inside = {n[len(prefix) :]: r for n, r in members.items() if n.startswith(prefix) and n != csv_name}
        found = _export_sources(f"{path_name}:{csv_name}", _zip_member(archive, csv_name), inside)
        members = {n: r for n, r in members.items() if not n.startswith(prefix)}
    else:
        found = _Expanded([], [])
    for n, read in sorted(members.items()):
        member_name = display_name(f"{path_name}:{n}")
        if n.lower().endswith(".zip"):
            if depth >= 1:
                found.lines.append(FileOutcome(member_name, "refused", "a zip inside a zip inside a zip: not opened"))
                continue
            try:
                found.sources.extend(_zip_sources(member_name, read(), depth + 1).sources)
            except ImportFileError as exc:
                found.lines.append(FileOutcome(member_name, "refused", str(exc)))
        elif is_importable(n):
            found.sources.append(ImportSource(member_name, read))
    return found


def _folder_sources(path: Path) -> _Expanded:
    """A folder searched recursively: each Strava export in it (a folder with `activities.csv`) is joined,
    zips are opened, other importable files taken; hidden and AppleDouble files are ignored."""
    files = [p for p in sorted(path.rglob("*")) if p.is_file() and not is_hidden(str(p.relative_to(path)))]
    found = _Expanded([], [])
    roots: list[Path] = []
    for csv_path in sorted((p for p in files if p.name == "activities.csv"), key=lambda p: len(p.parts)):
        if not any(r in csv_path.parents for r in roots):
            roots.append(csv_path.parent)
    for root in roots:
        members = {str(p.relative_to(root)): p.read_bytes for p in files if root in p.parents}
        members.pop("activities.csv", None)
        export = _export_sources(
            display_name(str(root / "activities.csv")), (root / "activities.csv").read_bytes(), members
        )
        found.sources.extend(export.sources)
        found.lines.extend(export.lines)
    for p in files:
        if any(r in p.parents for r in roots):
            continue
        if p.suffix.lower() == ".zip":
            try:
                inner = _zip_sources(display_name(str(p)), p.read_bytes())
            except ImportFileError as exc:
                found.lines.append(FileOutcome(display_name(str(p)), "refused", str(exc)))
                continue
            found.sources.extend(inner.sources)
            found.lines.extend(inner.lines)
            if not inner.sources and not any(line.status == "refused" for line in inner.lines):
                found.lines.append(FileOutcome(display_name(str(p)), "refused", NOTHING_FOUND))
        elif is_importable(p.name):
            found.sources.append(_file_source(p))
    return found


NOTHING_FOUND = "nothing importable found (no .fit, .gpx, .tcx or .csv file, plain or .gz, in it)"


def sources_from_paths(paths: Iterable[str | Path]) -> tuple[list[ImportSource], list[FileOutcome]]:
    """Files to import from paths (a file, a folder searched recursively, a Strava export folder or zip,
    zips inside a folder), and a line for each path that cannot be read at all, has nothing to import,
    or holds side files that are ignored."""
    sources: list[ImportSource] = []
    refused: list[FileOutcome] = []
    for raw in paths:
        path = Path(raw)
        name = display_name(str(raw))
        try:
            if path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip"):
                found = _folder_sources(path) if path.is_dir() else _zip_sources(name, path.read_bytes())
                sources += found.sources
                refused += found.lines
                if not found.sources and not any(line.status == "refused" for line in found.lines):
                    refused.append(FileOutcome(name, "refused", NOTHING_FOUND))
            elif path.is_file() and is_hidden(path.name):
                refused.append(FileOutcome(name, "skipped", "a hidden or macOS metadata (._) file: ignored"))
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
                found = _zip_sources(name, data)
            except ImportFileError as exc:
                refused.append(FileOutcome(name, "refused", str(exc)))
                continue
            sources += found.sources
            refused += found.lines
            if not found.sources and not any(line.status == "refused" for line in found.lines):
                refused.append(FileOutcome(name, "refused", NOTHING_FOUND))
        elif is_hidden(name):
            refused.append(FileOutcome(name, "skipped", "a hidden or macOS metadata (._) file: ignored"))
        else:
            sources.append(ImportSource(name, partial(bytes, data)))
    return sources, refused
