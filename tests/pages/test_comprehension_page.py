"""pages/comprehension.py: the score table and the accuracy-against-tokens scatter from saved result files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db.connection import PROJECT_ROOT
from core.eval.report import scores
from core.eval.runner import load_results

SAVED = sorted((PROJECT_ROOT / "data" / "eval").glob("*.jsonl"))


def _row(qid: str, fmt: str, correct: bool, prompt_tokens: int) -> dict:
    return {
        "qid": qid, "athlete": "maya", "week": 16, "kind": qid.split(":")[-1], "format": fmt, "model": "scripted",
        "endpoint": "openai", "correct": correct, "answer": "a", "gold": "a", "data_tokens": prompt_tokens - 300,
        "prompt_tokens": prompt_tokens, "reported_prompt_tokens": None, "completion_tokens": None, "latency_s": 0.1,
    }  # fmt: skip


def test_page_shows_accuracy_and_tokens_per_format_from_the_result_file(
    open_app: Callable[..., AppTest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Given a result file with verbose 2/2 and ultra 1/2, when the page renders, then the table and scatter show exactly that."""
    rows = [_row("a:note", "verbose", True, 1300), _row("b:plan_edit", "verbose", True, 1300)]
    rows += [_row("a:note", "ultra", True, 500), _row("b:plan_edit", "ultra", False, 500)]
    (tmp_path / "scripted.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setenv("COACH_EVAL_DIR", str(tmp_path))
    at = open_app("pages/comprehension.py")
    table = at.dataframe[0].value
    assert list(table.format) == ["verbose", "ultra"]
    assert list(table.correct) == [2, 1] and list(table.accuracy) == [1.0, 0.5]
    assert list(table.prompt_tokens) == [1300, 500]
    assert len(at.get("plotly_chart")) == 1
    assert not at.warning  # 1.0 and 0.5 are above the floor


def test_page_renders_the_saved_results_in_the_repo(open_app: Callable[..., AppTest]):
    """Given the committed result files, when the page renders, then one row per format of the first model shows."""
    assert SAVED, "data/eval/ must ship the real run: it is the page's first data (issue 14)"
    at = open_app("pages/comprehension.py")
    saved = [r for path in SAVED for r in load_results(path)]
    model = sorted({r.model for r in saved})[0]
    expected = [s.format for s in scores(r for r in saved if r.model == model)]
    assert list(at.dataframe[0].value.format) == expected
