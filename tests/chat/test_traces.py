"""core/chat/traces.py: the interaction log as OpenTelemetry GenAI spans, read back with the SDK's own exporters."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from core.chat.endpoints import Endpoint
from core.chat.traces import SPAN_PARTS, TraceExportError, export_turns, json_lines_exporter, otlp_exporter
from core.chat.turn import chat_turn, path_opener
from core.context.builder import build_context
from core.context.log import record_turn
from core.db import connect
from core.db.traces import logged_turn_rows


@pytest.fixture
def logged(demo_db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A demo database with two logged turns for athlete 1: one answer, one that called two tools."""
    con = connect(demo_db_path)
    first = build_context(con, 1, "How did my last run go?")
    record_turn(
        con,
        first,
        model="gpt-x",
        prompt_tokens=900,
        completion_tokens=40,
        latency_s=1.5,
        endpoint="openai",
        at=datetime(2026, 11, 19, 8, 0),
    )
    second = build_context(con, 1, "Add a set of pull-ups to Friday")
    record_turn(
        con,
        second,
        tools_called=["get_plan", "edit_plan"],
        model="gpt-x",
        prompt_tokens=1200,
        completion_tokens=60,
        latency_s=2.0,
        endpoint="openai",
        at=datetime(2026, 11, 19, 8, 5),
    )
    yield con
    con.close()


def test_spans_carry_genai_names_and_our_per_part_counts(logged: duckdb.DuckDBPyConnection) -> None:
    """Given two logged turns, when exported, then each is a chat span with GenAI usage and every part's tokens."""
    frame = logged_turn_rows(logged, 1)
    exporter = InMemorySpanExporter()
    assert export_turns(frame, exporter) == 4
    spans = exporter.get_finished_spans()
    chats = [s for s in spans if s.attributes["gen_ai.operation.name"] == "chat"]
    tools = [s for s in spans if s.attributes["gen_ai.operation.name"] == "execute_tool"]
    assert [s.name for s in chats] == ["chat gpt-x", "chat gpt-x"]
    assert [s.attributes["gen_ai.usage.input_tokens"] for s in chats] == [900, 1200]
    assert [s.attributes["gen_ai.usage.output_tokens"] for s in chats] == [40, 60]
    assert all(s.attributes["gen_ai.request.model"] == "gpt-x" for s in chats)
    rows = frame.to_dict("records")
    for span, row in zip(chats, rows, strict=True):
        for part in SPAN_PARTS:
            assert span.attributes[f"coach.tokens.{part}"] == int(row[part])
        assert span.attributes["coach.tokens.tier1"] > 0
        assert span.end_time - span.start_time == int(row["latency_ms"]) * 1_000_000
    assert sorted(s.attributes["gen_ai.tool.name"] for s in tools) == ["edit_plan", "get_plan"]
    assert all(s.parent is not None and s.parent.span_id == chats[1].context.span_id for s in tools)


def test_chat_spans_are_clients_and_tool_spans_have_their_own_times_inside_the_turn(
    logged: duckdb.DuckDBPyConnection,
) -> None:
    """Given a logged turn that called two tools, when exported, then the chat span is a CLIENT span and each tool
    span starts after the previous one ended, inside the turn, neither at its start nor its end, marked as spaced."""
    exporter = InMemorySpanExporter()
    export_turns(logged_turn_rows(logged, 1), exporter)
    spans = exporter.get_finished_spans()
    chats = [s for s in spans if s.attributes["gen_ai.operation.name"] == "chat"]
    assert [s.kind for s in chats] == [SpanKind.CLIENT, SpanKind.CLIENT]
    parent = chats[1]
    tools = sorted((s for s in spans if s.parent is not None), key=lambda s: s.start_time)
    assert [s.attributes["gen_ai.tool.name"] for s in tools] == ["get_plan", "edit_plan"]  # call order
    assert all(s.kind == SpanKind.INTERNAL and s.attributes["coach.tool_timing"] == "spaced" for s in tools)
    edges = [parent.start_time, *(t for s in tools for t in (s.start_time, s.end_time)), parent.end_time]
    assert edges == sorted(edges) and len(set(edges)) == len(edges)  # ordered, inside, none sharing the parent's


