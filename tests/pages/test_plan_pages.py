"""The Plan and History & diff pages render under AppTest, show IDs, edit through the ops, and show token counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import connect
from core.plan.op_table import EDIT_OP_NAMES, FIELDS, OPS
from core.plan.store import apply_ops, load_plan, plan_head, plan_versions
from core.plan.text import format_plan_context
from core.tokens import count_tokens


@pytest.fixture
def app(demo_db_path: Path, open_app: Callable[..., AppTest]) -> AppTest:
    """The app on a private demo database where maya's plan already has a second version (b_1 sets 4→5)."""
    con = connect(demo_db_path)
    apply_ops(con, 1, [{"op": "update_block", "block_id": "b_1", "sets": 5}], plan_head(con, 1).plan_hash, "coach")
    con.close()
    return open_app()


def test_plan_page_shows_days_blocks_ids_members_hash_and_version(app: AppTest, demo_db_path: Path) -> None:
    """The plan page shows v2, the short hash, each day, block IDs and circuit members nested under their circuit."""
    app.switch_page("pages/plan.py").run()
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    con = connect(demo_db_path)
    head, plan = plan_head(con, 1), load_plan(con, 1)
    con.close()
    assert metrics["Version"] == "v2"
    assert metrics["Plan hash"] == head.plan_hash[:8]
    assert metrics["Blocks · members"] == f"{plan.block_count()} · {plan.member_count()}" == "18 · 6"
    full = count_tokens(format_plan_context(plan, head.plan_hash, 2), "o200k_base")
    assert metrics["Full-plan context"] == f"{full} tokens"
    assert "day_1 · Mon" in [s.value for s in app.subheader]
    assert "Focus: Upper A" in [t.value for t in app.text]
    monday = app.dataframe[0].value
    assert list(monday["ID"]) == ["b_1", "b_2", "b_3", "b_4", "b_5", "m_1", "m_2", "m_3"]
    assert monday.iloc[0]["Sets"] == "5"
    assert monday.iloc[5]["Exercise"] == "↳ Hanging Leg Raise"


@pytest.fixture
def plan_page(app: AppTest, open_page: Callable[..., AppTest]) -> AppTest:
    """The plan page file on its own, for widget interaction (see conftest.open_page)."""
    return open_page("pages/plan.py")


def test_coach_edit_form_applies_an_op_as_a_new_version(plan_page: AppTest, demo_db_path: Path) -> None:
    """Submitting the form with update_block b_2 sets 4 records v3 by the coach and shows the short result."""
    app = plan_page
    app.selectbox(key="plan_op").set_value("update_block").run()
    app.selectbox(key="plan_block_id").set_value("b_2")
    app.number_input(key="plan_sets").set_value(4)
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert app.success[0].value == "Applied as v3"
    assert app.code[0].value.startswith("ok b_2 sets 3→4; plan ")
    con = connect(demo_db_path)
    assert [(v.version, v.author) for v in plan_versions(con, 1)][-1] == (3, "coach")
    con.close()


def test_coach_edit_with_bad_weight_shows_the_field_error(plan_page: AppTest) -> None:
    """A malformed weight is refused on the page with the message naming the field."""
    app = plan_page
    app.selectbox(key="plan_op").set_value("update_block").run()
    app.text_input(key="plan_weight").set_value("heavy")
    app.button[0].click().run()
    assert not app.exception
    assert app.error[0].value == "Refused; nothing was changed"
    assert "weight: expected like 225lbs, 100kg or BW, got 'heavy'" in app.code[0].value


def test_history_page_shows_timeline_diff_delta_text_and_both_token_counts(app: AppTest) -> None:
    """The history page lists v1 and v2, highlights the change, shows the delta text and full vs delta tokens."""
    app.switch_page("pages/history.py").run()
    assert not app.exception, app.exception
    timeline = app.dataframe[0].value
    assert list(timeline["Version"]) == ["v1", "v2"] and list(timeline["Author"]) == ["import", "coach"]
    assert list(app.dataframe[1].value["What"]) == ["b_1 (Mon Bench Press) sets 4→5"]
    assert app.code[0].value == "Plan changes:\nb_1 (Mon Bench Press) sets 4→5"
    metrics = {m.label: m.value for m in app.metric}
    full, delta = int(metrics["Full plan"].split()[0]), int(metrics["Delta"].split()[0])
    assert delta == count_tokens("Plan changes:\nb_1 (Mon Bench Press) sets 4→5", "o200k_base")
    assert full > 400 and delta <= 0.1 * full
    assert metrics["Reduction"] == f"{1 - delta / full:.0%}"


