"""The A/B replay page under AppTest: renders, runs the replay with progress, and shows the replay's own figures."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.context.replay import replay
from core.db import snapshot

MAYA = 1


def test_replay_page_renders_in_preview(open_app: Callable[..., AppTest]) -> None:
    """Given the app, when the A/B replay page opens, then it asks to run and shows no figures yet."""
    at = open_app("pages/replay.py")
    assert at.title[0].value == "A/B replay" and "Run the replay" in at.info[0].value
    assert len(at.metric) == 0


def test_running_the_replay_shows_the_replays_figures_per_turn_and_cumulative(
    open_page: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """Given maya, when the replay runs, then the metrics, both charts and the table match `replay` on a copy; the file is untouched."""
    at = open_page("pages/replay.py")
    at.number_input(key="replay_price").set_value(0.15)
    at.button(key="replay_run").click().run()
    assert not at.exception, at.exception
    with closing(snapshot(demo_db_path)) as con:
        full = replay(con, [MAYA], price_per_million=0.15)[0]
        expected, expected_turn1 = full.summary(), full.to_dict()["per_turn"][0]
        logged = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["A request tokens"] == f"{expected['a_request']:,}"
    assert metrics["B request tokens"] == f"{expected['b_request']:,}"
    assert metrics["B context / A context"] == f"{expected['context_ratio']:.1%}"
    assert (metrics["Cost A"], metrics["Cost B"]) == (
        f"${expected['a_cost_usd']:.4f}",
        f"${expected['b_cost_usd']:.4f}",
    )
    assert "Cost A, cached" in metrics and "Cost B, cached" in metrics
    side_by_side = at.table[0].value  # turn 1 opened: A's and B's parts, as `replay --json` gives them
    assert side_by_side.loc["whole request", "A"] == expected_turn1["a_request"]
    assert side_by_side.loc["Tier 1", "B"] == expected_turn1["b_tier1"]
    table = at.dataframe[0].value
    assert len(table) == expected["turns"] and table["B request"].sum() == expected["b_request"]
    assert len(at.get("vega_lite_chart")) == 2
    assert logged == 0  # the replay logged its turns on a scratch copy only


def test_a_live_replay_shows_the_endpoints_reported_prompt_tokens(
    demo_db_path: Path, monkeypatch, scripted_server: Callable[..., object]
) -> None:
    """Given a configured endpoint picked, when the replay runs, then the page shows what it reported for A and B."""
    server = scripted_server(lambda body: {"content": ".", "usage": {"prompt_tokens": 7 * len(body["messages"])}})
    monkeypatch.setenv("COACH_DB", str(demo_db_path))
    at = AppTest.from_file(str(Path(__file__).parents[2] / "pages" / "replay.py"), default_timeout=120)
    at.secrets["OPENAI_BASE_URL"] = server.base_url
    at.secrets["OPENAI_API_KEY"] = "sk-replay-sentinel"
    at.secrets["OPENAI_MODEL"] = "scripted"
    at.session_state["athlete_id"], at.session_state["encoding"] = MAYA, "o200k_base"
    at.run()
    assert at.radio(key="replay_mode").value == "preview"  # sending is opt-in: two requests a turn
    at.radio(key="replay_mode").set_value("openai").run()
    at.button(key="replay_run").click().run()
    assert not at.exception, at.exception
    a = [r for i, r in enumerate(server.requests) if i % 2 == 0]
    b = [r for i, r in enumerate(server.requests) if i % 2 == 1]
    a_total, b_total = (sum(7 * len(r["messages"]) for r in side) for side in (a, b))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reported prompt tokens A → B"] == f"{a_total:,} → {b_total:,}"
    table = at.dataframe[0].value
    assert list(table["A reported"]) == [7 * len(r["messages"]) for r in a]
    page_text = " ".join(str(e.value) for e in [*at.caption, *at.markdown, *at.metric] if hasattr(e, "value"))
    assert "sk-replay-sentinel" not in page_text
