"""core.workouts.formats: the token table, the issue's targets on every demo athlete, pick_level, JSON/TOON, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import toon_format

from core.benchmarks import formats as bench
from core.errors import CoachError, NotFoundError
from core.workouts.compact import format_compact
from core.workouts.formats import (
    FORMATS,
    athlete_scope_tables,
    data_dict,
    format_json,
    format_toon,
    get_workout_data,
    load_workout_data,
    pick_level,
    target_checks,
    token_table,
)

ROOT = Path(__file__).resolve().parents[2]


def test_every_demo_athlete_meets_every_target_in_o200k(demo_con) -> None:
    """compact ≤ 0.60 (current week), ultra ≤ 0.40 (full program, current week), ultra < compact/JSON/TOON everywhere."""
    checked = 0
    for athlete in range(1, 6):
        tables = athlete_scope_tables(demo_con, athlete, "o200k_base")
        assert {d.scope.kind for d, _ in tables} == {"full_program", "week", "session", "current_week"}
        for data, rows in tables:
            for check in target_checks(data, rows):
                checked += 1
                assert check.ok, (
                    f"{check.athlete} {check.scope}: {check.claim} (got {check.value}, limit {check.limit})"
                )
    assert checked == 5 * (4 + 3 + 3 + 5)


def test_token_table_has_every_format_with_ratio_to_verbose(demo_con) -> None:
    """One row per format in order; verbose is the 1.0 baseline and ratios are tokens / verbose tokens."""
    rows = token_table(load_workout_data(demo_con, "maya", "current_week"))
    assert [r.format for r in rows] == list(FORMATS)
    verbose = rows[0].tokens
    assert rows[0].ratio == 1.0
    for r in rows:
        assert r.ratio == round(r.tokens / verbose, 4)


def test_json_and_toon_carry_the_same_data(demo_con) -> None:
    """Minified JSON and TOON both decode to the same dict (no empty fields, no spaces in JSON)."""
    data = load_workout_data(demo_con, 2, "current_week")
    expected = data_dict(data.program)
    text = format_json(data.program)
    assert json.loads(text) == expected and ", " not in text.split('"notes"')[0]
    assert toon_format.decode(format_toon(data.program)) == expected


def test_pick_level_returns_the_most_readable_level_that_fits(demo_con) -> None:
    """A roomy budget keeps verbose, a tighter one compact, then ultra, and a tiny one none with the counts."""
    data = load_workout_data(demo_con, 1, "current_week")
    counts = {r.format: r.tokens for r in token_table(data)}
    assert pick_level(data, counts["verbose"]).level == "verbose"
    assert pick_level(data, counts["verbose"] - 1).level == "compact"
    assert pick_level(data, counts["compact"] - 1).level == "ultra"
    none = pick_level(data, counts["ultra"] - 1)
    assert none.level is None and "no level fits" in none.message and str(counts["ultra"]) in none.message


def test_get_workout_data_scopes_and_errors(demo_con) -> None:
    """The tool function renders each scope; unknown weeks, sessions, scopes and formats are clear errors."""
    text = get_workout_data(demo_con, 1, "week:2", "compact")
    assert text.startswith("W2 ") and "\nS1:" in text
    session = get_workout_data(demo_con, 1, "session:week-3-session-2", "compact")
    assert session.startswith("S2:")
    assert get_workout_data(demo_con, 1, "current_week_detail", "compact") == get_workout_data(
        demo_con, 1, "current_week", "compact"
    )
    assert get_workout_data(demo_con, 1, "full_program", "compact") == format_compact(
        load_workout_data(demo_con, 1, "full_program").program
    )
    with pytest.raises(NotFoundError, match="week 99"):
        get_workout_data(demo_con, 1, "week:99", "compact")
    with pytest.raises(NotFoundError, match="session 'nope'"):
        get_workout_data(demo_con, 1, "session:nope", "compact")
    with pytest.raises(CoachError, match="scope 'month'"):
        get_workout_data(demo_con, 1, "month", "compact")
    with pytest.raises(CoachError, match="format 'xml'"):
        get_workout_data(demo_con, 1, "full_program", "xml")
    with pytest.raises(NotFoundError, match="athlete '99' not found"):
        get_workout_data(demo_con, 99, "full_program", "compact")


def test_benchmark_reports_every_athlete_and_scope_with_targets_met(demo_db_path) -> None:
    """The benchmark covers 5 athletes × 4 scopes, all targets met, every round trip ok."""
    import argparse

    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--repeats", "1"])
    args.db = demo_db_path
    result = bench.run(args)
    assert len(result["scopes"]) == 20
    assert result["targets"]["all_met"] and result["round_trip_all"]
    assert result["seed_example"]["compact"] < result["seed_example"]["verbose"]
    assert "targets: 75 checked, all met" in bench.render(result)


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core", *argv], capture_output=True, text=True, cwd=ROOT, check=False)


@pytest.mark.slow  # starts `python -m core` in a subprocess
def test_cli_prints_the_token_table_as_json_and_text(demo_db_path) -> None:
    """`tokens --athlete --scope --json` gives every format's count; the text mode still counts a plain text."""
    out = _cli("--db", str(demo_db_path), "tokens", "--athlete", "maya", "--scope", "week:3", "--json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["athlete"] == "maya" and payload["scope"] == "week:3"
    assert [r["format"] for r in payload["rows"]] == list(FORMATS)
    text = _cli("--db", str(demo_db_path), "tokens", "--athlete", "2", "--scope", "current_week", "--budget", "300")
    assert "compact" in text.stdout and "TOON" in text.stdout and "fits 300 tokens" in text.stdout
    plain = _cli("tokens", "tiktoken is great!", "--json")
    assert json.loads(plain.stdout)["tokens"] == 6
    bad = _cli("--db", str(demo_db_path), "tokens", "--athlete", "maya", "--scope", "week:99")
    assert bad.returncode == 1 and "week 99" in bad.stderr
