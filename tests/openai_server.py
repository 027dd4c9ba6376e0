"""A scripted OpenAI-compatible server on 127.0.0.1 for tests: the real `openai` SDK talks to it over HTTP.

Scripted either by a list of replies (served in order) or by a function of the request body. A reply is a dict:
`{"content": "text"}`, `{"tool_calls": [{"name": ..., "arguments": "<raw string, may be malformed>"}]}`,
optionally `"usage": {"prompt_tokens": .., "completion_tokens": ..}` and `"finish_reason"`, or `{"status": 500}` for a server error.
Every request body and its headers are recorded in `requests`.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = dict[str, Any]
Script = list[Reply] | Callable[[dict[str, Any]], Reply]


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
    usage = {"prompt_tokens": 10, "completion_tokens": 5, **reply.get("usage", {})}
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

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
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

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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
                if "status" in reply:
                    self._send(reply["status"], {"error": {"message": reply.get("message", "scripted error")}})
                    return
                self._send(200, completion_body(reply, body.get("model", "scripted"), next(server._counter)))

        return Handler
