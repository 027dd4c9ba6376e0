"""The chat panel, shared by *Coach chat* and the *Weekly plan* page: the llm-examples chat pattern over `chat_turn`.

History lives in session state per athlete (so switching athletes never mixes conversations); every turn shows
what it cost and did: topics and the words that fired, each tier with its tokens, what was dropped, the plan delta
line, each tool call (failed ones too) with its result tokens, the reported usage, latency and cost. The API key
is read from secrets/env by core and never reaches the page: the panel only shows `Endpoint.describe()`.
Model and user text are drawn as text (st.text / st.code), never as markdown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pandas as pd
import streamlit as st

from core.chat.endpoints import (
    Endpoint,
    EndpointError,
    chat_timeout,
    configured_endpoint,
    local_endpoint,
    local_model_path,
)
from core.chat.loop import Limits
from core.chat.turn import PREVIEW_STOP, TurnRecord, chat_turn
from core.context.builder import Budgets
from core.context.replay import DEFAULT_PRICE
from core.errors import CoachError
from core.tokens import count_tokens
from ui import gate, page_state

MODE_LABELS = {
    "openai": "Configured endpoint",
    "local": "Embedded local model",
    "preview": "Preview (send nothing)",
}

# Under the picker when preview is all there is: how to get the other two options.
ADD_A_MODEL = (
    "Only preview here. For an endpoint set `OPENAI_API_KEY` (and `OPENAI_BASE_URL`, `OPENAI_MODEL`) in the "
    "environment or `.streamlit/secrets.toml`; for the embedded local model run `make model`. Then restart the app."
)


def _secrets() -> dict[str, Any]:
    try:
        return dict(st.secrets)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def _local_endpoint() -> Endpoint | None:
    """The local model server: one per dashboard process, shared by every session and page run, started on first use
    (and again if it died); core keeps it, not a cache, so it outlives the script run that started it."""
    with st.spinner("Starting the embedded local model…"):
        return local_endpoint()


def endpoint_picker(key: str, *, preview_first: bool = False) -> Endpoint:
    """The endpoint picked in the panel: configured (secrets/env), embedded local model, or preview.

    `preview_first` makes sending nothing the default (the replay sends 2 requests a turn when live).
    """
    try:
        configured = configured_endpoint(_secrets())
    except EndpointError as exc:
        st.error(str(exc))
        configured = None
    modes = [m for m, ok in (("openai", configured), ("local", local_model_path())) if ok] + ["preview"]
    if preview_first:
        modes = ["preview", *modes[:-1]]
    mode = st.radio("Model", modes, format_func=MODE_LABELS.get, key=f"{key}_mode", horizontal=True)
    if modes == ["preview"]:
        st.caption(ADD_A_MODEL)
    if mode == "openai" and configured is not None:
        return configured
    if mode == "local":
        try:
            local = _local_endpoint()
        except EndpointError as exc:
            st.error(str(exc))
            local = None
        if local is not None:
            return local
    return Endpoint("preview", None, "preview")


@contextlib.contextmanager
def _reading() -> Iterator[Any]:
    yield page_state.connection()


def _open_database(write: bool) -> contextlib.AbstractContextManager[Any]:
    """Reads on this run's connection; a plan edit or the log entry on a write connection released at once."""
    return page_state.writing() if write else _reading()


def _parts_frame(record: TurnRecord, encoding: str) -> pd.DataFrame:
    c = record.context
    budgets = {
        "tier 1": c.budgets.tier1,
        "tier 2": c.budgets.tier2,
        "plan": c.budgets.plan,
        "history": c.budgets.history,
    }
    parts, request = record.counts(encoding)
    rows = [{"part": p, "tokens": t, "budget": budgets.get(p)} for p, t in parts.items()]
    rows.append({"part": "request (raw JSON tools)", "tokens": request, "budget": c.budgets.context_window})
    return pd.DataFrame(rows).astype({"budget": "Int64"})


