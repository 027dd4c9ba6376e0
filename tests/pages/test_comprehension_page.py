"""pages/comprehension.py: runs side by side with baselines, floor marks, the verdict and the question browser."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import connect
from core.db.connection import PROJECT_ROOT
from core.eval.questions import generate_questions, limit_questions
from core.eval.runner import load_results
from core.eval.scoring import gold_text

SAVED = sorted((PROJECT_ROOT / "data" / "eval").glob("*.jsonl"))


def _row(q, fmt: str, model: str, answer: str, correct: bool) -> dict:
    return {
        "qid": q.qid, "athlete": q.athlete, "week": q.week, "kind": q.kind, "format": fmt, "model": model,
        "endpoint": "openai", "correct": correct, "answer": answer, "gold": gold_text(q), "data_tokens": 700,
        "prompt_tokens": 1000 if fmt == "verbose" else 500, "reported_prompt_tokens": None,
        "completion_tokens": None, "latency_s": 0.1,
    }  # fmt: skip


@pytest.fixture
def two_models(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    """A reader right on 27 questions in verbose and compact (ultra all wrong), and an echoing model wrong everywhere."""
    con = connect(demo_db_path)
    questions = limit_questions(generate_questions(con), 27)
    con.close()
    rows = []
    for q in questions:
        for fmt in ("verbose", "compact", "ultra"):
            rows.append(_row(q, fmt, "reader", gold_text(q) if fmt != "ultra" else "I don't know", fmt != "ultra"))
            rows.append(_row(q, fmt, "echoer", "<b>Data</b> **as** markdown", False))
    (tmp_path / "runs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setenv("COACH_EVAL_DIR", str(tmp_path))
    return questions


def test_page_compares_models_with_readable_labels_floor_marks_and_a_verdict(
    open_app: Callable[..., AppTest], two_models
):
    """Given a capable reader and an echoer, when the page renders, then both show side by side in words and percents,
    the echoer is floor-level, and the verdict says ultra loses accuracy and compact does not."""
    at = open_app("pages/comprehension.py")
    table = at.dataframe[0].value
    assert "prompt_tokens" not in table.columns and "Accuracy per 1,000 prompt tokens" in table.columns
    reader = table[table.Model == "reader"].set_index("Format")
    assert list(reader.Accuracy) == ["100.0 %", "100.0 %", "0.0 %"]
    assert reader.loc["ultra", "95 % interval (Wilson)"] == "0.0–12.5 %"
    assert set(table[table.Model == "echoer"].Level) == {
        "floor-level (interval reaches the echo / I-don't-know baseline)"
    }
    assert set(table[table.Model == "baseline: echo"].Level) == {"reference reader"}
    oracle = table[table.Model == "oracle: our parser"]
    assert set(oracle.Accuracy) == {"100.0 %"}
    texts = [m.value for m in at.markdown]
    assert "- reader: ultra loses accuracy beyond the interval (ultra 0% against verbose 100%)" in texts
    assert "- reader: compact loses no accuracy beyond the interval (compact 100% against verbose 100%)" in texts
    assert [w.value.split(" is floor-level")[0] for w in at.warning] == ["echoer"]


def test_question_browser_shows_the_question_gold_and_each_models_answer(open_app: Callable[..., AppTest], two_models):
    """Given the two runs, when a question and a format are picked, then its text, gold and both answers show, as text."""
    at = open_app("pages/comprehension.py")
    q = two_models[3]
    at.selectbox(key="comprehension_question").set_value(q.qid).run()
    at.selectbox(key="comprehension_format").set_value("compact").run()
    assert not at.exception
    shown = [t.value for t in at.text]
    assert f"Question: {q.text}" in shown and f"Gold answer: {gold_text(q)}" in shown
    answers = at.dataframe[1].value.set_index("Model")
    assert answers.loc["reader", "Scored"] == "right" and answers.loc["echoer", "Scored"] == "wrong"
    assert answers.loc["echoer", "Answer"] == "<b>Data</b> **as** markdown"  # shown as text, not rendered
    assert at.code[0].value.startswith("W")  # the compact week document


def test_only_floor_level_runs_are_said_to_give_no_verdict(open_app: Callable[..., AppTest], two_models, monkeypatch):
    """Given only the echoing model is picked, when the page renders, then it says only floor-level runs exist."""
    at = open_app("pages/comprehension.py")
    at.multiselect(key="comprehension_models").set_value(["echoer"]).run()
    assert any(m.value.startswith("Only floor-level runs so far (echoer)") for m in at.markdown)


def test_page_renders_the_saved_results_in_the_repo(open_app: Callable[..., AppTest]):
    """Given the committed SmolLM2 runs, when the page renders, then every format of them shows and they are floor-level."""
    assert SAVED, "data/eval/ must ship the real run: it is the page's first data (issue 14)"
    at = open_app("pages/comprehension.py")
    saved = {r.model for path in SAVED for r in load_results(path)}
    table = at.dataframe[0].value
    assert set(table.Model) >= saved
    assert any(m.value.startswith("Only floor-level runs so far") for m in at.markdown)
