"""Plan deltas: replay scripted chat turns per athlete; full-plan vs delta context, verbose vs structured tool calls.

Each demo athlete's plan is copied into a scratch in-memory database, then a
script of realistic turns is replayed: no-change turns, single-block edits,
multi-edits, circuit-member edits and coach edits between turns. At each turn
the plan context is built exactly as the chat would (`plan_context_for_model`:
unchanged / delta since the last interaction's plan hash / full fallback), the
model's edits run through the real tool executor, and the interaction is logged
with the hash it was shown. Verbose tool calls re-send the whole updated plan
(`update_weekly_plan`); structured ones name IDs. All counts are exact tiktoken.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from core.db import connect, insert_frame
from core.db import plan as plan_db
from core.db.athletes import athlete_ids, athletes_frame, find_athlete, resolve_athlete
from core.plan.context import build_plan_context
from core.plan.model import Block, Plan, empty_plan, plan_hash
from core.plan.ops import apply_ops_to_plan, plan_build_ops
from core.plan.store import apply_ops, load_plan, plan_context_for_model, plan_head
from core.plan.tools import EDIT_TOOL, execute_tool_call, structured_tool_call_text, verbose_tool_call_text
from core.tokens import DEFAULT_ENCODING, count_tokens

SINGLE_EDIT_LIMIT = 0.10
_SCRIPT_START = datetime(2025, 1, 1, 8, 0)


@dataclass(frozen=True)
class PlanScriptTurn:
    """One scripted interaction: `kind` is none | single | multi | member | coach; `ops` are built from the plan."""

    kind: str
    message: str
    ops: Callable[[Plan], list[dict[str, Any]]]


def _singles(plan: Plan) -> list[Block]:
    return [b for _, _, b in plan.blocks() if b.kind == "single"]


def _circuit(plan: Plan) -> Block | None:
    return next((b for _, _, b in plan.blocks() if b.kind == "circuit"), None)


def _bump(weight: str | None) -> str | None:
    match = re.fullmatch(r"([\d.]+)(lbs|kg)", weight or "")
    if not match:
        return None
    step = 5 if match.group(2) == "lbs" else 2.5
    return f"{float(match.group(1)) + step:g}{match.group(2)}"


def _loaded(plan: Plan) -> list[Block]:
    return [b for b in _singles(plan) if _bump(b.weight)] or _singles(plan)


def _weight_op(b: Block) -> dict[str, Any]:
    if _bump(b.weight):
        return {"op": "update_block", "block_id": b.block_id, "weight": _bump(b.weight)}
    return {"op": "update_block", "block_id": b.block_id, "sets": (b.sets or 0) % 20 + 1}


def _one_field_edits(b: Block) -> list[dict[str, Any]]:
    """What a coach changes on one block: sets +1 and the next weight step; a session's minutes +5 or metres +100."""
    if b.is_session:
        if b.duration_min:
            field, value = "duration_min", b.duration_min + 5
        else:
            field, value = "distance_m", (b.distance_m or 0) + 100
        return [{"op": "update_block", "block_id": b.block_id, field: value}]
    edits = [{"op": "update_block", "block_id": b.block_id, "sets": (b.sets or 0) % 20 + 1}]
    if _bump(b.weight):
        edits.append({"op": "update_block", "block_id": b.block_id, "weight": _bump(b.weight)})
    return edits


def _added(plan: Plan) -> Block:
    """The Face Pull block the script added earlier (the script's own order guarantees it is there)."""
    return next(b for _, _, b in plan.blocks() if b.exercise == "Face Pull")


def _rest_day(plan: Plan) -> str:
    return next((d.day_id for d in plan.days if not d.blocks), "day_7")


def _member_ops(plan: Plan) -> list[dict[str, Any]]:
    circuit = _circuit(plan)
    if circuit is None or not circuit.members:
        b = _singles(plan)[0]
        return [{"op": "update_block", "block_id": b.block_id, "notes": "Slow eccentric"}]
    m = circuit.members[0]
    reps = "12" if m.reps != "12" else "15"
    return [{"op": "update_member", "member_id": m.member_id, "reps": reps}]


def _add_member_ops(plan: Plan) -> list[dict[str, Any]]:
    circuit = _circuit(plan)
    if circuit is None:
        return [{"op": "update_block", "block_id": _singles(plan)[-1].block_id, "rest_s": 75}]
    return [{"op": "add_member", "block_id": circuit.block_id, "exercise": "Dead Bug", "reps": "10", "weight": "BW"}]


