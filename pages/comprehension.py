"""Comprehension: do models read the compact formats as well as the verbose one? Saved runs side by side with the
baselines, the verdict per model, and a browser of every question and answer."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from core.eval.baselines import baseline_results
from core.eval.compare import compare, comparison_rows, evidence_sentence, percent
from core.eval.documents import DocumentSource
from core.eval.questions import Question, generate_questions
from core.eval.runner import Result, eval_dir, saved_results
from core.workouts.formats import FORMAT_LABELS, FORMATS
from ui import page_state

st.title("Comprehension")
st.caption(
    "Questions generated from DuckDB with gold answers from the tables, asked in each format at temperature 0 and "
    "checked deterministically (the gold value, and nothing else the document offers) — never by another model. "
    "Baselines are scored by the same rules. Run a model with `python -m core eval --endpoint NAME`."
)


@st.cache_data(ttl=600, max_entries=2, show_spinner="Scoring the baselines on every question…")
def _reference(database: str) -> tuple[list[Question], dict[tuple[str, str], str], list[Result]]:
    """Questions, each document's text per format, and the baselines' answers (echo, I don't know, oracle)."""
    con = page_state.connection().cursor()
    questions = generate_questions(con)
    source = DocumentSource(con)
    source.prerender(questions, FORMATS)
    texts = {(q.qid, fmt): source.text(q, fmt) for q in questions for fmt in FORMATS}
    return questions, texts, baseline_results(questions, FORMATS, source)


results = saved_results()
if not results:
    st.info(f"No saved results in {eval_dir()}. Run `python -m core eval --endpoint NAME` or `make model`.")
    st.stop()

questions, texts, baselines = _reference(page_state.database_key())
known = {q.qid for q in questions}
models = sorted({r.model for r in results})
chosen_models = st.multiselect("Models", models, default=models, key="comprehension_models")
chosen = [r for r in results if r.model in chosen_models and r.qid in known]
asked = {r.qid for r in chosen}
comparison = compare(chosen, [b for b in baselines if b.qid in asked])

st.subheader("Verdict")
st.write(evidence_sentence(comparison))
for verdict in comparison.verdicts:
    st.write(f"- {verdict.sentence}")
for model in sorted(comparison.floor_models):
    st.warning(
        f'{model} is floor-level: in every format its interval reaches the echo / "I don\'t know" baseline, so the '
        "differences between its formats are noise, not a finding about the formats."
    )

st.subheader("Accuracy per format")
rows = pd.DataFrame(comparison_rows(comparison))
st.dataframe(rows, hide_index=True, key="comprehension_table")
plot = pd.DataFrame(
    {
        "model": s.model,
        "format": FORMAT_LABELS.get(s.format, s.format),
        "accuracy": 100 * s.accuracy,
        "low": 100 * (s.accuracy - s.low),
        "high": 100 * (s.high - s.accuracy),
        "tokens": s.prompt_tokens,
    }
    for s in comparison.runs
)
fig = px.scatter(
    plot, x="tokens", y="accuracy", color="model", symbol="format", error_y="high", error_y_minus="low",
    labels={"tokens": "mean prompt tokens (system + data + question)", "accuracy": "accuracy, % (Wilson 95 % interval)"},
)  # fmt: skip
fig.update_layout(yaxis_range=[0, 105], height=420)
st.plotly_chart(fig, key="comprehension_scatter")

st.subheader("Question browser")
by_id = {q.qid: q for q in questions if q.qid in asked}
qid = st.selectbox(
    "Question", sorted(by_id), format_func=lambda k: f"{k} — {by_id[k].text[:80]}", key="comprehension_question"
)
fmt = st.selectbox("Format", FORMATS, format_func=lambda f: FORMAT_LABELS.get(f, f), key="comprehension_format")
if qid is not None:
    question = by_id[qid]
    st.text(f"Question: {question.text}")
    answers = [r for r in chosen if r.qid == qid and r.format == fmt]
    gold = answers[0].gold if answers else next((b.gold for b in baselines if b.qid == qid), "")
    st.text(f"Gold answer: {gold}")
    with st.expander("The document the model read"):
        st.code(texts[(qid, fmt)][:6000], language=None)
    st.dataframe(
        pd.DataFrame(
            {
                "Model": r.model,
                "Answer": r.answer,
                "Scored": "cut at the token limit" if r.truncated else ("right" if r.correct else "wrong"),
            }
            for r in answers
        ),
        hide_index=True,
        key="comprehension_answers",
    )
    right = sum(r.correct for r in chosen if r.qid == qid)
    st.caption(f"Across formats and models: {right} right of {len([r for r in chosen if r.qid == qid])}.")
st.caption(f"Accuracy shown as {percent(0.5)} style figures; tokens are exact (tiktoken).")
