"""All plan SQL: the plan tables, the head (hash + version), ID counters, versions and backups.

Only `core.plan.store.apply_ops` (the one write path) and the legacy migration's backup
call the writing functions here. Transactions are `core.db.transactions.transaction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from core.db.connection import Row, insert_frame, scalar


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[Row]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def plan_rows(con: duckdb.DuckDBPyConnection, athlete_id: int) -> tuple[list[Row], list[Row], list[Row]]:
    """(days, blocks, members) rows of the athlete's current plan, in position order (every column but athlete_id)."""
    days = _rows(
        con, "SELECT * EXCLUDE (athlete_id) FROM plan_days WHERE athlete_id = ? ORDER BY weekday", [athlete_id]
    )
    blocks = _rows(
        con,
        "SELECT * EXCLUDE (athlete_id) FROM plan_blocks WHERE athlete_id = ? ORDER BY day_id, position, block_id",
        [athlete_id],
    )
    members = _rows(
        con,
        "SELECT * EXCLUDE (athlete_id) FROM plan_members WHERE athlete_id = ? ORDER BY block_id, position, member_id",
        [athlete_id],
    )
    return days, blocks, members


def plan_nested(con: duckdb.DuckDBPyConnection, athlete_id: int) -> dict[str, Any]:
    """The plan tables as `{"days": [{..., "blocks": [{..., "members": [...]}]}]}`, lists in position order.

    The shape of the plan's canonical dict (rows keep their extra columns, e.g. `position`);
    days without a row are left out (the reader fills in empty rest days).
    """
    days, blocks, members = plan_rows(con, athlete_id)
    by_block: dict[str, list[Row]] = {}
    for m in members:
        by_block.setdefault(m["block_id"], []).append(m)
    by_day: dict[str, list[Row]] = {}
    for b in blocks:
        by_day.setdefault(b["day_id"], []).append({**b, "members": by_block.get(b["block_id"], [])})
    day_ids = [d["day_id"] for d in days] + sorted(set(by_day) - {d["day_id"] for d in days})
    focus = {d["day_id"]: d["focus"] for d in days}
    return {"days": [{"day_id": d, "focus": focus.get(d), "blocks": by_day.get(d, [])} for d in day_ids]}


def replace_plan(con: duckdb.DuckDBPyConnection, athlete_id: int, plan: dict[str, Any], day_ids: list[str]) -> None:
    """Rewrite the rows of the listed days (and their blocks' members) from a canonical plan dict.

    Days are `day_N` with weekday N. Only the listed days are touched, so an edit's cost
    follows what it changed, not the plan's size. Caller holds the transaction.
    """
    if not day_ids:
        return
    con.execute(
        "DELETE FROM plan_members WHERE athlete_id = ? AND block_id IN"
        " (SELECT block_id FROM plan_blocks WHERE athlete_id = ? AND list_contains(?, day_id))",
        [athlete_id, athlete_id, day_ids],
    )
    for table in ("plan_blocks", "plan_days"):
        con.execute(f"DELETE FROM {table} WHERE athlete_id = ? AND list_contains(?, day_id)", [athlete_id, day_ids])
    day_rows, block_rows, member_rows = [], [], []
    for day in (d for d in plan["days"] if d["day_id"] in day_ids):
        day_rows.append({"day_id": day["day_id"], "weekday": int(day["day_id"].split("_")[1]), "focus": day["focus"]})
        for position, block in enumerate(day["blocks"], start=1):
            scalars = {k: v for k, v in block.items() if k != "members"}
            block_rows.append({**scalars, "day_id": day["day_id"], "position": position})
            member_rows += [
                {**m, "block_id": block["block_id"], "position": n}
                for n, m in enumerate(block.get("members", []), start=1)
            ]
    # Blocks of different kinds carry different keys (strength vs session fields): absent means NULL.
    block_columns = list(dict.fromkeys(k for row in block_rows for k in row))
    block_rows = [{k: row.get(k) for k in block_columns} for row in block_rows]
    for table, rows in (("plan_days", day_rows), ("plan_blocks", block_rows), ("plan_members", member_rows)):
        insert_frame(con, table, pd.DataFrame([{"athlete_id": athlete_id, **row} for row in rows]))


