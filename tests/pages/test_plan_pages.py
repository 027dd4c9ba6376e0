"""The Plan and History & diff pages: IDs and names shown, edits in place through the ops, new state at once, token counts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import connect
from core.plan.compliance import week_compliance
from core.plan.edits import edit_fields
from core.plan.model import KINDS
from core.plan.op_table import FIELDS
from core.plan.store import apply_ops, load_plan, plan_head, plan_versions
from core.plan.text import format_plan_context
from core.tokens import count_tokens

SEEDED = 5  # maya's seeded history (v1 import + coach and AI edits); the fixture adds v6
MONDAY = 1  # the week table comes first, then one table per day


@pytest.fixture
def app(demo_db_path: Path, open_app: Callable[..., AppTest]) -> AppTest:
    """The app on a private demo database where maya's plan has one more version (b_1 sets 4→5)."""
    con = connect(demo_db_path)
    apply_ops(con, 1, [{"op": "update_block", "block_id": "b_1", "sets": 5}], plan_head(con, 1).plan_hash, "coach")
    con.close()
    return open_app()


def _head(path: Path, athlete: int = 1):
    con = connect(path)
    try:
        return plan_head(con, athlete), load_plan(con, athlete), len(plan_versions(con, athlete))
    finally:
        con.close()


def test_plan_page_shows_days_blocks_ids_members_hash_and_version(app: AppTest, demo_db_path: Path) -> None:
    """In the developer view the plan page shows v6, the short hash, token count, each dated day with its ID, block
    IDs and circuit members nested under their circuit; the table's Exercise is the name the edit field holds."""
    app.session_state["plan_developer_view"] = True
    app.switch_page("pages/plan.py").run()
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    head, plan, _ = _head(demo_db_path)
    assert metrics["Version"] == f"v{SEEDED + 1}"
    assert metrics["Plan hash"] == head.plan_hash[:8]
    assert metrics["Blocks · members"] == f"{plan.block_count()} · {plan.member_count()}" == "21 · 6"
    full = count_tokens(format_plan_context(plan, head.plan_hash, SEEDED + 1), "o200k_base")
    assert metrics["Full-plan context"] == f"{full} tokens"
    assert "day_1 · Mon 16 Nov" in [s.value for s in app.subheader]
    assert "Focus: Upper A" in [t.value for t in app.text]
    monday = app.dataframe[MONDAY].value
    assert list(monday["ID"]) == ["b_1", "b_2", "b_3", "b_4", "b_5", "m_1", "m_2", "m_3"]
    assert monday.iloc[0]["Sets"] == "5"
    assert monday.iloc[5]["Exercise"] == "↳ Hanging Leg Raise"
    tuesday = app.dataframe[MONDAY + 1].value
    assert tuesday.iloc[-1][["ID", "Kind", "Exercise", "Minutes", "Target"]].tolist() == [
        "b_19",
        "ride",
        "Steady",
        "30",
        "Z3",
    ]


def test_without_the_developer_view_no_id_hash_or_token_count_shows(app: AppTest) -> None:
    """Given the default (coach) view, the plan page shows dates, not day IDs, and no hash, token count or ID column."""
    app.switch_page("pages/plan.py").run()
    assert [m.label for m in app.metric] == ["Version"]
    assert "Planned this week</span>" in _headline(app) and "Done this week</span>" in _headline(app)
    assert "Mon 16 Nov" in [s.value for s in app.subheader]
    assert not any("day_" in s.value for s in app.subheader)
    config = json.loads(app.dataframe[MONDAY].proto.columns)
    assert config["ID"]["hidden"] is True


def test_the_week_shows_dates_planned_done_and_compliance_colours(app: AppTest, demo_db_path: Path) -> None:
    """Given Maya's week, the first table lists each dated day with planned and done totals and the compliance core
    judges, and a Week row with the totals."""
    app.switch_page("pages/plan.py").run()
    con = connect(demo_db_path)
    days = week_compliance(con, 1, load_plan(con, 1))
    con.close()
    week = app.dataframe[0].value
    assert list(week["Day"]) == [f"{d.date:%a %d %b}" for d in days] + ["Week"]
    assert list(week["Compliance"])[:-1] == [d.verdict for d in days]
    assert f"Planned this week</span>&ensp;{week.iloc[-1]['Planned']}</div>" in _headline(app)
    assert f"Done this week</span>&ensp;{week.iloc[-1]['Done']}</div>" in _headline(app)


