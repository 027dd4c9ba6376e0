"""Runs of several models side by side, with the baselines, for the Comprehension page: readable rows, floor marks,
the per-model verdict and one sentence on what the evidence supports.

Readable means for people: column names in words, accuracies as percentages, intervals as "2.1–9.4 %".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.eval.baselines import FLOOR_BASELINES, baseline_model
from core.eval.report import Score, Verdict, floor_level, run_at_floor, scores, verdicts
from core.eval.runner import Result
from core.workouts.formats import FORMAT_LABELS


@dataclass(frozen=True)
class Comparison:
    """Scores per model and format, the baselines' scores, which models are floor-level, and the verdicts."""

    runs: list[Score]
    baselines: list[Score]
    floor_models: frozenset[str]
    verdicts: list[Verdict]

    @property
    def models(self) -> list[str]:
        return sorted({s.model for s in self.runs})

    @property
    def floors(self) -> list[Score]:
        names = {baseline_model(n) for n in FLOOR_BASELINES}
        return [s for s in self.baselines if s.model in names]


def compare(results: Iterable[Result], baselines: Iterable[Result]) -> Comparison:
    """Every model of `results` beside the baselines answered on the same questions."""
    runs, base = scores(results), scores(baselines)
    names = {baseline_model(n) for n in FLOOR_BASELINES}
    floors = [s for s in base if s.model in names]
    models = {s.model for s in runs}
    floor_models = frozenset(m for m in models if run_at_floor([s for s in runs if s.model == m], floors))
    return Comparison(runs, base, floor_models, verdicts(runs, floors))


def percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def comparison_rows(comparison: Comparison, with_baselines: bool = True) -> list[dict[str, object]]:
    """One row per model and format, in words: what the page's table shows."""
    floors = comparison.floors
    rows = []
    for s in [*comparison.runs, *(comparison.baselines if with_baselines else [])]:
        reference = s.model not in comparison.models
        if reference:
            level = "reference reader"
        elif floor_level(s, floors):
            level = "floor-level (interval reaches the echo / I-don't-know baseline)"
        else:
            level = "above the floor"
        rows.append(
            {
                "Model": s.model,
                "Format": FORMAT_LABELS.get(s.format, s.format),
                "Answers scored": s.n,
                "Correct": s.correct,
                "Accuracy": percent(s.accuracy),
                "95 % interval (Wilson)": f"{100 * s.low:.1f}–{100 * s.high:.1f} %",
                "Prompt tokens (mean)": round(s.prompt_tokens),
                "Accuracy per 1,000 prompt tokens": f"{100 * s.accuracy_per_1k_tokens:.2f} %",
                "Cut at the token limit": s.truncated,
                "Level": level,
            }
        )
    return rows


def evidence_sentence(comparison: Comparison) -> str:
    """What the saved runs support, honestly: no verdict while every model is floor-level."""
    if not comparison.models:
        return "No model has been run yet: there is no evidence about the formats."
    capable = [m for m in comparison.models if m not in comparison.floor_models]
    if not capable:
        return (
            f"Only floor-level runs so far ({', '.join(comparison.models)}): their scores cannot be told from a reader "
            'that echoes the prompt or says "I don\'t know", so they say nothing about the formats. A verdict needs a '
            "capable endpoint: `python -m core eval --endpoint openai` (or ollama, vllm, llamacpp)."
        )
    return f"Runs above the floor: {', '.join(capable)}. Per model, compact and ultra against verbose:"
