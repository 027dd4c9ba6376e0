"""The embedded model's server process: llama-cpp-python's OpenAI-compatible server with one more prompt template.

llama-cpp-python's `chatml-function-calling` (its one generic template for tool calls) renders messages through
Jinja with HTML autoescaping: every `"` reaches the model as `&#34;` and every `'` as `&#39;`, so JSON tool results
cost about three times their tokens and quoted notes lose their quotes. `coach-chatml-function-calling` is the
same template with the message texts and tool-call arguments marked as already safe (`markupsafe.Markup`), which
autoescaping passes through unchanged.

Started by `core.chat.endpoints.LocalModelServer` as `python -m core.chat.local_server <llama_cpp.server options>`;
llama_cpp is imported only in that child process. A watchdog thread (`core.chat.parent_watch`) ends the server when
the process that started it is gone.
"""

from __future__ import annotations

import runpy
import sys
from typing import Any

from llama_cpp import llama_chat_format
from markupsafe import Markup

from core.chat.parent_watch import watch_parent_from_environment

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


if __name__ == "__main__":
    watch_parent_from_environment()
    sys.argv[0] = "llama_cpp.server"
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
