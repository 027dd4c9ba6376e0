"""The local model's process management with a stand-in server (same command line, scripted OpenAI reply): started
from a thread that then exits, with the dashboard's PORT set, it survives, answers, and the next call reuses it;
it ends when the process that started it ends (issue 23)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core.chat import endpoints
from core.chat.endpoints import local_endpoint, server_environment
from core.db.connection import PROJECT_ROOT

STANDIN = str(Path(__file__).parent / "standin_model_server.py")


@pytest.fixture
def standin(tmp_path, monkeypatch, scripted_server):
    """The stand-in as the local model, with PORT pointing at a port already in use (as `PORT=… make run` does)."""
    model = tmp_path / "standin.gguf"
    model.write_bytes(b"GGUF stand-in")
    taken = scripted_server([])  # something already listens on PORT: a server that obeyed PORT would fail
    monkeypatch.setenv("COACH_LOCAL_MODEL", str(model))
    monkeypatch.setenv("COACH_LOCAL_SERVER", STANDIN)
    monkeypatch.setenv("PORT", taken.base_url.split(":")[-1].split("/")[0])
    monkeypatch.setenv("HOST", "0.0.0.0")
    yield model
    for server in endpoints._LOCAL.values():
        server.stop()
    endpoints._LOCAL.clear()


def _ask(endpoint, text: str) -> str:
    reply = endpoint.client().chat.completions.create(
        model=endpoint.model, messages=[{"role": "user", "content": text}], max_tokens=8
    )
    return reply.choices[0].message.content


def test_server_started_from_a_thread_that_exits_survives_and_is_reused(standin):
    """Given PORT set and a worker thread that starts the local server and exits, when the main thread asks twice,
    then the same server (one start, one pid, not on PORT) answers both."""
    started: list = []
    worker = threading.Thread(target=lambda: started.append(local_endpoint()))
    worker.start()
    worker.join()
    first = started[0]
    assert first is not None and first.kind == "local" and first.model == "standin"
    assert first.base_url != f"http://127.0.0.1:{os.environ['PORT']}/v1"
    server = endpoints._LOCAL[(standin, endpoints.local_chat_format(True))]
    pid = server.process.pid
    assert _ask(first, "hello after the thread ended") == f"stand-in pid {pid} answered: hello after the thread ended"
    second = local_endpoint()
    assert second == first and server.starts == 1 and server.process.pid == pid and server.running
    assert _ask(second, "again") == f"stand-in pid {pid} answered: again"


def test_the_server_environment_drops_the_names_llama_cpp_reads_before_its_flags():
    """Given PORT, host (any case) and API_KEY in the environment, when the server's environment is made, then they are
    gone, the rest is kept, and the parent pid is named for the watchdog."""
    env = server_environment({"PORT": "8766", "host": "0.0.0.0", "API_KEY": "x", "PATH": "/bin", "OPENAI_MODEL": "m"})
    assert env == {"PATH": "/bin", "OPENAI_MODEL": "m", "COACH_PARENT_PID": str(os.getpid())}


@pytest.mark.parametrize("ending", ["normal exit", "SIGKILL"])
def test_the_server_ends_with_the_process_that_started_it(standin, ending):
    """Given a process that starts the stand-in and then exits normally or is killed, when it is gone, then the
    server process is gone too (atexit on a normal exit, the watchdog on SIGKILL)."""
    code = (
        "import os, signal, sys\n"
        "from core.chat.endpoints import local_endpoint\n"
        "from core.chat import endpoints\n"
        "local_endpoint()\n"
        "print(next(iter(endpoints._LOCAL.values())).process.pid, flush=True)\n"
        f"if {ending == 'SIGKILL'!r}: os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    pid = int(done.stdout.split()[0])
    _wait_gone(pid)


def _wait_gone(pid: int) -> None:
    """Wait (bounded) until `pid` has exited; fail if it is still running after 30 s."""
    proc = Path(f"/proc/{pid}")
    deadline = threading.Event()
    for _ in range(300):
        if not proc.exists() or "zombie" in (proc / "status").read_text(errors="replace").lower():
            return
        deadline.wait(0.1)  # bounded poll for another process to exit
    pytest.fail(f"model server pid {pid} still running 30 s after the process that started it ended")
