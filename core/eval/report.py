"""Scores from a result file: accuracy per format and per kind with Wilson 95% intervals, tokens, accuracy per 1k tokens.

Intervals come from `scipy.stats.binomtest(k, n).proportion_ci(method="wilson")`, which behaves at 0 and 100 %
where the normal approximation does not (a small local model scores near 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import mean

from scipy.stats import binomtest

from core.eval.runner import Result
from core.workouts.formats import FORMATS


@dataclass(frozen=True)
class Score:
    """Accuracy of one group of answers (a format, or a format × kind cell) with its Wilson interval."""

    model: str
    format: str
    kind: str
    n: int
    correct: int
    low: float
    high: float
    data_tokens: float
    prompt_tokens: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def accuracy_per_1k_tokens(self) -> float:
        """Accuracy (0–1) divided by the mean prompt size in thousands of tokens: what a token buys."""
        return self.accuracy / (self.prompt_tokens / 1000) if self.prompt_tokens else 0.0


def wilson_interval(correct: int, n: int) -> tuple[float, float]:
    """The Wilson score 95% interval of a proportion (0, 0 for no answers)."""
    if n == 0:
        return 0.0, 0.0
    ci = binomtest(correct, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def _score(model: str, fmt: str, kind: str, rows: list[Result]) -> Score:
    correct = sum(r.correct for r in rows)
    low, high = wilson_interval(correct, len(rows))
    return Score(
        model, fmt, kind, len(rows), correct, low, high,
        round(mean(r.data_tokens for r in rows), 1), round(mean(r.prompt_tokens for r in rows), 1),
    )  # fmt: skip


def _order(fmt: str) -> int:
    return FORMATS.index(fmt) if fmt in FORMATS else len(FORMATS)


def scores(results: Iterable[Result], by_kind: bool = False) -> list[Score]:
    """One Score per (model, format), or per (model, format, kind) with `by_kind`; formats in FORMATS order."""
    groups: dict[tuple[str, str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.model, r.format, r.kind if by_kind else "all"), []).append(r)
    return [
        _score(model, fmt, kind, rows)
        for (model, fmt, kind), rows in sorted(groups.items(), key=lambda kv: (kv[0][0], _order(kv[0][1]), kv[0][2]))
    ]


def score_rows(items: list[Score]) -> list[dict[str, object]]:
    """Scores as plain rows for --json, tables and the page."""
    return [
        {
            "model": s.model, "format": s.format, "kind": s.kind, "n": s.n, "correct": s.correct,
            "accuracy": round(s.accuracy, 4), "ci_low": round(s.low, 4), "ci_high": round(s.high, 4),
            "data_tokens": s.data_tokens, "prompt_tokens": s.prompt_tokens,
            "accuracy_per_1k_tokens": round(s.accuracy_per_1k_tokens, 4),
        }
        for s in items
    ]  # fmt: skip


FLOOR = 0.25


def at_floor(items: list[Score]) -> bool:
    """Whether every format of a model scored below FLOOR: format differences then mean nothing."""
    return bool(items) and all(s.accuracy < FLOOR for s in items)