def show_turn(record: TurnRecord, price: float, encoding: str | None = None) -> None:
    """One assistant turn: the answer (or the request, in preview) and every figure behind it, counted with `encoding`
    (default: the tokenizer the turn was built with; another one recounts the same texts)."""
    c = record.context
    st.caption(record.endpoint)
    if record.live:
        st.text(record.answer or "(no answer text)")
        if record.failed:
            st.error(f"The turn failed: {record.stop_reason}")
        elif not record.answered:
            st.warning("The turn ended early:")
            st.text(record.stop_reason)
        limits = record.limits
        st.caption(
            f"finish_reason: {record.finish_reason or 'none'} · limits: {limits.max_rounds} rounds,"
            f" {limits.calls_per_reply} calls per reply, arguments ≤ {limits.argument_chars:,} characters"
            f" and {limits.argument_depth} deep"
        )
    else:
        st.info("Preview: nothing was sent. Below is the exact request this turn would send.")
    topics = "; ".join(f"{t.topic} ({', '.join(t.words)})" for t in c.topics) or "none"
    st.text(f"Topics: {topics}" + (f" · edit intent: {', '.join(c.edit_words)}" if c.edit_words else ""))
    encoding = encoding or c.encoding
    st.caption(
        f"Counted with {encoding}"
        + (f" (recounted: the turn was built and counted with {c.encoding})" if encoding != c.encoding else "")
    )
    st.dataframe(_parts_frame(record, encoding), hide_index=True)
    st.text(record.delta_line())
    st.text("Tools offered: " + ", ".join(f"{t.name} ({t.reason})" for t in c.tools))
    if c.drops:
        st.dataframe(pd.DataFrame([vars(d) for d in c.drops]), hide_index=True)
    else:
        st.text("Dropped: nothing")
    if c.overruns:
        st.text("Kept over budget:\n" + "\n".join(o.describe() for o in c.overruns))
    for call in record.tool_calls:
        label = f"Tool call {call.round}: {call.name} → {count_tokens(call.result, encoding)} result tokens"
        if not call.ok:
            st.error(f"Failed tool call {call.round} (the model got this error back):")
        st.text(label)
        st.code(f"arguments: {call.arguments}\nresult: {call.result}", language=None)
    if record.usage is not None:
        cols = st.columns(5)
        cols[0].metric("Prompt tokens (reported)", f"{record.usage.prompt_tokens:,}")
        cached = record.usage.cached_prompt_tokens
        cols[1].metric(
            "Cached prompt tokens",
            "not reported" if cached is None else f"{cached:,}",
            help="Of the prompt tokens, those the endpoint served from its prompt cache"
            " (usage.prompt_tokens_details.cached_tokens, summed over the turn's requests)",
        )
        cols[2].metric("Completion tokens", f"{record.usage.completion_tokens:,}")
        cols[3].metric("Latency", f"{record.latency_s:.1f} s", help=f"{record.requests} request(s)")
        cols[4].metric("Cost", f"${record.cost_usd(price):.5f}", help=f"at ${price}/M prompt tokens")
    else:
        st.text(
            f"Cost if sent: ${record.cost_usd(price):.5f} at ${price}/M ({c.request_tokens_openai:,} tokens, OpenAI approx.)"
        )
    for name, text in (("Tier 1", c.tier1), ("Tier 2", c.tier2), ("Plan part", c.plan)):
        if text:
            with st.expander(f"{name} text"):
                st.code(text, language=None)
    if not record.live:
        with st.expander("The request (JSON)", expanded=False):
            st.json(record.request)


def _conversation(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """What earlier turns send again: the user's messages and the model's non-empty answers (core clips the answers
    to the message limit); a failed turn is left out (the model never answered it)."""
    out = []
    for turn in turns:
        if turn["record"].failed:
            continue
        out.append({"role": "user", "content": turn["user"]})
        if turn["record"].answer.strip():
            out.append({"role": "assistant", "content": turn["record"].answer})
    return out


def chat_panel(key: str, budgets: Budgets | None = None) -> TurnRecord | None:  # budgets: issue 28
    """The chat for the sidebar's athlete; returns this run's new turn (None if no message was sent)."""
    athlete = page_state.athlete_id()
    endpoint = endpoint_picker(key)
    price = st.number_input(
        "Price, USD per million prompt tokens", 0.0, 1000.0, DEFAULT_PRICE, 0.05, key=f"{key}_price"
    )
    histories = st.session_state.setdefault(f"{key}_history", {})
    turns: list[dict[str, Any]] = histories.setdefault(athlete, [])
    if st.button("Clear conversation", key=f"{key}_clear"):
        turns.clear()
    # One container before the input holds every turn, this run's new one too: where the input is drawn in place
    # (the side panel beside the plan, not pinned to the page's foot), a turn drawn after it would land below it.
    conversation = st.container(key=f"{key}_turns")
    with conversation:
        for turn in turns:
            with st.chat_message("user"):
                st.text(turn["user"])
            with st.chat_message("assistant"):
                show_turn(turn["record"], price, page_state.encoding())
    prompt = st.chat_input("Ask the coach, or ask it to change the plan", key=f"{key}_input")
    if not prompt:
        return None
    with conversation, st.chat_message("user"):
        st.text(prompt)
    with conversation, st.chat_message("assistant"):
        last = turns[-1]["record"] if turns else None
        try:
            limits = Limits(timeout_s=chat_timeout(_secrets()))
            with st.status("Building the context…" if not endpoint.live else "Asking the model…") as status:
                record = chat_turn(
                    _open_database, endpoint, athlete, prompt, _conversation(turns),
                    shown_hash=last.shown_hash if last else None,
                    conversation_hash=last.conversation_hash if last else None,
                    actor=gate.actor(), encoding=page_state.encoding(), limits=limits, budgets=budgets,
                    progress=lambda line: status.update(label=f"Asking the model… {line}"),
                )  # fmt: skip
                ended = record.stop_reason not in ("answered", PREVIEW_STOP)
                status.update(label="Ended early" if ended else "Done", state="error" if ended else "complete")
        except CoachError as exc:
            st.error(str(exc))
            return None
        show_turn(record, price, page_state.encoding())
    turns.append({"user": prompt, "record": record})
    return record
