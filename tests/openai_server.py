"""A scripted OpenAI-compatible server on 127.0.0.1 for tests: the real `openai` SDK talks to it over HTTP.

Scripted either by a list of replies (served in order) or by a function of the request body. A reply is a dict:
`{"content": "text"}`, `{"tool_calls": [{"name": ..., "arguments": "<raw string, may be malformed>"}]}`,
optionally `"usage": {"prompt_tokens": .., "completion_tokens": ..}` and `"finish_reason"`, or `{"status": 500}` for a server error.
Every request body and its headers are recorded in `requests`.

Hostile shapes (issue 24): `{"raw": b"..."}` sends those exact bytes with status 200 (an HTML page, an empty body,
a bare number), `{"body": {...}}` sends that JSON object as the whole completion, `{"message": {...}}` replaces
the choice's message, `{"wait": event}` holds the reply until the threading.Event is set (a slow endpoint).
`HOSTILE` names one reply per shape the chat must refuse in one line.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = dict[str, Any]
Script = list[Reply] | Callable[[dict[str, Any]], Reply]


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _call(name: object, arguments: object) -> dict[str, Any]:
    return {"id": "call_x", "type": "function", "function": {"name": name, "arguments": arguments}}


def _with_message(**message: object) -> Reply:
    return {"message": {"role": "assistant", **message}}


# Every reply shape the chat must refuse with one line, nothing run and nothing half-written (issue 24).
HOSTILE: dict[str, Reply] = {
    "html-200": {"raw": b"<!DOCTYPE html><html><body>Bad gateway</body></html>", "content_type": "text/html"},
    "empty-body": {"raw": b""},
    "whitespace-body": {"raw": b"   \n"},
    "bare-number": {"raw": b"42"},
    "json-list": {"raw": b"[1, 2]"},
    "truncated-json": {"raw": b'{"choices": [{"message": {"content": "hi'},
    "choices-empty": {"body": {"choices": []}},
    "choices-null": {"body": {"choices": None}},
    "choices-missing": {"body": {"id": "x"}},
    "error-200": {"body": {"error": {"message": "model overloaded,\nretry later", "type": "server_error"}}},
    "error-200-text": {"body": {"error": "quota exceeded"}},
    "choice-not-object": {"body": {"choices": ["hello"]}},
    "message-null": {"body": {"choices": [{"message": None, "finish_reason": "stop"}]}},
    "content-object": _with_message(content={"text": "hi"}),
    "content-list": _with_message(content=[{"type": "text", "text": "hi"}]),
    "content-number": _with_message(content=7),
    "usage-strings": {"content": "hi", "usage": {"prompt_tokens": "12", "completion_tokens": "3"}},
    "usage-negative": {"content": "hi", "usage": {"prompt_tokens": -5}},
    "usage-list": {"body": {"choices": [{"message": {"content": "hi"}}], "usage": [1, 2]}},
    "tool-name-null": _with_message(content=None, tool_calls=[_call(None, "{}")]),
    "tool-name-object": _with_message(content=None, tool_calls=[_call({"x": 1}, "{}")]),
    "tool-name-newline": _with_message(content=None, tool_calls=[_call("edit_plan\nstop: answered", "{}")]),
    "tool-no-function": _with_message(content=None, tool_calls=[{"id": "c", "type": "function"}]),
    "tool-function-string": _with_message(content=None, tool_calls=[{"id": "c", "function": "edit_plan"}]),
    "tool-calls-object": _with_message(content=None, tool_calls={"name": "edit_plan", "arguments": "{}"}),
    "tool-arguments-object": _with_message(content=None, tool_calls=[_call("edit_plan", {"ops": []})]),
    "tool-id-object": _with_message(content=None, tool_calls=[{**_call("get_plan", "{}"), "id": {"a": 1}}]),
    "finish-object": {"body": {"choices": [{"message": {"content": "hi"}, "finish_reason": {"x": 1}}]}},
    "nested-1000": {"raw": ('{"choices": ' + _deep(1000) + "}").encode()},
    "int-4301-digits": {"raw": ('{"choices": [], "usage": {"prompt_tokens": ' + "9" * 4301 + "}}").encode()},
}


def completion_body(reply: Reply, model: str, number: int) -> dict[str, Any]:
    """An OpenAI chat.completion object for one scripted reply."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.get("content")}
    finish = reply.get("finish_reason", "stop")
    if reply.get("tool_calls"):
        finish = "tool_calls"
        message["tool_calls"] = [
            {
                "id": f"call_{number}_{i}",
                "type": "function",
                "function": {"name": call["name"], "arguments": call.get("arguments", "{}")},
            }
            for i, call in enumerate(reply["tool_calls"])
        ]
    if "message" in reply:
        message = reply["message"]
    usage = {"prompt_tokens": 10, "completion_tokens": 5, **reply.get("usage", {})}
    if all(isinstance(v, int) for v in usage.values()):
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }


class ScriptedServer:
    """Serves /v1/chat/completions and /v1/models from a script; records every request it received."""

    def __init__(self, script: Script, port: int = 0) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
        if callable(self.script):  # outside the lock: a script may block one request while others go on
            return self.script(body)
        with self._lock:
            if not self.script:
                return {"content": "(script exhausted)"}
            return self.script.pop(0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _send(
                self, status: int, payload: object, content_type: str = "application/json", trickle_s: float = 0.0
            ) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not trickle_s:
                    self.wfile.write(data)
                    return
                for i in range(len(data)):  # one byte at a time: never silent for long, never done
                    try:
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        return
                    time.sleep(trickle_s)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with server._lock:
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found"}})
                    return
                reply = server.next_reply(body)
                if "wait" in reply:
                    reply["wait"].wait(timeout=60)
                if "raw" in reply:
                    self._send(200, reply["raw"], reply.get("content_type", "application/json"))
                    return
                if "body" in reply:
                    self._send(200, reply["body"])
                    return
                if "status" in reply:
                    self._send(reply["status"], {"error": {"message": reply.get("message", "scripted error")}})
                    return
                completion = completion_body(reply, body.get("model", "scripted"), next(server._counter))
                self._send(200, completion, trickle_s=reply.get("trickle_s", 0.0))

        return Handler
