"""Run each question in each format through the `openai` SDK and append every scored answer to a JSONL file.

The file is the run's memory: one line per (question, format, run), written and flushed by the worker that got
the answer before it takes the next question, so an interrupted run keeps every finished answer and the next run
skips them. A run is a model at an endpoint (`run_name`: "local @ 127.0.0.1:8080"), so two servers behind one
profile never share answers. Temperature 0, a fixed system prompt (its tokens are part of every prompt), bounded
concurrency; the SDK retries 408/429/5xx and connection errors with exponential backoff (`max_retries`). Calls that
still fail are not written, so a later run retries them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import MISSING, asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, cast

import openai

from core.chat.endpoints import Endpoint
from core.db.connection import PROJECT_ROOT
from core.errors import CoachError
from core.eval.documents import DocumentSource
from core.eval.questions import Question
from core.eval.scoring import gold_text, is_credited
from core.quoting import valid_text
from core.tokens import count_tokens
from core.workouts.formats import FORMAT_LABELS, FORMATS

log = logging.getLogger(__name__)

EVAL_SYSTEM_PROMPT = """You answer questions about an athlete's training data. The data comes in one of these forms:
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


def run_name(endpoint: Endpoint) -> str:
    """What a run's answers are stored under: the model, and the endpoint it was asked at ("local @ 127.0.0.1:8080",
    "gpt-4o-mini @ api.openai.com"), so two servers answering to one model name ("local") are two runs. The embedded
    local model (kind "local") is named by its model file alone: its server gets a new port every start."""
    if endpoint.kind == "local" or not endpoint.base_url:
        return endpoint.model
    parts = urllib.parse.urlsplit(endpoint.base_url)
    where = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")  # no user:password, no query
    path = parts.path.rstrip("/").removesuffix("/v1")
    return f"{endpoint.model} @ {where}{path}"


def results_path_for(run: str) -> Path:
    """The result file of one run (`run_name`): data/eval/<run, lowercased, unsafe characters as '-'>.jsonl."""
    slug = re.sub(r"[^a-z0-9._]+", "-", run.lower()).strip("-") or "model"
    return eval_dir() / f"{slug}.jsonl"


def saved_results() -> list[Result]:
    """Every result in every .jsonl file of the result directory (the page's and the CLI's saved data)."""
    return [r for path in sorted(eval_dir().glob("*.jsonl")) for r in load_results(path)]


@dataclass(frozen=True)
class Result:
    """One scored answer, as stored in the JSONL result file; `model` names the run (`run_name`).

    `finish_reason` is the endpoint's ("stop", "length", …; None in files written before it was recorded): an answer
    cut at `length` is kept and shown but counted apart from the scored answers (see `truncated`).
    """

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
    finish_reason: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.qid, self.format, self.model)

    @property
    def truncated(self) -> bool:
        """Whether the endpoint stopped the answer at the token limit: it is not scored as a normal answer."""
        return self.finish_reason == "length"


def messages_for(question: Question, fmt: str, data: str) -> list[dict[str, str]]:
    """The exact messages sent for one question in one format."""
    label = FORMAT_LABELS.get(fmt, fmt)
    return [
        {"role": "system", "content": EVAL_SYSTEM_PROMPT},
        {"role": "user", "content": f"Data ({label}):\n{data}\n\nQuestion: {question.text}"},
    ]


def prompt_tokens(messages: list[dict[str, str]]) -> int:
    """Tokens of the prompt's texts (system prompt + data + question), without JSON escaping that would tax JSON data."""
    return sum(count_tokens(m["content"]) for m in messages)


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "qid": (str,), "athlete": (str,), "week": (int,), "kind": (str,), "format": (str,), "model": (str,),
    "endpoint": (str,), "correct": (bool,), "answer": (str,), "gold": (str,), "data_tokens": (int,),
    "prompt_tokens": (int,), "reported_prompt_tokens": (int, type(None)), "completion_tokens": (int, type(None)),
    "latency_s": (float, int), "finish_reason": (str, type(None)),
}  # fmt: skip
_REQUIRED = tuple(f.name for f in fields(Result) if f.default is MISSING)


class ResultLineError(CoachError):
    """One line of a result file that is not a result: its message names the field, the value and the type expected."""


