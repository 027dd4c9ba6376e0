"""core.analytics.patterns: every planted demo effect is found at roughly its size; the control athlete yields nothing."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from core.analytics.patterns import FAMILIES, PatternError, analyze_family, find_patterns
from core.cli import main
from core.db import connect
from core.db.athletes import resolve_athlete
from core.demo.effects import PLANTED_EFFECTS

CONTROL = "sam"


@pytest.fixture(scope="module")
def con(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """One private copy of the demo database for this module (the analytics only read)."""
    path = tmp_path_factory.mktemp("patterns") / "demo.duckdb"
    shutil.copyfile(demo_template, path)
    connection = connect(path)
    yield connection
    connection.close()


@pytest.mark.parametrize("effect", PLANTED_EFFECTS, ids=lambda e: e.key)
def test_planted_effect_is_found_with_direction_and_size(con: duckdb.DuckDBPyConnection, effect) -> None:
    """Given a planted effect, its family reports a finding with the same sign and within 0.5-1.6× its size."""
    athlete = resolve_athlete(con, effect.athlete)
    findings = find_patterns(con, athlete, family=effect.family)
    matching = [f for f in findings if f.key == effect.key]
    assert matching, f"{effect.key}: got {[f.key for f in findings]}"
    found = matching[0]
    assert found.family == effect.family and found.unit.split()[0] == effect.unit.split()[0]
    assert (found.effect > 0) == (effect.size > 0)
    assert 0.5 <= found.effect / effect.size <= 1.6
    assert found.p_value < 0.01 and found.n >= 16
    assert found.ci_low is not None and found.ci_low <= found.effect <= found.ci_high


@pytest.mark.parametrize("days", [None, 28, 56, 112])
def test_control_athlete_yields_no_finding_in_any_family(con: duckdb.DuckDBPyConnection, days: int | None) -> None:
    """The control athlete (no planted effect) gets no finding from any family, whatever the window."""
    athlete = resolve_athlete(con, CONTROL)
    for family in FAMILIES:
        result = analyze_family(con, athlete, family, days)
        assert result.findings == (), (family, [f.summary for f in result.findings])
        assert result.note


def test_summaries_cite_dates_and_numbers_and_serialize(con: duckdb.DuckDBPyConnection) -> None:
    """Every finding's summary names a date and a number, and to_dict() is plain JSON."""
    found = [
        f for handle in ("maya", "tomas", "jordan", "aiko") for f in find_patterns(con, resolve_athlete(con, handle))
    ]
    assert len(found) >= len(PLANTED_EFFECTS)
    for f in found:
        assert re.search(r"\d{4}-\d{2}-\d{2}", f.summary) and re.search(r"\d+\.\d", f.summary), f.summary
        assert json.loads(json.dumps(f.to_dict()))["key"] == f.key


def test_results_are_deterministic(con: duckdb.DuckDBPyConnection) -> None:
    """Permutation p-values and bootstrap intervals use a fixed seed: two runs give identical findings."""
    athlete = resolve_athlete(con, "jordan")
    assert [f.to_dict() for f in find_patterns(con, athlete)] == [f.to_dict() for f in find_patterns(con, athlete)]


def test_too_little_data_reports_nothing(con: duckdb.DuckDBPyConnection) -> None:
    """Two weeks hold too few runs after leg days and too few PR sessions: nothing is claimed."""
    assert find_patterns(con, resolve_athlete(con, "jordan"), days=14) == []
    assert find_patterns(con, resolve_athlete(con, "maya"), family="performance", days=14) == []


def test_every_family_returns_chart_data(con: duckdb.DuckDBPyConnection) -> None:
    """Each family hands back the observations its chart plots."""
    athlete = resolve_athlete(con, "tomas")
    for family in FAMILIES:
        result = analyze_family(con, athlete, family)
        assert result.family == family and not result.data.empty


def test_bad_family_and_window_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    """An unknown family or a non-positive window raises a PatternError naming the value."""
    with pytest.raises(PatternError, match="'naps'"):
        find_patterns(con, 1, family="naps")
    with pytest.raises(PatternError, match="days=0"):
        find_patterns(con, 1, days=0)


def test_cli_prints_findings_as_json(demo_db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`patterns --athlete jordan --family sequencing --json` prints the leg-day finding."""
    assert main(["--db", str(demo_db_path), "patterns", "--athlete", "jordan", "--family", "sequencing", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    keys = [f["key"] for fam in payload["families"] for f in fam["findings"]]
    assert "leg_day_run_hr" in keys
    assert main(["--db", str(demo_db_path), "patterns", "--athlete", "sam", "--days", "56"]) == 0
    assert "no finding" in capsys.readouterr().out
    assert main(["--db", str(demo_db_path), "patterns", "--athlete", "nobody"]) == 1


def test_benchmark_runs_small(tmp_path: Path) -> None:
    """The benchmark runs at a tiny scale, caches its cohort and renders a table (no timing asserts)."""
    from core.benchmarks import patterns as bench

    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--athletes", "6", "--weeks", "5", "--repeats", "1", "--cache-dir", str(tmp_path)])
    first = bench.run(args)
    assert first["cohort"]["athletes"] == 6 and first["cohort"]["rows"] > 6 * 28
    assert len(first["one_athlete"]) == 5 and first["cohort"]["generation_s"] is not None
    assert bench.run(args)["cohort"]["generation_s"] is None  # cached
    assert "Daily snapshots" in bench.render(first)
