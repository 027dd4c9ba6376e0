"""The A/B replay as frames for charts: strategy A vs B per turn and cumulatively, context and whole request.

Figures are the replay's own (`core.context.replay`), so the page, `python -m core replay` and the benchmark agree.
"""

from __future__ import annotations

import pandas as pd

from core.context.replay import AthleteReplay

MEASURES = {"context": ("a_context", "b_context"), "request": ("a_request", "b_request")}


def replay_turns(result: AthleteReplay, measure: str = "request") -> pd.DataFrame:
    """One row per turn and strategy: turn, strategy ('A: no tiers' | 'B: tiered'), tokens, cumulative tokens."""
    a_field, b_field = MEASURES[measure]
    rows = [
        {"turn": t.turn, "strategy": label, "tokens": getattr(t, field)}
        for t in result.turns
        for label, field in (("A: no tiers", a_field), ("B: tiered", b_field))
    ]
    frame = pd.DataFrame(rows)
    frame["cumulative"] = frame.groupby("strategy")["tokens"].cumsum()
    return frame


def replay_table(result: AthleteReplay) -> pd.DataFrame:
    """Per turn: the message, A and B context and request tokens, B's tiers, plan mode and tools offered."""
    return pd.DataFrame(
        [
            {
                "turn": t.turn,
                "message": t.message,
                "A context": t.a_context,
                "B context": t.b_context,
                "A request": t.a_request,
                "B request": t.b_request,
                "B tier 1": t.b_tier1,
                "B tier 2": t.b_tier2,
                "B plan": t.b_plan,
                "B plan mode": t.b_plan_mode or "-",
                "B tools (raw JSON)": t.b_tools_raw,
                "B tools": ", ".join(t.b_tools),
                **(
                    {"A reported": t.a_reported, "B reported": t.b_reported}
                    if any(x.a_reported is not None or x.b_reported is not None for x in result.turns)
                    else {}
                ),
            }
            for t in result.turns
        ]
    )