def _refusing_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_otlp_export_nobody_receives_raises_instead_of_counting_spans(logged: duckdb.DuckDBPyConnection) -> None:
    """Given no collector on the port, when exporting over OTLP, then TraceExportError names the failure."""
    url = f"http://127.0.0.1:{_refusing_port()}/v1/traces"
    with pytest.raises(TraceExportError, match=r"^export failed: 4 spans not delivered \(.+\)$"):
        export_turns(logged_turn_rows(logged, 1), otlp_exporter(url, timeout_s=1))


def test_cli_otlp_failure_is_one_error_line_and_exit_1_without_the_sdk_retry_log(cli, demo_db_path: Path) -> None:
    """Given logged turns and no collector, when `export-traces --otlp` runs, then it exits 1 with one stderr line
    and prints no span count and none of the SDK's retry warnings."""
    con = connect(demo_db_path)
    record_turn(con, build_context(con, 1, "How did my last run go?"), model="gpt-x", latency_s=1.0)
    con.close()
    url = f"http://127.0.0.1:{_refusing_port()}/v1/traces"
    done = cli("--db", str(demo_db_path), "export-traces", "--otlp", url, "--timeout", "1")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"error: --otlp {url}: export failed: 1 spans")
    assert "Transient error" not in done.stderr and "retrying" not in done.stderr


def test_json_lines_file_holds_one_parseable_span_per_line(logged: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Given the log, when exported to a file, then every line is one JSON span with its attributes."""
    out = tmp_path / "traces.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        export_turns(logged_turn_rows(logged), json_lines_exporter(fh))
    spans = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(spans) == 4
    assert {s["attributes"]["gen_ai.operation.name"] for s in spans} == {"chat", "execute_tool"}


def test_otlp_export_posts_protobuf_to_the_collector(logged: duckdb.DuckDBPyConnection) -> None:
    """Given a collector on loopback, when exporting over OTLP/HTTP, then it receives protobuf trace posts."""
    received: list[tuple[str, str, int]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], len(body)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
        assert export_turns(logged_turn_rows(logged, 1), otlp_exporter(url, timeout_s=5)) == 4
    finally:
        server.shutdown()
    assert received and all(path == "/v1/traces" and kind == "application/x-protobuf" for path, kind, _ in received)
    assert sum(size for *_, size in received) > 200


def test_cli_writes_the_file_and_refuses_a_non_http_collector(cli, demo_db_path: Path, tmp_path: Path) -> None:
    """Given the CLI, when exporting to a file, then it reports the count; a bad --otlp URL is one error line."""
    out = tmp_path / "t.jsonl"
    done = cli("--db", str(demo_db_path), "export-traces", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["spans"] == len(out.read_text().splitlines())
    bad = cli("--db", str(demo_db_path), "export-traces", "--otlp", "ftp://x")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "--otlp" in bad.stderr


def test_a_live_turn_s_cached_prompt_tokens_are_exported_as_genai_cache_read(
    demo_db_path: Path, scripted_server
) -> None:
    """Given a live turn whose endpoint reported prompt_tokens_details.cached_tokens, when the log is exported, then
    its chat span carries gen_ai.usage.cache_read.input_tokens (part of input_tokens); a turn with none carries none."""
    server = scripted_server(
        [
            {
                "content": "Steady week.",
                "usage": {"prompt_tokens": 1500, "prompt_tokens_details": {"cached_tokens": 1280}},
            },
            {"content": "Rest today.", "usage": {"prompt_tokens": 900}},
        ]
    )
    endpoint = Endpoint("openai", server.base_url, "scripted")
    chat_turn(path_opener(demo_db_path), endpoint, 1, "How was my week?")
    chat_turn(path_opener(demo_db_path), endpoint, 1, "Should I rest today?")
    con = connect(demo_db_path)
    frame = logged_turn_rows(con, 1)
    con.close()
    exporter = InMemorySpanExporter()
    export_turns(frame, exporter)
    chats = [s for s in exporter.get_finished_spans() if s.attributes["gen_ai.operation.name"] == "chat"]
    assert [s.attributes["gen_ai.usage.input_tokens"] for s in chats[-2:]] == [1500, 900]
    assert chats[-2].attributes["gen_ai.usage.cache_read.input_tokens"] == 1280
    assert "gen_ai.usage.cache_read.input_tokens" not in chats[-1].attributes
