"""`plan`: show, edit (ops as JSON), diff, history, revert and legacy import of an athlete's weekly plan.

python -m core plan show --athlete maya
python -m core plan apply --athlete maya '[{"op": "update_block", "block_id": "b_2", "sets": 4}]'
python -m core plan diff 1 2 --athlete maya
python -m core plan history --athlete maya --json
python -m core plan revert 1 --athlete maya
python -m core plan import-legacy data/legacy_plan_sample.csv --athlete sam
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import duckdb

from core.cli import command_database, emit
from core.db.athletes import resolve_athlete
from core.plan.diff import render_diff
from core.plan.legacy import migrate_to_stable_ids, read_legacy_plan
from core.plan.model import AUTHORS, PlanError, plan_hash, plan_to_canonical, short_hash
from core.plan.op_table import EDIT_OP_NAMES, FIELDS, OPS, OPS_MAX, field_words, op_signature
from core.plan.ops import check_batch_shape
from core.plan.store import (
    apply_ops,
    diff_versions,
    latest_version,
    load_plan,
    plan_head,
    plan_versions,
    revert_to_version,
    version_plan,
)
from core.plan.text import format_plan_context

OPS_MAX_BYTES = 1_000_000


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--athlete", default="1", help="athlete_id or handle (default: 1)")
    p.add_argument("--json", action="store_true", help="print JSON")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    plan = sub.add_parser("plan", help="the weekly plan: show, apply ops, diff, history, revert, import legacy")
    cmds = plan.add_subparsers(dest="plan_command", metavar="PLAN_COMMAND", required=True)

    p = cmds.add_parser("show", help="the current plan as the model sees it (IDs, hash, version)")
    _common(p)
    p.add_argument("--version", type=int, default=None, help="show an earlier version instead")
    p.set_defaults(handler=run_show)

    p = cmds.add_parser(
        "apply",
        help="apply a batch of ops (JSON array, @FILE or - for stdin)",
        description=f"Apply up to {OPS_MAX} ops atomically. Ops ([optional]):\n  "
        + "\n  ".join(op_signature(OPS[n]) for n in EDIT_OP_NAMES)
        + "\nFields:\n  "
        + field_words(tuple(FIELDS)).replace("; ", "\n  "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(p)
    p.add_argument("ops", help='e.g. \'[{"op": "update_block", "block_id": "b_2", "sets": 4}]\'')
    p.add_argument("--base", default=None, help="base plan hash (default: the current one)")
    p.add_argument("--author", default="coach", choices=AUTHORS)
    p.set_defaults(handler=run_apply)

    p = cmds.add_parser("diff", help="structured diff between two versions")
    _common(p)
    p.add_argument("v1", type=int)
    p.add_argument("v2", type=int)
    p.set_defaults(handler=run_diff)

    p = cmds.add_parser("history", help="the version timeline")
    _common(p)
    p.set_defaults(handler=run_history)

    p = cmds.add_parser("revert", help="make an old version current again (as a new version)")
    _common(p)
    p.add_argument("version", type=int)
    p.set_defaults(handler=run_revert)

    p = cmds.add_parser("import-legacy", help="migrate a legacy plan file (CSV/JSON rows without IDs)")
    _common(p)
    p.add_argument("file", type=Path)
    p.set_defaults(handler=run_import_legacy)


def _plan_connection(args: argparse.Namespace, *, write: bool = False) -> tuple[duckdb.DuckDBPyConnection, int]:
    """(connection, athlete id): read-only unless the command writes; released when the command returns."""
    con = command_database(args, write=write)
    return con, resolve_athlete(con, args.athlete)


def run_show(args: argparse.Namespace) -> int:
    con, athlete_id = _plan_connection(args)
    head = plan_head(con, athlete_id)
    if args.version is not None:
        plan, version = version_plan(con, athlete_id, args.version), args.version
    else:
        plan, version = load_plan(con, athlete_id), head.version
    value = plan_hash(plan)
    payload = {"athlete_id": athlete_id, "version": version, "plan_hash": value, "plan": plan_to_canonical(plan)}
    emit(args, payload, format_plan_context(plan, value, version))
    return 0


def _ops_text(text: str) -> str:
    """The ops argument itself, stdin for `-`, or a file's text for `@FILE`; PlanError for an unreadable file."""
    if text == "-":
        return sys.stdin.read(OPS_MAX_BYTES + 1)
    if not text.startswith("@"):
        return text
    path = Path(text[1:])
    try:
        with path.open("rb") as fh:
            data = fh.read(OPS_MAX_BYTES + 1)
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or type(exc).__name__)
        raise PlanError(f"ops: cannot read {str(path)[-80:]!r}: {reason}; expected a JSON file of ops") from None


