"""The token monitor reads the interaction log: tokens per turn by part and per interaction type over time."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from core.chat.monitor import PARTS, tokens_by_part, tokens_by_type, turn_tokens
from core.context.builder import build_context
from core.context.log import record_turn
from tests.recount import exact_counts

MAYA = 1
RESULT = "Plan 1a2b3c4d v3 (sets×reps@load)\nday_1 Upper A: b_1 Bench Press 4×8@135"


def _log(con, message: str, at: datetime, **kwargs) -> object:
    context = build_context(con, MAYA, message)
    record_turn(con, context, at=at, **kwargs)
    return context


def test_each_logged_turn_is_one_row_with_its_parts_and_type(demo_con):
    """Given an edit turn, a query turn and an answer, when the monitor reads the log, then each has its tiers and type."""
    edit = _log(demo_con, "Add a set to bench on Monday", datetime(2026, 1, 5, 9), tools_called=["edit_plan"],
                tool_result_tokens=14, model="m", prompt_tokens=1200, actor="coach@x", latency_s=1.25)  # fmt: skip
    query = _log(demo_con, "How were my runs?", datetime(2026, 1, 5, 10), tools_called=["query_cardio"], model="m")
    answer = _log(demo_con, "How did I sleep?", datetime(2026, 1, 6, 8), model="m")
    turns = turn_tokens(demo_con, MAYA)
    assert list(turns["turn"]) == [1, 2, 3]
    assert list(turns["type"]) == ["plan edit", "tool query", "answer"]
    first = turns.iloc[0]
    assert (first["tier1"], first["tier2"], first["plan"]) == (edit.tier1_tokens, edit.tier2_tokens, edit.plan_tokens)
    assert (first["tool_definitions"], first["tool_results"]) == (edit.tool_def_raw_tokens, 14)
    assert (first["actor"], first["prompt_tokens"], first["latency_ms"]) == ("coach@x", 1200, 1250)
    assert turns.iloc[1]["request_tokens"] == query.request_tokens
    assert turns.iloc[2]["tier2"] == answer.tier2_tokens


def test_parts_stack_to_the_turn_and_types_sum_per_day(demo_con):
    """Given three logged turns on two days, when reshaped, then the stacked parts sum per turn and types sum per day."""
    for hour, message in ((9, "How were my runs?"), (10, "How were my runs?"), (33, "How did I sleep?")):
        _log(demo_con, message, datetime(2026, 1, 5 + hour // 24, hour % 24), model="m", prompt_tokens=100)
    turns = turn_tokens(demo_con, MAYA)
    stacked = tokens_by_part(turns)
    assert list(stacked["part"].cat.categories) == list(PARTS) and len(stacked) == 3 * len(PARTS)
    per_turn = stacked.groupby("turn", observed=True)["tokens"].sum()
    assert list(per_turn) == list(turns[list(PARTS)].sum(axis=1))
    by_type = tokens_by_type(turns)
    assert list(by_type["turns"]) == [2, 1] and list(by_type["prompt_tokens"]) == [200, 100]
    assert by_type.iloc[0]["request_tokens"] == turns.iloc[:2]["request_tokens"].sum()


def test_no_logged_turns_gives_empty_frames(demo_con):
    """Given no interactions, when the monitor reads the log, then both frames are empty (the page says so)."""
    turns = turn_tokens(demo_con, MAYA)
    assert turns.empty and tokens_by_type(turns).empty and tokens_by_part(turns).empty


def test_preview_turns_are_marked_and_stack_by_part(demo_con) -> None:
    """Given two preview contexts, when framed for the monitor, then they are turns P1, P2 of type 'preview' by part."""
    from core.chat.monitor import preview_turns, tokens_by_part
    from core.context.builder import build_context
    from core.db.athletes import resolve_athlete

    athlete = resolve_athlete(demo_con, "maya")
    contexts = [build_context(demo_con, athlete, m) for m in ("How were my runs?", "Am I tired?")]
    frame = preview_turns(contexts)
    assert list(frame["turn"]) == ["P1", "P2"] and set(frame["type"]) == {"preview"}
    assert list(frame["tier1"]) == [c.tier1_tokens for c in contexts]
    assert demo_con.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0  # never logged
    assert set(tokens_by_part(frame)["turn"]) == {"P1", "P2"}


def test_cached_prompt_tokens_are_in_each_turn_the_per_type_sums_and_the_reported_line(demo_con) -> None:
    """Given two turns of one type on one day, one reporting 1,280 cached prompt tokens and one not, when the monitor
    reads the log, then each turn has its own (None when not reported), the type sums them and the line says so."""
    from core.chat.monitor import reported_line

    _log(demo_con, "How were my runs?", datetime(2026, 1, 5, 9), model="m", prompt_tokens=1500, completion_tokens=9,
         cached_prompt_tokens=1280)  # fmt: skip
    _log(demo_con, "How were my runs?", datetime(2026, 1, 5, 10), model="m", prompt_tokens=700, completion_tokens=4)
    turns = turn_tokens(demo_con, MAYA)
    assert turns.iloc[0]["cached_prompt_tokens"] == 1280 and pd.isna(turns.iloc[1]["cached_prompt_tokens"])
    by_type = tokens_by_type(turns)
    assert list(by_type["prompt_tokens"]) == [2200] and list(by_type["cached_prompt_tokens"]) == [1280]
    assert reported_line(turns) == (
        "Reported by the endpoint over 2 turn(s): 2,200 prompt tokens (1,280 of them cached), 13 completion tokens"
    )


def test_switching_the_tokenizer_recounts_every_logged_figure_from_the_logged_texts(demo_con) -> None:
    """Given turns logged under o200k_base (one with history and tool results), when the monitor reads them with
    cl100k_base, then every figure is cl100k_base's exact count of the same logged text and the turn says so; with
    the logged tokenizer, the recount equals the logged figures (the recount counts as the builder did)."""
    import json as json_

    from core.context.log import RECOUNTED, recount_parts
    from core.tokens import count_tokens

    history = [{"role": "user", "content": "How was my week?"}, {"role": "assistant", "content": "Solid, 3 lifts."}]
    context = build_context(demo_con, MAYA, "Add a set to bench on Monday", conversation=history)
    record_turn(demo_con, context, at=datetime(2026, 1, 5, 9), model="m", tools_called=["get_plan"],
                tool_results=[RESULT], tool_result_tokens=count_tokens(RESULT))  # fmt: skip
    _log(demo_con, "How did I sleep?", datetime(2026, 1, 5, 10), model="m")
    logged = turn_tokens(demo_con, MAYA)
    same = turn_tokens(demo_con, MAYA, encoding="o200k_base")
    assert not same["recounted"].any() and same[list(RECOUNTED)].equals(logged[list(RECOUNTED)])
    texts = [
        json_.loads(t)
        for (t,) in demo_con.execute(
            "SELECT part_texts FROM interactions WHERE athlete_id = ? ORDER BY created_at", [MAYA]
        ).fetchall()
    ]
    recounted = turn_tokens(demo_con, MAYA, encoding="cl100k_base")
    assert list(recounted["encoding"]) == ["cl100k_base", "cl100k_base"] and recounted["recounted"].all()
    for i, row in recounted.iterrows():
        assert {name: int(row[name]) for name in RECOUNTED} == exact_counts(texts[i], "cl100k_base")
    assert recounted.iloc[0]["history"] > 0 and recounted.iloc[0]["tool_results"] > 0
    assert (recounted[list(RECOUNTED)] != logged[list(RECOUNTED)]).any(axis=None)  # the tokenizers do differ
    assert recount_parts(texts[0], "o200k_base") == {n: int(logged.iloc[0][n]) for n in RECOUNTED}


def test_a_turn_logged_without_its_texts_keeps_its_counts_and_tokenizer(demo_con) -> None:
    """Given a turn logged before texts were kept (part_texts NULL), when read with another tokenizer, then it keeps
    its logged figures and names the tokenizer that counted them."""
    _log(demo_con, "How did I sleep?", datetime(2026, 1, 5, 10), model="m")
    demo_con.execute("UPDATE interactions SET part_texts = NULL")
    logged = turn_tokens(demo_con, MAYA)
    kept = turn_tokens(demo_con, MAYA, encoding="cl100k_base")
    assert list(kept["encoding"]) == ["o200k_base"] and not kept["recounted"].any()
    assert kept.drop(columns=["recounted"]).equals(logged.drop(columns=["recounted"]))
