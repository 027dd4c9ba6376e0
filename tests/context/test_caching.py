"""Prompt caching in the price: the stated rule on exact token sequences, and the replay's cached figures."""

from __future__ import annotations

import json

import duckdb
import pytest

from core.context.builder import SYSTEM_PROMPT, Budgets, build_context
from core.context.caching import (
    CACHE_MIN_PREFIX,
    FRAME,
    Request,
    bench_caching,
    bench_caching_lines,
    cache_report,
    cached_tokens,
    conversation_caching,
    cost_usd,
    replay_requests,
    request_sequence,
    shared_prefix,
)
from core.context.tools import tool_definitions
from core.db.athletes import resolve_athlete
from core.tokens import count_tokens, get_encoding

TOOLS = [{"type": "function", "function": {"name": "query_workouts", "description": "Read workouts."}}]


def _conversation(stable: str, users: list[str]) -> list[Request]:
    """A scripted conversation: the same system message every turn, the history growing."""
    requests, history = [], []
    for user in users:
        requests.append(
            Request([{"role": "system", "content": stable}, *history, {"role": "user", "content": user}], TOOLS)
        )
        history += [{"role": "user", "content": user}, {"role": "assistant", "content": "Noted."}]
    return requests


def test_rule_counts_whole_blocks_from_1024_only() -> None:
    """Given shared prefixes around the minimum, when priced, then only ≥1,024 counts, in whole 128-token blocks."""
    assert [cached_tokens(n) for n in (0, 1023, 1024, 1151, 1152, 5000)] == [0, 0, 1024, 1024, 1152, 4992]


def test_stable_prefix_over_1024_is_cached_on_the_second_turn_not_the_first() -> None:
    """Given a system message of >1,024 tokens, when two turns are sent, then turn 2 caches it and turn 1 does not."""
    stable = SYSTEM_PROMPT + "\n\n" + " ".join(f"fact{i} squat 100kg" for i in range(300))
    assert count_tokens(stable) >= CACHE_MIN_PREFIX
    turns = conversation_caching(
        [request_sequence(r) for r in _conversation(stable, ["How was Monday?", "And Friday?"])]
    )
    assert turns[0].cached_tokens == 0
    assert turns[1].cached_tokens >= CACHE_MIN_PREFIX
    assert turns[1].cached_tokens % 128 == 0 and turns[1].cached_tokens <= turns[1].shared_prefix
    assert cost_usd(turns, 2.5, 1.25) < cost_usd(turns, 2.5, 1.25, caching=False)


def test_prefix_under_1024_is_never_cached() -> None:
    """Given a short stable system message, when many turns are sent, then nothing is ever cached."""
    requests = _conversation(SYSTEM_PROMPT, [f"Question {i} about my week?" for i in range(6)])
    assert all(t.cached_tokens == 0 for t in conversation_caching([request_sequence(r) for r in requests]))


def test_tools_are_serialized_after_the_system_message_in_the_request_order() -> None:
    """Given a request with tools, when serialized, then the tools follow the system message's text, in their order."""
    two = [*TOOLS, {"type": "function", "function": {"name": "edit_plan", "description": "Edit."}}]
    msgs = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "hi"}]
    enc = get_encoding()
    head = [FRAME] * 3 + enc.encode("system") + enc.encode(SYSTEM_PROMPT)
    assert request_sequence(Request(msgs, two))[: len(head)] == head
    assert request_sequence(Request(msgs, two))[len(head) :][: len(enc.encode(json.dumps(two)))] == enc.encode(
        json.dumps(two)
    )
    assert request_sequence(Request(msgs, two)) != request_sequence(Request(msgs, two[::-1]))


