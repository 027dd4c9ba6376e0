"""Findings read in milliseconds: the last analysis of an athlete, stored with the data version it saw.

`stored_findings` is what the tiered context calls on every message: it compares the stored data
version with a fresh fingerprint (one small SQL statement) and only recomputes — and stores — when
the athlete's data or the analysis code changed. `refresh_findings` recomputes unconditionally, for the
seed and import paths.
"""

from __future__ import annotations

import duckdb

from core.analytics.findings import Finding
from core.analytics.patterns import analyze_patterns
from core.db.findings import (
    athlete_data_fingerprint,
    findings_tables_exist,
    is_read_only,
    read_pattern_run,
    write_pattern_run,
)

ANALYSIS_VERSION = "patterns-3"  # bump when the families or their thresholds change: stored runs go stale


def data_version(con: duckdb.DuckDBPyConnection, athlete_id: int) -> str:
    """Analysis version + fingerprint of the athlete's rows."""
    return f"{ANALYSIS_VERSION}/{athlete_data_fingerprint(con, athlete_id)}"


def refresh_findings(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[Finding]:
    """Recompute every family over all history, store the result under the current data version, return it."""
    version = data_version(con, athlete_id)
    report = analyze_patterns(con, athlete_id)
    findings = report.findings
    if findings_tables_exist(con) and not is_read_only(con):
        families = [{"family": r.family, "testable": r.testable, "note": r.note} for r in report.families]
        write_pattern_run(con, athlete_id, version, report.tests, families, [f.to_dict() for f in findings])
    return findings


def stored_findings(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[Finding]:
    """The athlete's findings over all history, strongest first: from the store when its data version is current,
    else recomputed and stored."""
    if findings_tables_exist(con):
        stored = read_pattern_run(con, athlete_id)
        if stored is not None and stored[0] == data_version(con, athlete_id):
            return [Finding(**f) for f in stored[1]]
    return refresh_findings(con, athlete_id)