def _headline(app: AppTest) -> str:
    """The HTML of the week's totals above the week table."""
    return next(h.proto.body for h in app.html if "this week" in h.proto.body)


@pytest.fixture
def plan_page(app: AppTest, open_page: Callable[..., AppTest]) -> AppTest:
    """The plan page file on its own, for widget interaction (see conftest.open_page)."""
    return open_page("pages/plan.py")


def _key(at: AppTest, start: str, end: str = "") -> str:
    """The one widget key of this run that starts and ends so (keys carry the shown hash)."""
    keys = [w.key for w in [*at.number_input, *at.text_input, *at.selectbox, *at.button]]
    found = [k for k in keys if k.startswith(start) and k.endswith(end)]
    assert len(found) == 1, (start, end, found)
    return found[0]


def test_picking_a_block_by_name_prefills_its_fields(plan_page: AppTest) -> None:
    """Given Monday's editor, when picking b_2, then it is offered by name and its fields hold its values."""
    pick = plan_page.selectbox(key=_key(plan_page, "plan_pick_day_1"))
    assert "Mon · Overhead Press 3×8-10@85lbs" in pick.options
    pick.set_value("b_2").run()
    assert plan_page.number_input(key=_key(plan_page, "plan__b_2_", "__sets")).value == 3
    assert plan_page.text_input(key=_key(plan_page, "plan__b_2_", "__weight")).value == "85lbs"


def test_a_coach_edit_shows_the_new_version_and_value_in_the_same_run(plan_page: AppTest, demo_db_path: Path) -> None:
    """Given b_2 picked and sets set to 4, when saving, then the same run shows v7, the new row and a reset field."""
    app = plan_page
    app.selectbox(key=_key(app, "plan_pick_day_1")).set_value("b_2").run()
    app.number_input(key=_key(app, "plan__b_2_", "__sets")).set_value(4)
    app.button(key=_key(app, "plan_save_day_1")).click().run()
    assert not app.exception, app.exception
    head, _, _ = _head(demo_db_path)
    assert {m.label: m.value for m in app.metric}["Version"] == f"v{SEEDED + 2}"
    assert [s.value for s in app.success] == [f"Saved as v{SEEDED + 2}: b_2 sets 3→4"]
    assert app.dataframe[MONDAY].value.iloc[1][["ID", "Sets"]].tolist() == ["b_2", "4"]
    assert app.session_state["plan_edit_day_1"] is True  # the day's panel stays open
    assert plan_versions(connect(demo_db_path), 1)[-1].author == "coach"
    assert all(head.plan_hash[:8] in k for k in [w.key for w in app.number_input])


def test_a_bad_weight_is_refused_naming_the_field_and_nothing_changes(plan_page: AppTest, demo_db_path: Path) -> None:
    """A malformed weight is refused: the reason shows under the weight field, the refusal beside Save; hash and
    version count stay."""
    before = _head(demo_db_path)
    plan_page.text_input(key=_key(plan_page, "plan__b_1_", "__weight")).set_value("heavy")
    plan_page.button(key=_key(plan_page, "plan_save_day_1")).click().run()
    assert not plan_page.exception
    assert [e.value for e in plan_page.error] == [
        "expected like 225lbs, 100kg or BW, got 'heavy' (string)",
        f"Refused; nothing was changed. Showing the current plan v{SEEDED + 1}.",
    ]
    assert _head(demo_db_path) == before