def test_b_sends_instructions_tier1_and_tools_first_and_the_turn_context_with_the_message_last(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Given two B turns on different topics (different read tools and Tier 2), when serialized, then the second
    shares with the first at least the instructions, Tier 1 and the edit tool, and the user's words are still last."""
    maya = resolve_athlete(demo_con, "maya")
    first = build_context(demo_con, maya, "What was my pace on the runs this week?")
    second = build_context(
        demo_con,
        maya,
        "My legs are sore and I slept badly. Should I rest?",
        conversation=[{"role": "user", "content": first.message}, {"role": "assistant", "content": "Steady."}],
    )
    assert first.tool_names != second.tool_names and first.tier2 != second.tier2
    assert first.tool_names[0] == second.tool_names[0] == "change_plan"
    for ctx in (first, second):
        messages = ctx.messages()
        assert messages[0] == {"role": "system", "content": f"{SYSTEM_PROMPT}\n\n{ctx.tier1}"}
        assert messages[-1]["role"] == "user" and messages[-1]["content"].endswith(ctx.message)
        assert ctx.tier2 in messages[-1]["content"] and ctx.tier2 not in messages[0]["content"]
    enc = get_encoding()
    stable = 3 + len(enc.encode("system")) + len(enc.encode(second.messages()[0]["content"]))
    edit_tool = len(enc.encode(json.dumps(tool_definitions(["change_plan"]))[:-1]))  # its JSON without the list's end
    sequences = [request_sequence(Request(c.messages(), list(c.tool_definitions))) for c in (first, second)]
    assert shared_prefix(sequences[1], sequences[:1]) >= stable + edit_tool - 1


def test_b_request_tools_are_in_one_order_whatever_the_offer_order(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given a message offering several read tools, when built, then the edit tool comes first and readers by name."""
    ctx = build_context(demo_con, resolve_athlete(demo_con, "maya"), "Does lifting heavy legs affect my running?")
    names = ctx.tool_names
    assert len(names) >= 3 and names[0] == "change_plan" and list(names[1:]) == sorted(names[1:])
    assert [t["function"]["name"] for t in ctx.tool_definitions] == list(names)


def test_replay_reports_a_cached_from_turn_two_and_the_exact_request_tokens(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Given the replay for one athlete, when priced with caching, then A caches from turn 2 and its sizes match."""
    athlete = resolve_athlete(demo_con, "maya")
    [(result, requests)] = replay_requests(demo_con, [athlete])
    report = cache_report(result, requests, price=2.5, cached_price=1.25)
    a, b = report.strategy("A"), report.strategy("B")
    assert a["cached_per_turn"][0] == 0 and a["cached_per_turn"][1] >= CACHE_MIN_PREFIX
    assert a["input_tokens"] == result.total("a_request")  # priced on the replay's own counts, both strategies
    assert b["input_tokens"] == result.total("b_request")
    assert a["cost_cached_usd"] < a["cost_usd"] and b["cost_cached_usd"] <= b["cost_usd"]
    assert report.winner in ("A", "B") and report.to_dict()["winner_with_caching"] == report.winner
    assert [r.turn for r in requests] == [t.turn for t in result.turns]


def test_bench_context_lines_give_both_strategies_cost_with_and_without_caching(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Given one athlete, when `bench context`'s caching figures are rendered, then A and B each show both costs."""
    rows = bench_caching(demo_con, [resolve_athlete(demo_con, "tomas")], price=2.5, cached_price=1.25)
    [line] = [ln for ln in bench_caching_lines(rows) if "tomas" in ln]
    a, b = rows[0]["A"], rows[0]["B"]
    assert f"A ${a['cost_usd']:.4f} uncached → ${a['cost_cached_usd']:.4f} with caching" in line
    assert f"B ${b['cost_usd']:.4f} uncached → ${b['cost_cached_usd']:.4f} with caching" in line
    assert a["cost_cached_usd"] < a["cost_usd"]


@pytest.mark.parametrize(
    ("handles", "budgets", "prices"),
    [
        (("maya", "jordan"), Budgets(), (2.5, 1.25)),
        (("tomas", "sam"), Budgets(context_window=2048, history=600), (0.15, 0.075)),
        (("aiko",), Budgets(tier2=800, plan=1200, history=2000), (3.0, 3.0)),
    ],
)
def test_every_cost_is_on_the_same_request_tokens_and_caching_never_costs_more(
    demo_con: duckdb.DuckDBPyConnection, handles: tuple[str, ...], budgets: Budgets, prices: tuple[float, float]
) -> None:
    """Given replays under several budgets and prices (cached at most the price), when priced, then both strategies'
    costs without caching, with caching and in the replay's summary are on the replay's request tokens, and the cost
    with caching is never above the cost without it."""
    price, cached_price = prices
    ids = [resolve_athlete(demo_con, h) for h in handles]
    for result, requests in replay_requests(demo_con, ids, budgets=budgets, price_per_million=price):
        report = cache_report(result, requests, price=price, cached_price=cached_price)
        summary = result.summary()
        for name, field in (("A", "a_request"), ("B", "b_request")):
            s = report.strategy(name)
            assert s["input_tokens"] == summary[field] == result.total(field)
            assert s["cached_tokens"] + s["uncached_tokens"] == s["input_tokens"]
            assert (
                s["cost_usd"]
                == summary[f"{name.lower()}_cost_usd"]
                == pytest.approx(s["input_tokens"] * price / 1e6, abs=1e-6)
            )
            assert s["cost_cached_usd"] <= s["cost_usd"]
            assert all(t.cached_tokens <= t.input_tokens for t in (report.a if name == "A" else report.b))


def test_the_replay_reports_b_s_shared_prefix_covering_instructions_and_tier1_every_turn(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Given maya's replay, when priced with caching, then every B turn after the first shares with an earlier one at
    least the instructions and Tier 1 (stable part first; before, a change of read tools cut it to
    the instructions alone), and most turns the edit tool too; the figures are in the report and the bench line."""
    maya = resolve_athlete(demo_con, "maya")
    [(result, requests)] = replay_requests(demo_con, [maya])
    b = cache_report(result, requests).strategy("B")
    stable = count_tokens(f"{SYSTEM_PROMPT}\n\n{build_context(demo_con, maya, 'How was my week?').tier1}")
    edit_tool = count_tokens(json.dumps(tool_definitions(["change_plan"])))
    assert b["shared_prefix_per_turn"][0] == 0
    assert min(b["shared_prefix_per_turn"][1:]) > stable  # always the instructions and Tier 1
    assert b["shared_prefix_median"] >= stable + edit_tool - 2  # and on most turns the edit tool too
    [line] = [ln for ln in bench_caching_lines(bench_caching(demo_con, [maya])) if "maya" in ln]
    assert f"B {b['shared_prefix_median']:g} tok" in line
