"""Run each question in each format through the `openai` SDK and append every scored answer to a JSONL file.

The file is the run's memory: one line per (question, format, model), written and flushed by the worker that got
the answer before it takes the next question, so an interrupted run keeps every finished answer and the next run
skips them. Temperature 0, a fixed system prompt (its tokens are part of every prompt), bounded concurrency; the
SDK retries 408/429/5xx and connection errors with exponential backoff (`max_retries`). Calls that still fail are
not written, so a later run retries them.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import openai

from core.chat.endpoints import Endpoint
from core.db.connection import PROJECT_ROOT
from core.errors import CoachError
from core.eval.documents import DocumentSource
from core.eval.questions import Question
from core.eval.scoring import gold_text, is_correct
from core.tokens import count_tokens
from core.workouts.formats import FORMAT_LABELS, FORMATS

SYSTEM_PROMPT = """You answer questions about an athlete's training data. The data comes in one of these forms:
- verbose: plain English lines.
- compact: W<n> = week; S<n>:<name> {status C=completed P=in progress N=not started S=skipped, minutes, sch: scheduled, cmp: completed};
  E<n>:<exercise>[group] <sets>×<reps>@<load> [logged/target]; sets as <set>:<reps>@<weight>r<RIR>, "text" = a note, |N: = coach note.
- ultra: a header gives units and defaults; S<n>:<name>|<status letter><minutes> <day>; each exercise line
  <name>[group]<sets>×<reps>@<load>: then the reps of each logged set (weight = the target unless written @w).
- activities: R run, C ride, W swim, S strength, Y yoga, M brick; <kind>:<minutes>m|<distance><unit>|...
- JSON or TOON: the same fields by name.
Answer with only the answer, in the form the question asks for. No explanation."""


def eval_dir() -> Path:
    """Where result files are kept: data/eval/, or $COACH_EVAL_DIR."""
    return Path(os.environ.get("COACH_EVAL_DIR", PROJECT_ROOT / "data" / "eval"))


def results_path_for(model: str) -> Path:
    """The result file of one model: data/eval/<model name, lowercased, unsafe characters as '-'>.jsonl."""
    slug = re.sub(r"[^a-z0-9._]+", "-", model.lower()).strip("-") or "model"
    return eval_dir() / f"{slug}.jsonl"


def saved_results() -> list[Result]:
    """Every result in every .jsonl file of the result directory (the page's and the CLI's saved data)."""
    return [r for path in sorted(eval_dir().glob("*.jsonl")) for r in load_results(path)]


@dataclass(frozen=True)
class Result:
    """One scored answer, as stored in the JSONL result file."""

    qid: str
    athlete: str
    week: int
    kind: str
    format: str
    model: str
    endpoint: str
    correct: bool
    answer: str
    gold: str
    data_tokens: int
    prompt_tokens: int
    reported_prompt_tokens: int | None
    completion_tokens: int | None
    latency_s: float

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.qid, self.format, self.model)


def messages_for(question: Question, fmt: str, data: str) -> list[dict[str, str]]:
    """The exact messages sent for one question in one format."""
    label = FORMAT_LABELS.get(fmt, fmt)
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Data ({label}):\n{data}\n\nQuestion: {question.text}"},
    ]


def prompt_tokens(messages: list[dict[str, str]]) -> int:
    """Tokens of the prompt's texts (system prompt + data + question), without JSON escaping that would tax JSON data."""
    return sum(count_tokens(m["content"]) for m in messages)


def load_results(path: Path) -> list[Result]:
    """Every result of a file, the first per (question, format, model) if two runs wrote the same one; a torn last
    line from a killed run is skipped; [] if the file does not exist."""
    if not path.is_file():
        return []
    out: dict[tuple[str, str, str], Result] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            result = Result(**json.loads(line))
        except (json.JSONDecodeError, TypeError):
            continue
        out.setdefault(result.key, result)
    return list(out.values())