def test_a_session_is_edited_added_moved_and_removed_by_name(
    open_page: Callable[..., AppTest], demo_db_path: Path
) -> None:
    """Given Tomás's week, the coach lengthens Tuesday's run, adds a Sunday swim, moves it, and removes it; each shows at once."""
    at = open_page("pages/plan.py", athlete_id=2)
    at.selectbox(key=_key(at, "plan_pick_day_2")).set_value("b_10").run()
    assert at.number_input(key=_key(at, "plan__b_10_", "__duration_min")).value == 45
    at.number_input(key=_key(at, "plan__b_10_", "__duration_min")).set_value(50)
    at.button(key=_key(at, "plan_save_day_2")).click().run()
    assert at.success[0].value == "Saved as v6: b_10 duration_min 45→50"
    assert at.dataframe[2].value.iloc[0][["ID", "Minutes"]].tolist() == ["b_10", "50"]
    at.selectbox(key=_key(at, "plan__add_day_7", "__kind")).set_value("swim").run()
    assert {w.key.rsplit("__", 1)[1] for w in [*at.number_input, *at.text_input] if "plan__add_day_7" in w.key} == set(
        edit_fields("swim")
    )
    at.text_input(key=_key(at, "plan__add_day_7", "__exercise")).set_value("Open water")
    at.number_input(key=_key(at, "plan__add_day_7", "__distance_m")).set_value(1500)
    at.button(key=_key(at, "plan_add_day_7")).click().run()
    assert at.success[0].value == "Saved as v7: added b_20 (Sun Swim Open water) to day_7 #3"
    assert at.dataframe[7].value.iloc[-1][["ID", "Kind", "Exercise", "Distance m"]].tolist() == [
        "b_20",
        "swim",
        "Open water",
        "1500",
    ]
    at.selectbox(key=_key(at, "plan_pick_day_7")).set_value("b_20").run()
    at.selectbox(key=_key(at, "plan_move_to_day_7")).set_value("day_6").run()
    at.button(key=_key(at, "plan_move_day_7")).click().run()
    assert at.success[0].value == "Saved as v8: moved b_20 day_7#3→day_6#3"
    at.selectbox(key=_key(at, "plan_pick_day_6")).set_value("b_20").run()
    at.button(key=_key(at, "plan_remove_day_6")).click().run()
    assert at.success[0].value == "Saved as v9: removed b_20 (Sat Swim Open water)"
    assert "b_20" not in set(at.dataframe[6].value["ID"])
    assert [v.actor for v in plan_versions(connect(demo_db_path), 2)][-4:] == ["local"] * 4


def test_a_coach_edit_after_a_concurrent_ai_edit_is_refused_and_shows_the_current_plan(
    plan_page: AppTest, demo_db_path: Path
) -> None:
    """Given the AI edits after the page was shown, the coach's save is refused naming the AI's change; the page shows it."""
    con = connect(demo_db_path)
    apply_ops(con, 1, [{"op": "update_block", "block_id": "b_3", "sets": 4}], plan_head(con, 1).plan_hash, "ai")
    con.close()
    before = _head(demo_db_path)
    plan_page.text_input(key=_key(plan_page, "plan__focus_day_3", "__focus")).set_value("Push")
    plan_page.button(key=_key(plan_page, "plan_focus_day_3")).click().run()
    assert not plan_page.exception
    assert plan_page.error[0].value == f"Refused; nothing was changed. Showing the current plan v{SEEDED + 2}."
    assert "stale base_hash" in plan_page.code[0].value
    assert "b_3 (Mon Barbell Row) sets 3→4" in plan_page.code[0].value
    assert "database is locked" not in plan_page.code[0].value
    assert plan_page.dataframe[MONDAY].value.iloc[2][["ID", "Sets"]].tolist() == ["b_3", "4"]
    assert _head(demo_db_path) == before


def _assert_op_table_limits(at: AppTest) -> None:
    """Every number and text control on the page carries its field's limits from the op table."""
    for widget in at.number_input:
        spec = FIELDS[widget.key.rsplit("__", 1)[1]]
        assert (widget.min, widget.max) == (spec.minimum, spec.maximum), spec.name
    for widget in at.text_input:
        spec = FIELDS[widget.key.rsplit("__", 1)[1]]
        assert (widget.proto.max_chars or None) == spec.max_length, spec.name


def _fields_under(at: AppTest, prefix: str) -> set[str]:
    return {w.key.rsplit("__", 1)[1] for w in [*at.number_input, *at.text_input] if w.key.startswith(prefix)}


def test_edit_controls_carry_the_op_tables_limits_for_every_kind_and_circuit_members(plan_page: AppTest) -> None:
    """Given the add controls set to each kind, then a circuit picked, every control is its fields with the executor's limits."""
    for kind in KINDS:
        plan_page.selectbox(key=_key(plan_page, "plan__add_day_3", "__kind")).set_value(kind).run()
        assert _fields_under(plan_page, "plan__add_day_3") == set(edit_fields(kind)), kind
        _assert_op_table_limits(plan_page)
    plan_page.selectbox(key=_key(plan_page, "plan_pick_day_1")).set_value("b_5").run()
    member_fields = {"exercise", "reps", "weight", "notes"}
    assert _fields_under(plan_page, "plan__m_1_") == _fields_under(plan_page, "plan__addm_b_5") == member_fields
    assert set(edit_fields("member")) == member_fields
    exercise = plan_page.text_input(key=_key(plan_page, "plan__m_1_", "__exercise"))
    assert exercise.proto.max_chars == FIELDS["exercise"].max_length
    notes = plan_page.text_input(key=_key(plan_page, "plan__addm_b_5", "__notes"))
    assert notes.proto.max_chars == FIELDS["notes"].max_length
    _assert_op_table_limits(plan_page)


