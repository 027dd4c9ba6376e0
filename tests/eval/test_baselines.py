"""Baselines: echo and "I don't know" at the floor in every format and kind, the oracle at 100 %, directly and through
the real SDK against a scripted OpenAI-compatible server."""

from __future__ import annotations

import pytest

from core.chat.endpoints import Endpoint
from core.eval.baselines import baseline_model, baseline_results
from core.eval.documents import DocumentSource
from core.eval.oracle import IDK, oracle_answer
from core.eval.questions import QUESTION_KINDS, generate_questions, limit_questions
from core.eval.report import scores
from core.eval.runner import load_results, run_evaluation, run_name
from core.workouts.formats import FORMAT_LABELS, FORMATS

LABELS = {label: fmt for fmt, label in FORMAT_LABELS.items()}


def _cells(results, model):
    return {(s.format, s.kind): s for s in scores([r for r in results if r.model == model], by_kind=True)}


def test_floors_score_zero_and_the_oracle_every_question_in_every_format_and_kind(demo_con):
    """Given every demo question in every format, when the baselines answer, then echo ≤ 2 %, IDK 0 %, oracle 100 % per cell."""
    questions = generate_questions(demo_con)
    results = baseline_results(questions, FORMATS, DocumentSource(demo_con))
    echo, idk, oracle = (_cells(results, baseline_model(n)) for n in ("echo", "idk", "oracle"))
    assert set(echo) == {(f, k) for f in FORMATS for k in QUESTION_KINDS}
    for cell in echo:
        assert echo[cell].accuracy <= 0.02, cell
        assert idk[cell].correct == 0, cell
        assert oracle[cell].correct == oracle[cell].n > 0, cell


def _reader(questions, source, how):
    """A scripted endpoint reply: echo the user message, say I don't know, or answer like the oracle."""
    by_text = {q.text: q for q in questions}

    def reply(body: dict) -> dict:
        user = body["messages"][-1]["content"]
        if how == "echo":
            return {"content": user}
        if how == "idk":
            return {"content": IDK}
        data, asked = user.rsplit("\n\nQuestion: ", 1)
        label, data = data.split(":\n", 1)
        return {"content": oracle_answer(by_text[asked], LABELS[label.removeprefix("Data (").rstrip(")")], data)}

    return reply


@pytest.mark.parametrize(("how", "low", "high"), [("echo", 0.0, 0.02), ("idk", 0.0, 0.0), ("oracle", 1.0, 1.0)])
def test_a_scripted_endpoint_scores_like_its_reader_in_every_format_and_kind(
    demo_con, scripted_server, tmp_path, how, low, high
):
    """Given a server that echoes, says I don't know or reads like the oracle, when the run asks 2 questions of every
    kind in every format, then each format × kind cell scores in the reader's band."""
    questions = limit_questions(generate_questions(demo_con), 2 * len(QUESTION_KINDS))
    source = DocumentSource(demo_con)
    server = scripted_server(_reader(questions, source, how))
    path = tmp_path / f"{how}.jsonl"
    endpoint = Endpoint("openai", server.base_url, how, None, "sk-test")
    summary = run_evaluation(endpoint, questions, FORMATS, source, path, concurrency=3)
    assert summary.failed == 0
    cells = _cells(load_results(path), run_name(endpoint))  # the model at this server
    assert len(cells) == len(FORMATS) * len(QUESTION_KINDS)
    for cell, score in cells.items():
        assert score.n == 2 and low <= score.accuracy <= high, (cell, score)
