"""The weekly plan: reads, the one write path (`apply_ops`), versions, revert, diffs and model context.

Every plan change — coach form, AI tool call, legacy migration, demo import,
revert — goes through `apply_ops`: it validates the whole batch against the
current plan, refuses a stale base hash, then in one transaction rewrites the
changed days' rows, compare-and-swaps the head hash, records the version (parent
hash, author, change set, and a full snapshot every `SNAPSHOT_EVERY` versions or a
patch of the changed days in between) and advances the never-reused ID counters.
Domain values live in `core.plan.model`, pure op logic in `core.plan.ops`, diffs
in `core.plan.diff`, model text in `core.plan.text`.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from core.db import plan as plan_db
from core.db.athletes import resolve_athlete
from core.db.connection import utc_now
from core.db.transactions import WriteConflict, transaction
from core.errors import NotFoundError
from core.plan.context import PlanContext, build_plan_context
from core.plan.diff import PlanDiff, diff_plans, render_diff
from core.plan.model import (
    AUTHORS,
    DAY_IDS,
    HASH_PREFIX_RE,
    Plan,
    PlanError,
    PlanHead,
    StalePlanError,
    canonical_json,
    describe,
    empty_plan,
    max_ids,
    plan_from_canonical,
    plan_hash,
    plan_to_canonical,
    short_hash,
)
from core.plan.op_table import BLOCK_ID_RE, MEMBER_ID_RE
from core.plan.ops import OpsOutcome, apply_ops_to_plan, check_batch_shape
from core.plan.text import describe_entry
from core.tokens import DEFAULT_ENCODING

# A full snapshot at versions 1, 51, 101, ...; patches of the changed days in between,
# so reading any version replays at most SNAPSHOT_EVERY - 1 small patches.
SNAPSHOT_EVERY = 50
# How long a writer that lost a race waits for the winner's commit, to name its change.
RACE_WAIT_S = 2.0


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


def load_plan(con: duckdb.DuckDBPyConnection, athlete_id: int) -> Plan:
    """The athlete's current plan from the plan tables."""
    return plan_from_canonical(plan_db.plan_nested(con, athlete_id))


def plan_head(con: duckdb.DuckDBPyConnection, athlete_id: int) -> PlanHead:
    """Current hash and version; before the first write, the hash of what the tables hold and version 0."""
    found = plan_db.head(con, athlete_id)
    if found is None:
        return PlanHead(athlete_id, plan_hash(load_plan(con, athlete_id)), 0)
    return PlanHead(athlete_id, found.plan_hash, found.version)


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


def latest_version(con: duckdb.DuckDBPyConnection, athlete_id: int) -> PlanVersion | None:
    """The head version's record (one lookup, whatever the history's length); None before the first write."""
    found = plan_db.head(con, athlete_id)
    row = plan_db.version_row(con, athlete_id, found.version) if found else None
    return None if row is None else _version_from_row(row)


def version_plan(con: duckdb.DuckDBPyConnection, athlete_id: int, version: int) -> Plan:
    """The full plan as it was at `version` (0 = the empty plan before any write): snapshot plus patches."""
    if not isinstance(version, int):
        raise NotFoundError(f"version: athlete {athlete_id} has no plan version {describe(version)}")
    return version_plans(con, athlete_id, [version])[version]


def _changed_days(old: Plan, new: Plan) -> list[str]:
    old_days, new_days = plan_to_canonical(old)["days"], plan_to_canonical(new)["days"]
    return [b["day_id"] for a, b in zip(old_days, new_days, strict=True) if a != b]


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
    lines = render_diff(diff_plans(version_plan(con, athlete_id, int(row["version"])), load_plan(con, athlete_id)))
    listed = "; ".join(lines) if lines else "nothing in content (same plan re-saved)"
    return StalePlanError(
        f"stale base_hash {short_hash(row['plan_hash'])} (v{row['version']}): {now}; changed since: {listed}."
        " Re-apply your change on the current plan",
        current.plan_hash,
        lines,
    )


def _winner_committed(con: duckdb.DuckDBPyConnection, athlete_id: int, seen: str | None) -> None:
    """After losing a race, wait (bounded) until the winner's commit is visible, so the refusal can name it."""
    deadline = time.monotonic() + RACE_WAIT_S
    while time.monotonic() < deadline:
        found = plan_db.head(con, athlete_id)
        if (found.plan_hash if found else None) != seen:
            return
        time.sleep(0.005)


class _Stale(Exception):
    """Internal: the base hash is not (or no longer) the current plan; carries the hash this writer read."""

    def __init__(self, seen: str | None):
        super().__init__(seen)
        self.seen = seen


