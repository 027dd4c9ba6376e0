"""The weekly plan: reads, the one write path (`apply_ops`), versions, revert, diffs and model context.

Every plan change — coach form, AI tool call, legacy migration, demo import,
revert — goes through `apply_ops`: it validates the whole batch against the
current plan, refuses a stale base hash, then in one DuckDB transaction rewrites
the plan tables, compare-and-swaps the head hash, records the version (parent
hash, author, change set, full snapshot) and advances the never-reused ID
counters. Domain values live in `core.plan.model`, pure op logic in
`core.plan.ops`, diffs and context text in `core.plan.diff`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from core.db import plan as plan_db
from core.db.athletes import resolve_athlete
from core.errors import DatabaseError, NotFoundError
from core.plan.diff import (
    PlanContext,
    PlanDiff,
    build_plan_context,
    diff_plans,
    format_plan_context,
    render_diff,
)
from core.plan.model import (
    AUTHORS,
    BLOCK_ID_RE,
    DAY_IDS,
    HASH_PREFIX_RE,
    MEMBER_ID_RE,
    Block,
    Day,
    Member,
    Plan,
    PlanError,
    PlanHead,
    PlanValidationError,
    StalePlanError,
    canonical_json,
    describe,
    empty_plan,
    max_ids,
    plan_from_json,
    plan_hash,
    short_hash,
)
from core.plan.ops import OP_NAMES, apply_ops_to_plan, describe_entry
from core.tokens import DEFAULT_ENCODING

__all__ = [
    "OP_NAMES",
    "Plan",
    "PlanContext",
    "PlanDiff",
    "PlanError",
    "PlanHead",
    "PlanValidationError",
    "PlanVersion",
    "StalePlanError",
    "apply_ops",
    "context_between_versions",
    "diff_versions",
    "format_plan_context",
    "load_plan",
    "plan_context_for_model",
    "plan_hash",
    "plan_head",
    "plan_versions",
    "revert_to_version",
    "validate_references",
    "version_plan",
]


@dataclass(frozen=True)
class PlanVersion:
    """One recorded version: who changed what, when, on top of which parent."""

    version: int
    plan_hash: str
    parent_hash: str | None
    created_at: datetime
    author: str
    changes: dict[str, Any]
    actor: str = "local"

    @property
    def summary(self) -> list[str]:
        return list(self.changes.get("summary", []))


def _now() -> datetime:
    """Naive UTC: DuckDB TIMESTAMP has no zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def plan_from_rows(days: list[dict], blocks: list[dict], members: list[dict]) -> Plan:
    """Build the Plan from table rows (missing days are empty rest days)."""
    focus = {d["day_id"]: d["focus"] for d in days}
    by_block: dict[str, list[Member]] = {}
    for m in sorted(members, key=lambda r: (r["block_id"], r["position"])):
        by_block.setdefault(m["block_id"], []).append(
            Member(m["member_id"], m["exercise"], m["reps"], m["weight"], m["notes"])
        )
    by_day: dict[str, list[Block]] = {}
    for b in sorted(blocks, key=lambda r: (r["day_id"], r["position"])):
        by_day.setdefault(b["day_id"], []).append(
            Block(
                b["block_id"],
                b["kind"],
                b["exercise"],
                b["sets"],
                b["reps"],
                b["weight"],
                b["rest_s"],
                b["notes"],
                tuple(by_block.get(b["block_id"], ())),
            )
        )
    return Plan(days=tuple(Day(d, focus.get(d), tuple(by_day.get(d, ()))) for d in DAY_IDS))


def plan_to_rows(plan: Plan) -> tuple[list[dict], list[dict], list[dict]]:
    days = [{"day_id": d.day_id, "weekday": d.weekday, "focus": d.focus} for d in plan.days]
    blocks, members = [], []
    for day in plan.days:
        for position, b in enumerate(day.blocks, start=1):
            blocks.append(
                {
                    "block_id": b.block_id,
                    "day_id": day.day_id,
                    "position": position,
                    "kind": b.kind,
                    "exercise": b.exercise,
                    "sets": b.sets,
                    "reps": b.reps,
                    "weight": b.weight,
                    "rest_s": b.rest_s,
                    "notes": b.notes,
                }
            )
            for mpos, m in enumerate(b.members, start=1):
                members.append(
                    {
                        "member_id": m.member_id,
                        "block_id": b.block_id,
                        "position": mpos,
                        "exercise": m.exercise,
                        "reps": m.reps,
                        "weight": m.weight,
                        "notes": m.notes,
                    }
                )
    return days, blocks, members