def test_coach_edit_after_a_concurrent_ai_edit_is_refused_as_stale(plan_page: AppTest, demo_db_path: Path) -> None:
    """Given the AI edits after the form was shown, the coach's submit is refused listing the AI's change."""
    plan_page.selectbox(key="plan_op").set_value("set_day_focus").run()
    con = connect(demo_db_path)
    apply_ops(con, 1, [{"op": "update_block", "block_id": "b_3", "sets": 4}], plan_head(con, 1).plan_hash, "ai")
    con.close()
    plan_page.text_input(key="plan_focus").set_value("Push")
    plan_page.button[0].click().run()
    assert not plan_page.exception
    assert plan_page.error[0].value == "Refused; nothing was changed"
    assert "stale base_hash" in plan_page.code[0].value
    assert "b_3 (Mon Barbell Row) sets 3→4" in plan_page.code[0].value


@pytest.fixture
def history_page(app: AppTest, open_page: Callable[..., AppTest]) -> AppTest:
    """The history page file on its own, for widget interaction (see conftest.open_page)."""
    return open_page("pages/history.py")


def test_revert_button_records_a_new_version_with_the_old_plan(history_page: AppTest, demo_db_path: Path) -> None:
    """Reverting to v1 from the page makes v3 with v1's hash; v1 and v2 stay in the history."""
    history_page.selectbox(key="history_revert_to").set_value(1)
    history_page.button(key="history_revert").click().run()
    assert not history_page.exception
    assert "as v3" in history_page.success[0].value
    con = connect(demo_db_path)
    versions = plan_versions(con, 1)
    con.close()
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[2].plan_hash == versions[0].plan_hash and versions[2].author == "revert"


def test_revert_after_a_concurrent_edit_is_refused_and_changes_nothing(
    history_page: AppTest, demo_db_path: Path
) -> None:
    """Given an AI edit after the page was shown, the revert is refused as stale and no version is added."""
    con = connect(demo_db_path)
    apply_ops(con, 1, [{"op": "update_block", "block_id": "b_3", "sets": 4}], plan_head(con, 1).plan_hash, "ai")
    before = plan_head(con, 1)
    con.close()
    history_page.selectbox(key="history_revert_to").set_value(1)
    history_page.button(key="history_revert").click().run()
    assert "stale base_hash" in history_page.code[-1].value
    con = connect(demo_db_path)
    assert plan_head(con, 1) == before and len(plan_versions(con, 1)) == 3
    con.close()


def test_edit_controls_carry_the_op_tables_limits_for_every_op(plan_page: AppTest) -> None:
    """Given each op picked in the form, its controls are exactly the op's fields with the executor's limits."""
    for name in EDIT_OP_NAMES:
        plan_page.selectbox(key="plan_op").set_value(name).run()
        shown = {w.key.removeprefix("plan_") for w in [*plan_page.number_input, *plan_page.text_input]}
        shown |= {w.key.removeprefix("plan_") for w in plan_page.selectbox if w.key != "plan_op"}
        assert shown == {f for f in OPS[name].fields if FIELDS[f].json_type != "array"}, name
        for widget in plan_page.number_input:
            spec = FIELDS[widget.key.removeprefix("plan_")]
            assert (widget.min, widget.max) == (spec.minimum, spec.maximum), spec.name
        for widget in plan_page.text_input:
            spec = FIELDS[widget.key.removeprefix("plan_")]
            assert (widget.proto.max_chars or None) == spec.max_length, spec.name


HOSTILE_NOTE = "Use `code` **bold** [link](http://e.x) ![img](http://e.x/i.png) <img src=x onerror=alert(1)> # H"


def test_a_note_with_backticks_markdown_and_html_shows_literally_on_plan_and_history(
    demo_db_path: Path, open_app: Callable[..., AppTest]
) -> None:
    """Given a note with backticks, markdown and <img>, both pages show it character for character, never as markdown."""
    con = connect(demo_db_path)
    apply_ops(
        con, 1, [{"op": "update_block", "block_id": "b_2", "notes": HOSTILE_NOTE}], plan_head(con, 1).plan_hash, "coach"
    )
    apply_ops(
        con,
        1,
        [{"op": "set_day_focus", "day_id": "day_3", "focus": "**Rest** `x` <img src=y>"}],
        plan_head(con, 1).plan_hash,
        "ai",
    )
    con.close()
    at = open_app("pages/plan.py")
    assert at.dataframe[0].value.iloc[1]["Notes"] == HOSTILE_NOTE
    assert "Focus: **Rest** `x` <img src=y>" in [t.value for t in at.text]
    assert not any("img" in m.value or "**" in m.value for m in [*at.markdown, *at.subheader, *at.caption])
    at.switch_page("pages/history.py").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Changes"])[1] == f'b_2 notes none→"{HOSTILE_NOTE}"'
    at.selectbox(key="history_from").set_value(1).run()
    lines = list(at.dataframe[1].value["What"])
    assert lines[0] == 'day_3 (Wed) focus Rest→"**Rest** `x` <img src=y>"'
    assert lines[1] == f'b_2 (Mon Overhead Press) notes none→"{HOSTILE_NOTE}"'
    assert f'notes none→"{HOSTILE_NOTE}"' in at.code[0].value
    assert not any("img" in m.value or "**" in m.value for m in [*at.markdown, *at.subheader, *at.caption])
