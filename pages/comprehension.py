"""Comprehension: does a model read the compact formats as well as the verbose one? Saved evaluation results."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from core.eval.report import FLOOR, at_floor, score_rows, scores
from core.eval.runner import eval_dir, saved_results

st.title("Comprehension")
st.caption(
    "Questions generated from DuckDB with gold answers from the tables, asked in each format at temperature 0 and "
    "checked deterministically (numbers with tolerance, names as sets) — never by another model. "
    "Run more with `python -m core eval`."
)

results = saved_results()
if not results:
    st.info(f"No saved results in {eval_dir()}. Run `python -m core eval` against an endpoint or `make model`.")
    st.stop()

models = sorted({r.model for r in results})
model = st.selectbox("Model", models, key="comprehension_model")
chosen = [r for r in results if r.model == model]
per_format = scores(chosen)
frame = pd.DataFrame(score_rows(per_format))
questions = len({r.qid for r in chosen})
st.caption(f"{model}: {questions} questions, {len(chosen)} answers ({', '.join(frame.format)}).")
if at_floor(per_format):
    st.warning(
        f"Every format scored below {FLOOR:.0%}: this model sits at the floor, so the differences between formats "
        "are noise, not a finding about the formats. Comprehension differences need a more capable endpoint."
    )

frame["95% CI"] = frame.ci_low.map("{:.2f}".format) + "–" + frame.ci_high.map("{:.2f}".format)
table = frame[
    ["format", "n", "correct", "accuracy", "95% CI", "prompt_tokens", "data_tokens", "accuracy_per_1k_tokens"]
]
st.dataframe(table, hide_index=True, key="comprehension_table")

fig = px.scatter(
    frame, x="prompt_tokens", y="accuracy", text="format",
    error_y=frame.ci_high - frame.accuracy, error_y_minus=frame.accuracy - frame.ci_low,
    labels={"prompt_tokens": "mean prompt tokens (system + data + question)", "accuracy": "accuracy (Wilson 95% CI)"},
)  # fmt: skip
fig.update_traces(textposition="top center")
fig.update_layout(yaxis_range=[0, 1.05], height=420)
st.plotly_chart(fig, key="comprehension_scatter")

with st.expander("Accuracy by question kind"):
    kinds = pd.DataFrame(score_rows(scores(chosen, by_kind=True)))
    st.dataframe(kinds.pivot(index="kind", columns="format", values="accuracy"), key="comprehension_kinds")
