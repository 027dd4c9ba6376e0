"""Fitting a request to the context window and the tool budget (core/context/builder.py): cheapest loss first,
Tier 1 last, what fits put back, and a tool set over its budget swapped or explained."""

from __future__ import annotations

import duckdb
import pytest

from core.context.builder import Budgets, Context, build_context
from core.context.conversation import ContextError
from core.context.tools import raw_tool_tokens, tool_definitions
from core.db.athletes import resolve_athlete

WINDOWS = [1024, 1536, 2048, 4096]
HISTORY = [
    {"role": "user", "content": "How was my week? " * 6},
    {"role": "assistant", "content": "Solid: three lifts, two runs, sleep a little short. " * 2},
]
CASES = [
    ("maya", "Cut block b_3 to 3 sets please", []),
    ("maya", "add a set of pull-ups to Friday, and how was my run?", HISTORY),
    ("tomas", "My legs are sore and I slept badly. Should I rest today?", HISTORY),
    ("jordan", "How did my bench press progress over the last weeks?", []),
    ("aiko", "Swap the last exercise of my plan for something lighter on Friday.", HISTORY),
]
EDITOR_TOKENS = raw_tool_tokens(tool_definitions(["change_plan"]))
JOINS = 4  # an item also costs its join ("\n\n"), and the first of a turn's context the "Message: " head


def _build(con: duckdb.DuckDBPyConnection, handle: str, message: str, turns: list, **budgets: int) -> Context:
    """The context with a 300-token history budget (so the window, not the budget, decides) unless one is given."""
    budgets = {"history": 300} | budgets
    return build_context(con, resolve_athlete(con, handle), message, conversation=turns, budgets=Budgets(**budgets))


def _window_drops(ctx: Context) -> list:
    return [d for d in ctx.drops if "window" in d.reason]


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize(("handle", "message", "history"), CASES, ids=[f"{c[0]}-{c[1][:20]}" for c in CASES])
def test_the_window_fit_keeps_tier1_when_it_fits_and_leaves_out_nothing_that_would_fit(
    demo_con: duckdb.DuckDBPyConnection, handle: str, message: str, history: list, window: int
) -> None:
    """Given a message, an athlete and a window, when building, then the request fits, Tier 1 is whole whenever it
    alone fits beside the bare request, and every part the window left out is larger than the room left."""
    ctx = _build(demo_con, handle, message, history, context_window=window)
    room = window - ctx.budgets.reserved
    assert ctx.request_tokens <= room
    unwindowed = _build(demo_con, handle, message, history)
    bare_with_tier1 = _build(demo_con, handle, message, history, tier2=0, plan=0, history=0, tools=0)
    if bare_with_tier1.request_tokens <= room:
        assert ctx.tier1 == unwindowed.tier1
        assert not [d for d in _window_drops(ctx) if d.part == "tier1"]
    free = room - ctx.request_tokens
    window_drops = _window_drops(ctx)
    history_drops = [d for d in window_drops if d.part == "history"]
    for d in window_drops:
        if d.part == "history" and d is not history_drops[-1]:
            continue  # an older message cannot come back past a newer one left out: the newest is the test
        cost = d.tokens - EDITOR_TOKENS if d.key == "edit_plan (offered as change_plan)" else d.tokens
        assert cost + JOINS > free, f"{d.describe()} would fit in the {free} tokens left"


def test_an_edit_request_in_a_2048_window_keeps_edit_plan_and_the_plan_over_tier2(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Given maya's edit request and a 2,048-token window (512 for the answer, 256 for a tool round), when building,
    then edit_plan and the full plan are kept and Tier 2 is given up (the entry point would need a second round the
    window cannot hold); in a 1,024-token window edit_plan becomes change_plan and the plan part goes."""
    message = "Cut block b_3 to 3 sets please"
    full = _build(demo_con, "maya", message, [])
    ctx = _build(demo_con, "maya", message, [], context_window=2048)
    assert ctx.tool_names == ("edit_plan",) and (ctx.tier1, ctx.plan_mode) == (full.tier1, "full")
    assert {d.part for d in _window_drops(ctx)} == {"tier2"}
    assert ctx.request_tokens + ctx.budgets.reserve_output + ctx.budgets.reserve_tool_round <= 2048
    small = _build(demo_con, "maya", message, [], context_window=1024)
    assert small.tool_names == ("change_plan",) and small.plan_mode is None and small.tier1 == full.tier1
    assert [d.key for d in _window_drops(small) if d.part != "tier2"] == [
        "edit_plan (offered as change_plan)",
        full.plan_mode,
    ]


def test_a_window_with_no_room_beside_the_answer_and_a_tool_round_is_refused(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Given a 768-token window (512 for the answer, 256 for a tool round), when building, then the error names both."""
    with pytest.raises(ContextError, match="512 reserved for the answer and 256 for a tool round"):
        _build(demo_con, "maya", "How was my week?", [], context_window=768)


def test_the_window_gives_up_history_and_read_tools_and_swaps_the_edit_tool_before_any_content(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Given history, an edit request with a run question and a 1,300-token window, when building, then history and
    the read tool go first, edit_plan (for change_plan) only once giving up Tier 2 is not enough, and the plan part
    is kept."""
    ctx = _build(
        demo_con,
        "maya",
        "add a set of pull-ups to Friday, and how was my run?",
        HISTORY,
        context_window=1300,
        reserve_output=300,
        tools=900,
    )
    keys = [d.key for d in _window_drops(ctx)]
    assert keys[:4] == [
        "message 1 (user)",
        "message 2 (assistant)",
        "query_cardio",
        "edit_plan (offered as change_plan)",
    ]
    assert ctx.plan_mode == "full" and ctx.tool_names == ("change_plan",)


def test_an_edit_request_over_a_tiny_tool_budget_gets_the_entry_point_and_says_why_it_is_over(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Given an edit request and a 10-token tool budget, when building, then edit_plan is swapped for change_plan
    (recorded as a drop) and change_plan, still over, is reported with the reason in the page's data too."""
    ctx = _build(demo_con, "maya", "Cut block b_3 to 3 sets please", [], tools=10)
    assert ctx.tool_names == ("change_plan",) and ctx.tool_def_raw_tokens == EDITOR_TOKENS
    assert [d.describe() for d in ctx.drops if d.part == "tools"] == [
        "tools edit_plan (offered as change_plan) (556 tokens): tool definitions over their 10-token budget"
    ]
    [over] = ctx.to_dict()["over_budget"]
    assert over["text"] == (
        f"tools change_plan ({EDITOR_TOKENS} tokens) kept over the 10-token budget: an edit tool is offered on every"
        " turn and change_plan is its smallest form"
    )


def test_a_read_tool_fits_beside_the_entry_point_when_edit_plan_alone_is_over_the_tool_budget(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Given an edit request with a run question and a 200-token tool budget, when building, then change_plan and
    query_cardio are both offered within the budget and nothing is over it."""
    ctx = _build(demo_con, "maya", "add a set of pull-ups to Friday, and how was my run?", [], tools=200)
    assert ctx.tool_names == ("change_plan", "query_cardio") and ctx.tool_def_raw_tokens <= 200
    assert ctx.overruns == ()
