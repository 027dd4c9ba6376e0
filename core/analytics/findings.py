"""What the pattern families hand back: every hypothesis they tested, and the findings that survive.

A family states its hypotheses and tests each one (`Hypothesis`, with its raw permutation p). Only
after every family has run are the p-values adjusted together (Benjamini-Hochberg over everything
shown at once), and a hypothesis becomes a `Finding` when its q-value is at most `FDR_Q` and its
effect reaches the family's minimum. A family with nothing it could test says why (`testable=False`),
so "nothing found" is never mistaken for "no effect".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from core.analytics.stats import PValue

FDR_Q = 0.01  # false discovery rate controlled over all hypotheses tested for one athlete and window


@dataclass(frozen=True)
class Hypothesis:
    """One tested hypothesis: its effect, raw p and whether the effect is large enough to matter.

    `headline` is a short phrase with the effect ("evening yoga → deep sleep +13%"); `detail` the full
    sentence with dates and group sizes, without the p-value (added once the q-value is known).
    """

    family: str
    key: str
    headline: str
    detail: str
    effect: float
    unit: str
    n: int
    p: PValue
    large_enough: bool
    ci: tuple[float, float] | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One reported pattern: short headline, a sentence with dates and numbers, effect, interval, p and q."""

    family: str
    key: str
    headline: str
    summary: str
    effect: float
    unit: str
    n: int
    p_value: float
    p_at_floor: bool
    q_value: float
    tests: int
    ci_low: float | None = None
    ci_high: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def effect_text(self) -> str:
        """The effect as every headline and summary prints it: '+7.9 bpm', '+13.0 % relative', '-0.64 partial r'."""
        return effect_text(self.effect, self.unit)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def effect_text(effect: float, unit: str) -> str:
    """One rounding for an effect everywhere it is shown: 2 decimals for correlations, 1 for everything else."""
    return f"{effect:+.2f} {unit}" if unit in ("Spearman rho", "partial r") else f"{effect:+.1f} {unit}"


@dataclass(frozen=True, eq=False)
class FamilyResult:
    """A family's hypotheses and findings, the observations its chart plots, and why nothing was found."""

    family: str
    tests: tuple[Hypothesis, ...]
    data: pd.DataFrame
    note: str
    findings: tuple[Finding, ...] = ()

    @property
    def testable(self) -> bool:
        return bool(self.tests)

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "testable": self.testable,
            "findings": [f.to_dict() for f in self.findings],
            "tests": [
                {"key": h.key, "effect": h.effect, "unit": h.unit, "n": h.n, "p_value": h.p.value} for h in self.tests
            ],
            "note": self.note,
        }


def finding_from(hypothesis: Hypothesis, q_value: float, tests: int) -> Finding:
    """The reported form of a hypothesis that survived the FDR control."""
    h = hypothesis
    return Finding(
        family=h.family,
        key=h.key,
        headline=h.headline,
        summary=(
            f"{h.detail} ({h.p.text}; q = {q_value:.4f} after Benjamini–Hochberg over the {tests} "
            f"hypotheses tested for this athlete and window)"
        ),
        effect=h.effect,
        unit=h.unit,
        n=h.n,
        p_value=h.p.value,
        p_at_floor=h.p.at_floor,
        q_value=round(q_value, 6),
        tests=tests,
        ci_low=None if h.ci is None else round(h.ci[0], 2),
        ci_high=None if h.ci is None else round(h.ci[1], 2),
        evidence=h.evidence,
    )


def strongest(findings: list[Finding], limit: int = 3) -> list[Finding]:
    """The top findings (smallest q, then largest |effect|) for insight cards and the Tier 2 block."""
    return sorted(findings, key=lambda f: (f.q_value, f.p_value, -abs(f.effect)))[:limit]
