"""`python -m core plan …` commands and the plan benchmark, on a private demo database."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from core.benchmarks import plan as plan_bench
from core.cli import main
from core.plan.legacy import SAMPLE_LEGACY_PLAN


def _run(capsys: pytest.CaptureFixture, db: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), "plan", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_show_apply_diff_history_revert_round_trip(demo_db_path, capsys):
    """Show, apply an op, diff v5 v6, list history, revert to v1: each works and --json parses."""
    code, out, _ = _run(capsys, demo_db_path, "show", "--athlete", "maya")
    assert code == 0 and out.startswith("Plan ") and "b_1 Bench Press 4×6-8@155lbs" in out
    ops = json.dumps([{"op": "update_block", "block_id": "b_1", "sets": 5}])
    code, out, _ = _run(capsys, demo_db_path, "apply", "--athlete", "maya", ops, "--json")
    applied = json.loads(out)
    assert code == 0 and applied["version"] == 6 and applied["changes"] == ["b_1 sets 4→5"]
    code, out, _ = _run(capsys, demo_db_path, "diff", "5", "6", "--athlete", "1")
    assert out.strip() == "b_1 (Mon Bench Press) sets 4→5"
    code, out, _ = _run(capsys, demo_db_path, "history", "--athlete", "maya", "--json")
    assert [v["author"] for v in json.loads(out)["versions"]] == ["import", "coach", "ai", "coach", "ai", "coach"]
    code, out, _ = _run(capsys, demo_db_path, "revert", "1", "--athlete", "maya")
    assert code == 0 and out.startswith("ok reverted to v1 as v7")
    code, out, _ = _run(capsys, demo_db_path, "diff", "1", "7", "--athlete", "maya", "--json")
    assert json.loads(out)["changes"] == []


def test_apply_refuses_bad_ops_and_stale_base_with_exit_1(demo_db_path, capsys):
    """A malformed op or a stale --base prints one error line and exits 1."""
    bad = json.dumps([{"op": "update_block", "block_id": "b_1", "weight": "lots"}])
    code, _, err = _run(capsys, demo_db_path, "apply", "--athlete", "maya", bad)
    assert code == 1 and err.startswith(
        "error: op 1 (update_block): weight: expected like 225lbs, 100kg or BW, got 'lots'"
    )
    ok = json.dumps([{"op": "update_block", "block_id": "b_1", "sets": 5}])
    code, _, err = _run(capsys, demo_db_path, "apply", "--athlete", "maya", ok, "--base", "0123abcd")
    assert code == 1 and "not a version of this athlete's plan" in err


def test_import_legacy_twice_migrates_once(demo_db_path, capsys):
    """import-legacy migrates the sample file, a second run reports already migrated."""
    code, out, _ = _run(capsys, demo_db_path, "import-legacy", str(SAMPLE_LEGACY_PLAN), "--athlete", "sam", "--json")
    first = json.loads(out)
    assert code == 0 and first["status"] == "migrated" and first["reference_problems"] == []
    code, out, _ = _run(capsys, demo_db_path, "import-legacy", str(SAMPLE_LEGACY_PLAN), "--athlete", "sam")
    assert out.startswith("already migrated") and first["plan_hash"][:8] in out


def test_benchmark_shows_single_block_edit_delta_within_10_percent_for_every_demo_athlete(demo_db_path):
    """The plan benchmark replays ≥20 turns per demo athlete; single-block-edit deltas cost ≤10% of the full plan."""
    result = plan_bench.run(argparse.Namespace(db=demo_db_path, athlete=None, encoding="o200k_base"))
    assert len(result["athletes"]) == 5
    for athlete in result["athletes"]:
        totals = athlete["totals"]
        kinds = {t["kind"] for t in athlete["turns"]}
        assert totals["turns"] >= 20 and {"none", "single", "multi"} <= kinds
        assert totals["single_edit_turns"] >= 1
        assert totals["max_single_edit_ratio"] <= 0.10
        assert totals["worst_any_block_single_edit"]["ratio"] <= 0.10
        assert totals["context_tokens"] < totals["full_plan_tokens"]
        assert totals["structured_tool_tokens"] < totals["verbose_tool_tokens"]
    assert result["totals"]["single_edit_within_limit_all"] is True
    assert "single-edit ≤10% on every athlete: yes" in plan_bench.render(result)


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ("null", "error: ops: expected an array of operations, got null (null)"),
        ("5", "error: ops: expected an array of operations, got 5 (integer)"),
        ("@/nonexistent/ops.json", "error: ops: cannot read '/nonexistent/ops.json': No such file or directory"),
        ("@DIR", "error: ops: cannot read"),
        ("@BINARY", "not UTF-8 text"),
        ("[" * 1000 + "]" * 1000, "error: ops: nested too deeply"),
        ('[{"op": "update_block",' + ' "block_id": "b_1", "sets": ' + "9" * 4301 + "}]", "error: ops: not valid JSON"),
    ],
    ids=["null", "number", "missing-file", "directory", "binary", "deep", "huge-int"],
)
def test_apply_turns_every_bad_ops_argument_into_one_line_and_changes_nothing(
    demo_db_path, tmp_path, capsys, ops, message
):
    """Given null, a number, an unreadable @file or hostile JSON, `plan apply` prints one error line, exits 1, writes nothing."""
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00\x01")
    ops = ops.replace("@DIR", f"@{tmp_path}").replace("@BINARY", f"@{tmp_path / 'binary.json'}")
    _, before, _ = _run(capsys, demo_db_path, "history", "--athlete", "maya")
    code, out, err = _run(capsys, demo_db_path, "apply", "--athlete", "maya", ops)
    assert code == 1 and out == "" and message in err and err.count("\n") == 1, err
    assert _run(capsys, demo_db_path, "history", "--athlete", "maya")[1] == before


def test_revert_to_the_current_version_says_nothing_to_do(demo_db_path, capsys):
    """Given the plan at v5, `plan revert 5` says there is nothing to do and records no version."""
    code, out, _ = _run(capsys, demo_db_path, "revert", "5", "--athlete", "maya")
    assert code == 0 and out.startswith("nothing to do: v5 is already the current plan; plan ")
    ops = json.dumps([{"op": "update_block", "block_id": "b_1", "sets": 5}])
    _run(capsys, demo_db_path, "apply", "--athlete", "maya", ops)
    _run(capsys, demo_db_path, "apply", "--athlete", "maya", ops.replace("5", "4"))
    code, out, _ = _run(capsys, demo_db_path, "revert", "5", "--athlete", "maya")
    assert out.startswith("nothing to do: v5 is the same plan as the current v7")
    code, out, _ = _run(capsys, demo_db_path, "history", "--athlete", "maya", "--json")
    assert len(json.loads(out)["versions"]) == 7


def test_apply_help_lists_every_op_and_field_from_the_op_table(capsys):
    """`plan apply --help` shows each model op's signature and each field's limits in words."""
    from core.plan.op_table import EDIT_OP_NAMES, FIELDS, OPS, op_signature

    with pytest.raises(SystemExit):
        main(["plan", "apply", "--help"])
    out = capsys.readouterr().out
    assert all(op_signature(OPS[name]) in out for name in EDIT_OP_NAMES)
    assert all(f"{f.name} {f.words}" in out for f in FIELDS.values())
