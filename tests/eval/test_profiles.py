"""Endpoint profiles: defaults, overrides from the environment and secrets, and the one command for a verdict."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.errors import CoachError
from core.eval.profiles import ENDPOINT_PROFILES, read_secrets, resolve_profile
from core.eval.runner import RateLimit, load_results
from core.eval.scoring import gold_text


@pytest.fixture(autouse=True)
def _no_settings(monkeypatch, tmp_path):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COACH_SECRETS", str(tmp_path / "none.toml"))


def test_each_profile_has_its_defaults_and_local_ones_need_no_key():
    """Given no settings, when the local profiles resolve, then each points at its usual port with no key."""
    for name, port in (("ollama", 11434), ("vllm", 8000), ("llamacpp", 8080)):
        endpoint, profile = resolve_profile(name)
        assert endpoint.base_url == f"http://127.0.0.1:{port}/v1" and endpoint.kind == name
        assert endpoint.api_key == "" and not profile.paid
    assert ENDPOINT_PROFILES["openai"].paid


def test_environment_wins_over_secrets_and_the_key_falls_back_to_openai_api_key(monkeypatch, tmp_path):
    """Given a model in secrets and in the environment, when openai resolves, then the environment's wins and the key is read."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('OPENAI_API_KEY = "sk-from-secrets"\nEVAL_OPENAI_MODEL = "gpt-secret"\nEVAL_OPENAI_RPM = 60\n')
    monkeypatch.setenv("COACH_SECRETS", str(secrets))
    endpoint, profile = resolve_profile("openai")
    assert (endpoint.model, endpoint.api_key, profile.requests_per_minute) == ("gpt-secret", "sk-from-secrets", 60)
    monkeypatch.setenv("EVAL_OPENAI_MODEL", "gpt-env")
    assert resolve_profile("openai")[0].model == "gpt-env"
    assert resolve_profile("openai", model="gpt-flag")[0].model == "gpt-flag"
    assert "sk-from-secrets" not in repr(endpoint)


@pytest.mark.parametrize(
    ("name", "env", "message"),
    [
        ("bedrock", {}, "--endpoint 'bedrock': expected one of openai, ollama, vllm, llamacpp"),
        ("openai", {}, "--endpoint openai: no key; set OPENAI_API_KEY"),
        ("ollama", {"EVAL_OLLAMA_BASE_URL": "ftp://x"}, "EVAL_OLLAMA_BASE_URL 'ftp://x': expected an http"),
        ("vllm", {"EVAL_VLLM_CONCURRENCY": "zero"}, "concurrency 'zero': expected a number ≥ 1"),
    ],
)
def test_a_bad_profile_setting_is_one_clear_error(monkeypatch, name, env, message):
    """Given an unknown name or a bad setting, when the profile resolves, then the error names it and what is expected."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(CoachError, match="^" + message.replace("(", r"\(").replace("$", r"\$")[:40]):
        resolve_profile(name)


def test_bad_toml_in_secrets_is_one_clear_error(tmp_path):
    """Given a secrets file that is not TOML, when it is read, then the error names the file and says so."""
    bad = tmp_path / "secrets.toml"
    bad.write_text("OPENAI_API_KEY = sk-unquoted\n")
    with pytest.raises(CoachError, match="not valid TOML"):
        read_secrets(bad)


def test_rate_limit_hands_out_slots_spaced_by_the_interval():
    """Given 60 000 requests per minute, when four requests take slots, then the next free slot is 4 intervals on."""
    import time

    limit = RateLimit(60_000)
    start = time.monotonic()
    for _ in range(4):
        limit.wait()
    assert limit.interval == pytest.approx(0.001) and RateLimit(0).interval == 0.0
    assert limit._next >= start + 4 * limit.interval


def _openai_at(server, monkeypatch):
    monkeypatch.setenv("EVAL_OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-scripted-key-123")


def test_a_paid_run_states_its_cost_and_needs_yes_when_it_cannot_ask(
    demo_db_path, scripted_server, monkeypatch, tmp_path, capsys
):
    """Given the openai profile on a scripted server and no terminal, when `eval --endpoint openai` runs without --yes,
    then it prints the estimate, asks nothing and exits 1; with --yes it runs and reports the verdict."""
    server = scripted_server(lambda body: {"content": "I don't know"})
    _openai_at(server, monkeypatch)
    path = tmp_path / "run.jsonl"
    argv = ["--db", str(demo_db_path), "eval", "--endpoint", "openai", "--limit", "2", "--formats", "compact"]
    argv += ["--results", str(path), "--json"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "openai · gpt-4o-mini: 2 requests" in err and "≈ $0.00" in err
    assert "error: cost estimate $0.00: confirm with --yes" in err and not server.requests and not path.exists()
    assert main([*argv, "--yes"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(server.requests) == 2 and out["answered"] == 2
    assert [s["floor_level"] for s in out["scores"]] == [True]
    assert out["verdicts"] == [
        "gpt-4o-mini: compact — no verdict, compact or verbose was not asked",
        "gpt-4o-mini: ultra — no verdict, ultra or verbose was not asked",
    ]
    assert "sk-scripted-key-123" not in path.read_text()


def test_one_command_gives_a_verdict_per_compact_format(demo_db_path, scripted_server, monkeypatch, tmp_path, capsys):
    """Given a local profile whose model reads verbose and compact right and ultra never, when `eval --endpoint` runs,
    then the report says ultra loses accuracy beyond the interval and compact does not."""
    from core.db import connect
    from core.eval.questions import generate_questions, limit_questions

    con = connect(demo_db_path)
    questions = limit_questions(generate_questions(con), 27)
    con.close()
    by_text = {q.text: q for q in questions}

    def reply(body):
        user = body["messages"][-1]["content"]
        q = by_text[user.rsplit("\n\nQuestion: ", 1)[1]]
        return {"content": "I don't know" if user.startswith("Data (ultra)") else gold_text(q)}

    server = scripted_server(reply)
    monkeypatch.setenv("EVAL_VLLM_BASE_URL", server.base_url)
    path = tmp_path / "run.jsonl"
    argv = ["--db", str(demo_db_path), "eval", "--endpoint", "vllm", "--model", "reader", "--limit", "27"]
    assert main([*argv, "--formats", "verbose,compact,ultra", "--results", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdicts"] == [
        "reader: compact loses no accuracy beyond the interval (compact 100% against verbose 100%)",
        "reader: ultra loses accuracy beyond the interval (ultra 0% against verbose 100%)",
    ]
    assert out["evidence"].startswith("Runs above the floor: reader.")
    assert {r.endpoint for r in load_results(path)} == {"vllm"} and len(server.requests) == 81