def test_history_page_shows_timeline_diff_delta_text_and_both_token_counts(app: AppTest) -> None:
    """In the developer view the history page lists the seeded versions and v6, highlights the change, shows the
    delta and full vs delta tokens."""
    app.session_state["history_developer_view"] = True
    app.switch_page("pages/history.py").run()
    assert not app.exception, app.exception
    timeline = app.dataframe[0].value
    assert list(timeline["Version"]) == [f"v{n}" for n in range(1, SEEDED + 2)]
    assert list(timeline["Author"]) == ["import", "coach", "ai", "coach", "ai", "coach"]
    assert list(timeline["By"])[:3] == ["local", "coach@demo", "ai"]
    assert list(app.dataframe[1].value["What"]) == ["b_1 (Mon Bench Press) sets 4→5"]
    assert app.code[0].value == "Plan changes:\nb_1 (Mon Bench Press) sets 4→5"
    metrics = {m.label: m.value for m in app.metric}
    full, delta = int(metrics["Full plan"].split()[0]), int(metrics["Delta"].split()[0])
    assert delta == count_tokens("Plan changes:\nb_1 (Mon Bench Press) sets 4→5", "o200k_base")
    assert full > 400 and delta <= 0.1 * full
    assert metrics["Reduction"] == f"{1 - delta / full:.0%}"


def test_history_in_the_coach_view_names_what_changed_without_ids_or_hashes(app: AppTest) -> None:
    """Given the seeded history and the fixture's edit, when History opens in the coach's view, then no cell of
    the timeline or the diff carries a b_/m_/day_ ID, the hash column is hidden, and the diff says what changed."""
    app.switch_page("pages/history.py").run()
    assert not app.exception, app.exception
    timeline, diff = app.dataframe[0].value, app.dataframe[1].value
    ids = re.compile(r"\b(?:b|m|day)_\d+")
    assert not [c for c in [*timeline["Changes"], *diff["What"]] if ids.search(c)]
    assert list(diff["What"]) == ["Mon Bench Press: sets 4→5"]
    assert list(timeline["Changes"])[-1] == "Mon Bench Press: sets 4→5"
    assert timeline["Changes"].iloc[0].startswith("first version (")
    assert json.loads(app.dataframe[0].proto.columns)["Hash"]["hidden"] is True


@pytest.fixture
def history_page(app: AppTest, open_page: Callable[..., AppTest]) -> AppTest:
    """The history page file on its own, for widget interaction (see conftest.open_page)."""
    return open_page("pages/history.py")


def test_revert_lists_the_new_version_in_the_same_run(history_page: AppTest, demo_db_path: Path) -> None:
    """Reverting to v1 (confirmed) makes v7 with v1's hash; the same run's timeline already lists v7 and the old
    versions stay."""
    history_page.selectbox(key="history_revert_to_1").set_value(1).run()
    history_page.checkbox(key="history_confirm_1").check().run()
    history_page.button(key="history_revert").click().run()
    assert not history_page.exception
    assert history_page.success[0].value.startswith(f"Reverted to v1 as v{SEEDED + 2}; plan ")
    assert list(history_page.dataframe[0].value["Version"])[-1] == f"v{SEEDED + 2}"
    con = connect(demo_db_path)
    versions = plan_versions(con, 1)
    con.close()
    assert [v.version for v in versions] == list(range(1, SEEDED + 3))
    assert versions[-1].plan_hash == versions[0].plan_hash and versions[-1].author == "revert"


def test_revert_after_a_concurrent_edit_is_refused_and_changes_nothing(
    history_page: AppTest, demo_db_path: Path
) -> None:
    """Given an AI edit after the page was shown, the revert is refused as stale and no version is added."""
    history_page.selectbox(key="history_revert_to_1").set_value(1).run()
    history_page.checkbox(key="history_confirm_1").check().run()
    con = connect(demo_db_path)
    apply_ops(con, 1, [{"op": "update_block", "block_id": "b_3", "sets": 4}], plan_head(con, 1).plan_hash, "ai")
    con.close()
    before = _head(demo_db_path)
    history_page.button(key="history_revert").click().run()
    assert history_page.error[0].value == "Refused; nothing was changed"
    assert "stale base_hash" in history_page.code[0].value
    assert _head(demo_db_path) == before