def _remove_member_ops(plan: Plan) -> list[dict[str, Any]]:
    circuit = _circuit(plan)
    bug = next((m for m in circuit.members if m.exercise == "Dead Bug"), None) if circuit else None
    if bug is None:
        return [{"op": "update_block", "block_id": _singles(plan)[-1].block_id, "rest_s": 90}]
    return [{"op": "remove_member", "member_id": bug.member_id}]


def _first_day(plan: Plan) -> str:
    return next(d for d in plan.days if d.blocks).day_id


def _add_set_first(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "update_block", "block_id": _singles(p)[0].block_id, "sets": (_singles(p)[0].sets or 0) % 20 + 1}]


def _reps_second_third(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "update_block", "block_id": b.block_id, "reps": "6-8"} for b in _singles(p)[1:3]]


def _add_face_pulls(p: Plan) -> list[dict[str, Any]]:
    op = {"op": "add_block", "day_id": _first_day(p), "exercise": "Face Pull", "sets": 3, "reps": "15"}
    return [{**op, "weight": "BW", "rest_s": 60}]


def _more_rest_last(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "update_block", "block_id": _singles(p)[-1].block_id, "rest_s": 150}]


def _move_face_pulls(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "move_block", "block_id": _added(p).block_id, "day_id": _rest_day(p)}]


def _coach_focus(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "set_day_focus", "day_id": _rest_day(p) if _added(p) is None else "day_7", "focus": "Mobility"}]


def _deload(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "update_block", "block_id": b.block_id, "sets": max(1, (b.sets or 2) - 1)} for b in _singles(p)[:3]]


def _drop_face_pulls(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "remove_block", "block_id": _added(p).block_id}]


def _paused_second(p: Plan) -> list[dict[str, Any]]:
    b = _singles(p)[1]
    return [{"op": "update_block", "block_id": b.block_id, "exercise": "Paused " + b.exercise}]


def _progress_first_day(p: Plan) -> list[dict[str, Any]]:
    return [_weight_op(b) for b in p.day(_first_day(p)).blocks if b.kind == "single"][:5]


def _note_first(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "update_block", "block_id": _singles(p)[0].block_id, "notes": "RPE 8 max"}]


def _coach_set_last(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "update_block", "block_id": _singles(p)[-1].block_id, "sets": (_singles(p)[-1].sets or 0) % 20 + 1}]


def _undo_deload(p: Plan) -> list[dict[str, Any]]:
    return [{"op": "update_block", "block_id": b.block_id, "sets": (b.sets or 0) % 20 + 1} for b in _singles(p)[:3]]


def _no_ops(p: Plan) -> list[dict[str, Any]]:
    return []


# 24 turns: 7 no-change, 8 single-block edits, 4 multi-edits, 3 circuit-member edits, 2 coach edits.
SCRIPT = (
    PlanScriptTurn("none", "How does my week look?", _no_ops),
    PlanScriptTurn("single", "Add a set to my first lift of the week.", _add_set_first),
    PlanScriptTurn("none", "What should I eat before Tuesday's session?", _no_ops),
    PlanScriptTurn("single", "Bench felt light, bump the weight.", lambda p: [_weight_op(_loaded(p)[-1])]),
    PlanScriptTurn("multi", "Make my second and third exercises 6-8 reps.", _reps_second_third),
    PlanScriptTurn("none", "Thanks, that makes sense.", _no_ops),
    PlanScriptTurn("single", "Add face pulls for my shoulders on my first training day.", _add_face_pulls),
    PlanScriptTurn("single", "Give me a bit more rest on the last exercise.", _more_rest_last),
    PlanScriptTurn("single", "Move the face pulls to my rest day.", _move_face_pulls),
    PlanScriptTurn("none", "Remind me what's on Thursday.", _no_ops),
    PlanScriptTurn("member", "The circuit's first exercise is too easy.", _member_ops),
    PlanScriptTurn("member", "Add dead bugs to the circuit.", _add_member_ops),
    PlanScriptTurn("coach", "(coach renames the rest day's focus)", _coach_focus),
    PlanScriptTurn("multi", "Deload week: one set less on my first three lifts.", _deload),
    PlanScriptTurn("none", "I slept badly, should I still train?", _no_ops),
    PlanScriptTurn("single", "Drop the face pulls again.", _drop_face_pulls),
    PlanScriptTurn("single", "Swap my second exercise for a paused variation.", _paused_second),
    PlanScriptTurn("multi", "Progress every loaded lift on my first training day.", _progress_first_day),
    PlanScriptTurn("none", "Any tips for warming up?", _no_ops),
    PlanScriptTurn("member", "Take the dead bugs back out.", _remove_member_ops),
    PlanScriptTurn("single", "Note: keep the first lift at RPE 8.", _note_first),
    PlanScriptTurn("coach", "(coach adds a set to the last exercise)", _coach_set_last),
    PlanScriptTurn("multi", "Undo the deload: one more set on my first three lifts.", _undo_deload),
    PlanScriptTurn("none", "Great, talk tomorrow.", _no_ops),
)


