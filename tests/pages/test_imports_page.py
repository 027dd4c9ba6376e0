"""A new athlete on every page (empty states, no errors), then with only imported data; the Import page and the add form."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import connect, writing
from core.db.connection import PROJECT_ROOT
from core.imports import import_sources, sources_from_paths
from core.imports.athlete import add_athlete

DATA = PROJECT_ROOT / "tests" / "data" / "imports"
PAGES = [
    "pages/home.py",
    "pages/plan.py",
    "pages/chat.py",
    "pages/history.py",
    "pages/formats.py",
    "pages/replay.py",
    "pages/patterns.py",
    "pages/comprehension.py",
    "pages/imports.py",
]


@pytest.fixture
def newbie(demo_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Athlete 'newbie' added to a private demo database that the app reads."""
    monkeypatch.setenv("COACH_DB", str(demo_db_path))
    con = connect(demo_db_path)
    athlete_id = add_athlete(con, handle="newbie", name="New Bie", time_zone="Europe/Ljubljana")
    con.close()
    return athlete_id


def _page(page: str, athlete_id: int) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.secrets["OPENAI_API_KEY"] = "test-key"
    at.session_state["athlete_id"] = athlete_id
    at.run()
    at.switch_page(page).run()
    return at


def test_new_athlete_sees_empty_states_on_every_page(newbie: int) -> None:
    """Given an athlete with no plan and no history, when every page is opened for them, then no page raises or shows an error."""
    for page in PAGES:
        at = _page(page, newbie)
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
    home = _page("pages/home.py", newbie)
    assert [m.value for m in home.metric][4:6] == ["—", "—"]  # no sleep, no HRV yet: a dash, not 'nan'
    assert "No program for this athlete yet" in _page("pages/formats.py", newbie).info[0].value


def test_athlete_with_only_imported_data_on_every_page(newbie: int, demo_db_path: Path) -> None:
    """Given an athlete whose only data is imported (FIT, TCX, GPX, health CSV), when every page is opened, then none raises or errs."""
    health = demo_db_path.parent / "health.csv"
    health.write_text(
        "date,sleep_hours,hrv_ms,resting_hr\n2017-06-10,7.5,60,50\n2017-06-11,7.0,58,51\n", encoding="utf-8"
    )
    sources, _ = sources_from_paths(
        [DATA / "garmin-fenix-5-run.fit", DATA / "garmin-fenix-5-walk.fit", DATA / "tcxparser-run.tcx.gz", health]
    )
    import_sources(lambda: writing(demo_db_path), newbie, sources)
    for page in PAGES:
        at = _page(page, newbie)
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])


def test_import_page_uploads_then_skips_the_same_files(newbie: int) -> None:
    """Given the Import page, when two real files are uploaded and imported twice, then both import, then both are skipped."""
    files = [
        ("garmin-edge-820-bike.fit", (DATA / "garmin-edge-820-bike.fit").read_bytes(), "application/octet-stream"),
        ("run.tcx", gzip.decompress((DATA / "tcxparser-run.tcx.gz").read_bytes()), "application/xml"),
    ]
    at = _page("pages/imports.py", newbie)
    for expected in ("imported", "skipped"):
        at.file_uploader(key="imports_files").set_value(files).run()
        at.button(key="imports_go").click().run()
        assert not at.exception, at.exception
        outcomes = at.dataframe[0].value
        assert list(outcomes.status) == [expected, expected]
    assert len(at.dataframe[1].value) == 2


def test_add_athlete_form_creates_an_athlete(demo_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the Athletes page, when the add form is submitted with a handle and time zone, then the athlete exists; a bad zone is one error."""
    monkeypatch.setenv("COACH_DB", str(demo_db_path))
    at = _page("pages/home.py", 1)
    at.text_input(key="home_add_handle").set_value("kim")
    at.text_input(key="home_add_tz").set_value("Mars/Olympus")
    submit = next(b for b in at.button if b.label == "Add athlete")
    submit.click().run()
    assert any("time_zone 'Mars/Olympus'" in e.value for e in at.error)
    at.text_input(key="home_add_handle").set_value("kim")
    at.text_input(key="home_add_tz").set_value("America/Denver")
    next(b for b in at.button if b.label == "Add athlete").click().run()
    assert not at.exception and any("Added kim" in s.value for s in at.success)
    con = connect(demo_db_path, read_only=True)
    sql = "SELECT s.time_zone FROM athletes JOIN athlete_settings s USING (athlete_id) WHERE handle = 'kim'"
    assert con.execute(sql).fetchone() == ("America/Denver",)
    con.close()
