"""The embedded model's server process: llama-cpp-python's OpenAI-compatible server with one more prompt template.

llama-cpp-python's `chatml-function-calling` (its one generic template for tool calls) renders messages through
Jinja with HTML autoescaping: every `"` reaches the model as `&#34;` and every `'` as `&#39;`, so JSON tool results
cost about three times their tokens and quoted notes lose their quotes. `coach-chatml-function-calling` is the
same template with the message texts and tool-call arguments marked as already safe (`markupsafe.Markup`), which
autoescaping passes through unchanged.

Started by `core.chat.endpoints.LocalModelServer` as `python -m core.chat.local_server <llama_cpp.server options>`;
llama_cpp is imported only in that child process. A watchdog thread ends the server when the process that started
it is gone (`COACH_PARENT_PID`): the parent's `atexit` does not run on SIGKILL, and PR_SET_PDEATHSIG cannot be used
(it fires when the starting *thread* exits, which in Streamlit is every script run).
"""

from __future__ import annotations

import os
import runpy
import sys
import threading
import time
from typing import Any

from llama_cpp import llama_chat_format
from markupsafe import Markup

TOOLS_FORMAT = "coach-chatml-function-calling"


def _as_safe(message: dict[str, Any]) -> dict[str, Any]:
    out = dict(message)
    if isinstance(out.get("content"), str):
        out["content"] = Markup(out["content"])
    if out.get("tool_calls"):
        out["tool_calls"] = [
            {**call, "function": {**call["function"], "arguments": Markup(call["function"]["arguments"])}}
            for call in out["tool_calls"]
        ]
    return out


def chatml_function_calling_unescaped(llama: Any, messages: list[dict[str, Any]], **options: Any) -> Any:
    return llama_chat_format.chatml_function_calling(llama, [_as_safe(m) for m in messages], **options)


llama_chat_format.register_chat_completion_handler(TOOLS_FORMAT)(chatml_function_calling_unescaped)


def watch_parent(parent_pid: int, every_s: float = 1.0) -> None:
    """End this process when `parent_pid` is no longer its parent (the dashboard or CLI ended, however it ended)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_s)  # a watchdog's poll, not a test sleep
        os._exit(0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


if __name__ == "__main__":
    if os.environ.get("COACH_PARENT_PID", "").isdigit():
        watch_parent(int(os.environ["COACH_PARENT_PID"]))
    sys.argv[0] = "llama_cpp.server"
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
