"""Both engines, local (DuckDB + processes) and Spark (local[2]), give the same snapshots and findings."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from core.analytics.materialized import stored_findings
from core.cli import main
from core.cohort.local import materialize_local
from core.cohort.spark import materialize_spark
from core.db.findings import read_pattern_run
from tests.cohort.test_snapshots import assert_same_rows


@pytest.fixture(scope="module")
def local_output(cohort_export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local")
    materialize_local(cohort_export, out, workers=2, progress=False)
    return out


def _sorted(out: Path, name: str, keys: list[str]) -> pd.DataFrame:
    return pq.read_table(out / name).to_pandas().sort_values(keys).reset_index(drop=True)


def test_spark_and_local_engines_agree_row_for_row(cohort_export: Path, local_output: Path, tmp_path: Path):
    """Given 50 exported demo athletes, when materialized by Spark in local[2] mode and by the local engine,
    then snapshots match row for row (floats within 1e-12) and runs and findings are byte-identical."""
    # No skip: `make test` installs Java, so a missing JVM is a broken setup, not a reason to pass silently.
    assert shutil.which("java"), "Spark needs Java: run `make test`, which installs openjdk-17-jre-headless"
    summary = materialize_spark(cohort_export, tmp_path, master="local[2]")
    assert summary["athletes"] == 50
    assert_same_rows(pq.read_table(tmp_path / "snapshots"), pq.read_table(local_output / "snapshots"))
    for name, keys in (("runs", ["athlete_id"]), ("findings", ["athlete_id", "rank"])):
        spark, local = _sorted(tmp_path, name, keys), _sorted(local_output, name, keys)
        assert len(local) > (0 if name == "runs" else 10), f"too few {name} to compare"
        assert spark.to_dict("records") == local.to_dict("records"), name


def test_loaded_findings_are_current_for_the_dashboard(cohort_db: Path, local_output: Path, tmp_path: Path):
    """Given the local engine's output, when `load-findings` puts it into a copy of the database, then every
    athlete's stored run carries the current data version and `stored_findings` returns it unchanged."""
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(cohort_db, db)
    assert main(["--db", str(db), "load-findings", str(local_output)]) == 0
    findings = _sorted(local_output, "findings", ["athlete_id", "rank"])
    con = duckdb.connect(str(db))
    try:
        for athlete_id, rows in findings.groupby("athlete_id"):
            stored = read_pattern_run(con, int(athlete_id))
            assert stored is not None
            assert [f.key for f in stored_findings(con, int(athlete_id))] == rows.key.tolist()
    finally:
        con.close()


def test_workers_do_not_rerun_a_page_script_left_as_main(
    cohort_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given `__main__` is a script with no import name (what Streamlit leaves after running a page), when the
    local engine starts its spawn workers, then no worker runs that script and every athlete is materialized."""
    marker = tmp_path / "page-ran"
    page = tmp_path / "page.py"
    page.write_text(f"open({str(marker)!r}, 'w').close()\nraise RuntimeError('a page rendered in a worker')\n")
    left_by_streamlit = types.ModuleType("__main__")
    left_by_streamlit.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", left_by_streamlit)
    summary = materialize_local(cohort_export, tmp_path / "out", workers=2, progress=False)
    assert summary["athletes"] == 50
    assert not marker.exists()
    assert sys.modules["__main__"] is left_by_streamlit
