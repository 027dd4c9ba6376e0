"""End to end, more of a coach's day (issue 29), as a person sees it in Chromium at 1400 px: the side-panel chat keeps
every turn above its input and its model picker says how to add a model; the Weekly plan reads in dates with planned,
done and totals, names a session as its table does, keeps the day's panel open after Add and Remove; developer
detail sits behind its switch; a past overload is not a current warning; History's changes are not cut and its picks
stay with their athlete; Comprehension reads in percentages with a question browser; the Formats scope picker speaks
in names and dates.

The module's dashboard has no model configured (only preview) and reads hand-made eval results; its tests that
change the plan (Add, Remove) run last.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect

from core.analytics.load import daily_snapshots
from core.analytics.overload import OVERLOAD_MIN_DAYS, OVERLOAD_VARIANT, overload_episodes
from core.db import reading
from core.db.athletes import resolve_athlete
from core.eval.questions import generate_questions, limit_questions
from core.eval.scoring import gold_text
from core.plan.compliance import Totals, week_compliance, week_totals
from core.plan.model import short_hash
from core.plan.store import load_plan, plan_head, plan_versions
from core.workouts.program import load_program
from tests.e2e.browser import TIMEOUT_MS, VIEWPORT, Dashboard, serve
from ui.chat_panel import ADD_A_MODEL
from ui.theme import fit_width

PREVIEW_ONLY = {"COACH_LOCAL_MODEL": "off", "OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "OPENAI_MODEL": ""}
GRID_FONT = '14px "Source Sans", sans-serif'  # st.dataframe's cell font; headers are drawn in the same size
CELL_PADDING = 16  # 8 px each side of a grid cell
MAYA, TOMAS = "Maya Chen", "Tomás Rivera"
READER = "reader-e2e"
RAW_FRACTION = re.compile(r"^-?0\.\d{2,}$")  # 0.0153 where a person reads 1.5 %
RAW_SCOPE = re.compile(r"^(session:|week:|full_program$|current_week$)|week-\d+-session")


def _eval_results(app_db: Path, folder: Path) -> list[dict[str, object]]:
    """A hand-made run: READER right on 3 of every 4 questions in verbose and compact, saved where the page reads."""
    with reading(app_db) as con:
        questions = limit_questions(generate_questions(con), 8)
    rows = []
    for i, q in enumerate(questions):
        for fmt in ("verbose", "compact"):
            right = i % 4 != 3
            rows.append(
                {"qid": q.qid, "athlete": q.athlete, "week": q.week, "kind": q.kind, "format": fmt, "model": READER,
                 "endpoint": "openai", "correct": right, "answer": gold_text(q) if right else "I don't know",
                 "gold": gold_text(q), "data_tokens": 700, "prompt_tokens": 1000 if fmt == "verbose" else 600,
                 "reported_prompt_tokens": None, "completion_tokens": None, "latency_s": 0.1}
            )  # fmt: skip
    folder.mkdir(exist_ok=True)
    (folder / "reader.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


@pytest.fixture(scope="module")
def eval_rows(app_db: Path) -> list[dict[str, object]]:
    return _eval_results(app_db, app_db.parent / "eval")


@pytest.fixture(scope="module")
def app_url(app_db: Path, eval_rows: list[dict[str, object]]) -> Iterator[str]:
    """The dashboard on this module's database with no model configured (only preview) and the hand-made results."""
    with serve(app_db, app_db.parent, COACH_EVAL_DIR=str(app_db.parent / "eval"), **PREVIEW_ONLY) as url:
        yield url


