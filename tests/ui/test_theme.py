"""ui/theme.py: one colour per activity type, a label per demo profile, a favicon that needs no network."""

from __future__ import annotations

from streamlit.commands.page_config import _get_favicon_string

from core.demo.profiles import PROFILES
from core.workouts.sport import TYPE_CODES
from ui.theme import FAVICON, SPORT_COLOURS, SPORT_LABELS, SPORT_ORDER, fit_width, profile_label, sport_colour_args


def test_every_activity_type_has_its_own_colour_in_core_order() -> None:
    """Given core's activity types, each has one distinct colour and a label, in core's order."""
    assert tuple(TYPE_CODES) == SPORT_ORDER
    assert set(SPORT_COLOURS) == set(TYPE_CODES) == set(SPORT_LABELS)
    assert len(set(SPORT_COLOURS.values())) == len(SPORT_COLOURS)
    args = sport_colour_args("kind")
    assert args == {"color_discrete_map": SPORT_COLOURS, "category_orders": {"kind": list(TYPE_CODES)}}


def test_every_demo_profile_has_a_readable_label() -> None:
    """Each demo profile key maps to a label without underscores; an unknown key still reads as words."""
    labels = [profile_label(p.profile) for p in PROFILES]
    assert labels[0] == "Lifter (cut)"
    assert all("_" not in label for label in labels) and len(set(labels)) == len(labels)
    assert profile_label("trail_runner") == "Trail runner"


def test_fit_width_grows_with_the_longest_value_or_header() -> None:
    """The width covers whichever is longer, the header or a value."""
    assert fit_width(["ab"], "Header") < fit_width(["a much longer value"], "Header")
    assert fit_width([], "A long header text") == fit_width(["x"], "A long header text")


def test_favicon_is_a_local_svg_sent_inline() -> None:
    """The favicon is a file in the repo that Streamlit inlines as a data: URL, so no font host is contacted."""
    assert FAVICON.is_file() and FAVICON.read_text().startswith("<svg")
    assert _get_favicon_string(str(FAVICON)).startswith("data:image/svg+xml;base64,")
    assert not _get_favicon_string(":material/fitness_center:").startswith("data:")