def _read_ops(text: str) -> list[Any]:
    """A batch of ops from the command line: one clear PlanError for anything but a JSON array (or one op object)."""
    raw = _ops_text(text)
    if len(raw) > OPS_MAX_BYTES:
        raise PlanError(f"ops: expected at most {OPS_MAX_BYTES} characters of JSON, got more")
    try:
        ops = json.loads(raw)
    except RecursionError:
        raise PlanError("ops: nested too deeply; expected an array of op objects") from None
    except (json.JSONDecodeError, ValueError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)[:60]
        raise PlanError(
            f'ops: not valid JSON ({detail}); expected an array like [{{"op": "update_block", ...}}]'
        ) from None
    ops = [ops] if isinstance(ops, dict) else ops
    check_batch_shape(ops, OPS_MAX)
    return ops


def run_apply(args: argparse.Namespace) -> int:
    con, athlete_id = _plan_connection(args, write=True)
    before = plan_head(con, athlete_id)
    new_hash = apply_ops(con, athlete_id, _read_ops(args.ops), args.base or before.plan_hash, args.author)
    after = plan_head(con, athlete_id)
    latest = latest_version(con, athlete_id)
    summary = latest.summary if latest is not None and after.version != before.version else []
    payload = {"athlete_id": athlete_id, "plan_hash": new_hash, "version": after.version, "changes": summary}
    text = f"ok {'; '.join(summary) or 'no change'}; plan {short_hash(new_hash)} v{after.version}"
    emit(args, payload, text)
    return 0


def run_diff(args: argparse.Namespace) -> int:
    con, athlete_id = _plan_connection(args)
    diff = diff_versions(con, athlete_id, args.v1, args.v2)
    lines = render_diff(diff)
    payload = {"athlete_id": athlete_id, "from": args.v1, "to": args.v2, **diff.to_dict(), "lines": lines}
    emit(args, payload, "\n".join(lines) if lines else f"v{args.v1} and v{args.v2} are the same plan")
    return 0


def run_history(args: argparse.Namespace) -> int:
    con, athlete_id = _plan_connection(args)
    versions = plan_versions(con, athlete_id)
    payload = {
        "athlete_id": athlete_id,
        "versions": [
            {
                "version": v.version,
                "plan_hash": v.plan_hash,
                "parent_hash": v.parent_hash,
                "created_at": v.created_at,
                "author": v.author,
                "actor": v.actor,
                "changes": v.summary,
            }
            for v in versions
        ],
    }
    lines = [
        f"v{v.version:<3} {short_hash(v.plan_hash)} {v.created_at:%Y-%m-%d %H:%M:%S} {v.author:<9} {v.actor:<12} "
        + ("; ".join(v.summary[:3]) + (f"; … {len(v.summary) - 3} more" if len(v.summary) > 3 else ""))
        for v in versions
    ]
    emit(args, payload, "\n".join(lines) if lines else "no versions recorded yet")
    return 0


def run_revert(args: argparse.Namespace) -> int:
    con, athlete_id = _plan_connection(args, write=True)
    before = plan_head(con, athlete_id)
    new_hash = revert_to_version(con, athlete_id, args.version)
    head = plan_head(con, athlete_id)
    payload = {
        "athlete_id": athlete_id,
        "reverted_to": args.version,
        "plan_hash": new_hash,
        "version": head.version,
        "changed": head.version != before.version,
    }
    if head.version == before.version:
        what = (
            "already the current plan"
            if args.version == head.version
            else f"the same plan as the current v{head.version}"
        )
        text = f"nothing to do: v{args.version} is {what}; plan {short_hash(new_hash)}"
    else:
        text = f"ok reverted to v{args.version} as v{head.version}; plan {short_hash(new_hash)}"
    emit(args, payload, text)
    return 0


def run_import_legacy(args: argparse.Namespace) -> int:
    con, athlete_id = _plan_connection(args, write=True)
    report = migrate_to_stable_ids(con, athlete_id, read_legacy_plan(args.file), source=args.file.name)
    text = (
        f"{report.status}: athlete {athlete_id} v{report.version} plan {short_hash(report.plan_hash)}"
        f" ({report.blocks} blocks, {report.members} circuit members"
        + (f", backup #{report.backup_id}" if report.backup_id else "")
        + "); references "
        + ("valid" if not report.reference_problems else "; ".join(report.reference_problems))
    )
    emit(args, report.to_dict(), text)
    return 0
