"""core/db/interactions.py: the token monitor's query names each logged turn's tokenizer; the newest turn's drops."""

from __future__ import annotations

from datetime import datetime

import duckdb

from core.context.builder import Budgets, build_context
from core.context.log import record_turn
from core.db.interactions import interaction_turns, newest_turn_drops

MAYA = 1


def test_each_logged_turn_carries_the_tokenizer_that_counted_it(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given turns logged under cl100k_base then o200k_base, when the monitor's query reads them, then each row names
    its own encoding and keeps the counts that encoding made (nothing is recounted)."""
    logged = []
    for hour, encoding in ((9, "cl100k_base"), (10, "o200k_base")):
        ctx = build_context(demo_con, MAYA, "How did I sleep this week?", encoding=encoding)
        record_turn(demo_con, ctx, at=datetime(2026, 1, 5, hour), model="m")
        logged.append(ctx)
    turns = interaction_turns(demo_con, MAYA)
    assert list(turns["encoding"]) == ["cl100k_base", "o200k_base"]
    assert list(turns["request_tokens"]) == [c.request_tokens for c in logged]
    assert logged[0].request_tokens != logged[1].request_tokens  # the two tokenizers really count differently


def test_the_newest_turns_drops_are_read_by_id_not_time(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given a turn with drops logged at a later time, then a turn with no drops logged at an earlier time, when the
    newest turn's drops are read, then they are the second turn's (none): the highest id wins, as a replay needs."""
    message = "How did my bench go, any run pace issues, am I sore?"
    tight = build_context(demo_con, MAYA, message, budgets=Budgets(tier1=30))
    assert tight.drops
    record_turn(demo_con, tight, at=datetime(2026, 1, 6, 9), model="m")
    assert newest_turn_drops(demo_con, MAYA) == [
        {"part": d.part, "key": d.key, "tokens": d.tokens, "reason": d.reason} for d in tight.drops
    ]
    roomy = Budgets(tier1=5000, tier2=5000, plan=5000, history=5000, tools=5000)
    loose = build_context(demo_con, MAYA, message, budgets=roomy)
    assert not loose.drops
    record_turn(demo_con, loose, at=datetime(2026, 1, 5, 9), model="m")
    assert newest_turn_drops(demo_con, MAYA) == []
    assert newest_turn_drops(demo_con, 999) == []  # no turn logged for that athlete
