"""The interaction log as OpenTelemetry GenAI spans, so Langfuse, Arize Phoenix or any OTLP collector can read it.

One span per logged turn (`chat {model}`, kind CLIENT as the GenAI semantic conventions give a model call:
`gen_ai.operation.name`, `gen_ai.request.model`, `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`, and
`gen_ai.usage.cache_read.input_tokens` — of the input tokens, those the provider served from its prompt cache, a
part of `input_tokens` as the convention says — when the endpoint reported them)
with our own per-part token counts as `coach.tokens.<part>` attributes, and one child span per tool the model
called (`execute_tool {name}`, kind INTERNAL, `gen_ai.tool.name`). Times come from the log: the turn starts at
`created_at` and lasts `latency_ms` (0 for a replayed or preview turn). The log keeps no time per tool call, so
tool spans are *placed*, not measured: the turn is split into 2n+1 equal slots (model, tool, model, …, model)
and the n tools, in call order, take the odd ones; each carries `coach.tool_timing = "spaced"` to say so.

All spans are built first and handed to the exporter in one `export` call, whose result is checked: a failed
export raises TraceExportError (one line) instead of reporting spans that never arrived, and the SDK's own
retry log is kept out of the terminal (its last line becomes the error's reason).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any

import pandas as pd
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from core.errors import CoachError

SERVICE_NAME = "coach-context-lab"
SPAN_PARTS = ("instructions", "tier1", "tier2", "plan", "history", "tool_definitions", "tool_results")
_SDK_LOGGER = "opentelemetry"


class TraceExportError(CoachError):
    """The exporter did not deliver the spans (collector down, refused, timed out)."""


def _nanos(moment: datetime) -> int:
    """The log's naive UTC timestamp as Unix nanoseconds (what the SDK takes)."""
    return int(moment.replace(tzinfo=UTC).timestamp() * 1_000_000_000)


def _token_count(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _names(value: Any) -> list[str]:
    """A VARCHAR[] cell (a numpy array, a list or NULL) as a list of names."""
    return [] if value is None else [str(v) for v in list(value)]


def turn_attributes(row: dict[str, Any]) -> dict[str, Any]:
    """The span attributes of one logged turn: GenAI names first, then ours under `coach.`."""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": row.get("model") or "preview",
        "coach.interaction_id": int(row["interaction_id"]),
        "coach.athlete_id": int(row["athlete_id"]),
        "coach.actor": str(row.get("actor") or "local"),
        "coach.encoding": str(row.get("encoding") or ""),
        "coach.tools_offered": _names(row.get("tools_offered")),
    }
    if row.get("endpoint"):
        attributes["gen_ai.provider.name"] = str(row["endpoint"])
    if row.get("plan_hash"):
        attributes["coach.plan_hash"] = str(row["plan_hash"])
    for name, value in (
        ("gen_ai.usage.input_tokens", _token_count(row.get("prompt_tokens"))),
        ("gen_ai.usage.cache_read.input_tokens", _token_count(row.get("cached_prompt_tokens"))),
        ("gen_ai.usage.output_tokens", _token_count(row.get("completion_tokens"))),
        ("coach.tokens.request", _token_count(row.get("request_tokens"))),
    ):
        if value is not None:
            attributes[name] = value
    for part in SPAN_PARTS:
        attributes[f"coach.tokens.{part}"] = _token_count(row.get(part)) or 0
    return attributes


def tool_slots(start: int, end: int, calls: int) -> list[tuple[int, int]]:
    """Start and end (ns) of each of `calls` tool spans inside [start, end]: the turn split into 2n+1 equal slots,
    the tools on the odd ones, in call order (placed, not measured: the log keeps no time per tool call)."""
    step = (end - start) / (2 * calls + 1) if calls else 0
    return [(start + round((2 * i + 1) * step), start + round((2 * i + 2) * step)) for i in range(calls)]


def turn_spans(frame: pd.DataFrame) -> list[ReadableSpan]:
    """Every row of `frame` (core.db.traces.logged_turn_rows) as finished spans: a chat span and its tool spans."""
    collected = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(SimpleSpanProcessor(collected))
    tracer = provider.get_tracer("coach_context_lab.interactions")
    for row in frame.to_dict("records"):
        start = _nanos(pd.Timestamp(row["created_at"]).to_pydatetime())
        end = start + (_token_count(row.get("latency_ms")) or 0) * 1_000_000
        model = row.get("model") or "preview"
        turn = tracer.start_span(
            f"chat {model}", kind=SpanKind.CLIENT, start_time=start, attributes=turn_attributes(row)
        )
        called = _names(row.get("tools_called"))
        for name, (tool_start, tool_end) in zip(called, tool_slots(start, end, len(called)), strict=True):
            tool = tracer.start_span(
                f"execute_tool {name}",
                context=trace.set_span_in_context(turn),
                kind=SpanKind.INTERNAL,
                start_time=tool_start,
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": name,
                    "coach.tool_timing": "spaced",
                },
            )
            tool.end(end_time=tool_end)
        turn.end(end_time=end)
    provider.shutdown()
    return list(collected.get_finished_spans())


class _Captured(logging.Handler):
    """Keeps the SDK's log records (its retries and failures) instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _sdk_log_captured() -> Iterator[_Captured]:
    logger = logging.getLogger(_SDK_LOGGER)
    handler, propagate = _Captured(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def export_turns(frame: pd.DataFrame, exporter: SpanExporter) -> int:
    """Send every row of `frame` through `exporter` in one export; returns the span count.

    Raises TraceExportError when the exporter reports failure, with the SDK's last logged reason.
    """
    spans = turn_spans(frame)
    with _sdk_log_captured() as log:
        try:
            result = exporter.export(spans) if spans else SpanExportResult.SUCCESS
        finally:
            exporter.shutdown()
    if result is not SpanExportResult.SUCCESS:
        raise TraceExportError(f"export failed: {len(spans)} spans not delivered ({_failure_reason(log.records)})")
    return len(spans)


def _failure_reason(records: list[logging.LogRecord]) -> str:
    """The SDK's last log line, and the last error it carried, shortened to its errno text when it has one."""
    if not records:
        return "the exporter reported failure"
    reason = records[-1].getMessage().splitlines()[0][:160].rstrip(".")
    errors = [a for r in records if isinstance(r.args, tuple) for a in r.args if isinstance(a, BaseException)]
    if errors:
        detail = str(errors[-1])
        errno = re.search(r"\[Errno -?\d+\][^\"')]*", detail)
        reason += f": {errno[0] if errno else detail.splitlines()[0][:120]}"
    return reason


def json_lines_exporter(out: IO[str]) -> SpanExporter:
    """Spans as one JSON object per line (the SDK's own `to_json`), for a file a collector or script can load."""
    return ConsoleSpanExporter(out=out, formatter=lambda span: _span_json_line(span) + "\n")


def _span_json_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None))


def otlp_exporter(endpoint: str, timeout_s: float = 10.0) -> SpanExporter:
    """OTLP over HTTP/protobuf to `endpoint` (e.g. http://127.0.0.1:4318/v1/traces)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=endpoint, timeout=timeout_s)
