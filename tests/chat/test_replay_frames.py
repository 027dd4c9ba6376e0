"""The replay as frames: each turn's requests by part add up to the replay's own whole-request counts."""

from __future__ import annotations

import duckdb

from core.chat.replay_frames import replay_parts, turn_comparison
from core.context.caching import replay_requests
from core.db.athletes import resolve_athlete


def test_turn_parts_add_up_to_the_replays_request_counts(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given the replay for tomas, when split by part, then each strategy's parts sum to its request and B's tiers are the replay's."""
    [(result, requests)] = replay_requests(demo_con, [resolve_athlete(demo_con, "tomas")])
    parts = replay_parts(result, requests, "o200k_base")
    sums = parts.groupby(["turn", "strategy"])["tokens"].sum()
    for t in result.turns:
        assert sums[(t.turn, "A: no tiers")] == t.a_request and sums[(t.turn, "B: tiered")] == t.b_request
    table = turn_comparison(result.turns[2], requests[2], "o200k_base").set_index("part")
    assert table.loc["Tier 1", "B"] == result.turns[2].b_tier1
    assert table.loc["whole request", "B − A"] == result.turns[2].b_request - result.turns[2].a_request
    assert (parts["tokens"] > 0).all()  # no empty series in the stacked bars