def rescore(path: Path, questions: list[Question], source: DocumentSource) -> int:
    """Score the stored answers of `path` again with the current rules and recount their prompt tokens (after a
    scoring or counting change); returns how many verdicts changed. Results whose question is no longer generated
    are kept as they are. Asks no model; rewrites the file atomically."""
    by_id = {q.qid: q for q in questions}
    results = load_results(path)
    updated = []
    for r in results:
        q = by_id.get(r.qid)
        if q is None:
            updated.append(r)
            continue
        data = source.text(q, r.format)
        tokens = prompt_tokens(messages_for(q, r.format, data))
        updated.append(
            replace(r, correct=is_correct(q, r.answer), data_tokens=count_tokens(data), prompt_tokens=tokens)
        )
    changed = sum(a.correct != b.correct for a, b in zip(results, updated, strict=True))
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in updated), encoding="utf-8")
    tmp.replace(path)
    return changed


def reading_order(item: tuple[Question, str]) -> tuple[Any, ...]:
    """Sort key that puts the questions on one document back to back, and a week's edited copy right after the week.

    The data comes before the question in the prompt, so a server that keeps its KV cache between requests
    (llama.cpp does) reads each document once, not once per question, and an edited week only from the edit on.
    """
    athlete, week, document, fmt = DocumentSource.key(*item)
    return (athlete, week, fmt, document == "sport", document is not None, str(document))


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(formats)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise CoachError(f"formats {','.join(unknown)[:60]!r}: expected one or more of {', '.join(FORMATS)}")
    return chosen


@dataclass(frozen=True)
class RunSummary:
    """What a run did: answered now, skipped because already in the file, failed after retries (first error)."""

    answered: int
    skipped: int
    failed: int
    first_error: str | None


def run_evaluation(
    endpoint: Endpoint,
    questions: list[Question],
    formats: Iterable[str],
    source: DocumentSource,
    results_path: Path,
    *,
    concurrency: int = 2,
    max_retries: int = 3,
    max_tokens: int = 48,
    progress: Callable[[int], Any] | None = None,
) -> RunSummary:
    """Ask every (question, format) not yet in `results_path` and append each scored answer as it arrives.

    `progress(total)` returns an object with `update(n)` (tqdm fits) for the pairs still to ask.
    """
    chosen = check_formats(formats)
    if not endpoint.live:
        raise CoachError("endpoint: none configured (preview); set OPENAI_BASE_URL/OPENAI_API_KEY or run `make model`")
    if concurrency < 1:
        raise CoachError(f"concurrency {concurrency}: expected 1 or more")
    done = {r.key for r in load_results(results_path)}
    todo = [(q, f) for q in questions for f in chosen if (q.qid, f, endpoint.model) not in done]
    todo.sort(key=reading_order)
    source.prerender([q for q, _ in todo], chosen)  # DuckDB reads stay on this thread; workers use the cache
    client = endpoint.client(max_retries=max_retries)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    failures: list[str] = []
    bar = progress(len(todo)) if progress else None

    def ask(item: tuple[Question, str]) -> None:
        question, fmt = item
        data = source.text(question, fmt)
        messages = messages_for(question, fmt, data)
        started = time.perf_counter()
        try:
            response = client.chat.completions.create(
                model=endpoint.model, messages=messages, temperature=0, max_tokens=max_tokens
            )
        except openai.OpenAIError as exc:
            with lock:
                failures.append(endpoint.redact(f"{type(exc).__name__}: {exc}")[:200])
                if bar is not None:
                    bar.update(1)
            return
        answer = (response.choices[0].message.content or "").strip()
        usage = response.usage
        result = Result(
            question.qid, question.athlete, question.week, question.kind, fmt, endpoint.model, endpoint.kind,
            is_correct(question, answer), answer[:500], gold_text(question), count_tokens(data),
            prompt_tokens(messages),
            usage.prompt_tokens if usage else None, usage.completion_tokens if usage else None,
            round(time.perf_counter() - started, 3),
        )  # fmt: skip
        line = json.dumps(asdict(result), ensure_ascii=False) + "\n"
        with lock:
            with results_path.open("a", encoding="utf-8") as out:
                out.write(line)
                out.flush()
            if bar is not None:
                bar.update(1)

    pool = ThreadPoolExecutor(max_workers=concurrency)
    try:
        for future in [pool.submit(ask, item) for item in todo]:
            future.result()
    finally:  # on Ctrl-C: drop the questions not started; every finished answer is already in the file
        pool.shutdown(wait=True, cancel_futures=True)
    if bar is not None and hasattr(bar, "close"):
        bar.close()
    return RunSummary(
        len(todo) - len(failures),
        len(questions) * len(chosen) - len(todo),
        len(failures),
        failures[0] if failures else None,
    )
