"""`eval`: ask generated questions in each format through an endpoint, score the answers, and say what they show.

python -m core eval --endpoint ollama                 # a named profile (openai, ollama, vllm, llamacpp): one verdict
python -m core eval --endpoint openai --limit 27 --yes   # a paid endpoint: cost estimate, no prompt with --yes
python -m core eval --limit 20                       # every format, 20 questions (all kinds), configured endpoint
python -m core eval --formats compact,ultra --json   # two formats, every question, scores as JSON
python -m core eval --results /tmp/run.jsonl         # resume (or start) a run in another file (default: one file per
                                                     # model and endpoint, data/eval/local-127.0.0.1-8080.jsonl)
python -m core eval --rescore                        # re-check every committed answer: old and new accuracy per format

Every report carries the baselines computed by the same scorer on the same questions: echo (the whole prompt as the
answer), "I don't know", and the oracle reading each format with our own parser. With no endpoint (no
OPENAI_BASE_URL/OPENAI_API_KEY, no `make model`, no --endpoint) it says so and shows the saved results.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.cli import emit
from core.errors import CoachError
from core.workouts.formats import FORMATS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("eval", help="comprehension evaluation: accuracy per format against tokens")
    p.add_argument("--endpoint", help="named profile: openai, ollama, vllm or llamacpp (default: the configured one)")
    p.add_argument("--model", help="model name for --endpoint (default: the profile's, or EVAL_<NAME>_MODEL)")
    p.add_argument("--formats", default=",".join(FORMATS), help=f"comma-separated, from {','.join(FORMATS)}")
    p.add_argument("--limit", type=int, help="ask only this many questions (taken round-robin over kinds)")
    p.add_argument(
        "--results", type=Path, help="JSONL result file to append to / resume (default data/eval/<model>.jsonl)"
    )
    p.add_argument("--concurrency", type=int, help="requests in flight at once (default: the profile's, else 2)")
    p.add_argument("--max-tokens", type=int, default=64, help="answer length cap; answers cut there are flagged")
    p.add_argument("--yes", action="store_true", help="run a paid endpoint without asking to confirm the estimate")
    p.add_argument("--by-kind", action="store_true", help="also break accuracy down by question kind")
    p.add_argument("--rescore", action="store_true", help="score saved answers again (--results, default all saved)")
    p.add_argument("--json", action="store_true", help="print scores as JSON")
    p.set_defaults(handler=run)


def scores_text(rows: list[dict[str, Any]], title: str) -> str:
    """Scores as an aligned table: accuracy with its 95% interval, tokens, accuracy per 1k tokens, floor marks."""
    lines = [
        title,
        f"  {'model':<24} {'format':<8} {'kind':<20} {'n':>4} {'acc':>6} {'95% CI':>13} {'tokens':>7} {'acc/1k':>7}",
    ]
    for r in rows:
        ci = f"{r['ci_low']:.2f}–{r['ci_high']:.2f}"
        marks = (" floor" if r.get("floor_level") else "") + (f" +{r['truncated']} cut" if r.get("truncated") else "")
        lines.append(
            f"  {r['model'][:24]:<24} {r['format']:<8} {r['kind']:<20} {r['n']:>4} {r['accuracy']:>6.2f} {ci:>13}"
            f" {r['prompt_tokens']:>7.0f} {r['accuracy_per_1k_tokens']:>7.3f}{marks}"
        )
    return "\n".join(lines)


def _open_questions(args: argparse.Namespace, formats: tuple[str, ...]) -> tuple[list[Any], Any]:
    """The questions (limited) and a DocumentSource with every text rendered, the database closed again."""
    from core.db import snapshot
    from core.demo.seeding import ensure_demo_database
    from core.eval.documents import DocumentSource
    from core.eval.questions import generate_questions, limit_questions

    con = snapshot(ensure_demo_database(args.db))  # an in-memory copy: the long run holds no lock
    try:
        questions = limit_questions(generate_questions(con), args.limit)
        source = DocumentSource(con)
        source.prerender(questions, formats)
    finally:
        con.close()
    return questions, source


def report(
    results: list[Any], questions: list[Any], source: Any, formats: tuple[str, ...], by_kind: bool
) -> dict[str, Any]:
    """Scores of `results` beside the baselines on the same questions, floor marks and the per-model verdicts."""
    from core.eval.baselines import FLOOR_BASELINES, baseline_model, baseline_results
    from core.eval.compare import compare, evidence_sentence
    from core.eval.report import score_rows, scores, verdicts

    asked = {q.qid for q in questions}
    mine = [r for r in results if r.qid in asked and r.format in formats]
    base = baseline_results([q for q in questions if q.qid in {r.qid for r in mine} or not mine], formats, source)
    floors = [s for s in scores(base) if s.model in {baseline_model(n) for n in FLOOR_BASELINES}]
    return {
        "scores": score_rows(scores(mine, by_kind=by_kind), floors),
        "baselines": score_rows(scores(base, by_kind=by_kind)),
        "verdicts": [v.sentence for v in verdicts(scores(mine), floors)],
        "evidence": evidence_sentence(compare(mine, base)),
    }


def _report_text(figures: dict[str, Any], title: str) -> str:
    text = scores_text(figures["scores"], title) + "\n" + scores_text(figures["baselines"], "baselines (same scorer):")
    sentences = figures["verdicts"] or ["no model answers yet: no verdict"]
    return text + f"\nverdict: {figures['evidence']}\n" + "\n".join(f"  {s}" for s in sentences)


def _confirm_cost(args: argparse.Namespace, profile: Any, prompts: int, todo: int) -> None:
    from core.eval.profiles import dollars

    cost = dollars(profile.cost(prompts, todo * args.max_tokens))
    line = (
        f"{profile.name} · {profile.model}: {todo} requests, {prompts:,} prompt tokens + at most "
        f"{todo * args.max_tokens:,} answer tokens ≈ {cost}"
    )
    print(line, file=sys.stderr)
    if args.yes or not todo:
        return
    if not sys.stdin.isatty():
        raise CoachError(f"cost estimate {cost}: confirm with --yes to run a paid endpoint non-interactively")
    if input("Proceed? [y/N] ").strip().lower() not in ("y", "yes"):
        raise CoachError("cancelled: nothing asked")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from core.chat.endpoints import resolve_endpoint
    from core.eval.profiles import resolve_profile
    from core.eval.runner import (
        check_formats,
        load_results,
        messages_for,
        pending,
        prompt_tokens,
        results_path_for,
        run_evaluation,
        run_name,
        saved_results,
    )  # fmt: skip

    formats = check_formats(f.strip() for f in args.formats.split(",") if f.strip())
    if args.limit is not None and args.limit < 1:
        raise CoachError(f"--limit {args.limit}: expected 1 or more")
    if args.max_tokens < 1:
        raise CoachError(f"--max-tokens {args.max_tokens}: expected 1 or more")
    if args.rescore:
        return _rescore(args)
    profile = None
    if args.endpoint:
        endpoint, profile = resolve_profile(args.endpoint, model=args.model)
    else:
        endpoint = resolve_endpoint(tools=False)  # no tools offered: the local model gets its plain template
    questions, source = _open_questions(args, formats)
    if not endpoint.live:
        results = load_results(args.results) if args.results else saved_results()
        figures = report(results, questions, source, formats, args.by_kind)
        note = "no endpoint configured (set OPENAI_BASE_URL/OPENAI_API_KEY/OPENAI_MODEL, --endpoint or `make model`); saved results:"
        emit(args, {"endpoint": None, "note": note, **figures}, _report_text(figures, note))
        return 0
    run_as = run_name(endpoint)  # the model at this endpoint: another server's answers are never reused
    path = args.results or results_path_for(run_as)
    concurrency = args.concurrency or (profile.concurrency if profile else 2)
    if profile is not None and profile.paid:
        todo = pending(questions, formats, {r.key for r in load_results(path)}, run_as)
        prompts = sum(prompt_tokens(messages_for(q, f, source.text(q, f))) for q, f in todo)
        _confirm_cost(args, profile, prompts, len(todo))
    try:
        summary = run_evaluation(
            endpoint, questions, formats, source, path, concurrency=concurrency, max_tokens=args.max_tokens,
            requests_per_minute=profile.requests_per_minute if profile else 0.0,
            progress=lambda total: tqdm(total=total, desc=f"eval {run_as}", unit="q", file=sys.stderr),
        )  # fmt: skip
    except KeyboardInterrupt:
        kept = sum(r.model == run_as for r in load_results(path))
        print(f"interrupted: {kept} answers kept in {path}; run the same command to resume", file=sys.stderr)
        return 130
    results = [r for r in load_results(path) if r.model == run_as]
    figures = report(results, questions, source, formats, args.by_kind)
    cut = sum(r.truncated for r in results)
    title = (
        f"{endpoint.describe()} · {len(questions)} questions × {len(formats)} formats · answered {summary.answered},"
        f" already in {path.name} {summary.skipped}, failed {summary.failed}"
        + (f" (first: {summary.first_error})" if summary.first_error else "")
        + (f" · {cut} answer(s) cut at --max-tokens (finish_reason length): not scored, counted apart" if cut else "")
    )
    payload = {
        "endpoint": endpoint.describe(), "results": str(path), "answered": summary.answered,
        "skipped": summary.skipped, "failed": summary.failed, "truncated": cut, **figures,
    }  # fmt: skip
    emit(args, payload, _report_text(figures, title))
    return 1 if summary.failed else 0


def _rescore(args: argparse.Namespace) -> int:
    from core.db import snapshot
    from core.demo.seeding import ensure_demo_database
    from core.eval.documents import DocumentSource
    from core.eval.questions import generate_questions
    from core.eval.report import scores
    from core.eval.runner import eval_dir, rescore

    if args.results is not None and not args.results.is_file():
        raise CoachError(f"--results {str(args.results)[:80]!r}: expected an existing result file to rescore")
    paths = [args.results] if args.results else sorted(eval_dir().glob("*.jsonl"))
    if not paths:
        raise CoachError(f"--rescore: no result files in {eval_dir()}")
    con = snapshot(ensure_demo_database(args.db))
    try:
        questions, source = generate_questions(con), DocumentSource(con)
        outcome = [(path, *rescore(path, questions, source)) for path in paths]
    finally:
        con.close()
    files, lines = [], ["old → new accuracy per format (the current scorer on the stored answers; nothing asked)"]
    for path, before, after, kept in outcome:
        changed = sum(a.correct != b.correct for a, b in zip(before, after, strict=True))
        rows = []
        for old, new in zip(scores(before), scores(after), strict=True):
            rows.append(
                {
                    "model": new.model, "format": new.format, "n": new.n, "old_correct": old.correct,
                    "old_accuracy": round(old.accuracy, 4), "new_correct": new.correct,
                    "new_accuracy": round(new.accuracy, 4),
                }
            )  # fmt: skip
            lines.append(
                f"  {path.name:<40} {new.format:<8} n={new.n:<4} {old.correct:>4} ({old.accuracy:6.1%}) →"
                f" {new.correct:>4} ({new.accuracy:6.1%})"
            )
        lines.append(
            f"  {path.name}: {changed} verdict(s) changed; {len(kept)} answer(s) kept as stored"
            " (their question is gone or has another gold answer now)"
        )
        files.append({"results": str(path), "changed": changed, "kept_as_stored": len(kept), "formats": rows})
    emit(args, {"files": files, "changed": sum(f["changed"] for f in files)}, "\n".join(lines))
    return 0