def load_plan(con: duckdb.DuckDBPyConnection, athlete_id: int) -> Plan:
    """The athlete's current plan from the plan tables."""
    return plan_from_rows(*plan_db.plan_rows(con, athlete_id))


def plan_head(con: duckdb.DuckDBPyConnection, athlete_id: int) -> PlanHead:
    """Current hash and version; before the first write, the hash of what the tables hold and version 0."""
    found = plan_db.head(con, athlete_id)
    if found is None:
        return PlanHead(athlete_id, plan_hash(load_plan(con, athlete_id)), 0)
    return PlanHead(athlete_id, found[0], found[1])


def _version_from_row(row: Mapping[str, Any]) -> PlanVersion:
    return PlanVersion(
        version=int(row["version"]),
        plan_hash=row["plan_hash"],
        parent_hash=row["parent_hash"],
        created_at=row["created_at"],
        author=row["author"],
        changes=json.loads(row["changes_json"]),
        actor=row["actor"],
    )


def plan_versions(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[PlanVersion]:
    """The version timeline, oldest first."""
    return [_version_from_row(r) for r in plan_db.versions(con, athlete_id)]


def version_plan(con: duckdb.DuckDBPyConnection, athlete_id: int, version: int) -> Plan:
    """The full plan as it was at `version` (0 = the empty plan before any write)."""
    if version == 0:
        return empty_plan()
    row = plan_db.version_row(con, athlete_id, version)
    if row is None:
        raise NotFoundError(f"version: athlete {athlete_id} has no plan version {version}")
    return plan_from_json(row["snapshot_json"])


def _stale_error(con: duckdb.DuckDBPyConnection, athlete_id: int, base_hash: Any) -> StalePlanError:
    """Refusal naming the current plan and, when the base is a known version, what changed since."""
    current = plan_head(con, athlete_id)
    now = f"the plan is now {short_hash(current.plan_hash)} v{current.version}"
    if not isinstance(base_hash, str) or not HASH_PREFIX_RE.match(base_hash):
        return StalePlanError(
            f"base_hash: expected the plan hash you were shown (8-64 lowercase hex digits), got {describe(base_hash)};"
            f" {now}",
            current.plan_hash,
        )
    row = plan_db.version_by_hash(con, athlete_id, base_hash)
    if row is None:
        return StalePlanError(
            f"stale base_hash {base_hash[:12]}: not a version of this athlete's plan; {now}; re-read the plan and retry",
            current.plan_hash,
        )
    lines = render_diff(diff_plans(plan_from_json(row["snapshot_json"]), load_plan(con, athlete_id)))
    listed = "; ".join(lines) if lines else "nothing in content (same plan re-saved)"
    return StalePlanError(
        f"stale base_hash {short_hash(row['plan_hash'])} (v{row['version']}): {now}; changed since: {listed}."
        " Re-apply your change on the current plan",
        current.plan_hash,
        lines,
    )


def apply_ops(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    ops: Sequence[Mapping[str, Any]],
    base_hash: str,
    author: str,
    *,
    source: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    actor: str = "local",
) -> str:
    """THE write path: validate every op, then apply all atomically; returns the new plan hash.

    `base_hash` is the hash (or a prefix of at least 8 hex digits) of the plan the
    caller saw; if the plan changed since, StalePlanError lists the changes. An
    invalid batch raises PlanValidationError and writes nothing. A batch that
    leaves the plan identical records no version and returns the current hash.
    `source` is stored in the change set (e.g. the legacy file a migration read).
    `at` (UTC, naive) overrides the version timestamp — the demo import uses it so the
    same seed gives the same rows. `actor` is the person behind the change (signed-in username or
    email; 'local' when unshared), recorded beside the author kind.
    """
    if author not in AUTHORS:
        raise PlanError(f"author: expected one of {', '.join(AUTHORS)}, got {author!r}")
    if not isinstance(actor, str) or not 0 < len(actor) <= 254:
        raise PlanError(f"actor: expected a username or email of 1-254 characters, got {describe(actor)}")
    resolve_athlete(con, athlete_id)  # NotFoundError naming the value
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot start a plan transaction: {str(exc).splitlines()[0]}") from None
    lost_race = False
    try:
        stored = plan_db.head(con, athlete_id)
        plan = load_plan(con, athlete_id)
        current_hash = plan_hash(plan)
        if stored is not None and stored[0] != current_hash:
            raise PlanError(
                f"plan tables of athlete {athlete_id} hold {short_hash(current_hash)} but the head says"
                f" {short_hash(stored[0])}: something wrote them outside apply_ops"
            )
        version = stored[1] if stored else 0
        if not (isinstance(base_hash, str) and HASH_PREFIX_RE.match(base_hash) and current_hash.startswith(base_hash)):
            raise _StaleMarker()
        wanted = [op.get("version") for op in ops if isinstance(op, Mapping) and op.get("op") == "restore_version"]
        wanted = [v for v in wanted if isinstance(v, int) and not isinstance(v, bool)]
        snaps = {v: plan_from_json(s) for v, s in plan_db.snapshots(con, athlete_id, wanted).items()}
        if 0 in wanted:
            snaps[0] = empty_plan()
        next_block, next_member = plan_db.counters(con, athlete_id)
        outcome = apply_ops_to_plan(plan, ops, next_block, next_member, snaps)
        new_hash = plan_hash(outcome.plan)
        if new_hash == current_hash and stored is not None:
            con.execute("ROLLBACK")
            return current_hash
        at = at or _now()
        if not plan_db.swap_head(con, athlete_id, stored[0] if stored else None, new_hash, version + 1, at):
            lost_race = True
            raise _StaleMarker()
        plan_db.replace_plan_rows(con, athlete_id, *plan_to_rows(outcome.plan))
        changes: dict[str, Any] = {
            "ops": [dict(op) for op in ops],
            "entries": list(outcome.entries),
            "summary": [describe_entry(e) for e in outcome.entries],
        }
        if source is not None:
            changes["source"] = dict(source)
        plan_db.insert_version(
            con,
            athlete_id,
            version + 1,
            new_hash,
            current_hash,
            at,
            author,
            json.dumps(changes, ensure_ascii=False, default=str),
            canonical_json(outcome.plan),
            actor,
        )
        plan_db.set_counters(con, athlete_id, outcome.next_block, outcome.next_member)
        con.execute("COMMIT")
        return new_hash
    except _StaleMarker:
        con.execute("ROLLBACK")
        raise _stale_error(con, athlete_id, base_hash) from None
    except PlanError:
        con.execute("ROLLBACK")
        raise
    except duckdb.Error as exc:
        # A concurrent writer committed first (DuckDB reports a write-write conflict).
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        if lost_race or "conflict" in str(exc).lower():
            raise _stale_error(con, athlete_id, base_hash) from None
        raise DatabaseError(f"plan write failed: {str(exc).splitlines()[0]}") from None
    except BaseException:
        con.execute("ROLLBACK")
        raise


class _StaleMarker(Exception):
    """Internal: the base hash is not (or no longer) the current plan."""


def revert_to_version(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    version: int,
    base_hash: str | None = None,
    *,
    actor: str = "local",
) -> str:
    """Make `version`'s plan current again as a NEW version (author 'revert'); nothing is lost."""
    base = base_hash if base_hash is not None else plan_head(con, athlete_id).plan_hash
    return apply_ops(con, athlete_id, [{"op": "restore_version", "version": version}], base, "revert", actor=actor)


def diff_versions(con: duckdb.DuckDBPyConnection, athlete_id: int, from_version: int, to_version: int) -> PlanDiff:
    """Structured diff from one recorded version to another (either order)."""
    return diff_plans(version_plan(con, athlete_id, from_version), version_plan(con, athlete_id, to_version))


def context_between_versions(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    base_version: int | None,
    version: int,
    encoding: str = DEFAULT_ENCODING,
) -> PlanContext:
    """The plan context the model would get at `version` if it last saw `base_version` (None: never)."""
    current = version_plan(con, athlete_id, version)
    current_hash = plan_hash(current)
    if base_version is None:
        return build_plan_context(current, current_hash, version, None, None, None, encoding)
    base = version_plan(con, athlete_id, base_version)
    return build_plan_context(current, current_hash, version, base, plan_hash(base), base_version, encoding)


def plan_context_for_model(
    con: duckdb.DuckDBPyConnection, athlete_id: int, encoding: str = DEFAULT_ENCODING
) -> PlanContext:
    """Context for the next model turn: unchanged / delta since the last interaction's plan hash / full."""
    head = plan_head(con, athlete_id)
    current = load_plan(con, athlete_id)
    base_hash = plan_db.last_interaction_plan_hash(con, athlete_id)
    if base_hash is None:
        return build_plan_context(current, head.plan_hash, head.version, None, None, None, encoding)
    if base_hash == head.plan_hash:
        return build_plan_context(current, head.plan_hash, head.version, current, base_hash, head.version, encoding)
    row = plan_db.version_by_hash(con, athlete_id, base_hash) if HASH_PREFIX_RE.match(base_hash) else None
    if row is None:
        return build_plan_context(current, head.plan_hash, head.version, None, base_hash, None, encoding)
    return build_plan_context(
        current,
        head.plan_hash,
        head.version,
        plan_from_json(row["snapshot_json"]),
        row["plan_hash"],
        int(row["version"]),
        encoding,
    )


def validate_references(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[str]:
    """Every broken reference in the stored plan (empty list: all valid).

    Checks: IDs well formed and unique; each block on a known day; each member in
    an existing circuit; positions 1..n without gaps; counters above every ID;
    head hash equals the tables' hash and is a recorded version.
    """
    days, blocks, members = plan_db.plan_rows(con, athlete_id)
    problems: list[str] = []
    day_ids = {d["day_id"] for d in days}
    for d in days:
        if d["day_id"] not in DAY_IDS or DAY_IDS.index(d["day_id"]) + 1 != d["weekday"]:
            problems.append(f"day {d['day_id']!r}: weekday {d['weekday']} does not match (day_1 = Monday)")
    kinds = {b["block_id"]: b["kind"] for b in blocks}
    for b in blocks:
        if not BLOCK_ID_RE.match(b["block_id"]):
            problems.append(f"block {b['block_id']!r}: not an ID like 'b_42'")
        if b["day_id"] not in DAY_IDS or (days and b["day_id"] not in day_ids):
            problems.append(f"block {b['block_id']}: day_id {b['day_id']!r} is not a plan day")
    for m in members:
        if not MEMBER_ID_RE.match(m["member_id"]):
            problems.append(f"member {m['member_id']!r}: not an ID like 'm_7'")
        if m["block_id"] not in kinds:
            problems.append(f"member {m['member_id']}: block_id {m['block_id']!r} does not exist")
        elif kinds[m["block_id"]] != "circuit":
            problems.append(f"member {m['member_id']}: block {m['block_id']} is not a circuit")
    for key, rows, parent in (("day_id", blocks, "block"), ("block_id", members, "member")):
        groups: dict[str, list[int]] = {}
        for r in rows:
            groups.setdefault(r[key], []).append(r["position"])
        for owner, positions in groups.items():
            if sorted(positions) != list(range(1, len(positions) + 1)):
                problems.append(f"{parent} positions in {owner}: {sorted(positions)}, expected 1..{len(positions)}")
    plan = plan_from_rows(days, blocks, members)
    top_block, top_member = max_ids(plan)
    next_block, next_member = plan_db.counters(con, athlete_id)
    stored = plan_db.head(con, athlete_id)
    if stored is not None:
        if next_block <= top_block or next_member <= top_member:
            problems.append(
                f"ID counters (next b_{next_block}, m_{next_member}) not above the highest IDs"
                f" (b_{top_block}, m_{top_member})"
            )
        if stored[0] != plan_hash(plan):
            problems.append(
                f"head hash {short_hash(stored[0])} differs from the tables' hash {short_hash(plan_hash(plan))}"
            )
        row = plan_db.version_row(con, athlete_id, stored[1])
        if row is None or row["plan_hash"] != stored[0]:
            problems.append(f"head version v{stored[1]} is not recorded with hash {short_hash(stored[0])}")
    return problems