def script() -> list[PlanScriptTurn]:
    """The scripted turns, in order (see SCRIPT)."""
    return list(SCRIPT)


def _scratch_copy(source_con: duckdb.DuckDBPyConnection, athlete_id: int) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding only this athlete and its current plan (IDs renumbered in order)."""
    con = connect(":memory:")
    roster = athletes_frame(source_con)
    insert_frame(con, "athletes", roster[roster.athlete_id == athlete_id])
    plan = load_plan(source_con, athlete_id)
    apply_ops(con, athlete_id, plan_build_ops(plan), plan_hash(empty_plan()), "import")
    return con


def _tool_call(ops: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The model's one edit tool with the turn's ops. No base_hash: the executor uses the hash shown this turn."""
    return EDIT_TOOL, {"ops": ops}


def worst_single_edit_ratio(plan: Plan, encoding: str) -> dict[str, Any]:
    """Over every block: a one-field edit (`_one_field_edits`), the worst delta/full token ratio."""
    current_hash = plan_hash(plan)
    worst: dict[str, Any] = {"ratio": 0.0, "block_id": None, "delta_tokens": 0, "full_tokens": 0, "text": ""}
    for _, _, b in plan.blocks():
        for op in _one_field_edits(b):
            new = apply_ops_to_plan(plan, [op]).plan
            ctx = build_plan_context(new, plan_hash(new), 2, plan, current_hash, 1, encoding)
            ratio = ctx.tokens / ctx.full_tokens
            if ratio > worst["ratio"]:
                worst = {
                    "ratio": round(ratio, 4),
                    "block_id": b.block_id,
                    "delta_tokens": ctx.tokens,
                    "full_tokens": ctx.full_tokens,
                    "text": ctx.text,
                }
    return worst


def _token_totals(turns: list[dict[str, Any]]) -> dict[str, Any]:
    """Summed tokens over turns and the reductions: context vs full plan, structured vs verbose tool calls."""
    full = sum(t["full_tokens"] for t in turns)
    sent = sum(t["context_tokens"] for t in turns)
    verbose = sum(t["verbose_tool_tokens"] for t in turns)
    structured = sum(t["structured_tool_tokens"] for t in turns)
    return {
        "full_plan_tokens": full,
        "context_tokens": sent,
        "context_reduction": round(1 - sent / full, 4) if full else 0.0,
        "verbose_tool_tokens": verbose,
        "structured_tool_tokens": structured,
        "tool_reduction": round(1 - structured / verbose, 4) if verbose else 0.0,
        "overall_reduction": round(1 - (sent + structured) / (full + verbose), 4) if full + verbose else 0.0,
    }


def replay_plan_script(
    source_con: duckdb.DuckDBPyConnection, athlete_id: int, encoding: str = DEFAULT_ENCODING
) -> dict[str, Any]:
    """Replay the script for one athlete; per-turn and total token figures."""
    con = _scratch_copy(source_con, athlete_id)
    rows, apply_ms = [], []
    for number, turn in enumerate(script(), start=1):
        at = _SCRIPT_START + timedelta(minutes=10 * number)
        if turn.kind == "coach":
            head = plan_head(con, athlete_id)
            apply_ops(con, athlete_id, turn.ops(load_plan(con, athlete_id)), head.plan_hash, "coach")
        ctx = plan_context_for_model(con, athlete_id, encoding)
        plan_db.record_interaction(con, athlete_id, at, ctx.current_hash, turn.message, encoding, ctx.tokens)
        row: dict[str, Any] = {
            "turn": number,
            "kind": turn.kind,
            "message": turn.message,
            "context_mode": ctx.mode,
            "full_tokens": ctx.full_tokens,
            "context_tokens": ctx.tokens,
            "single_block_edit": ctx.is_single_block_edit,
            "verbose_tool_tokens": 0,
            "structured_tool_tokens": 0,
            "tool_result": "",
        }
        if turn.kind != "coach":
            ops = turn.ops(load_plan(con, athlete_id))
            if ops:
                name, args = _tool_call(ops)
                started = time.perf_counter()
                result = execute_tool_call(con, athlete_id, name, json.dumps(args), shown_hash=ctx.current_hash)
                apply_ms.append((time.perf_counter() - started) * 1000)
                if not result.startswith("ok"):
                    raise RuntimeError(f"athlete {athlete_id} turn {number}: {result}")
                row["structured_tool_tokens"] = count_tokens(structured_tool_call_text(name, args), encoding)
                row["verbose_tool_tokens"] = count_tokens(verbose_tool_call_text(load_plan(con, athlete_id)), encoding)
                row["tool_result"] = result
        rows.append(row)
    single = [r for r in rows if r["single_block_edit"]]
    worst = worst_single_edit_ratio(load_plan(con, athlete_id), encoding)
    max_single = max((r["context_tokens"] / r["full_tokens"] for r in single), default=0.0)
    con.close()
    return {
        "athlete_id": athlete_id,
        "handle": find_athlete(source_con, athlete_id).handle,
        "turns": rows,
        "totals": {
            "turns": len(rows),
            **_token_totals(rows),
            "single_edit_turns": len(single),
            "max_single_edit_ratio": round(max_single, 4),
            "worst_any_block_single_edit": worst,
            "single_edit_within_limit": max_single <= SINGLE_EDIT_LIMIT and worst["ratio"] <= SINGLE_EDIT_LIMIT,
            "median_tool_apply_ms": round(statistics.median(apply_ms), 2) if apply_ms else None,
        },
    }