def parse_result(line: str) -> Result:
    """One JSONL line as a Result, every field checked for its type (bool is not an int here)."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ResultLineError(f"not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ResultLineError(f"{type(value).__name__}: expected a JSON object")
    missing = [name for name in _REQUIRED if name not in value]
    if missing:
        raise ResultLineError(f"field {missing[0]!r} missing: expected every field of a result")
    for name, expected in _FIELD_TYPES.items():
        if name not in value:
            continue
        got = value[name]
        wrong = isinstance(got, bool) and bool not in expected
        if wrong or not isinstance(got, expected):
            names = " or ".join("null" if t is type(None) else t.__name__ for t in expected)
            raise ResultLineError(f"field {name!r} = {str(got)[:40]!r}: expected {names}")
    return Result(**{k: v for k, v in value.items() if k in _FIELD_TYPES})


def load_results(path: Path) -> list[Result]:
    """Every result of a file, the first per (question, format, model) if two runs wrote the same one; [] if the file
    does not exist. A line that is not a valid result (a torn last line from a killed run, a byte that is not UTF-8,
    a field of the wrong type) is skipped with one warning naming the file, the line and what is wrong."""
    if not path.is_file():
        return []
    out: dict[tuple[str, str, str], Result] = {}
    for number, raw in enumerate(path.read_bytes().splitlines(), 1):
        if not raw.strip():
            continue
        try:
            result = parse_result(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            log.warning("%s line %d skipped: byte %d is not UTF-8", path, number, exc.start + 1)
            continue
        except ResultLineError as exc:
            log.warning("%s line %d skipped: %s", path, number, exc)
            continue
        out.setdefault(result.key, result)
    return list(out.values())


def storable(text: str, secret: str | None) -> str:
    """`text` safe to store: a lone surrogate (invalid in UTF-8) replaced by U+FFFD (an escape such as "\\ud800" would
    put digits the model never wrote in front of the scorer), and the API key of any length replaced by '***' (with
    its last 8 characters, when it is longer, as an echo may cut it)."""
    safe = valid_text(text)
    if secret:
        safe = safe.replace(secret, "***")
        if len(secret) > 8:
            safe = safe.replace(secret[-8:], "***")
    return safe


def write_results(path: Path, results: Iterable[Result]) -> None:
    """Replace the file with `results`, atomically (a temporary file, then a rename)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in results), encoding="utf-8")
    tmp.replace(path)


def rescored(
    results: list[Result], questions: list[Question], source: DocumentSource
) -> tuple[list[Result], list[str]]:
    """The stored answers scored again with the current rules and their prompt tokens recounted (after a scoring or
    counting change), and the qids kept as stored. Asks no model.

    A result is kept as it is when its question is no longer generated or now has another gold answer (the demo data
    or the generator changed since it was answered): its answer was given to a different question, and grading it
    against the new one would change a verdict for a reason that has nothing to do with the scorer."""
    by_id = {q.qid: q for q in questions}
    updated, kept = [], []
    for r in results:
        q = by_id.get(r.qid)
        if q is None or gold_text(q) != r.gold:
            updated.append(r)
            kept.append(r.qid)
            continue
        data = source.text(q, r.format)
        tokens = prompt_tokens(messages_for(q, r.format, data))
        correct = is_credited(q, r.answer, r.finish_reason)
        updated.append(replace(r, correct=correct, data_tokens=count_tokens(data), prompt_tokens=tokens))
    return updated, kept


def rescore(
    path: Path, questions: list[Question], source: DocumentSource
) -> tuple[list[Result], list[Result], list[str]]:
    """Rescore the file in place; returns the results as stored, as scored now, and the qids kept as stored."""
    before = load_results(path)
    after, kept = rescored(before, questions, source)
    write_results(path, after)
    return before, after, kept


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


class RateLimit:
    """At most `per_minute` requests started per minute across every worker (0: no limit): each request waits for
    its slot, spaced 60/per_minute seconds apart."""

    def __init__(self, per_minute: float) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)  # pacing real requests to an endpoint's limit