@dataclass(frozen=True)
class StoredHead:
    """The head row as stored: the current plan's hash and version number."""

    plan_hash: str
    version: int


def head(con: duckdb.DuckDBPyConnection, athlete_id: int) -> StoredHead | None:
    """The athlete's current plan head, None before the first write."""
    row = con.execute("SELECT plan_hash, version FROM plan_heads WHERE athlete_id = ?", [athlete_id]).fetchone()
    return None if row is None else StoredHead(str(row[0]), int(row[1]))


def swap_head(
    con: duckdb.DuckDBPyConnection, athlete_id: int, base_hash: str | None, new_hash: str, version: int, at: datetime
) -> bool:
    """Compare-and-swap the head: True only if it still held `base_hash` (None: no head yet)."""
    if base_hash is None:
        con.execute(
            "INSERT INTO plan_heads (athlete_id, plan_hash, version, updated_at) VALUES (?, ?, ?, ?)",
            [athlete_id, new_hash, version, at],
        )
        return True
    row = con.execute(
        "UPDATE plan_heads SET plan_hash = ?, version = ?, updated_at = ?"
        " WHERE athlete_id = ? AND plan_hash = ? RETURNING athlete_id",
        [new_hash, version, at, athlete_id, base_hash],
    ).fetchone()
    return row is not None


def counters(con: duckdb.DuckDBPyConnection, athlete_id: int) -> tuple[int, int]:
    """(next block number, next member number); (1, 1) when never written."""
    row = con.execute(
        "SELECT next_block, next_member FROM plan_id_counters WHERE athlete_id = ?", [athlete_id]
    ).fetchone()
    return (1, 1) if row is None else (int(row[0]), int(row[1]))


def set_counters(con: duckdb.DuckDBPyConnection, athlete_id: int, next_block: int, next_member: int) -> None:
    con.execute(
        "INSERT INTO plan_id_counters (athlete_id, next_block, next_member) VALUES (?, ?, ?)"
        " ON CONFLICT (athlete_id) DO UPDATE SET"
        " next_block = greatest(plan_id_counters.next_block, excluded.next_block),"
        " next_member = greatest(plan_id_counters.next_member, excluded.next_member)",
        [athlete_id, next_block, next_member],
    )


def insert_version(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    version: int,
    plan_hash: str,
    parent_hash: str | None,
    at: datetime,
    author: str,
    changes_json: str,
    *,
    snapshot_json: str | None = None,
    patch_json: str | None = None,
    actor: str = "local",
) -> None:
    """Record a version with either its full snapshot or a patch of the days it changed."""
    con.execute(
        "INSERT INTO plan_versions (athlete_id, version, plan_hash, parent_hash, created_at, author, changes_json,"
        " snapshot_json, patch_json, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [athlete_id, version, plan_hash, parent_hash, at, author, changes_json, snapshot_json, patch_json, actor],
    )


_VERSION_COLUMNS = "version, plan_hash, parent_hash, created_at, author, actor, changes_json"


