"""A stand-in for the local model server: the same command line as `python -m core.chat.local_server`, serving an
OpenAI-compatible scripted reply (tests/openai_server.py) instead of a model.

Like llama-cpp-python's server, it reads `PORT` and `HOST` from the environment before its flags, so a test sees
the dashboard's `PORT` reach it unless the starter removed it. Each answer names the process and port serving it.
Run as a script (a `tests` package in site-packages shadows ours in a child process):
python tests/chat/standin_model_server.py --model x.gguf --chat_format chatml --host 127.0.0.1 --port 8123
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from openai_server import ScriptedServer  # noqa: E402

from core.chat.parent_watch import watch_parent_from_environment  # noqa: E402


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    last = next((m for m in reversed(body["messages"]) if m["role"] == "user"), {"content": ""})
    words = str(last["content"]).rsplit("\n\nMessage: ", 1)[-1]  # the user's own words, after the turn's context
    return {"content": f"stand-in pid {os.getpid()} answered: {words[:60]}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    for flag in ("--model", "--chat_format", "--host", "--port", "--n_ctx", "--n_threads"):
        parser.add_argument(flag)
    args = parser.parse_args()
    port = int(os.environ.get("PORT") or args.port)  # llama-cpp-python's order: the environment first
    watch_parent_from_environment()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with ScriptedServer(_answer, port=port):
        done.wait()


if __name__ == "__main__":
    main()