def _answer_of(response: Any) -> tuple[str, str | None, Any]:
    """(text, finish_reason, usage) of a chat completion; a reply without a choice is an error the run records."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        raise CoachError("reply: no choices; expected one answer")
    content = choices[0].message.content
    text = content if isinstance(content, str) else ""
    reason = choices[0].finish_reason
    return text.strip(), reason if isinstance(reason, str) else None, getattr(response, "usage", None)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _result(
    question: Question,
    fmt: str,
    endpoint: Endpoint,
    data: str,
    messages: list[dict[str, str]],
    reply: tuple[str, str | None, Any],
    latency: float,
) -> Result:
    """The stored, scored form of one reply: text made storable (no key, no lone surrogate), a cut answer unscored."""
    answer, reason, usage = reply
    answer = storable(answer, endpoint.api_key)
    return Result(
        question.qid, question.athlete, question.week, question.kind, fmt, run_name(endpoint), endpoint.kind,
        is_credited(question, answer, reason), answer[:500], gold_text(question),
        count_tokens(data), prompt_tokens(messages),
        _count(getattr(usage, "prompt_tokens", None)), _count(getattr(usage, "completion_tokens", None)),
        latency, storable(reason, endpoint.api_key)[:20] if reason else None,
    )  # fmt: skip


def run_evaluation(
    endpoint: Endpoint,
    questions: list[Question],
    formats: Iterable[str],
    source: DocumentSource,
    results_path: Path,
    *,
    concurrency: int = 2,
    max_retries: int = 3,
    max_tokens: int = 64,
    requests_per_minute: float = 0.0,
    progress: Callable[[int], Any] | None = None,
) -> RunSummary:
    """Ask every (question, format) not yet in `results_path` and append each scored answer as it arrives.

    `progress(total)` returns an object with `update(n)` (tqdm fits) for the pairs still to ask. A failed request
    or a reply that cannot be read is counted as failed and not written (the next run asks it again); it never
    stops the other questions.
    """
    chosen = check_formats(formats)
    if not endpoint.live:
        raise CoachError("endpoint: none configured (preview); set OPENAI_BASE_URL/OPENAI_API_KEY or run `make model`")
    if concurrency < 1:
        raise CoachError(f"concurrency {concurrency}: expected 1 or more")
    done = {r.key for r in load_results(results_path)}
    todo = pending(questions, chosen, done, run_name(endpoint))
    source.prerender([q for q, _ in todo], chosen)  # DuckDB reads stay on this thread; workers use the cache
    client = endpoint.client(max_retries=max_retries)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    end_last_line(results_path)
    lock = threading.Lock()
    failures: list[str] = []
    bar = progress(len(todo)) if progress else None
    limit = RateLimit(requests_per_minute)

    def failed(message: str) -> None:
        with lock:
            failures.append(endpoint.redact(storable(message, endpoint.api_key))[:200])
            if bar is not None:
                bar.update(1)

    def ask(item: tuple[Question, str]) -> None:
        question, fmt = item
        data = source.text(question, fmt)
        messages = messages_for(question, fmt, data)
        limit.wait()
        started = time.perf_counter()
        try:
            response = client.chat.completions.create(
                model=endpoint.model, messages=cast(Any, messages), temperature=0, max_tokens=max_tokens
            )
            answer, reason, usage = _answer_of(response)
        except (openai.OpenAIError, CoachError, AttributeError, TypeError, ValueError) as exc:
            failed(f"{type(exc).__name__}: {exc}")
            return
        latency = round(time.perf_counter() - started, 3)
        result = _result(question, fmt, endpoint, data, messages, (answer, reason, usage), latency)
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


def end_last_line(path: Path) -> None:
    """End the file's last line if a killed run left it torn (no newline), so the next answer appended starts a line
    of its own; the torn line stays, and reading skips it with one warning."""
    if not path.is_file() or not path.stat().st_size:
        return
    with path.open("rb+") as f:
        f.seek(-1, os.SEEK_END)
        if f.read(1) != b"\n":
            f.write(b"\n")


def pending(
    questions: list[Question], formats: tuple[str, ...], done: set[tuple[str, str, str]], run: str
) -> list[tuple[Question, str]]:
    """The (question, format) pairs a run (`run_name`) still has to ask, in reading order."""
    todo = [(q, f) for q in questions for f in formats if (q.qid, f, run) not in done]
    return sorted(todo, key=reading_order)