def versions(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[Row]:
    """Every version (without snapshots), oldest first."""
    return _rows(
        con, f"SELECT {_VERSION_COLUMNS} FROM plan_versions WHERE athlete_id = ? ORDER BY version", [athlete_id]
    )


def version_count(con: duckdb.DuckDBPyConnection, athlete_id: int) -> int:
    return int(scalar(con, "SELECT count(*) FROM plan_versions WHERE athlete_id = ?", [athlete_id]))


def version_row(con: duckdb.DuckDBPyConnection, athlete_id: int, version: int) -> Row | None:
    """One version's record (without its plan; see `version_span`)."""
    rows = _rows(
        con,
        f"SELECT {_VERSION_COLUMNS} FROM plan_versions WHERE athlete_id = ? AND version = ?",
        [athlete_id, version],
    )
    return rows[0] if rows else None


def version_by_hash(con: duckdb.DuckDBPyConnection, athlete_id: int, hash_prefix: str) -> Row | None:
    """The latest version whose hash starts with `hash_prefix` (hex, 8-64 chars)."""
    rows = _rows(
        con,
        f"SELECT {_VERSION_COLUMNS} FROM plan_versions"
        " WHERE athlete_id = ? AND plan_hash >= ? AND plan_hash < ? || 'g' ORDER BY version DESC LIMIT 1",
        [athlete_id, hash_prefix, hash_prefix],
    )
    return rows[0] if rows else None


def version_span(con: duckdb.DuckDBPyConnection, athlete_id: int, first: int, last: int) -> list[Row]:
    """(version, snapshot_json, patch_json) from the latest full snapshot at or before `first` up to `last`."""
    return _rows(
        con,
        "SELECT version, snapshot_json, patch_json FROM plan_versions WHERE athlete_id = ? AND version <= ?"
        " AND version >= (SELECT max(version) FROM plan_versions"
        "  WHERE athlete_id = ? AND version <= ? AND snapshot_json IS NOT NULL) ORDER BY version",
        [athlete_id, last, athlete_id, first],
    )


def migration_source_versions(con: duckdb.DuckDBPyConnection, athlete_id: int, fingerprint: str) -> list[int]:
    """Versions written by a migration of the legacy rows with this fingerprint."""
    rows = con.execute(
        "SELECT version FROM plan_versions WHERE athlete_id = ? AND author = 'migration'"
        " AND json_extract_string(changes_json, '$.source.fingerprint') = ? ORDER BY version",
        [athlete_id, fingerprint],
    ).fetchall()
    return [int(r[0]) for r in rows]


def insert_backup(
    con: duckdb.DuckDBPyConnection, athlete_id: int, at: datetime, reason: str, plan_json: str, source_json: str | None
) -> int:
    return int(
        scalar(
            con,
            "INSERT INTO plan_backups (athlete_id, taken_at, reason, plan_json, source_json) VALUES (?, ?, ?, ?, ?)"
            " RETURNING backup_id",
            [athlete_id, at, reason, plan_json, source_json],
        )
    )


def backups(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[Row]:
    return _rows(
        con,
        "SELECT backup_id, taken_at, reason, plan_json, source_json FROM plan_backups WHERE athlete_id = ?"
        " ORDER BY backup_id",
        [athlete_id],
    )


def last_interaction_plan_hash(con: duckdb.DuckDBPyConnection, athlete_id: int) -> str | None:
    """The plan hash shown to the model in the athlete's latest interaction that recorded one."""
    row = con.execute(
        "SELECT plan_hash FROM interactions WHERE athlete_id = ? AND plan_hash IS NOT NULL"
        " ORDER BY created_at DESC, interaction_id DESC LIMIT 1",
        [athlete_id],
    ).fetchone()
    return None if row is None else str(row[0])


def record_interaction(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    at: datetime,
    plan_hash: str,
    user_message: str,
    encoding: str,
    plan_tokens: int,
    actor: str = "local",
) -> int:
    """Log an interaction with the plan hash the model was shown and who asked (the benchmark's replay uses it)."""
    return int(
        scalar(
            con,
            "INSERT INTO interactions (athlete_id, created_at, plan_hash, user_message, encoding, plan_tokens, actor)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING interaction_id",
            [athlete_id, at, plan_hash, user_message, encoding, plan_tokens, actor],
        )
    )


def version_storage_chars(con: duckdb.DuckDBPyConnection, athlete_id: int) -> int:
    """Characters of stored version data (snapshots, patches, change sets): what the history costs in content."""
    return int(
        scalar(
            con,
            "SELECT coalesce(sum(coalesce(length(snapshot_json), 0) + coalesce(length(patch_json), 0)"
            " + length(changes_json)), 0) FROM plan_versions WHERE athlete_id = ?",
            [athlete_id],
        )
    )
