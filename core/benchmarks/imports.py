"""Import throughput: files/s and activities/s importing a folder of N real files (shifted copies), peak memory.

The folder is made of copies of the real sample files in tests/data/imports (Garmin, Wahoo FIT;
TCX; GPX; some gzipped), each copy moved `i` days later so none is a duplicate of another. Each
run is a fresh `python -m core import` child process on a fresh database holding one new athlete,
so its peak RSS is its own; a second run over the same folder measures the re-import (all skipped).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

from core.db import connect
from core.db.connection import PROJECT_ROOT
from core.imports.athlete import add_athlete

SAMPLES = PROJECT_ROOT / "tests" / "data" / "imports"
BASE_FILES = (
    "garmin-fenix-5-run.fit",
    "garmin-edge-820-bike.fit",
    "garmin-edge-200-ride.fit",
    "wahoo-elemnt-bolt-ride.fit",
    "garmin-edge-800-indoor.fit.gz",
    "tcxparser-run.tcx.gz",
    "tcxparser-sup.tcx.gz",
    "around-visnjan-with-car.gpx",
)
ALIASES = ("import",)  # `bench import`, as the docs say it; the module cannot be named after a keyword
QUICK = {"files": 100}
_FIT_KEEP = ("FILE_ID", "RECORD", "LAP", "SESSION", "EVENT", "ACTIVITY", "LENGTH")
_XML_TIME = re.compile(rb"(<(?:time|Time|Id)>|StartTime=\")(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=int, default=500, help="files in the folder (default 500)")


def shifted_fit(data: bytes, delta: timedelta) -> bytes:
    """The FIT file re-encoded with Garmin's SDK, every timestamp moved by `delta` (activity messages only)."""
    messages: list[tuple[int, dict[str, Any]]] = []
    Decoder(Stream.from_byte_array(bytearray(data))).read(mesg_listener=lambda n, m: messages.append((n, dict(m))))
    keep = {Profile["mesg_num"][k] for k in _FIT_KEEP}
    encoder = Encoder()
    for number, message in messages:
        if number in keep:
            fields = {k: v + delta if isinstance(v, datetime) else v for k, v in message.items() if isinstance(k, str)}
            encoder.on_mesg(number, fields)
    return encoder.close()


def shifted_xml(data: bytes, delta: timedelta) -> bytes:
    """A GPX or TCX text with every <time>, <Time>, <Id> and StartTime moved by `delta`."""

    def move(match: re.Match[bytes]) -> bytes:
        moment = datetime.fromisoformat(match[2].decode()) + delta
        return match[1] + moment.strftime("%Y-%m-%dT%H:%M:%S").encode()

    return _XML_TIME.sub(move, data)


def shifted_copies(folder: Path, count: int, names: tuple[str, ...] = BASE_FILES) -> list[Path]:
    """`count` files in `folder`: the sample files in turn, copy i moved i // len(names) + 1 days later."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        name = names[i % len(names)]
        raw = (SAMPLES / name).read_bytes()
        packed = name.endswith(".gz")
        data = gzip.decompress(raw) if packed else raw
        delta = timedelta(days=i // len(names) + 1)
        base = name.removesuffix(".gz")
        shifted = shifted_fit(data, delta) if base.endswith(".fit") else shifted_xml(data, delta)
        target = folder / f"{i:04d}-{name}"
        target.write_bytes(gzip.compress(shifted, 6) if packed else shifted)
        out.append(target)
    return out


def _import(db: Path, folder: Path) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), "import", "--athlete", "bench", str(folder), "--json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(result.stderr.strip()[:300] or "import refused some files")
    return seconds, dict(json.loads(result.stdout))


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "files"
        made = time.perf_counter()
        shifted_copies(folder, args.files)
        making = time.perf_counter() - made
        db = Path(tmp) / "imports.duckdb"
        con = connect(db)
        add_athlete(con, handle="bench", time_zone="Europe/Ljubljana")
        con.close()
        first_s, first = _import(db, folder)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        again_s, again = _import(db, folder)
        size_mb = db.stat().st_size / 1e6
        shutil.rmtree(folder)
    return {
        "files": args.files,
        "made_in_s": round(making, 2),
        "import_s": round(first_s, 2),
        "files_per_s": round(args.files / first_s, 1),
        "activities": first["activities"],
        "activities_per_s": round(first["activities"] / first_s, 1),
        "imported": first["imported"],
        "reimport_s": round(again_s, 2),
        "reimport_files_per_s": round(args.files / again_s, 1),
        "reimport_skipped": again["skipped"],
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "db_mb": round(size_mb, 1),
    }


def headline(result: dict[str, Any]) -> str:
    return (
        f"{result['files_per_s']} files/s, {result['activities_per_s']} activities/s over {result['files']} files;"
        f" re-import {result['reimport_files_per_s']} files/s; peak {result['peak_rss_mb']} MB"
    )


def render(result: dict[str, Any]) -> str:
    rows = [
        ("files in the folder", result["files"]),
        ("first import, s", result["import_s"]),
        ("files / s", result["files_per_s"]),
        ("activities imported", result["activities"]),
        ("activities / s", result["activities_per_s"]),
        ("re-import (all skipped), s", result["reimport_s"]),
        ("re-import files / s", result["reimport_files_per_s"]),
        ("files skipped on re-import", result["reimport_skipped"]),
        ("peak RSS of the import process, MB", result["peak_rss_mb"]),
        ("database size, MB", result["db_mb"]),
    ]
    return "\n".join(f"  {label:<38} {value:>10}" for label, value in rows)