def _restore_sources(con: duckdb.DuckDBPyConnection, athlete_id: int, ops: Sequence[Any]) -> dict[int, Plan]:
    """The plans of the versions a batch's `restore_version` ops name (the ones that exist)."""
    wanted = {op.get("version") for op in ops if isinstance(op, Mapping) and op.get("op") == "restore_version"}
    found: dict[int, Plan] = {}
    for v in wanted:
        if isinstance(v, int) and not isinstance(v, bool):
            try:
                found[v] = version_plan(con, athlete_id, v)
            except NotFoundError:
                continue
    return found


def _record(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    plan: Plan,
    outcome: OpsOutcome,
    ops: Sequence[Mapping[str, Any]],
    author: str,
    stored: plan_db.StoredHead | None,
    source: Mapping[str, Any] | None,
    at: datetime,
    actor: str,
) -> str:
    """Write one valid batch: head swap, changed days' rows, the version (snapshot or patch), counters."""
    new_hash, version = plan_hash(outcome.plan), (stored.version if stored else 0) + 1
    if not plan_db.swap_head(con, athlete_id, stored.plan_hash if stored else None, new_hash, version, at):
        raise _Stale(stored.plan_hash if stored else None)
    days = list(DAY_IDS) if stored is None else _changed_days(plan, outcome.plan)
    canonical = plan_to_canonical(outcome.plan)
    plan_db.replace_plan(con, athlete_id, canonical, days)
    changes: dict[str, Any] = {
        "ops": [dict(op) for op in ops],
        "entries": list(outcome.entries),
        "summary": [describe_entry(e) for e in outcome.entries],
    }
    if source is not None:
        changes["source"] = dict(source)
    if (version - 1) % SNAPSHOT_EVERY == 0:
        stored_plan = {"snapshot_json": canonical_json(outcome.plan)}
    else:
        patch = {d["day_id"]: d for d in canonical["days"] if d["day_id"] in days}
        stored_plan = {"patch_json": json.dumps(patch, sort_keys=True, separators=(",", ":"), ensure_ascii=False)}
    changes_json = json.dumps(changes, ensure_ascii=False, default=str)
    parent = plan_hash(plan)
    plan_db.insert_version(
        con, athlete_id, version, new_hash, parent, at, author, changes_json, **stored_plan, actor=actor
    )
    plan_db.set_counters(con, athlete_id, outcome.next_block, outcome.next_member)
    return new_hash


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
    caller saw; if the plan changed since, StalePlanError lists the changes (for a
    race lost to a concurrent writer, the winner's change, read after it commits).
    An invalid batch raises PlanValidationError and writes nothing. A batch that
    leaves the plan identical records no version and returns the current hash.
    `source` is stored in the change set (e.g. the legacy file a migration read).
    `at` (UTC, naive) overrides the version timestamp — the demo import uses it so the
    same seed gives the same rows. `actor` is the person behind the change (signed-in username or
    email; 'local' when unshared), recorded beside the author kind.
    """
    if author not in AUTHORS:
        raise PlanError(f"author: expected one of {', '.join(AUTHORS)}, got {describe(author)}")
    if not isinstance(actor, str) or not 0 < len(actor) <= 254:
        raise PlanError(f"actor: expected a username or email of 1-254 characters, got {describe(actor)}")
    check_batch_shape(ops)
    resolve_athlete(con, athlete_id)  # NotFoundError naming the value
    seen: str | None = None
    try:
        with transaction(con, "plan write"):
            stored = plan_db.head(con, athlete_id)
            plan = load_plan(con, athlete_id)
            current_hash = seen = plan_hash(plan)
            if stored is not None and stored.plan_hash != current_hash:
                raise PlanError(
                    f"plan tables of athlete {athlete_id} hold {short_hash(current_hash)} but the head says"
                    f" {short_hash(stored.plan_hash)}: something wrote them outside apply_ops"
                )
            if not (isinstance(base_hash, str) and HASH_PREFIX_RE.match(base_hash)):
                raise _Stale(None)
            if not current_hash.startswith(base_hash):
                raise _Stale(None)
            next_block, next_member = plan_db.counters(con, athlete_id)
            snaps = _restore_sources(con, athlete_id, ops)
            outcome = apply_ops_to_plan(plan, ops, next_block, next_member, snaps)
            if plan_hash(outcome.plan) == current_hash and stored is not None:
                return current_hash
            return _record(con, athlete_id, plan, outcome, ops, author, stored, source, at or utc_now(), actor)
    except _Stale as lost:
        if lost.seen is not None:
            _winner_committed(con, athlete_id, lost.seen)
        raise _stale_error(con, athlete_id, base_hash) from None
    except WriteConflict:
        _winner_committed(con, athlete_id, seen)
        raise _stale_error(con, athlete_id, base_hash) from None


def revert_to_version(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    version: int,
    base_hash: str | None = None,
    *,
    actor: str = "local",
) -> str:
    """Make `version`'s plan current again as a NEW version (author 'revert'); nothing is lost.

    Reverting to a version whose plan is already current records nothing (check the head version).
    """
    base = base_hash if base_hash is not None else plan_head(con, athlete_id).plan_hash
    return apply_ops(con, athlete_id, [{"op": "restore_version", "version": version}], base, "revert", actor=actor)


def diff_versions(con: duckdb.DuckDBPyConnection, athlete_id: int, from_version: int, to_version: int) -> PlanDiff:
    """Structured diff from one recorded version to another (either order)."""
    return diff_plans(version_plan(con, athlete_id, from_version), version_plan(con, athlete_id, to_version))


def version_plans(con: duckdb.DuckDBPyConnection, athlete_id: int, versions: Sequence[int]) -> dict[int, Plan]:
    """The plans at `versions`, from one query and one forward walk over the patches (a timeline of hundreds of
    versions would otherwise cost a query and a replay per version on every page run)."""
    wanted = set(versions)
    plans = {0: empty_plan()} if 0 in wanted else {}
    stored = sorted(v for v in wanted if v != 0)
    if not stored:
        return plans
    data: dict[str, Any] | None = None
    for row in plan_db.version_span(con, athlete_id, stored[0], stored[-1]):
        if row["snapshot_json"] is not None:
            data = json.loads(row["snapshot_json"])
        elif data is not None:
            patch = json.loads(row["patch_json"])
            data["days"] = [patch.get(d["day_id"], d) for d in data["days"]]
        if row["version"] in wanted and data is not None:
            plans[row["version"]] = plan_from_canonical(data)
    missing = [v for v in stored if v not in plans]
    if missing:
        raise NotFoundError(f"version: athlete {athlete_id} has no plan version {describe(missing[0])}")
    return plans


def changes_by_version(con: duckdb.DuckDBPyConnection, athlete_id: int, versions: Sequence[int]) -> dict[int, PlanDiff]:
    """Each version's diff from the one before it (none for the first): what the timeline says in plain words."""
    plans = version_plans(con, athlete_id, versions)
    return {b: diff_plans(plans[a], plans[b]) for a, b in itertools.pairwise(versions)}


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


LAST_INTERACTION = "last-interaction"


def plan_context_for_model(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    encoding: str = DEFAULT_ENCODING,
    *,
    since: str | None = LAST_INTERACTION,
) -> PlanContext:
    """Context for the next model turn: unchanged / delta since `since` / full.

    `since` is the plan hash the model was last shown (None: it has seen none, so the full plan);
    by default the hash of the athlete's last logged interaction.
    """
    head = plan_head(con, athlete_id)
    current = load_plan(con, athlete_id)
    base_hash = plan_db.last_interaction_plan_hash(con, athlete_id) if since == LAST_INTERACTION else since
    if base_hash is None:
        return build_plan_context(current, head.plan_hash, head.version, None, None, None, encoding)
    if base_hash == head.plan_hash:
        return build_plan_context(current, head.plan_hash, head.version, current, base_hash, head.version, encoding)
    row = plan_db.version_by_hash(con, athlete_id, base_hash) if HASH_PREFIX_RE.match(base_hash) else None
    if row is None:
        return build_plan_context(current, head.plan_hash, head.version, None, base_hash, None, encoding)
    base = version_plan(con, athlete_id, int(row["version"]))
    return build_plan_context(
        current, head.plan_hash, head.version, base, row["plan_hash"], int(row["version"]), encoding
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
    plan = load_plan(con, athlete_id)
    top_block, top_member = max_ids(plan)
    next_block, next_member = plan_db.counters(con, athlete_id)
    stored = plan_db.head(con, athlete_id)
    if stored is not None:
        if next_block <= top_block or next_member <= top_member:
            problems.append(
                f"ID counters (next b_{next_block}, m_{next_member}) not above the highest IDs"
                f" (b_{top_block}, m_{top_member})"
            )
        if stored.plan_hash != plan_hash(plan):
            problems.append(
                f"head hash {short_hash(stored.plan_hash)} differs from the tables' hash {short_hash(plan_hash(plan))}"
            )
        row = plan_db.version_row(con, athlete_id, stored.version)
        if row is None or row["plan_hash"] != stored.plan_hash:
            problems.append(f"head version v{stored.version} is not recorded with hash {short_hash(stored.plan_hash)}")
    return problems
