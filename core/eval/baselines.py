"""Reference readers scored by the same scorer as every model, on the same questions and documents.

- echo: answers with the whole user message (data and question). A scorer that credits it rewards repeating.
- I don't know: answers "I don't know" to everything. A scorer that credits it rewards nothing.
- oracle: answers from our own lossless parser of each format (core.eval.oracle). Its 100 % shows the
  information is in every format, so a model's loss in a format is the model's, not the format's.

Both floors must be 0 % or near it in every format and kind; a model whose interval reaches theirs is floor-level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from core.eval.documents import DocumentSource
from core.eval.oracle import IDK, oracle_answer
from core.eval.questions import Question
from core.eval.runner import Result, messages_for, prompt_tokens
from core.eval.scoring import gold_text, is_credited
from core.tokens import count_tokens


def echo_answer(question: Question, fmt: str, data: str) -> str:
    """The whole user message, as a model that only repeats its prompt would answer."""
    return messages_for(question, fmt, data)[-1]["content"]


def idk_answer(question: Question, fmt: str, data: str) -> str:
    return IDK


Reader = Callable[[Question, str, str], str]
BASELINES: dict[str, tuple[str, Reader]] = {
    "echo": ("baseline: echo", echo_answer),
    "idk": ("baseline: I don't know", idk_answer),
    "oracle": ("oracle: our parser", oracle_answer),
}
FLOOR_BASELINES = ("echo", "idk")


def baseline_model(name: str) -> str:
    """The model name a baseline's results carry ('baseline: echo', …)."""
    return BASELINES[name][0]


def baseline_results(
    questions: list[Question], formats: Iterable[str], source: DocumentSource, names: Iterable[str] = tuple(BASELINES)
) -> list[Result]:
    """Every question in every format answered by each named reference reader, scored by `is_credited`, the
    rule every model's answer meets."""
    chosen = tuple(formats)
    out: list[Result] = []
    for question in questions:
        for fmt in chosen:
            data = source.text(question, fmt)
            tokens, prompt = count_tokens(data), prompt_tokens(messages_for(question, fmt, data))
            for name in names:
                model, read = BASELINES[name]
                answer = read(question, fmt, data)
                out.append(
                    Result(
                        question.qid, question.athlete, question.week, question.kind, fmt, model, "baseline",
                        is_credited(question, answer, "stop"), answer[:500], gold_text(question), tokens, prompt,
                        None, None, 0.0, "stop",
                    )
                )  # fmt: skip
    return out
