"""Properties of the pure op engine and diff over random op sequences (no database)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.plan.diff import diff_plans
from core.plan.model import (
    DAY_IDS,
    PlanValidationError,
    canonical_json,
    empty_plan,
    max_ids,
    plan_from_json,
    plan_hash,
)
from core.plan.ops import apply_ops_to_plan

REPS = st.sampled_from(["8", "8-10", "AMRAP", "45s", "5", "8x", "10-8", 8])
WEIGHT = st.sampled_from(["225lbs", "100kg", "BW", "22.5kg", "225", None, "heavy"])


def _op(data: st.DataObject, plan) -> dict:
    blocks = [b.block_id for _, _, b in plan.blocks()] or ["b_1"]
    members = [m.member_id for _, _, b in plan.blocks() for m in b.members] or ["m_1"]
    name = data.draw(
        st.sampled_from(
            [
                "update_block",
                "add_block",
                "remove_block",
                "move_block",
                "add_member",
                "update_member",
                "remove_member",
                "set_day_focus",
            ]
        )
    )
    block = data.draw(st.sampled_from(blocks))
    if name == "update_block":
        return {"op": name, "block_id": block, "sets": data.draw(st.integers(0, 22)), "reps": data.draw(REPS)}
    if name == "add_block":
        kind = data.draw(st.sampled_from(["single", "circuit"]))
        op = {"op": name, "day_id": data.draw(st.sampled_from(DAY_IDS)), "exercise": "Lift", "sets": 3, "kind": kind}
        if kind == "single":
            op.update(reps=data.draw(REPS), weight=data.draw(WEIGHT))
        else:
            op["members"] = [{"exercise": "Plank", "reps": "45s"}]
        return op
    if name == "remove_block":
        return {"op": name, "block_id": block}
    if name == "move_block":
        return {"op": name, "block_id": block, "day_id": data.draw(st.sampled_from(DAY_IDS)), "position": 1}
    if name == "add_member":
        return {"op": name, "block_id": block, "exercise": "Dead Bug", "weight": data.draw(WEIGHT)}
    if name == "update_member":
        return {"op": name, "member_id": data.draw(st.sampled_from(members)), "reps": data.draw(REPS)}
    if name == "remove_member":
        return {"op": name, "member_id": data.draw(st.sampled_from(members))}
    return {
        "op": name,
        "day_id": data.draw(st.sampled_from(DAY_IDS)),
        "focus": data.draw(st.sampled_from(["Legs", None])),
    }


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_random_op_sequences_keep_ids_unique_never_reuse_them_and_diff_matches_hash(data):
    """Given random batches, valid ones keep IDs unique and increasing; invalid ones raise; diff empty iff hash equal."""
    plan, next_block, next_member = empty_plan(), 1, 1
    for _ in range(data.draw(st.integers(1, 8))):
        ops = [_op(data, plan) for _ in range(data.draw(st.integers(1, 3)))]
        try:
            out = apply_ops_to_plan(plan, ops, next_block, next_member)
        except PlanValidationError as exc:
            assert exc.problems and all(p.startswith("op ") for p in exc.problems)
            continue
        ids = [b.block_id for _, _, b in out.plan.blocks()]
        mids = [m.member_id for _, _, b in out.plan.blocks() for m in b.members]
        assert len(ids) == len(set(ids)) and len(mids) == len(set(mids))
        top_block, top_member = max_ids(out.plan)
        assert out.next_block > top_block and out.next_member > top_member
        assert out.next_block >= next_block and out.next_member >= next_member
        assert diff_plans(plan, out.plan).is_empty == (plan_hash(plan) == plan_hash(out.plan))
        assert plan_from_json(canonical_json(out.plan)) == out.plan
        plan, next_block, next_member = out.plan, out.next_block, out.next_member
