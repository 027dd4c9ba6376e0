"""The interaction log as OpenTelemetry GenAI spans, so Langfuse, Arize Phoenix or any OTLP collector can read it.

One span per logged turn (`chat {model}`, GenAI semantic conventions: `gen_ai.operation.name`,
`gen_ai.request.model`, `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`) with our own per-part
token counts as `coach.tokens.<part>` attributes, and one child span per tool the model called
(`execute_tool {name}`, `gen_ai.tool.name`). Times come from the log: the turn starts at `created_at`
and lasts `latency_ms` (0 for a replayed or preview turn). The SDK does the encoding; we only map rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import pandas as pd
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter

SERVICE_NAME = "coach-context-lab"
SPAN_PARTS = ("instructions", "tier1", "tier2", "plan", "history", "tool_definitions", "tool_results")


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
        ("gen_ai.usage.output_tokens", _token_count(row.get("completion_tokens"))),
        ("coach.tokens.request", _token_count(row.get("request_tokens"))),
    ):
        if value is not None:
            attributes[name] = value
    for part in SPAN_PARTS:
        attributes[f"coach.tokens.{part}"] = _token_count(row.get(part)) or 0
    return attributes


def export_turns(frame: pd.DataFrame, exporter: SpanExporter) -> int:
    """Send every row of `frame` (core.db.traces.logged_turn_rows) through `exporter`; returns the span count."""
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("coach_context_lab.interactions")
    spans = 0
    for row in frame.to_dict("records"):
        start = _nanos(pd.Timestamp(row["created_at"]).to_pydatetime())
        latency = _token_count(row.get("latency_ms")) or 0
        end = start + int(timedelta(milliseconds=latency).total_seconds() * 1_000_000_000)
        model = row.get("model") or "preview"
        turn = tracer.start_span(f"chat {model}", start_time=start, attributes=turn_attributes(row))
        called: Sequence[str] = _names(row.get("tools_called"))
        for name in called:
            tool = tracer.start_span(
                f"execute_tool {name}",
                context=trace.set_span_in_context(turn),
                start_time=start,
                attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name},
            )
            tool.end(end_time=end)
            spans += 1
        turn.end(end_time=end)
        spans += 1
    provider.shutdown()
    return spans


def json_lines_exporter(out: IO[str]) -> SpanExporter:
    """Spans as one JSON object per line (the SDK's own `to_json`), for a file a collector or script can load."""
    return ConsoleSpanExporter(out=out, formatter=lambda span: _span_json_line(span) + "\n")


def _span_json_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None))


def otlp_exporter(endpoint: str, timeout_s: float = 10.0) -> SpanExporter:
    """OTLP over HTTP/protobuf to `endpoint` (e.g. http://127.0.0.1:4318/v1/traces)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=endpoint, timeout=timeout_s)
