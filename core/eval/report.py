"""Scores from a result file: accuracy per format and per kind with Wilson 95% intervals, tokens, accuracy per 1k tokens.

Intervals come from `scipy.stats.binomtest(k, n).proportion_ci(method="wilson")`, which behaves at 0 and 100 %
where the normal approximation does not (a small local model scores near 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import mean
from typing import Any

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
    truncated: int = 0

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
    """Accuracy over the answers that ended normally; answers cut at the token limit are counted apart."""
    scored = [r for r in rows if not r.truncated]
    correct = sum(r.correct for r in scored)
    low, high = wilson_interval(correct, len(scored))
    return Score(
        model, fmt, kind, len(scored), correct, low, high,
        round(mean(r.data_tokens for r in rows), 1), round(mean(r.prompt_tokens for r in rows), 1),
        len(rows) - len(scored),
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


def score_rows(items: list[Score], floors: Iterable[Score] | None = None) -> list[dict[str, Any]]:
    """Scores as plain rows for --json, tables and the page; with `floors` (the echo and "I don't know" baselines),
    each row says whether it is floor-level."""
    kept = list(floors) if floors is not None else None
    return [
        {
            "model": s.model, "format": s.format, "kind": s.kind, "n": s.n, "correct": s.correct,
            "accuracy": round(s.accuracy, 4), "ci_low": round(s.low, 4), "ci_high": round(s.high, 4),
            "data_tokens": s.data_tokens, "prompt_tokens": s.prompt_tokens,
            "accuracy_per_1k_tokens": round(s.accuracy_per_1k_tokens, 4), "truncated": s.truncated,
        }
        | ({} if kept is None else {"floor_level": floor_level(s, kept)})
        for s in items
    ]  # fmt: skip


FLOOR = 0.25


def at_floor(items: list[Score]) -> bool:
    """Whether every format of a model scored below FLOOR: format differences then mean nothing."""
    return bool(items) and all(s.accuracy < FLOOR for s in items)


def floor_level(score: Score, floors: Iterable[Score]) -> bool:
    """Whether a format's score cannot be told from the floor: its interval reaches the interval of a floor baseline
    (echo, "I don't know") in the same format, or it has no scored answer."""
    same = [f.high for f in floors if f.format == score.format]
    return score.n == 0 or score.low <= max(same, default=0.0)


def run_at_floor(items: list[Score], floors: Iterable[Score]) -> bool:
    """Whether a whole run is floor-level: every one of its formats is (see `floor_level`)."""
    kept = list(floors)
    return bool(items) and all(floor_level(s, kept) for s in items)


@dataclass(frozen=True)
class Verdict:
    """Per model and compact format: does it lose accuracy against verbose beyond the 95% intervals?"""

    model: str
    format: str
    accuracy: float
    verbose_accuracy: float
    finding: str  # "loses", "no loss shown", "floor-level", "not asked"

    @property
    def sentence(self) -> str:
        if self.finding == "floor-level":
            return f"{self.model}: {self.format} — no verdict, the run is floor-level (indistinguishable from echo)"
        if self.finding == "not asked":
            return f"{self.model}: {self.format} — no verdict, {self.format} or verbose was not asked"
        gap = f"{self.format} {self.accuracy:.0%} against verbose {self.verbose_accuracy:.0%}"
        if self.finding == "loses":
            return f"{self.model}: {self.format} loses accuracy beyond the interval ({gap})"
        return f"{self.model}: {self.format} loses no accuracy beyond the interval ({gap})"


def verdicts(items: list[Score], floors: Iterable[Score]) -> list[Verdict]:
    """For each model of `items`, compact and ultra against verbose: a loss is a format whose interval lies wholly
    below verbose's; a floor-level run gets no verdict."""
    kept = list(floors)
    out = []
    for model in sorted({s.model for s in items}):
        mine = {s.format: s for s in items if s.model == model}
        floor = run_at_floor(list(mine.values()), kept)
        for fmt in ("compact", "ultra"):
            score, verbose = mine.get(fmt), mine.get("verbose")
            if score is None or verbose is None:
                out.append(Verdict(model, fmt, 0.0, 0.0, "not asked"))
                continue
            finding = "floor-level" if floor else ("loses" if score.high < verbose.low else "no loss shown")
            out.append(Verdict(model, fmt, score.accuracy, verbose.accuracy, finding))
    return out