def _top(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return float(box["y"])


def _text_widths(ui: Dashboard, texts: list[str]) -> list[float]:
    """Rendered widths in px of `texts` in the grid's font, measured by the browser itself."""
    widths: list[float] = ui.page.evaluate(
        """([font, texts]) => { const c = document.createElement('canvas').getContext('2d'); c.font = font;
           return texts.map(t => c.measureText(t).width); }""",
        [GRID_FONT, texts],
    )
    return widths


def _grid(ui: Dashboard, index: int = 0, *, columns: int | None = None) -> Locator:
    """The `index`-th st.dataframe, scrolled into view and its accessible table attached (the grid draws on a
    canvas; that table lists the columns in view, and only once the grid has been on screen)."""
    grid = ui.page.get_by_test_id("stDataFrame").nth(index)
    grid.scroll_into_view_if_needed()
    if columns is None:
        expect(grid.locator("th").first).to_be_attached(timeout=TIMEOUT_MS)
    else:
        expect(grid.locator("th")).to_have_count(columns, timeout=TIMEOUT_MS)
    return grid


def _columns(grid: Locator) -> dict[str, list[str]]:
    """header → cell texts of the columns in view."""
    headers = grid.locator("th").all_inner_texts()
    cells = grid.locator("td").all_inner_texts()
    return {h: cells[i :: len(headers)] for i, h in enumerate(headers)}


def _open_plan_chat(ui: Dashboard) -> Locator:
    """Weekly plan with the coach chat beside it; returns the side panel's chat input."""
    ui.open("plan")
    ui.keyed("plan_chat_open").get_by_text("Coach chat beside the plan").click()
    ui.wait_idle()
    box = ui.page.get_by_test_id("stChatInput")
    expect(box).to_be_visible(timeout=TIMEOUT_MS)
    return box


def _send(ui: Dashboard, text: str) -> None:
    area = ui.page.get_by_test_id("stChatInputTextArea")
    area.fill(text)
    area.press("Enter")
    expect(ui.page.get_by_test_id("stChatMessage").filter(has_text=text)).to_have_count(1, timeout=TIMEOUT_MS)
    ui.wait_idle()


def test_side_panel_chat_keeps_every_turn_above_its_input(ui: Dashboard) -> None:
    """Given the Weekly plan with the chat beside it (preview), when the coach sends two messages, then all four turns
    (two questions, two previews) are drawn above the chat input, in the order sent; none lands below it."""
    box = _open_plan_chat(ui)
    _send(ui, "How was my week?")
    _send(ui, "Move my long run to Sunday")
    messages = ui.page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(4, timeout=TIMEOUT_MS)
    expect(messages.nth(2)).to_contain_text("Move my long run to Sunday")
    expect(messages.nth(3)).to_contain_text("Preview: nothing was sent")
    tops = [_top(messages.nth(i)) for i in range(4)]
    assert tops == sorted(tops)
    assert max(tops) < _top(box), (tops, _top(box))


def test_model_picker_says_how_to_add_a_model_when_only_preview_is_available(ui: Dashboard) -> None:
    """Given no endpoint configured and no local model, when the chat is opened beside the plan, then the Model
    picker offers only preview and right under it says how to get more: the OpenAI settings, where they go, and
    `make model` for the embedded local model."""
    _open_plan_chat(ui)
    picker = ui.keyed("plan_chat_mode")
    expect(picker.get_by_role("radio")).to_have_count(1)
    expect(picker).to_contain_text("Preview (send nothing)")
    hint = ui.page.get_by_test_id("stCaptionContainer").filter(has_text="OPENAI_API_KEY")
    expect(hint).to_have_count(1)
    for words in ("OPENAI_BASE_URL", "OPENAI_MODEL", ".streamlit/secrets.toml", "make model", "local model"):
        expect(hint).to_contain_text(words)
    assert 0 < _top(hint) - _top(picker) < 120  # beside the picker, not somewhere else on the page


def test_model_picker_hint_is_gone_once_an_endpoint_is_configured(
    serve_with_env: Callable[..., contextlib.AbstractContextManager[str]], browser: Browser
) -> None:
    """Given an OpenAI key in the environment, when Coach chat opens, then the picker offers the configured endpoint
    and the how-to-add hint is not shown."""
    with serve_with_env(COACH_LOCAL_MODEL="off", OPENAI_API_KEY="sk-e2e-hint", OPENAI_BASE_URL="") as url:
        page = browser.new_page(viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]})
        ui = Dashboard(page, url)
        try:
            ui.open("chat")
            picker = ui.keyed("chat_mode")
            expect(picker.get_by_text("Configured endpoint", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
            expect(page.get_by_text(ADD_A_MODEL.split(".")[0], exact=False)).to_have_count(0)
            ui.assert_no_exception()
        finally:
            with contextlib.suppress(Exception):
                ui.screenshot("test_model_picker_hint_is_gone_once_an_endpoint_is_configured")
            page.close()


def _totals(totals: Totals, *, with_load: bool = False) -> list[str]:
    """The parts a total reads as ('45 min', '2.2 km', '13 sets', 'load 600'), zero parts left out."""
    parts = [f"{totals.minutes:.0f} min" if totals.minutes else "", f"{totals.distance_m / 1000:.1f} km" if totals.distance_m else "",
             f"{totals.sets} sets" if totals.sets else "",
             f"load {totals.load:.0f}" if with_load and totals.load else ""]  # fmt: skip
    return [p for p in parts if p]


def test_week_reads_in_dates_with_planned_done_and_totals(ui: Dashboard, app_db: Path) -> None:
    """Given Maya's plan, when the Weekly plan opens, then the week table lists each day by date (Mon 16 Nov …) and a
    Week row, each with what was planned and what was done (time, distance, sets, load) and core's verdict; the
    week's totals are also the page's headline figures, and each day's heading is its date."""
    with reading(app_db) as con:
        days = week_compliance(con, 1, load_plan(con, 1))
    planned, done = week_totals(days)
    ui.open("plan")
    headline = ui.keyed("plan_headline")
    expect(headline).to_contain_text(f"Planned this week  {' · '.join(_totals(planned))}", timeout=TIMEOUT_MS)
    expect(headline).to_contain_text(f"Done this week  {' · '.join(_totals(done, with_load=True))}")
    week = _columns(_grid(ui, 0, columns=5))
    assert list(week) == ["Day", "Compliance", "Planned", "Done", "Focus"]
    assert week["Day"] == [f"{d.date:%a %d %b}" for d in days] + ["Week"]
    assert week["Compliance"][:-1] == [d.verdict for d in days]
    for shown, wanted in zip(week["Planned"], [*(d.planned for d in days), planned], strict=True):
        assert shown == (" · ".join(_totals(wanted)) or "—")
    for shown, wanted in zip(week["Done"], [*(d.done for d in days), done], strict=True):
        assert shown == (" · ".join(_totals(wanted, with_load=True)) or "—")
    assert any(d.done.minutes for d in days) and planned.minutes and planned.sets  # the demo week has both
    headings = ui.page.get_by_test_id("stMain").locator("h3").all_inner_texts()
    assert [f"{d.date:%a %d %b}" for d in days] == [h for h in headings if re.match(r"^\w{3} \d{2} \w{3}$", h)]


def test_edit_field_names_a_session_as_the_table_does(ui: Dashboard, app_db: Path) -> None:
    """Given a ride in Maya's plan, when the coach opens its day's panel and picks it, then the Exercise field holds
    the very name the day's table shows in its Exercise column (the kind has a column of its own), not another one."""
    with reading(app_db) as con:
        plan, days = load_plan(con, 1), None
        days = week_compliance(con, 1, plan)
    index, day, block = next(
        (i, d, b) for i, d in enumerate(plan.days) for b in d.blocks if b.kind == "ride"
    )  # the first ride of the week
    when = days[index].date
    ui.open("plan")
    grids = [i for i, d in enumerate(plan.days) if d.blocks]
    table = _columns(_grid(ui, 1 + grids.index(index)))
    row = table["Kind"].index("ride")
    assert table["Exercise"][row] == block.exercise
    ui.page.get_by_text(f"Edit {day.label} {when:%d %b}", exact=True).click()
    ui.wait_idle()
    panel = ui.keyed(f"plan_edit_{day.day_id}")
    panel.get_by_role("combobox", name="Block").click()
    ui.page.get_by_role("option", name=re.compile(rf"^{day.label} · {re.escape(block.title)}")).first.click()
    ui.wait_idle()
    field = panel.get_by_label("Exercise (one line, 1-80 chars)").first
    expect(field).to_have_value(table["Exercise"][row], timeout=TIMEOUT_MS)


def test_developer_view_switch_hides_and_shows_ids_and_hashes(ui: Dashboard, app_db: Path) -> None:
    """Given the Weekly plan and History, when a coach opens them, then no stable ID, plan hash or token count shows;
    when the Developer view switch is turned on, the plan hash (core's), the day and block IDs and the token count
    appear, and History gains its Hash column; turned off again, they go."""
    with reading(app_db) as con:
        head = plan_head(con, 1)
        version_hashes = [v.plan_hash[:8] for v in plan_versions(con, 1)]
    ui.open("plan")
    expect(ui.metric("Version")).to_have_text(f"v{head.version}", timeout=TIMEOUT_MS)
    expect(ui.metric("Plan hash")).to_have_count(0)
    expect(ui.metric("Full-plan context")).to_have_count(0)
    monday = _columns(_grid(ui, 1))
    assert "ID" not in monday and not any(re.fullmatch(r"[bm]_\d+", c) for c in monday["Exercise"])
    expect(ui.page.get_by_role("heading", name=re.compile(r"day_\d"))).to_have_count(0)

    ui.keyed("plan_developer_view").get_by_text("Developer view").click()
    ui.wait_idle()
    expect(ui.metric("Plan hash")).to_have_text(head.plan_hash[:8], timeout=TIMEOUT_MS)
    expect(ui.metric("Full-plan context")).to_contain_text("tokens")
    expect(ui.page.get_by_role("heading", name=re.compile(r"^day_1 · Mon \d{2} \w{3}$"))).to_be_visible()
    grid = _grid(ui, 1)
    expect(grid.locator("th").get_by_text("ID", exact=True)).to_have_count(1, timeout=TIMEOUT_MS)  # redrawn
    assert _columns(grid)["ID"][0] == "b_1"

    ui.keyed("plan_developer_view").get_by_text("Developer view").click()
    ui.wait_idle()
    expect(ui.metric("Plan hash")).to_have_count(0)

    ui.go("Plan history & diff")
    timeline = _columns(_grid(ui, 0))
    assert "Hash" not in timeline and not set(version_hashes) & {c for v in timeline.values() for c in v}
    ui.keyed("history_developer_view").get_by_text("Developer view").click()
    ui.wait_idle()
    expect(ui.cell(version_hashes[-1])).to_be_attached(timeout=TIMEOUT_MS)
    assert _columns(_grid(ui, 0))["Hash"] == version_hashes
    expect(ui.page.get_by_role("heading", name="What the model gets")).to_be_visible()


def test_a_past_overload_block_is_a_note_not_a_current_warning(ui: Dashboard, app_db: Path) -> None:
    """Given Tomás's overload block that ended weeks before his latest day, when the Athletes page opens, then it is
    a grey note naming it past, with its dates, and no warning box speaks of an overload."""
    column = f"acr_{OVERLOAD_VARIANT}"
    with reading(app_db) as con:
        tomas = resolve_athlete(con, "tomas")
        days = daily_snapshots(con, with_workouts=False)
    days = days[days.athlete_id == tomas].reset_index(drop=True)
    blocks = [(a, b) for a, b in overload_episodes(days, column) if b - a + 1 >= OVERLOAD_MIN_DAYS]
    assert blocks, "the demo plants an overload block for Tomás"
    a, b = max(blocks, key=lambda run: run[1] - run[0])
    ago = len(days) - 1 - b
    assert ago > 7  # ended weeks ago: the case the issue saw shown as current
    ui.open()
    note = ui.page.get_by_test_id("stCaptionContainer").filter(has_text=f"{TOMAS}: past overload block")
    expect(note).to_be_visible(timeout=TIMEOUT_MS)
    expect(note).to_contain_text(f"{days.day[a]:%d %b}–{days.day[b]:%d %b}")
    expect(note).to_contain_text(f"ended {ago} d ago")
    expect(ui.page.get_by_test_id("stAlert").filter(has_text="overload")).to_have_count(0)
    roster = _columns(_grid(ui, 0, columns=7))
    assert roster["Last overload block"][roster["Athlete"].index(TOMAS)].endswith(f"{ago} d ago")


def _changes_fit(ui: Dashboard, grid: Locator, padding: int) -> None:
    """The timeline scrolls nowhere and its longest change, as the browser draws it, ends inside the Changes column
    in view (`padding`: the cell's room kept around the text, 8 px each side)."""
    columns = _columns(grid)
    assert "Changes" in columns, list(columns)  # in view
    assert not any(c.endswith("…") for c in columns["Changes"])
    scroller = grid.locator(".dvn-scroller").first
    width, overflow = scroller.evaluate("e => [e.clientWidth, e.scrollWidth - e.clientWidth]")
    assert overflow <= 0, overflow  # no column runs under the grid's right edge
    others = sum(fit_width(values, header) for header, values in columns.items() if header != "Changes")
    widest = max(_text_widths(ui, columns["Changes"]))
    assert widest + padding <= width - others, (widest, width - others)


def test_history_changes_are_not_cut_and_picks_stay_with_their_athlete(ui: Dashboard, app_db: Path) -> None:
    """Given Maya's history, when it opens (coach view, then developer view), then every change text fits in the
    Changes column in view, nothing scrolls sideways and no cell ends in '…'; when the coach diffs v1 → v3 and
    switches to Tomás, his own latest two versions are picked, and back on Maya her v1 → v3 is still there."""
    with reading(app_db) as con:
        maya, tomas = resolve_athlete(con, "maya"), resolve_athlete(con, "tomas")
        theirs = [v.version for v in plan_versions(con, tomas)]
    ui.open("history")
    _changes_fit(ui, _grid(ui, 0, columns=5), CELL_PADDING)
    ui.keyed("history_developer_view").get_by_text("Developer view").click()
    ui.wait_idle()
    _changes_fit(ui, _grid(ui, 0, columns=6), CELL_PADDING // 2)  # IDs and hashes take room: the text, not its margin
    ui.keyed("history_developer_view").get_by_text("Developer view").click()
    ui.wait_idle()

    ui.select(f"history_from_{maya}", "v1").select(f"history_to_{maya}", "v3")
    expect(ui.page.get_by_role("heading", name="Diff v1 → v3")).to_be_visible(timeout=TIMEOUT_MS)
    ui.pick_athlete(TOMAS)
    a, b = theirs[-2:] if len(theirs) > 1 else (theirs[0], theirs[0])
    expect(ui.keyed(f"history_from_{tomas}").get_by_role("combobox")).to_have_value(f"v{a}", timeout=TIMEOUT_MS)
    expect(ui.keyed(f"history_to_{tomas}").get_by_role("combobox")).to_have_value(f"v{b}")
    expect(ui.page.get_by_role("heading", name=f"Diff v{a} → v{b}")).to_be_visible()
    ui.pick_athlete(MAYA)
    expect(ui.page.get_by_role("heading", name="Diff v1 → v3")).to_be_visible(timeout=TIMEOUT_MS)
    expect(ui.keyed(f"history_from_{maya}").get_by_role("combobox")).to_have_value("v1")


def test_comprehension_reads_in_percentages_with_a_question_browser(
    ui: Dashboard, app_db: Path, eval_rows: list[dict[str, object]]
) -> None:
    """Given a saved run right on 6 of 8 questions per format, when Comprehension opens, then its table reads in words
    and percentages (75.0 %, no 0.75-style fraction, no column named like prompt_tokens), the chart's accuracy axis is
    in percent, and the question browser shows a picked question, its gold answer and the model's answer."""
    with reading(app_db) as con:
        texts = {q.qid: q.text for q in generate_questions(con)}
    ui.open("comprehension")
    grid = _grid(ui, 0)
    table = _columns(grid)
    assert not [h for h in table if "_" in h], list(table)
    cells = [c for values in table.values() for c in values]
    assert not [c for c in cells if RAW_FRACTION.match(c)], cells
    reader = [i for i, m in enumerate(table["Model"]) if m == READER]
    assert [table["Accuracy"][i] for i in reader] == ["75.0 %", "75.0 %"]
    assert all(a.endswith(" %") for a in table["Accuracy"])
    chart = ui.page.get_by_test_id("stPlotlyChart").first
    expect(chart.locator(".ytitle")).to_contain_text("accuracy, %", timeout=TIMEOUT_MS)
    ticks = chart.locator(".ytick text").all_text_contents()
    assert "100" in ticks and not [t for t in ticks if RAW_FRACTION.match(t)], ticks
    assert "_" not in (chart.locator(".xtitle").text_content() or "")

    wrong = next(r for i, r in enumerate(eval_rows) if r["format"] == "verbose" and not r["correct"])
    _choose(ui, "comprehension_question", f"{wrong['qid']} — ", typed=str(wrong["qid"]))
    _choose(ui, "comprehension_format", "verbose")
    main = ui.page.get_by_test_id("stMain")
    expect(main.get_by_text(f"Question: {texts[str(wrong['qid'])]}", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(main.get_by_text(f"Gold answer: {wrong['gold']}", exact=True)).to_be_visible()
    answers = _grid(ui, 1)
    expect(answers.locator("th")).to_have_text(["Model", "Answer", "Scored"])
    # the grid redraws after the run that picked the question: wait for its row, not the previous question's
    expect(answers.locator("td")).to_have_text([READER, str(wrong["answer"]), "wrong"], timeout=TIMEOUT_MS)


def test_formats_scope_picker_names_weeks_and_sessions_with_dates(ui: Dashboard, app_db: Path) -> None:
    """Given Maya's program, when the coach opens the Formats scope picker, then no option is a raw ID
    (`session:week-16-session-4`); weeks read with their dates and phase, and typing a session's name finds it
    with its week and date, and picking it shows that label."""
    with reading(app_db) as con:
        program = load_program(con, 1)
    week = program.weeks[-1]
    session = next(s for s in week.sessions if s.scheduled)
    label = f"Week {week.number} · {session.name} · {session.scheduled:%a %d %b}"
    ui.open("formats")
    picker = ui.keyed("formats_scope")
    picker.get_by_test_id("stSelectbox").click()
    options = ui.page.get_by_role("option").all_inner_texts()
    assert options and not [o for o in options if RAW_SCOPE.search(o)], options
    assert f"Week {program.weeks[0].number} · {program.weeks[0].start:%d %b}–" in " ".join(options)
    picker.get_by_role("combobox").fill(f"Week {week.number} · {session.name}")  # the list is long: type to find
    found = ui.page.get_by_role("option").all_inner_texts()
    assert label in found and not [o for o in found if RAW_SCOPE.search(o)], found
    ui.page.get_by_role("option", name=label, exact=True).click()
    expect(picker.get_by_role("combobox")).to_have_value(label, timeout=TIMEOUT_MS)
    ui.wait_idle()


def _choose(ui: Dashboard, key: str, option: str, *, typed: str | None = None) -> None:
    """Pick the option whose label starts with `option` in the selectbox `key`, typing `typed` first to find it in
    a long (virtualized) list; clicks again if a rerun closed the list as it opened (a panel's own rerun after it is
    expanded can land just after the first click)."""
    box = ui.keyed(key)
    wanted = ui.page.get_by_role("option", name=re.compile("^" + re.escape(option))).first
    for _ in range(5):
        box.get_by_test_id("stSelectbox").click()
        if typed is not None:
            box.get_by_role("combobox").fill(typed)
        with contextlib.suppress(AssertionError):
            expect(wanted).to_be_visible(timeout=3_000)
            break
    wanted.click()
    expect(box.get_by_role("combobox")).to_have_value(re.compile("^" + re.escape(option)), timeout=TIMEOUT_MS)
    ui.wait_idle()


def _panel_open(ui: Dashboard, day_label: str) -> Locator:
    """The day's edit panel, asserted open: its 'Add to <day>' picker is on screen."""
    add_to = ui.page.get_by_role("combobox", name=f"Add to {day_label}", exact=True)
    expect(add_to).to_be_visible(timeout=TIMEOUT_MS)
    return add_to


def test_add_and_remove_keep_the_days_panel_open_with_the_message_beside_them(ui: Dashboard, app_db: Path) -> None:
    """Given Sunday (a rest day) open, when the coach adds a 30-minute run, then the panel stays open, the new run
    is in the day's table and the confirmation sits right under Add block; when the coach then removes it, the
    panel is still open and the confirmation sits right under Remove; each is a new version."""
    with reading(app_db) as con:
        plan = load_plan(con, 1)
        days = week_compliance(con, 1, plan)
        head = plan_head(con, 1)
    version = head.version
    index = next(i for i, d in enumerate(plan.days) if not d.blocks)
    day, when = plan.days[index], days[index].date
    ui.open("plan")
    expect(ui.metric("Version")).to_have_text(f"v{version}", timeout=TIMEOUT_MS)
    ui.page.get_by_text(f"Edit {day.label} {when:%d %b}", exact=True).click()
    ui.wait_idle()
    panel = ui.keyed(f"plan_edit_{day.day_id}")
    _panel_open(ui, day.label)
    _choose(ui, f"plan__add_{day.day_id}_{short_hash(head.plan_hash)}__kind", "run")
    for label, value in (("Exercise (one line, 1-80 chars)", "Shakeout"), ("Minutes (1-600)", "30")):
        field = panel.get_by_label(label).last  # the add form is the panel's last
        field.fill(value)
        field.press("Enter")
        ui.wait_idle()
    panel.get_by_role("button", name="Add block", exact=True).click()
    ui.wait_idle()
    added = panel.get_by_text(f"Saved as v{version + 1}: ", exact=False)
    expect(added).to_be_visible(timeout=TIMEOUT_MS)
    expect(added).to_contain_text("Shakeout")
    expect(ui.metric("Version")).to_have_text(f"v{version + 1}")
    _panel_open(ui, day.label)
    button = panel.get_by_role("button", name="Add block", exact=True)
    assert 0 < _top(added) - _top(button) < 120  # under the button pressed, in view
    expect(panel.get_by_role("combobox", name="Block")).to_have_value(re.compile(rf"^{day.label} · Run Shakeout"))

    panel.get_by_role("button", name="Remove", exact=True).click()
    ui.wait_idle()
    removed = panel.get_by_text(f"Saved as v{version + 2}: ", exact=False)
    expect(removed).to_be_visible(timeout=TIMEOUT_MS)
    expect(removed).to_contain_text("removed")
    _panel_open(ui, day.label)
    expect(panel.get_by_role("button", name="Remove", exact=True)).to_have_count(0)  # nothing left to remove
    assert 0 < _top(removed) - _top(panel.get_by_role("combobox", name="Block")) < 120  # where Remove was
    expect(ui.metric("Version")).to_have_text(f"v{version + 2}")
    with reading(app_db) as con:
        assert not load_plan(con, 1).days[index].blocks  # removed again: Sunday is a rest day once more
