"""Real athletes' files in: FIT, GPX, TCX (plain or gzipped), a Strava bulk export and daily health CSVs.

Each file is parsed to `ParsedActivity` values with no lock held, then checked against what the
athlete already has (same file hash, or same sport starting within a minute in UTC, multisport legs
included; a device file replaces a summary-only Strava row of it) and written all or nothing, one file
per transaction, into the same `activities` / `swim_laps` / `daily_health` tables the demo fills. `import_sources` is the one entry point; the CLI and the Import page call it.

May import: core.db, core.errors
"""

from core.imports.model import FileOutcome, ImportSource, ParsedActivity
from core.imports.runner import ImportReport, import_sources
from core.imports.sources import sources_from_paths, sources_from_uploads

__all__ = [
    "FileOutcome",
    "ImportReport",
    "ImportSource",
    "ParsedActivity",
    "import_sources",
    "sources_from_paths",
    "sources_from_uploads",
]
