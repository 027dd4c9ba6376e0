"""Import a legacy plan (rows without IDs) into the stable-ID form: `migrate_to_stable_ids`.

A legacy row is `day, exercise, sets, reps, weight` plus optional `circuit` (a
group name: consecutive rows of one day with the same group become one circuit
block whose rounds are the rows' sets), `rest_s` and `notes`. Files are CSV
(header row) or JSON (an array of row objects). Loose legacy spellings are
normalized before validation: `185 lbs` / `40 lb` → `185lbs` / `40lbs`,
`bodyweight` → `BW`, `amrap` → `AMRAP`.

The migration backs up the current plan first, writes through the one write
path (author 'migration', so the initial stable-ID version is recorded), then
validates every reference. It is idempotent: the rows' fingerprint is stored in
the version's change set, and the same rows are never migrated twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from core.db import plan as plan_db
from core.db.connection import PROJECT_ROOT
from core.plan.model import DAY_IDS, PlanError, canonical_json, describe, key_name
from core.plan.op_table import FIELDS
from core.plan.store import apply_ops, load_plan, plan_head, plan_versions, validate_references

SAMPLE_LEGACY_PLAN = PROJECT_ROOT / "data" / "legacy_plan_sample.csv"
_DAY_NAMES = {
    name: n
    for n, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue"),
            ("wednesday", "wed"),
            ("thursday", "thu"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ],
        start=1,
    )
    for name in names
}
_COLUMNS = ("day", "exercise", "sets", "reps", "weight", "circuit", "rest_s", "notes")
LEGACY_ROWS_MAX = 300
LEGACY_FILE_MAX_BYTES = 1_000_000
# Legacy columns checked like the op field of the same name (a circuit's name is an exercise-like label).
_CHECKED = {
    "exercise": "exercise",
    "sets": "sets",
    "reps": "reps",
    "weight": "weight",
    "rest_s": "rest_s",
    "notes": "notes",
    "circuit": "exercise",
}


@dataclass(frozen=True)
class LegacyRow:
    """One normalized legacy row; `weekday` 1 = Monday."""

    weekday: int
    exercise: str
    sets: int
    reps: str
    weight: str | None
    circuit: str | None = None
    rest_s: int | None = None
    notes: str | None = None


@dataclass(frozen=True)
class MigrationReport:
    athlete_id: int
    status: str  # 'migrated' | 'already migrated'
    version: int
    plan_hash: str
    blocks: int
    members: int
    backup_id: int | None
    fingerprint: str
    reference_problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _weight(value: Any) -> Any:
    if _blank(value):
        return None
    if not isinstance(value, str):
        return value
    text = value.strip().replace(" ", "")
    if text.lower() in ("bw", "bodyweight"):
        return "BW"
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(lbs?|kgs?)", text, flags=re.IGNORECASE)
    if match:
        unit = "lbs" if match.group(2).lower().startswith("lb") else "kg"
        return f"{match.group(1)}{unit}"
    return text


def _legacy_int(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return value


def normalize_legacy_row(raw: Mapping[str, Any], number: int) -> LegacyRow:
    """Validate and normalize one raw row; PlanError names the row number and the field."""
    where = f"legacy row {number}"
    extra: Any = dict(raw).get(None)  # type: ignore[call-overload]  # csv.DictReader puts extra values under None
    if extra is not None:
        raise PlanError(f"{where}: has {len(extra)} more value(s) than the header has columns")
    unknown = sorted(key_name(k) for k in set(raw) - set(_COLUMNS))
    if unknown:
        raise PlanError(f"{where}: {unknown[0]}: unknown column; expected {', '.join(_COLUMNS)}")
    for key in ("day", "exercise", "sets", "reps"):
        if _blank(raw.get(key)):
            raise PlanError(f"{where}: {key}: required")
    day = raw["day"]
    weekday = (
        _legacy_int(day) if not isinstance(day, str) or day.strip().isdigit() else _DAY_NAMES.get(day.strip().lower())
    )
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 1 <= weekday <= 7:
        raise PlanError(f"{where}: day: expected Monday..Sunday or 1..7, got {describe(day)}")
    values = {
        "exercise": raw["exercise"].strip() if isinstance(raw["exercise"], str) else raw["exercise"],
        "sets": _legacy_int(raw["sets"]),
        "reps": "AMRAP" if str(raw["reps"]).strip().lower() == "amrap" else str(raw["reps"]).strip(),
        "weight": _weight(raw.get("weight")),
        "rest_s": None if _blank(raw.get("rest_s")) else _legacy_int(raw.get("rest_s")),
        "notes": None if _blank(raw.get("notes")) else raw.get("notes"),
        "circuit": None if _blank(raw.get("circuit")) else str(raw.get("circuit")).strip(),
    }
    for key, field in _CHECKED.items():
        if values[key] is not None and (problem := FIELDS[field].check(values[key])):
            raise PlanError(f"{where}: {key}: {problem}")
    return LegacyRow(weekday=weekday, **values)


def _read_text(file: Path) -> str:
    """The file as text (a UTF-8 BOM dropped); PlanError for a missing, oversized or binary file."""
    if not file.is_file():
        raise PlanError(f"legacy plan file {str(file)[-80:]!r}: not found (expected a CSV or JSON file)")
    size = file.stat().st_size
    if size > LEGACY_FILE_MAX_BYTES:
        raise PlanError(f"legacy plan file {file.name!r}: expected at most {LEGACY_FILE_MAX_BYTES} bytes, got {size}")
    data = file.read_bytes()
    if b"\0" in data:
        raise PlanError(f"legacy plan file {file.name!r}: a binary file, not CSV or JSON text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanError(
            f"legacy plan file {file.name!r}: not UTF-8 text (byte {exc.start}); expected CSV or JSON"
        ) from None


def read_legacy_plan(path: Path | str) -> list[LegacyRow]:
    """Read a legacy CSV or JSON plan file into normalized rows (at most LEGACY_ROWS_MAX)."""
    file = Path(path)
    text = _read_text(file)
    if file.suffix.lower() == ".json":
        try:
            raw_rows = json.loads(text)
        except (json.JSONDecodeError, RecursionError, ValueError) as exc:
            raise PlanError(f"legacy plan file {file.name!r}: not valid JSON ({str(exc)[:80]})") from None
        if not isinstance(raw_rows, list) or not all(isinstance(r, dict) for r in raw_rows):
            raise PlanError(f"legacy plan file {file.name!r}: expected a JSON array of row objects")
    else:
        try:
            raw_rows = list(csv.DictReader(io.StringIO(text)))
        except csv.Error as exc:
            raise PlanError(f"legacy plan file {file.name!r}: not readable as CSV ({exc})") from None
    if not raw_rows:
        raise PlanError(f"legacy plan file {file.name!r}: no rows")
    if len(raw_rows) > LEGACY_ROWS_MAX:
        raise PlanError(f"legacy plan file {file.name!r}: expected at most {LEGACY_ROWS_MAX} rows, got {len(raw_rows)}")
    return [normalize_legacy_row(r, n) for n, r in enumerate(raw_rows, start=1)]


def legacy_fingerprint(rows: Sequence[LegacyRow]) -> str:
    """SHA-256 of the normalized rows (sorted keys, fixed separators): same rows, same fingerprint."""
    data = [asdict(r) for r in rows]
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def legacy_ops(rows: Sequence[LegacyRow]) -> list[dict[str, Any]]:
    """`add_block` ops (circuits with inline members) in row order, grouping consecutive circuit rows."""
    ops: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for row in sorted(rows, key=lambda r: r.weekday):  # stable: keeps the file order within a day
        day_id = DAY_IDS[row.weekday - 1]
        if row.circuit is None:
            current = None
            ops.append(
                {
                    "op": "add_block",
                    "day_id": day_id,
                    "kind": "single",
                    "exercise": row.exercise,
                    "sets": row.sets,
                    "reps": row.reps,
                    "weight": row.weight,
                    "rest_s": row.rest_s,
                    "notes": row.notes,
                }
            )
            continue
        if current is None or current["day_id"] != day_id or current["exercise"] != row.circuit:
            current = {
                "op": "add_block",
                "day_id": day_id,
                "kind": "circuit",
                "exercise": row.circuit,
                "sets": row.sets,
                "rest_s": row.rest_s,
                "notes": None,
                "members": [],
            }
            ops.append(current)
        current["sets"] = max(current["sets"], row.sets)
        current["members"].append(
            {"exercise": row.exercise, "reps": row.reps, "weight": row.weight, "notes": row.notes}
        )
    return ops


def _migration_in_effect(con: duckdb.DuckDBPyConnection, athlete_id: int, migrated: list[int]) -> bool:
    """True when the latest migration of these rows still underlies the current plan.

    A later revert to a version older than the migration undoes it (the shown plan is
    pre-migration again), so importing the same rows then migrates them afresh.
    """
    if not migrated:
        return False
    last, in_effect = migrated[-1], {migrated[-1]: True}
    state = True
    for version in plan_versions(con, athlete_id):
        if version.version <= last:
            continue
        restored = [e.get("version") for e in version.changes.get("entries", []) if e.get("op") == "restore_version"]
        if restored and isinstance(restored[-1], int):
            state = restored[-1] >= last and in_effect.get(restored[-1], True)
        in_effect[version.version] = state
    return state


def migrate_to_stable_ids(
    con: duckdb.DuckDBPyConnection, athlete_id: int, rows: Sequence[LegacyRow], source: str = "legacy rows"
) -> MigrationReport:
    """Replace the athlete's plan by the legacy rows in stable-ID form; a no-op if these rows were migrated before."""
    fingerprint = legacy_fingerprint(rows)
    if _migration_in_effect(con, athlete_id, plan_db.migration_source_versions(con, athlete_id, fingerprint)):
        head = plan_head(con, athlete_id)
        plan = load_plan(con, athlete_id)
        return MigrationReport(
            athlete_id,
            "already migrated",
            head.version,
            head.plan_hash,
            plan.block_count(),
            plan.member_count(),
            None,
            fingerprint,
            tuple(validate_references(con, athlete_id)),
        )
    head = plan_head(con, athlete_id)
    current = load_plan(con, athlete_id)
    backup_id = plan_db.insert_backup(
        con,
        athlete_id,
        datetime.now(UTC).replace(tzinfo=None),
        f"before migrate_to_stable_ids from {source}",
        canonical_json(current),
        json.dumps([asdict(r) for r in rows], ensure_ascii=False),
    )
    ops: list[dict[str, Any]] = [{"op": "remove_block", "block_id": b.block_id} for _, _, b in current.blocks()]
    ops += [{"op": "set_day_focus", "day_id": d.day_id, "focus": None} for d in current.days if d.focus is not None]
    ops += legacy_ops(rows)
    new_hash = apply_ops(
        con,
        athlete_id,
        ops,
        head.plan_hash,
        "migration",
        source={"fingerprint": fingerprint, "file": source, "rows": len(rows), "backup_id": backup_id},
    )
    problems = validate_references(con, athlete_id)
    if problems:
        raise PlanError(f"migration of athlete {athlete_id}: references invalid after writing: {'; '.join(problems)}")
    plan = load_plan(con, athlete_id)
    return MigrationReport(
        athlete_id,
        "migrated",
        plan_head(con, athlete_id).version,
        new_hash,
        plan.block_count(),
        plan.member_count(),
        backup_id,
        fingerprint,
    )
