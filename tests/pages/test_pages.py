"""Every page renders under AppTest on a private demo database and shows real values."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from core.db.connection import PROJECT_ROOT


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> AppTest:
    """The app pointed at a fresh demo database, first run done."""
    return open_app()


def test_home_shows_every_athlete_and_the_week_chart(app: AppTest) -> None:
    """The home page lists all five demo athletes and draws the 7-day chart for the picked one."""
    table = app.dataframe[0].value
    assert list(table["name"]) == ["Maya Chen", "Tomás Rivera", "Jordan Blake", "Aiko Sato", "Sam Okafor"]
    assert app.metric[0].value == "CUT"
    assert "strength" in table.iloc[0]["mix_7d"]
    assert int(app.metric[1].value) == int(table.iloc[0]["sessions_7d"]) > 0
    assert len(app.get("plotly_chart")) == 1


def test_picking_another_athlete_changes_the_page(app: AppTest) -> None:
    """Choosing the triathlete in the sidebar updates the metrics to that athlete."""
    app.sidebar.selectbox(key="athlete_id").set_value(2).run()
    assert not app.exception
    assert app.metric[0].value == "BUILD"
    assert "Tomás Rivera" in app.subheader[0].value


@pytest.mark.parametrize("page", sorted(p.name for p in (PROJECT_ROOT / "pages").glob("*.py")))
def test_every_page_renders_without_exception(app: AppTest, page: str) -> None:
    """Each file in pages/ runs under AppTest with no exception."""
    app.switch_page(f"pages/{page}").run()
    assert not app.exception, app.exception