def test_revert_defaults_to_the_previous_version_and_needs_a_confirmation(history_page: AppTest) -> None:
    """Given v6 current, the revert offers v5 first (not v1), its button is disabled until confirmed, and From/To
    read v5/v6."""
    assert history_page.selectbox(key="history_revert_to_1").value == SEEDED
    assert history_page.selectbox(key="history_revert_to_1").format_func(SEEDED) == f"v{SEEDED}"
    assert history_page.button(key="history_revert").disabled
    assert history_page.button(key="history_revert").label == f"Revert to v{SEEDED}"
    assert history_page.checkbox(key="history_confirm_1").value is False
    from_, to = history_page.selectbox(key="history_from_1"), history_page.selectbox(key="history_to_1")
    assert (from_.format_func(from_.value), to.format_func(to.value)) == (f"v{SEEDED}", f"v{SEEDED + 1}")
    history_page.checkbox(key="history_confirm_1").check().run()
    assert not history_page.button(key="history_revert").disabled


def test_after_a_revert_no_version_holding_the_current_plan_is_offered(history_page: AppTest) -> None:
    """Given a revert to v5 (as v7), the revert no longer offers v5 or v7 and the confirmation is cleared."""
    history_page.checkbox(key="history_confirm_1").check().run()
    history_page.button(key="history_revert").click().run()
    assert history_page.success[0].value.startswith(f"Reverted to v{SEEDED} as v{SEEDED + 2}")
    offered = history_page.selectbox(key="history_revert_to_1").options
    assert f"v{SEEDED}" not in offered and f"v{SEEDED + 2}" not in offered and f"v{SEEDED + 1}" in offered
    assert history_page.checkbox(key="history_confirm_1").value is False


def test_history_picks_start_over_for_another_athlete(history_page: AppTest) -> None:
    """Given From set to v1 for Maya, when Tomás is picked, then his From starts at his own previous version."""
    history_page.selectbox(key="history_from_1").set_value(1).run()
    history_page.session_state["athlete_id"] = 2
    history_page.run()
    assert history_page.selectbox(key="history_from_2").value == history_page.selectbox(key="history_to_2").value - 1


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
        [{"op": "set_day_focus", "day_id": "day_7", "focus": "**Rest** `x` <img src=y>"}],
        plan_head(con, 1).plan_hash,
        "ai",
    )
    con.close()
    at = open_app("pages/plan.py")
    assert at.dataframe[MONDAY].value.iloc[1]["Notes"] == HOSTILE_NOTE
    assert "Focus: **Rest** `x` <img src=y>" in [t.value for t in at.text]
    assert not any("img" in m.value or "**" in m.value for m in [*at.markdown, *at.subheader, *at.caption])
    at.session_state["history_developer_view"] = True  # what the model gets, in code
    at.switch_page("pages/history.py").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Changes"])[SEEDED] == f'b_2 notes none→"{HOSTILE_NOTE}"'
    at.selectbox(key="history_from_1").set_value(SEEDED).run()
    lines = list(at.dataframe[1].value["What"])
    assert lines[0] == 'day_7 (Sun) focus Rest→"**Rest** `x` <img src=y>"'
    assert lines[1] == f'b_2 (Mon Overhead Press) notes none→"{HOSTILE_NOTE}"'
    assert f'notes none→"{HOSTILE_NOTE}"' in at.code[0].value
    assert not any("img" in m.value or "**" in m.value for m in [*at.markdown, *at.subheader, *at.caption])


def _pick_core_circuit(at: AppTest) -> None:
    """Pick Monday's Core Circuit (b_5) by its name in the day editor."""
    pick = at.selectbox(key=_key(at, "plan_pick_day_1"))
    assert "Mon · Core Circuit C×3" in pick.options
    pick.set_value("b_5").run()


