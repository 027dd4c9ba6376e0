"""Comprehension evaluation: prompt tokens per format over the question set, and saved accuracy / latency per format.

Token figures are exact and need no model: every question's full prompt (fixed system prompt + data + question)
in each format, as the median and its ratio to verbose. The accuracy and median latency come from the saved
result files (data/eval/*.jsonl), one row per model and format — what `python -m core eval` measured — beside the
echo, "I don't know" and oracle baselines on every question (they need no model either).
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from core.eval.baselines import baseline_results
from core.eval.documents import DocumentSource
from core.eval.questions import generate_questions
from core.eval.report import score_rows, scores
from core.eval.runner import EVAL_SYSTEM_PROMPT, messages_for, saved_results
from core.tokens import DEFAULT_ENCODING, count_tokens
from core.workouts.formats import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoding", default=DEFAULT_ENCODING, help="tokenizer encoding")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from core.db import snapshot
    from core.demo.seeding import ensure_demo_database

    con = snapshot(ensure_demo_database(getattr(args, "db", None)))  # an in-memory copy: never blocks a writer
    try:
        questions = generate_questions(con)
        source = DocumentSource(con)
        source.prerender(questions, FORMATS)
    finally:
        con.close()
    prompts = {
        fmt: [
            sum(count_tokens(m["content"], args.encoding) for m in messages_for(q, fmt, source.text(q, fmt)))
            for q in questions
        ]
        for fmt in FORMATS
    }
    verbose = statistics.median(prompts["verbose"])
    tokens = [
        {
            "format": fmt,
            "median_prompt_tokens": statistics.median(v),
            "ratio_to_verbose": round(statistics.median(v) / verbose, 3),
        }
        for fmt, v in prompts.items()
    ]
    saved = saved_results()
    latency: dict[tuple[str, str], list[float]] = {}
    for r in saved:
        latency.setdefault((r.model, r.format), []).append(r.latency_s)
    accuracy = [
        {**row, "median_latency_s": round(statistics.median(latency[(row["model"], row["format"])]), 2)}
        for row in score_rows(scores(saved))
    ]
    return {
        "questions": len(questions),
        "system_prompt_tokens": count_tokens(EVAL_SYSTEM_PROMPT, args.encoding),
        "tokens": tokens,
        "saved": accuracy,
        "baselines": score_rows(scores(baseline_results(questions, FORMATS, source))),
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"{result['questions']} questions; system prompt {result['system_prompt_tokens']} tokens (in every prompt)",
        f"  {'format':<8} {'median prompt':>14} {'×verbose':>9}",
    ]
    lines += [
        f"  {t['format']:<8} {t['median_prompt_tokens']:>14,.0f} {t['ratio_to_verbose']:>9.3f}"
        for t in result["tokens"]
    ]
    if result["saved"]:
        width = max(len(s["model"]) for s in result["saved"])
        lines.append(
            f"saved results:\n  {'model':<{width}} {'format':<8} {'n':>4} {'acc':>6} {'95% CI':>11} {'median s':>9}"
        )
        for s in result["saved"]:
            ci = f"{s['ci_low']:.2f}–{s['ci_high']:.2f}"
            lines.append(
                f"  {s['model']:<{width}} {s['format']:<8} {s['n']:>4} {s['accuracy']:>6.2f} {ci:>11} "
                f"{s['median_latency_s']:>9.2f}"
            )
    lines.append(
        "baselines (same scorer): "
        + ", ".join(
            f"{b['model']} {b['format']} {b['accuracy']:.0%}" for b in result["baselines"] if b["format"] == "verbose"
        )
        + " (every format: see --json)"
    )
    return "\n".join(lines)


def headline(result: dict[str, Any]) -> str:
    ratios = ", ".join(f"{t['format']} {t['ratio_to_verbose']:.2f}" for t in result["tokens"])
    text = f"{result['questions']} questions, median prompt × verbose: {ratios}"
    if result["saved"]:
        best = max(result["saved"], key=lambda s: (s["accuracy"], -s["median_latency_s"]))
        answers = sum(s["n"] for s in result["saved"])
        text += f"; {answers} saved answers, best {best['format']} {best['accuracy']:.2f} ({best['model']})"
    return text
