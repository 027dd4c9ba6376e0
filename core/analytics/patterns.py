"""Cross-modality pattern families, run together so their p-values can be adjusted together.

`analyze_patterns` reads the athlete's data once, runs every family on the window, adjusts all their
p-values at once (Benjamini-Hochberg, false discovery rate `FDR_Q`, over everything shown at once) and
turns the hypotheses that pass — q ≤ FDR_Q and an effect at least the family's minimum — into findings.
All randomness comes from fixed seeds: same data, same findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import duckdb
from threadpoolctl import ThreadpoolController

from core.analytics.effort import effort
from core.analytics.findings import FDR_Q, FamilyResult, Finding, finding_from, strongest
from core.analytics.interference import interference
from core.analytics.load import AnalyticsError, window_start
from core.analytics.observations import AthleteData, load_athlete_data
from core.analytics.overload import overload
from core.analytics.performance import performance
from core.analytics.recovery import recovery
from core.analytics.sequencing import sequencing
from core.analytics.stats import benjamini_hochberg
from core.analytics.synergy import synergy

FAMILIES: dict[str, Callable[[AthleteData, date | None], FamilyResult]] = {
    "sequencing": sequencing,
    "interference": interference,
    "synergy": synergy,
    "recovery": recovery,
    "overload": overload,
    "performance": performance,
    "effort": effort,
}


# The families multiply matrices of a few hundred rows: handing those to BLAS threads costs more than it saves,
# and on a busy 2-core machine a spinning BLAS thread takes the core another process needs (measured with
# `python -m core bench patterns`). Created after numpy and scipy are loaded, so it sees their BLAS.
_BLAS = ThreadpoolController()


class PatternError(AnalyticsError):
    """Unknown pattern family or a bad window."""


@dataclass(frozen=True, eq=False)
class PatternReport:
    """Every family's result for one athlete and window, after the joint FDR control."""

    athlete_id: int
    days: int | None
    families: tuple[FamilyResult, ...]
    tests: int  # hypotheses tested across all families (the BH denominator)

    @property
    def findings(self) -> list[Finding]:
        return strongest([f for r in self.families for f in r.findings], limit=10_000)

    def family(self, name: str) -> FamilyResult:
        return next(r for r in self.families if r.family == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "athlete_id": self.athlete_id,
            "days": self.days,
            "fdr": FDR_Q,
            "tests": self.tests,
            "families": [r.to_dict() for r in self.families],
        }


def _since(data: AthleteData, days: int | None) -> date | None:
    if days is not None and days < 1:
        raise PatternError(f"days={days}: expected a positive number of days or None for all history")
    return window_start(data.as_of, days)


def analyze_data(data: AthleteData, days: int | None = None) -> PatternReport:
    """All families on already-loaded data, with Benjamini-Hochberg over every hypothesis they tested."""
    since = _since(data, days)
    with _BLAS.limit(limits=1, user_api="blas"):
        results = [fn(data, since) for fn in FAMILIES.values()]
    hypotheses = [h for r in results for h in r.tests]
    q_values = iter(benjamini_hochberg([h.p.value for h in hypotheses]))
    final = []
    for result in results:
        findings = []
        qs = [next(q_values) for _ in result.tests]
        for h, q in zip(result.tests, qs, strict=True):
            if q <= FDR_Q and h.large_enough:
                findings.append(finding_from(h, q, len(hypotheses)))
        note = result.note
        if result.tests and not findings:
            tested = "; ".join(f"{h.headline} ({h.p.text}, q = {q:.3f})" for h, q in zip(result.tests, qs, strict=True))
            note = "; ".join(x for x in (f"no effect beyond noise: {tested}", note) if x)
        final.append(replace(result, findings=tuple(findings), note=note))
    return PatternReport(data.athlete_id, days, tuple(final), len(hypotheses))


def analyze_patterns(con: duckdb.DuckDBPyConnection, athlete_id: int, days: int | None = None) -> PatternReport:
    """Every family's findings, chart data and notes for one athlete over the last `days` days (None = all)."""
    if days is not None and days < 1:
        raise PatternError(f"days={days}: expected a positive number of days or None for all history")
    return analyze_data(load_athlete_data(con, athlete_id), days)


def analyze_family(
    con: duckdb.DuckDBPyConnection, athlete_id: int, family: str, days: int | None = None
) -> FamilyResult:
    """One family's result; its findings are judged with every family's tests in the FDR control."""
    if family not in FAMILIES:
        raise PatternError(f"family {family!r}: expected one of {', '.join(FAMILIES)}")
    return analyze_patterns(con, athlete_id, days).family(family)


def find_patterns(
    con: duckdb.DuckDBPyConnection, athlete_id: int, family: str | None = None, days: int | None = None
) -> list[Finding]:
    """Every finding of one family (or all), strongest first (smallest q, then largest |effect|)."""
    if family is not None and family not in FAMILIES:
        raise PatternError(f"family {family!r}: expected one of {', '.join(FAMILIES)}")
    found = analyze_patterns(con, athlete_id, days).findings
    return [f for f in found if family is None or f.family == family]


__all__ = [
    "FAMILIES",
    "FDR_Q",
    "FamilyResult",
    "Finding",
    "PatternError",
    "PatternReport",
    "analyze_data",
    "analyze_family",
    "analyze_patterns",
    "find_patterns",
    "strongest",
]
