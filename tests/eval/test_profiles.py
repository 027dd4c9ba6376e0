"""Endpoint profiles: defaults, overrides from the environment and secrets, and the one command for a verdict."""

from __future__ import annotations

import json
import re

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
    [estimate] = re.findall(r"≈ (\$[0-9.]+)", err)
    assert "openai · gpt-4o-mini: 2 requests" in err and float(estimate[1:]) > 0  # a small run never shows $0.00
    assert f"error: cost estimate {estimate}: confirm with --yes" in err and not server.requests and not path.exists()
    assert main([*argv, "--yes"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(server.requests) == 2 and out["answered"] == 2
    assert [s["floor_level"] for s in out["scores"]] == [True]
    run = f"gpt-4o-mini @ {server.base_url.removeprefix('http://').removesuffix('/v1')}"  # the model at this server
    assert out["verdicts"] == [
        f"{run}: compact — no verdict, compact or verbose was not asked",
        f"{run}: ultra — no verdict, ultra or verbose was not asked",
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
    run = f"reader @ {server.base_url.removeprefix('http://').removesuffix('/v1')}"
    assert out["verdicts"] == [
        f"{run}: compact loses no accuracy beyond the interval (compact 100% against verbose 100%)",
        f"{run}: ultra loses accuracy beyond the interval (ultra 0% against verbose 100%)",
    ]
    assert out["evidence"].startswith(f"Runs above the floor: {run}.")
    assert {r.endpoint for r in load_results(path)} == {"vllm"} and len(server.requests) == 81


def test_two_servers_behind_one_profile_keep_their_answers_apart(
    demo_db_path, scripted_server, monkeypatch, tmp_path, capsys
):
    """Given the llamacpp profile (default model "local") pointed at one server and then at another on another port,
    when `eval --endpoint llamacpp` runs against each, then the second server is asked every question and reports its
    own score, each server's answers sit in their own file, and running the first again resumes its own run."""
    from core.db import connect
    from core.eval.questions import generate_questions, limit_questions

    con = connect(demo_db_path)
    questions = limit_questions(generate_questions(con), 4)
    con.close()
    by_text = {q.text: q for q in questions}
    reader = scripted_server(lambda body: {"content": gold_text(by_text[body["messages"][-1]["content"].rsplit(
        "\n\nQuestion: ", 1)[1]])})  # fmt: skip
    guesser = scripted_server(lambda body: {"content": "I don't know"})
    assert reader.base_url != guesser.base_url
    monkeypatch.setenv("COACH_EVAL_DIR", str(tmp_path))
    argv = ["--db", str(demo_db_path), "eval", "--endpoint", "llamacpp", "--limit", "4", "--formats", "compact"]

    def run_at(server):
        monkeypatch.setenv("EVAL_LLAMACPP_BASE_URL", server.base_url)
        assert main([*argv, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    first, second, again = run_at(reader), run_at(guesser), run_at(reader)
    assert (first["answered"], first["skipped"], first["scores"][0]["correct"]) == (4, 0, 4)
    assert (second["answered"], second["skipped"], second["scores"][0]["correct"]) == (4, 0, 0)
    assert (again["answered"], again["skipped"], again["scores"][0]["correct"]) == (0, 4, 4)
    assert len(reader.requests) == len(guesser.requests) == 4
    assert first["results"] != second["results"] and first["results"] == again["results"]
    assert first["scores"][0]["model"] != second["scores"][0]["model"]  # the saved view shows two runs, not one
    saved = {r.model: r for path in tmp_path.glob("*.jsonl") for r in load_results(path)}
    assert len(saved) == 2 and all("local @ 127.0.0.1:" in model for model in saved)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(0.0, "$0.00"), (0.004321, "$0.0043"), (0.00004, "$0.000040"), (0.042, "$0.042"), (0.5, "$0.50"),
     (1.234, "$1.23"), (1234.5, "$1,234.50")],
)  # fmt: skip
def test_a_cost_is_shown_with_two_significant_digits_at_least(amount, shown):
    """Given a small or large estimate, when it is shown, then a small run never reads as $0.00."""
    from core.eval.profiles import dollars

    assert dollars(amount) == shown