QUICK = {"athlete": ["1", "2"]}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--athlete", action="append", default=None, help="athlete id or handle (repeatable; default all)"
    )
    parser.add_argument("--encoding", default=DEFAULT_ENCODING, help="tokenizer encoding")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from core.db import snapshot
    from core.demo.seeding import ensure_demo_database

    con = snapshot(ensure_demo_database(getattr(args, "db", None)))  # an in-memory copy: never blocks a writer
    ids = [resolve_athlete(con, a) for a in args.athlete] if args.athlete else athlete_ids(con)[:5]
    results = [replay_plan_script(con, a, args.encoding) for a in ids]
    return {
        "encoding": args.encoding,
        "single_edit_limit": SINGLE_EDIT_LIMIT,
        "athletes": results,
        "totals": {
            "turns": sum(r["totals"]["turns"] for r in results),
            **_token_totals([turn for r in results for turn in r["turns"]]),
            "single_edit_within_limit_all": all(r["totals"]["single_edit_within_limit"] for r in results),
        },
    }


def headline(result: dict[str, Any]) -> str:
    t = result["totals"]
    return (
        f"{t['turns']} turns: context -{t['context_reduction']:.1%} vs full plan, tool calls -{t['tool_reduction']:.1%}"
        f" vs verbose; single edits ≤{result['single_edit_limit']:.0%}: {'yes' if t['single_edit_within_limit_all'] else 'NO'}"
    )


def render(result: dict[str, Any]) -> str:
    lines = [f"encoding {result['encoding']}; context = what the model gets (unchanged / delta / full fallback)"]
    for r in result["athletes"]:
        t = r["totals"]
        lines.append(f"\n{r['handle']} (athlete {r['athlete_id']})")
        lines.append(f"{'turn':>4} {'kind':<7} {'mode':<9} {'full':>5} {'sent':>5} {'verbose':>7} {'struct':>6}")
        for row in r["turns"]:
            lines.append(
                f"{row['turn']:>4} {row['kind']:<7} {row['context_mode']:<9} {row['full_tokens']:>5}"
                f" {row['context_tokens']:>5} {row['verbose_tool_tokens']:>7} {row['structured_tool_tokens']:>6}"
            )
        w = t["worst_any_block_single_edit"]
        lines.append(
            f"total {t['turns']} turns: context {t['context_tokens']} vs full {t['full_plan_tokens']}"
            f" (-{t['context_reduction']:.1%}); tool calls {t['structured_tool_tokens']} vs verbose"
            f" {t['verbose_tool_tokens']} (-{t['tool_reduction']:.1%}); overall -{t['overall_reduction']:.1%}"
        )
        lines.append(
            f"single-block edit delta: max {t['max_single_edit_ratio']:.1%} of full over {t['single_edit_turns']} scripted"
            f" turns; worst over every block {w['ratio']:.1%} ({w['block_id']}: {w['delta_tokens']}/{w['full_tokens']});"
            f" ≤{result['single_edit_limit']:.0%}: {'yes' if t['single_edit_within_limit'] else 'NO'}"
        )
    t = result["totals"]
    lines.append(
        f"\nALL {t['turns']} turns: context {t['context_tokens']} vs full {t['full_plan_tokens']} (-{t['context_reduction']:.1%});"
        f" tool calls {t['structured_tool_tokens']} vs verbose {t['verbose_tool_tokens']} (-{t['tool_reduction']:.1%});"
        f" overall -{t['overall_reduction']:.1%}; single-edit ≤10% on every athlete:"
        f" {'yes' if t['single_edit_within_limit_all'] else 'NO'}"
    )
    return "\n".join(lines)
