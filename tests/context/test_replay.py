"""The A/B replay (core/context/replay.py), the interaction log (core/context/log.py) and the CLI fronts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from core.cli import main
from core.context.builder import Budgets
from core.context.edit_intent import edit_intent_words
from core.context.replay import ReplayError, load_script, replay
from core.context.topics import detect_topics
from core.db import connect
from core.db.athletes import athlete_ids
from core.plan.store import plan_head

SMOLLM2_WINDOW = 8192


@pytest.fixture(scope="module")
def replayed(demo_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """Every demo athlete replayed once with SmolLM2's window, and the database state before and after."""
    path = tmp_path_factory.mktemp("replay") / "coach.duckdb"
    shutil.copyfile(demo_template, path)
    con = connect(path)
    before = _state(con)
    results = replay(con, budgets=Budgets(context_window=SMOLLM2_WINDOW))
    after = _state(con)
    con.close()
    return results, before, after


def _state(con: duckdb.DuckDBPyConnection) -> tuple:
    return (
        con.execute("SELECT count(*) FROM interactions").fetchone()[0],
        [plan_head(con, a).plan_hash for a in athlete_ids(con)],
    )


def test_the_shipped_script_has_16_plus_turns_across_all_topics_with_edits_by_coach_and_tools():
    """Given data/replay_script.json, when reading it, then ≥ 16 turns touch every topic and carry both kinds of edit."""
    turns = load_script()
    topics = {h.topic for t in turns for h in detect_topics(t.user)}
    assert len(turns) >= 16
    assert topics == {"training", "cardio", "cross_training", "recovery"}
    assert any(t.coach_edits for t in turns) and any(t.tool_calls for t in turns)
    assert all(edit_intent_words(t.user) for t in turns if t.tool_calls)


def test_strategy_b_is_at_most_a_quarter_of_strategy_a_on_every_athlete(replayed):
    """Given the replay, when summing context and whole-request tokens over the script, then B ≤ 25% of A for every athlete."""
    results, _, _ = replayed
    assert len(results) == 5
    for r in results:
        assert r.context_ratio <= 0.25, (r.handle, r.context_ratio)
        assert r.request_ratio <= 0.25, (r.handle, r.request_ratio)


def test_every_turn_offers_an_edit_tool_within_600_tool_tokens(replayed):
    """Given the replay, when looking at each B turn, then an edit tool is offered and the definitions are ≤ 600 raw tokens."""
    results, _, _ = replayed
    for r in results:
        for t in r.turns:
            assert t.b_tools_raw <= 600 and {"edit_plan", "change_plan"} & set(t.b_tools), (r.handle, t.turn)


def test_every_scripted_turn_fits_the_embedded_models_window(replayed):
    """Given SmolLM2's 8,192-token window, when replaying, then every B request plus the answer reserve fits."""
    results, _, _ = replayed
    for r in results:
        for t in r.turns:
            assert t.b_request + Budgets().reserve_output <= SMOLLM2_WINDOW, (r.handle, t.turn)


def test_scripted_tool_calls_succeed_and_later_turns_get_plan_deltas(replayed):
    """Given the script's edits, when replaying, then every tool call is applied and later turns see deltas, not full plans."""
    results, _, _ = replayed
    for r in results:
        outcomes = [res for t in r.turns for res in t.tool_results]
        assert outcomes and all(o.startswith("ok ") for o in outcomes), outcomes
        modes = [t.b_plan_mode for t in r.turns if t.b_plan_mode]
        assert modes[0] == "full" and "full" not in modes[1:] and "delta" in modes


def test_strategy_a_sends_every_tool_and_b_only_some(replayed):
    """Given the replay, when comparing tool definitions, then A sends all every turn and B's median is far smaller."""
    results, _, _ = replayed
    r = results[0]
    assert {t.a_tools_raw for t in r.turns} == {r.turns[0].a_tools_raw}
    assert r.summary()["b_tools_raw_median"] * 3 < r.turns[0].a_tools_raw  # even with the compact plan tools


def test_the_replay_leaves_the_database_file_unchanged(replayed):
    """Given a replay that edits plans and logs turns, when it ends, then the file's plans and log are as before."""
    _, before, after = replayed
    assert before == after


def test_a_bad_script_or_price_is_refused_with_one_line(demo_con, tmp_path):
    """Given a malformed script or a negative price, when replaying, then a ReplayError names it and nothing changes."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"turns": [{"user": "hi"}]}))
    before = _state(demo_con)
    with pytest.raises(ReplayError, match="turn 1"):
        replay(demo_con, [1], script=bad)
    with pytest.raises(ReplayError, match="price"):
        replay(demo_con, [1], price_per_million=-1)
    assert _state(demo_con) == before


def test_record_turn_logs_tiers_tools_and_the_plan_hash_shown(demo_con):
    """Given a built context, when recorded, then the row holds the hash shown, tokens per part and the tools."""
    from core.context.builder import build_context
    from core.context.log import record_turn
    from core.db.context import interaction_rows

    ctx = build_context(demo_con, 1, "add a set of pull-ups to Friday")
    record_turn(demo_con, ctx, tools_called=["edit_plan"], model="m", prompt_tokens=900, completion_tokens=12)
    (row,) = interaction_rows(demo_con, 1, limit=1)
    assert row["plan_hash"] == ctx.plan_hash_shown
    assert (row["tier1_tokens"], row["tier2_tokens"], row["tool_def_raw_tokens"]) == (
        ctx.tier1_tokens,
        ctx.tier2_tokens,
        ctx.tool_def_raw_tokens,
    )
    assert row["tools_offered"] == list(ctx.tool_names) and row["tools_called"] == ["edit_plan"]
    assert json.loads(row["context_json"])["tools"][0]["reason"].startswith("edit intent")


def test_cli_context_prints_tiers_and_json(demo_db_path, capsys):
    """Given the CLI, when asking for a context with --json, then parts, tools and the request come back."""
    assert (
        main(["--db", str(demo_db_path), "context", "--athlete", "maya", "--message", "how was my run?", "--json"]) == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["parts"]["tier1"]["tokens"] <= 120 and payload["request"]["messages"][0]["role"] == "system"
    assert payload["tool_definition_tokens"]["raw_json"] > 0
    assert main(["--db", str(demo_db_path), "context", "--athlete", "maya", "--message", "how was my run?"]) == 0
    assert "--- tier 1" in capsys.readouterr().out


def test_cli_context_refuses_an_empty_message_with_one_line(demo_db_path, capsys):
    """Given an empty message, when running the CLI, then it prints one error line and exits 1."""
    assert main(["--db", str(demo_db_path), "context", "--athlete", "maya", "--message", " "]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: message") and "\n" not in err


def test_cli_replay_prints_the_ab_table_for_one_athlete(demo_db_path, capsys):
    """Given the CLI, when replaying one athlete with --json, then per-turn figures and totals come back."""
    assert main(["--db", str(demo_db_path), "replay", "--athlete", "aiko", "--price", "0.15", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["handle"] == "aiko" and len(result["per_turn"]) == len(load_script())
    assert result["b_cost_usd"] < result["a_cost_usd"]