def test_a_circuit_members_reps_are_edited_and_the_same_run_shows_the_new_version(
    plan_page: AppTest, demo_db_path: Path
) -> None:
    """Given Core Circuit picked by name, when m_3's reps go 10→15 and are saved, then the same run shows v7 and 15 everywhere."""
    _pick_core_circuit(plan_page)
    members = plan_page.selectbox(key=_key(plan_page, "plan_member_pick_b_5"))
    assert members.options == [
        "m_1 · Hanging Leg Raise 3×12@BW",
        "m_2 · Russian Twist 3×20@BW",
        "m_3 · Ab Wheel Rollout 3×10@BW",
    ]
    members.set_value("m_3").run()
    reps = plan_page.text_input(key=_key(plan_page, "plan__m_3_", "__reps"))
    assert reps.value == "10"
    reps.set_value("15")
    plan_page.button(key=_key(plan_page, "plan_member_save_b_5")).click().run()
    assert not plan_page.exception, plan_page.exception
    assert {m.label: m.value for m in plan_page.metric}["Version"] == f"v{SEEDED + 2}"
    assert plan_page.success[0].value == f"Saved as v{SEEDED + 2}: m_3 reps 10→15"
    assert plan_page.dataframe[MONDAY].value.iloc[7][["ID", "Exercise", "Reps"]].tolist() == [
        "m_3",
        "↳ Ab Wheel Rollout",
        "15",
    ]
    head, plan, _ = _head(demo_db_path)
    assert plan.days[0].blocks[4].members[2].reps == "15"
    assert plan_page.selectbox(key=_key(plan_page, "plan_pick_day_1")).value == "b_5"  # the circuit stays open
    assert plan_page.text_input(key=_key(plan_page, f"plan__m_3_{head.plan_hash[:8]}", "__reps")).value == "15"


def test_a_member_is_added_to_a_circuit_with_a_new_id_and_removed_again(plan_page: AppTest, demo_db_path: Path) -> None:
    """Given Core Circuit picked, when a Plank is added, then it shows as m_7 at once; when removed, it is gone."""
    _pick_core_circuit(plan_page)
    plan_page.text_input(key=_key(plan_page, "plan__addm_b_5", "__exercise")).set_value("Plank")
    plan_page.text_input(key=_key(plan_page, "plan__addm_b_5", "__reps")).set_value("45s")
    plan_page.button(key=_key(plan_page, "plan_member_add_b_5")).click().run()
    assert not plan_page.exception, plan_page.exception
    assert plan_page.success[0].value.startswith(f"Saved as v{SEEDED + 2}: added m_7")
    assert plan_page.dataframe[MONDAY].value.iloc[8][["ID", "Exercise", "Reps"]].tolist() == ["m_7", "↳ Plank", "45s"]
    assert [m.member_id for m in _head(demo_db_path)[1].days[0].blocks[4].members] == ["m_1", "m_2", "m_3", "m_7"]
    plan_page.selectbox(key=_key(plan_page, "plan_member_pick_b_5")).set_value("m_7").run()
    plan_page.button(key=_key(plan_page, "plan_member_remove_b_5")).click().run()
    assert plan_page.success[0].value.startswith(f"Saved as v{SEEDED + 3}: removed m_7")
    assert "m_7" not in set(plan_page.dataframe[MONDAY].value["ID"])
    assert "m_7" not in plan_page.selectbox(key=_key(plan_page, "plan_member_pick_b_5")).options
    assert [m.member_id for m in _head(demo_db_path)[1].days[0].blocks[4].members] == ["m_1", "m_2", "m_3"]


def test_a_bad_member_reps_is_refused_naming_the_field_and_nothing_changes(
    plan_page: AppTest, demo_db_path: Path
) -> None:
    """Given m_1 picked, when saving reps 'lots', then one error names reps and the expected form; hash and versions stay."""
    before = _head(demo_db_path)
    _pick_core_circuit(plan_page)
    plan_page.text_input(key=_key(plan_page, "plan__m_1_", "__reps")).set_value("lots")
    plan_page.button(key=_key(plan_page, "plan_member_save_b_5")).click().run()
    assert not plan_page.exception
    errors = [e.value for e in plan_page.error]
    assert errors[-1] == f"Refused; nothing was changed. Showing the current plan v{SEEDED + 1}."
    assert len(errors) == 2 and errors[0].startswith("expected like 8, 8-10, AMRAP or 45s, got 'lots'")
    assert _head(demo_db_path) == before
    assert plan_page.dataframe[MONDAY].value.iloc[5][["ID", "Reps"]].tolist() == ["m_1", "12"]
