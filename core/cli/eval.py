"""`eval`: ask generated questions in each format through the configured endpoint and score the answers.

python -m core eval --limit 20                       # every format, 20 questions (all kinds), configured endpoint
python -m core eval --formats compact,ultra --json   # two formats, every question, scores as JSON
python -m core eval --results /tmp/run.jsonl         # resume (or start) a run in another file
python -m core eval --rescore --results data/eval/smollm2-135m-instruct.jsonl   # re-check stored answers

With no endpoint (no OPENAI_BASE_URL/OPENAI_API_KEY and no `make model`) it says so and shows the saved results.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli import emit
from core.errors import CoachError
from core.workouts.formats import FORMATS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("eval", help="comprehension evaluation: accuracy per format against tokens")
    p.add_argument("--formats", default=",".join(FORMATS), help=f"comma-separated, from {','.join(FORMATS)}")
    p.add_argument("--limit", type=int, help="ask only this many questions (taken round-robin over kinds)")
    p.add_argument(
        "--results", type=Path, help="JSONL result file to append to / resume (default data/eval/<model>.jsonl)"
    )
    p.add_argument("--concurrency", type=int, default=2, help="requests in flight at once (default 2)")
    p.add_argument("--by-kind", action="store_true", help="also break accuracy down by question kind")
    p.add_argument("--rescore", action="store_true", help="score the saved answers of --results again, asking nothing")
    p.add_argument("--json", action="store_true", help="print scores as JSON")
    p.set_defaults(handler=run)


def scores_text(rows: list[dict], title: str) -> str:
    """Scores as an aligned table: accuracy with its 95% interval, tokens, accuracy per 1k tokens."""
    lines = [
        title,
        f"  {'model':<24} {'format':<8} {'kind':<20} {'n':>4} {'acc':>6} {'95% CI':>13} {'tokens':>7} {'acc/1k':>7}",
    ]
    for r in rows:
        ci = f"{r['ci_low']:.2f}–{r['ci_high']:.2f}"
        lines.append(
            f"  {r['model'][:24]:<24} {r['format']:<8} {r['kind']:<20} {r['n']:>4} {r['accuracy']:>6.2f} {ci:>13}"
            f" {r['prompt_tokens']:>7.0f} {r['accuracy_per_1k_tokens']:>7.3f}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from core.chat.endpoints import resolve_endpoint
    from core.db import snapshot
    from core.demo.seeding import ensure_demo_database
    from core.eval.documents import DocumentSource
    from core.eval.questions import generate_questions, limit_questions
    from core.eval.report import score_rows, scores
    from core.eval.runner import check_formats, load_results, results_path_for, run_evaluation, saved_results

    formats = check_formats(f.strip() for f in args.formats.split(",") if f.strip())
    if args.limit is not None and args.limit < 1:
        raise CoachError(f"--limit {args.limit}: expected 1 or more")
    if args.rescore:
        return _rescore(args)
    endpoint = resolve_endpoint(tools=False)  # questions offer no tools: the local model gets its plain template
    if not endpoint.live:
        results = load_results(args.results) if args.results else saved_results()
        rows = score_rows(scores(results, by_kind=args.by_kind))
        note = "no endpoint configured (set OPENAI_BASE_URL/OPENAI_API_KEY/OPENAI_MODEL or run `make model`); saved results:"
        emit(args, {"endpoint": None, "note": note, "scores": rows}, scores_text(rows, note))
        return 0
    con = snapshot(ensure_demo_database(args.db))  # an in-memory copy: the long run holds no lock
    try:  # render every text, then let go of the database file for the (long) run
        questions = limit_questions(generate_questions(con), args.limit)
        source = DocumentSource(con)
        source.prerender(questions, formats)
    finally:
        con.close()
    path = args.results or results_path_for(endpoint.model)
    summary = run_evaluation(
        endpoint, questions, formats, source, path, concurrency=args.concurrency,
        progress=lambda total: tqdm(total=total, desc=f"eval {endpoint.model}", unit="q", file=sys.stderr),
    )  # fmt: skip
    asked = {q.qid for q in questions}
    results = [r for r in load_results(path) if r.model == endpoint.model and r.qid in asked and r.format in formats]
    rows = score_rows(scores(results, by_kind=args.by_kind))
    title = (
        f"{endpoint.describe()} · {len(questions)} questions × {len(formats)} formats · answered {summary.answered},"
        f" already in {path.name} {summary.skipped}, failed {summary.failed}"
        + (f" (first: {summary.first_error})" if summary.first_error else "")
    )
    payload = {
        "endpoint": endpoint.describe(), "results": str(path), "answered": summary.answered,
        "skipped": summary.skipped, "failed": summary.failed, "scores": rows,
    }  # fmt: skip
    emit(args, payload, scores_text(rows, title))
    return 1 if summary.failed else 0


def _rescore(args: argparse.Namespace) -> int:
    from core.db import snapshot
    from core.demo.seeding import ensure_demo_database
    from core.eval.documents import DocumentSource
    from core.eval.questions import generate_questions
    from core.eval.report import score_rows, scores
    from core.eval.runner import load_results, rescore

    if args.results is None or not args.results.is_file():
        raise CoachError(
            f"--rescore: expected --results naming an existing result file, got {str(args.results)[:80]!r}"
        )
    con = snapshot(ensure_demo_database(args.db))  # an in-memory copy: the long run holds no lock
    try:
        changed = rescore(args.results, generate_questions(con), DocumentSource(con))
    finally:
        con.close()
    rows = score_rows(scores(load_results(args.results), by_kind=args.by_kind))
    emit(args, {"results": str(args.results), "changed": changed, "scores": rows},
         scores_text(rows, f"{args.results.name}: {changed} verdict(s) changed"))  # fmt: skip
    return 0
